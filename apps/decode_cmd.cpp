// `mp4kit decode [--stream N] [--format null|y4m|raw|framemd5|wav] [-o PATH|-] [--threads N]
//  [--frames N] [--quiet] [--strict] [--no-edits] FILE`: decodes one stream with libavcodec.
//
// The decoding lives in the mp4kit_decode module (lib/decode), loaded here with dlopen() on
// first use so that the mp4kit executable links no FFmpeg library (`probe` stays light).
// Lookup: mp4kit_decode.so in the directory of /proc/self/exe, else the path in
// $MP4KIT_DECODE_MODULE. A missing or mismatched module exits 70 with one line.
#define MP4KIT_HAVE_DECODE_CMD 1

#include <fmt/core.h>
#include <limits.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "commands.h"
#include "decode/decode_module.h"
#include "module_loader.h"

namespace mp4kit::cli {
namespace {

struct DecodeOptions {
  std::string file;
  int stream = -1;
  std::string format = "null";
  std::string output;
  int threads = 0;
  int64_t frames = -1;
  bool quiet = false;
  bool strict = false;
  bool no_edits = false;
  std::string packet_copy = "auto";
};

struct Progress {
  bool shown = false;
};

void progress_cb(void* opaque, int64_t frames, int64_t expected, double elapsed) {
  auto* p = static_cast<Progress*>(opaque);
  const double fps = elapsed > 0 ? double(frames) / elapsed : 0;
  std::string eta = "-";
  if (expected > 0 && fps > 0 && frames <= expected) eta = fmt::format("{:.1f}s", double(expected - frames) / fps);
  fmt::print(stderr, "\r\033[Kdecode: {}/{} frames  {:.1f} fps  {:.1f}s elapsed  ETA {}", frames, expected, fps, elapsed, eta);
  std::fflush(stderr);
  p->shown = true;
}

int run_decode(const DecodeOptions& o) {
  std::string why;
  const mp4kit_decode_api* api = module_api<mp4kit_decode_api>(kDecodeModule, MP4KIT_DECODE_ENTRY, MP4KIT_DECODE_ABI_VERSION, "decode", why);
  if (!api) return report_error("", make_error(ErrorCode::kInternal, "", 0, why));

  mp4kit_decode_request rq{};
  rq.abi_version = MP4KIT_DECODE_ABI_VERSION;
  rq.input_path = o.file.c_str();
  rq.stream = o.stream;
  rq.format = o.format.c_str();
  rq.output_path = o.output.empty() ? nullptr : o.output.c_str();
  rq.threads = o.threads;
  rq.max_frames = o.frames;
  rq.apply_edits = o.no_edits ? 0 : 1;
  rq.strict = o.strict ? 1 : 0;
  rq.packet_copy = o.packet_copy == "always" ? MP4KIT_PACKET_COPY_ALWAYS
                   : o.packet_copy == "never" ? MP4KIT_PACKET_COPY_NEVER
                                              : MP4KIT_PACKET_COPY_AUTO;
  Progress progress;
  if (!o.quiet && isatty(STDERR_FILENO)) {
    rq.progress = &progress_cb;
    rq.progress_opaque = &progress;
  }
  mp4kit_decode_report rp{};
  const int code = api->run(&rq, &rp);
  if (progress.shown) fmt::print(stderr, "\r\033[K");
  if (code != 0) {
    Error e;
    e.code = static_cast<ErrorCode>(code);
    e.message = rp.error;
    // The module's message is already "path at offset: message"; print it as is.
    if (rp.error_file[0]) fmt::print(stderr, "mp4kit: {}: {}\n", rp.error_file, rp.error);
    else fmt::print(stderr, "mp4kit: {}\n", rp.error);
    return code;
  }
  if (!o.quiet) {
    const double fps = rp.wall_s > 0 ? double(rp.frames) / rp.wall_s : 0;
    std::string line = fmt::format(
        "decode: stream {} ({}): {} frames in {:.3f} s ({:.1f} fps), cpu {:.3f} s; pool {} hits / {} misses ({} after warm-up, "
        "{} buffers); packets {} zero-copy / {} copied; {} decoder errors",
        rp.stream, rp.codec, rp.frames, rp.wall_s, fps, rp.cpu_s, rp.pool_hits, rp.pool_misses, rp.pool_misses_after_warmup,
        rp.pool_slots, rp.packets_zero_copy, rp.packets_copied, rp.decode_errors);
    if (rp.concealed_frames) line += fmt::format(", {} concealed frames", rp.concealed_frames);
    if (rp.error_messages) line += fmt::format(", {} decoder error messages", rp.error_messages);
    if ((rp.decode_errors || rp.error_messages) && rp.error[0]) line += fmt::format(" (first: {})", rp.error);
    if (rp.output_closed) line += "; output closed by reader";
    fmt::print(stderr, "{}\n", line);
  }
  return kExitOk;
}

}  // namespace

void register_decode(CLI::App& app, std::function<int()>& run) {
  auto opts = std::make_shared<DecodeOptions>();
  CLI::App* cmd = app.add_subcommand("decode", "Decode one stream with libavcodec (frames bit-identical to FFmpeg's)");
  cmd->add_option("FILE", opts->file, "MP4 / QuickTime / fragmented MP4 file")->required();
  cmd->add_option("--stream", opts->stream, "stream index as ffprobe numbers it (default: first video, else first audio)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--format", opts->format, "null (decode and drop), y4m, raw (packed planes / interleaved PCM), framemd5, wav")
      ->check(CLI::IsMember({"null", "y4m", "raw", "framemd5", "wav"}));
  cmd->add_option("-o,--output", opts->output, "output file, or - for stdout (default: stdout); written to a temporary name, renamed when complete");
  cmd->add_option("--threads", opts->threads, "decoder threads (0 = one per CPU, FFmpeg's default)")->check(CLI::Range(0, 64));
  cmd->add_option("--frames", opts->frames, "stop after N output frames")->check(CLI::NonNegativeNumber);
  cmd->add_flag("--quiet", opts->quiet, "no progress and no summary line on stderr");
  cmd->add_flag("--strict", opts->strict, "stop at the first decoder error (exit 65)");
  cmd->add_flag("--no-edits", opts->no_edits, "ignore edit lists: show every decoded frame, no audio priming skipped");
  cmd->add_option("--packet-copy", opts->packet_copy, "auto (the padding rule), always or never (diagnostics)")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->group("");
  run = [opts] { return run_decode(*opts); };
}

}  // namespace mp4kit::cli
