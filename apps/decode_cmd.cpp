// `mp4kit decode [--stream N] [--format null|y4m|raw|framemd5|wav] [-o PATH|-] [--threads N]
//  [--frames N] [--quiet] [--strict] [--no-edits] FILE`: decodes one stream with libavcodec.
//
// Flags and output only: the work is lib/pipeline/decode_job.h (mp4kit's demuxer, the
// decode module's decoder and sinks, loaded with dlopen() on first use so that the mp4kit
// executable links no FFmpeg library and `probe` stays light). Module lookup:
// include/mp4kit/decoder.h (DecodeModule::load); a missing or mismatched module exits 70
// with one line.
#define MP4KIT_HAVE_DECODE_CMD 1

#include <fmt/core.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "commands.h"
#include "limit_flags.h"
#include "pipeline/decode_job.h"

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
  LimitFlags limits;
};

void print_progress(bool& shown, int64_t frames, int64_t expected, double elapsed) {
  const double fps = elapsed > 0 ? double(frames) / elapsed : 0;
  std::string eta = "-";
  if (expected > 0 && fps > 0 && frames <= expected) eta = fmt::format("{:.1f}s", double(expected - frames) / fps);
  fmt::print(stderr, "\r\033[Kdecode: {}/{} frames  {:.1f} fps  {:.1f}s elapsed  ETA {}", frames, expected, fps, elapsed, eta);
  std::fflush(stderr);
  shown = true;
}

void print_summary(const pipeline::DecodeReport& r) {
  const mp4kit_decoder_stats& d = r.decoder;
  const double fps = r.wall_s > 0 ? double(r.frames) / r.wall_s : 0;
  std::string line = fmt::format(
      "decode: stream {} ({}): {} frames in {:.3f} s ({:.1f} fps), cpu {:.3f} s; pool {} hits / {} misses ({} after warm-up, "
      "{} buffers); packets {} zero-copy / {} copied; {} decoder errors",
      r.stream, r.codec, r.frames, r.wall_s, fps, r.cpu_s, d.pool_hits, d.pool_misses, d.pool_misses_after_warmup, d.pool_slots,
      d.packets_zero_copy, d.packets_copied, d.decode_errors);
  if (d.concealed_frames) line += fmt::format(", {} concealed frames", d.concealed_frames);
  if (d.error_messages) line += fmt::format(", {} decoder error messages", d.error_messages);
  if ((d.decode_errors || d.error_messages) && !r.first_error.empty()) line += fmt::format(" (first: {})", r.first_error);
  if (r.output_closed) line += "; output closed by reader";
  fmt::print(stderr, "{}\n", line);
}

int run_decode(const DecodeOptions& o) {
  pipeline::DecodeJob job;
  job.input = o.file;
  job.demux.limits = o.limits.limits();
  job.demux.apply_edit_lists = !o.no_edits;
  job.stream = o.stream;
  job.format = o.format;
  job.output = o.output;
  job.decoder.threads = o.threads;
  job.decoder.strict = o.strict;
  job.decoder.packet_copy = o.packet_copy == "always"  ? PacketCopy::kAlways
                            : o.packet_copy == "never" ? PacketCopy::kNever
                                                       : PacketCopy::kAuto;
  job.max_frames = o.frames;
  bool shown = false;
  if (!o.quiet && isatty(STDERR_FILENO))
    job.progress = [&shown](int64_t frames, int64_t expected, double elapsed) { print_progress(shown, frames, expected, elapsed); };
  std::string error_file;
  auto report = pipeline::run_decode(job, error_file);
  if (shown) fmt::print(stderr, "\r\033[K");
  if (!report.ok()) return report_error(error_file, report.error());
  if (!o.quiet) print_summary(*report);
  // Fewer pictures than shown packets: say so even with --quiet (the frames are gone).
  if (report->video && !report->output_closed && report->frames < report->expected_frames)
    fmt::print(stderr, "mp4kit: warning: {}: stream {}: {} of {} frames came out of the decoder ({} lost)\n", o.file,
               report->stream, report->frames, report->expected_frames, report->expected_frames - report->frames);
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
  add_limit_flags(*cmd, opts->limits);
  run = [opts] { return run_decode(*opts); };
}

}  // namespace mp4kit::cli
