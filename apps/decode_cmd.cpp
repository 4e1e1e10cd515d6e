// `mp4kit decode [--stream N] [--format null|y4m|raw|framemd5|wav|npy] [-o PATH|-] [--threads N]
//  [--frames N] [--quiet] [--strict] [--no-edits] [--sample-rate R] [--channels N |
//  --channel-layout L] [--sample-fmt F] [--start T] [--end T] FILE`: decodes one stream with
//  libavcodec; audio options convert and cut it (AudioConverter in the decode module).
//
// Flags and output only: the work is lib/pipeline/decode_job.h (mp4kit's demuxer, the
// decode module's decoder and sinks, loaded with dlopen() on first use so that the mp4kit
// executable links no FFmpeg library and `probe` stays light). Module lookup:
// include/mp4kit/decoder.h (DecodeModule::load); a missing or mismatched module exits 70
// with one line.
#define MP4KIT_HAVE_DECODE_CMD 1

#include <fmt/core.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <optional>
#include <string>

#include "commands.h"
#include "json_record.h"
#include "limit_flags.h"
#include "source_flags.h"
#include "output_format.h"
#include "pipeline/decode_job.h"
#include "transform_flags.h"
#include "seek_request.h"

namespace mp4kit::cli {
namespace {

struct DecodeOptions {
  std::string file;
  int stream = -1;
  std::string format;  ///< as given; "" = from -o's extension, else null
  std::string output;
  int threads = 0;
  int64_t frames = -1;
  bool quiet = false;
  bool verbose = false;
  bool json = false;
  bool pretty = false;
  bool strict = false;
  bool no_edits = false;
  std::string packet_copy = "auto";
  LimitFlags limits;
  SourceFlags source;
  TransformFlags transform;
  // Audio conversion (README "decode", "Audio"): empty / 0 = unchanged.
  int sample_rate = 0, channels = 0;
  std::string channel_layout, sample_fmt, start, end;
};

// --- audio conversion flags -> AudioConversion (lib/output/audio_convert.h does the work) ---
// A time for --start/--end as ffmpeg's av_parse_time reads a duration: seconds (any
// decimals, cut to microseconds), a rational, or [HH:]MM:SS[.fff] (seek_request.h's parser).
Result<int64_t> time_us(const std::string& flag, const std::string& text) {
  auto t = parse_time(text);
  if (!t.ok()) return make_error(ErrorCode::kUsage, "", 0, flag + ": " + t.error().message);
  return static_cast<int64_t>(t->num() * 1000000 / t->den2());
}

Result<std::optional<AudioConversion>> audio_conversion(const DecodeOptions& o) {
  if (!o.sample_rate && !o.channels && o.channel_layout.empty() && o.sample_fmt.empty() && o.start.empty() && o.end.empty())
    return std::optional<AudioConversion>();
  AudioConversion c;
  c.sample_rate = o.sample_rate;
  c.channels = o.channels;
  c.channel_layout = o.channel_layout;
  c.sample_fmt = o.sample_fmt;
  if (!o.start.empty()) {
    auto us = time_us("--start", o.start);
    if (!us.ok()) return us.error();
    c.start_us = *us;
  }
  if (!o.end.empty()) {
    auto us = time_us("--end", o.end);
    if (!us.ok()) return us.error();
    c.end_us = *us;
  }
  if (c.end_us <= c.start_us)
    return make_error(ErrorCode::kUsage, "", 0, "--start " + o.start + " --end " + o.end + " is empty: --end must be after --start");
  return std::optional<AudioConversion>(c);
}

void print_progress(bool& shown, int64_t frames, int64_t expected, double elapsed) {
  const double fps = elapsed > 0 ? double(frames) / elapsed : 0;
  std::string eta = "-";
  if (expected > 0 && fps > 0 && frames <= expected) eta = fmt::format("{:.1f}s", double(expected - frames) / fps);
  fmt::print(stderr, "\r\033[Kdecode: {}/{} frames  {:.1f} fps  {:.1f}s elapsed  ETA {}", frames, expected, fps, elapsed, eta);
  std::fflush(stderr);
  shown = true;
}

// The summary on stderr: one line under 100 columns for a clean decode (frames, fps, wall
// and CPU seconds, decoder errors when there were any); --verbose adds the pool and packet
// counters on a second line.
void print_summary(const pipeline::DecodeReport& r, bool verbose) {
  const mp4kit_decoder_stats& d = r.decoder;
  const double fps = r.wall_s > 0 ? double(r.frames) / r.wall_s : 0;
  std::string line = fmt::format("decode: stream {} ({}): {} in {:.3f} s ({:.1f} fps), cpu {:.3f} s", r.stream, r.codec,
                                 plural(uint64_t(r.frames), "frame", "frames"), r.wall_s, fps, r.cpu_s);
  if (d.decode_errors || d.error_messages || d.concealed_frames) {
    std::string errs;
    if (d.decode_errors) errs += plural(uint64_t(d.decode_errors), "decoder error", "decoder errors");
    if (d.concealed_frames) errs += (errs.empty() ? "" : ", ") + plural(uint64_t(d.concealed_frames), "concealed frame", "concealed frames");
    if (d.error_messages) errs += (errs.empty() ? "" : ", ") + plural(uint64_t(d.error_messages), "decoder error message", "decoder error messages");
    line += "; " + errs;
  }
  if (r.output_closed) line += "; output closed by reader";
  // A URL: what was fetched, short enough for the 100-column line.
  if (r.input_read.bytes)
    line += fmt::format("; {:.1f} MB in {}", double(r.input_read.bytes) / 1e6, plural(r.input_read.requests, "request", "requests"));
  fmt::print(stderr, "{}\n", line);
  if ((d.decode_errors || d.error_messages) && !r.first_error.empty()) fmt::print(stderr, "decode: first error: {}\n", r.first_error);
  if (verbose)
    fmt::print(stderr, "decode: frame pool {} hits / {} misses ({} after warm-up, {} buffers); packets {} zero-copy / {} copied\n",
               d.pool_hits, d.pool_misses, d.pool_misses_after_warmup, d.pool_slots, d.packets_zero_copy, d.packets_copied);
}

// --json: the summary as one record on stdout (schema mp4kit.decode/1, README "JSON output").
void print_json(const DecodeOptions& o, const pipeline::DecodeReport& r) {
  const mp4kit_decoder_stats& d = r.decoder;
  ordered_json j;
  j["schema"] = "mp4kit.decode/1";
  j["filename"] = display_name(o.file);
  j["stream"] = r.stream;
  j["codec"] = r.codec;
  j["format"] = o.format;
  j["output"] = o.format == "null" ? "" : o.output.empty() ? "-" : o.output;
  j["frames"] = r.frames;
  j["fps"] = r.wall_s > 0 ? std::round(double(r.frames) / r.wall_s * 1000) / 1000 : 0.0;
  j["wall_s"] = std::round(r.wall_s * 1e6) / 1e6;
  j["cpu_s"] = std::round(r.cpu_s * 1e6) / 1e6;
  j["threads"] = d.threads;
  j["output_bytes"] = r.output_bytes;
  j["output_closed"] = r.output_closed;
  j["input"] = {{"bytes_read", r.input_read.bytes}, {"requests", r.input_read.requests}};
  j["packets"] = {{"sent", d.packets}, {"zero_copy", d.packets_zero_copy}, {"copied", d.packets_copied}};
  j["pool"] = {{"hits", d.pool_hits}, {"misses", d.pool_misses}, {"misses_after_warmup", d.pool_misses_after_warmup},
               {"buffers", d.pool_slots}};
  j["errors"] = {{"decode_errors", d.decode_errors}, {"concealed_frames", d.concealed_frames},
                 {"error_messages", d.error_messages}, {"first", r.first_error}};
  if (r.transformed) j["transform"] = TransformFlags::json(r.transform, r.transform_warning);
  write_record(j, o.pretty);
}

int fail(const DecodeOptions& o, const std::string& file, const Error& e) {
  const int rc = report_error(file, e);
  if (o.json) write_record(error_record(o.file, e), o.pretty);
  return rc;
}

const ExtensionTable kDecodeExtensions = {{"y4m", "y4m"}, {"wav", "wav"}, {"raw", "raw"}, {"yuv", "raw"}, {"pcm", "raw"},
                                          {"framemd5", "framemd5"}, {"npy", "npy"}};

int run_decode(DecodeOptions o) {
  auto format = choose_format(o.format, o.output, kDecodeExtensions, "null");
  if (!format.ok()) return fail(o, "", format.error());
  if (*format == "null" && !o.output.empty())
    return fail(o, "", make_error(ErrorCode::kUsage, "", 0,
                                  o.format.empty() ? "-o " + o.output + " needs --format y4m, raw, framemd5, wav or npy"
                                                   : "--format null writes nothing: -o " + o.output + " cannot be used with it"));
  o.format = *format;
  if (Status in = refuse_stdin_input(o.file); !in.ok()) return fail(o, o.file, in.error());
  const std::string out = o.format == "null" ? "" : o.output.empty() ? "-" : o.output;
  if (o.json && out == "-")
    return fail(o, "", make_error(ErrorCode::kUsage, "", 0, "--json prints to stdout: write the frames to a file (-o PATH)"));
  pipeline::DecodeJob job;
  job.input = o.file;
  job.source = o.source.options();
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
  auto ts = o.transform.settings();
  if (!ts.ok()) return fail(o, "", ts.error());
  job.transform = *ts;
  job.autorotate = !o.transform.no_autorotate;
  job.quality = o.transform.quality;
  auto audio = audio_conversion(o);
  if (!audio.ok()) return fail(o, o.file, audio.error());
  job.audio = *audio;
  bool shown = false;
  if (!o.quiet && isatty(STDERR_FILENO))
    job.progress = [&shown](int64_t frames, int64_t expected, double elapsed) { print_progress(shown, frames, expected, elapsed); };
  std::string error_file;
  auto report = pipeline::run_decode(job, error_file);
  if (shown) fmt::print(stderr, "\r\033[K");
  if (!report.ok()) return fail(o, error_file, report.error());
  if (!report->transform_warning.empty()) fmt::print(stderr, "mp4kit: warning: {}: {}\n", o.file, report->transform_warning);
  if (o.json) print_json(o, *report);
  else if (!o.quiet) print_summary(*report, o.verbose);
  // Fewer pictures than shown packets: say so even with --quiet (the frames are gone).
  if (report->video && !report->output_closed && report->frames < report->expected_frames)
    fmt::print(stderr, "mp4kit: warning: {}: stream {}: {} of {} frames came out of the decoder ({} lost)\n", display_name(o.file),
               report->stream, report->frames, report->expected_frames, report->expected_frames - report->frames);
  return kExitOk;
}

}  // namespace

void register_decode(CLI::App& app, std::function<int()>& run) {
  auto opts = std::make_shared<DecodeOptions>();
  CLI::App* cmd = app.add_subcommand("decode", "Decode one stream with libavcodec (frames bit-identical to FFmpeg's)");
  cmd->add_option("FILE", opts->file, "MP4 / QuickTime / fragmented MP4 file, or an http(s):// URL")->required();
  cmd->add_option("--stream", opts->stream, "stream index as ffprobe numbers it (default: first video, else first audio)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--format", opts->format, "null (decode and drop; the default without -o), y4m, raw (packed planes / interleaved PCM), framemd5, wav, npy (video: all frames in one N x H x W x C array; audio: samples x channels); default: from -o's extension (.y4m .wav .raw .yuv .pcm .framemd5 .npy)")
      ->check(CLI::IsMember({"null", "y4m", "raw", "framemd5", "wav", "npy"}));
  cmd->add_option("-o,--output", opts->output, "output file, or - for stdout (default: stdout); written to a temporary name, renamed when complete");
  cmd->add_option("--threads", opts->threads, "decoder threads (0 = one per CPU, FFmpeg's default)")->check(CLI::Range(0, 64));
  cmd->add_option("--frames", opts->frames, "stop after N output frames")->check(CLI::NonNegativeNumber);
  cmd->add_flag("--quiet", opts->quiet, "no progress and no summary line on stderr");
  cmd->add_flag("--verbose", opts->verbose, "also the frame pool and packet counters in the summary");
  cmd->add_flag("--json", opts->json, "the summary as one JSON line on stdout (schema mp4kit.decode/1); needs -o PATH or --format null");
  cmd->add_flag("--pretty", opts->pretty, "JSON indented for people (implies --json)");
  cmd->add_flag("--strict", opts->strict, "stop at the first decoder error; exit 65 also when libavcodec logged an error");
  cmd->add_flag("--no-edits", opts->no_edits, "ignore edit lists: show every decoded frame, no audio priming skipped");
  cmd->add_option("--packet-copy", opts->packet_copy, "auto (the padding rule), always or never (diagnostics)")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->group("");
  // Audio conversion (libswresample in the decode module; FFmpeg's defaults, README "Audio").
  cmd->add_option("--sample-rate", opts->sample_rate, "audio: resample to R Hz (ffmpeg -ar R)")->check(CLI::Range(1, 768000));
  cmd->add_option("--channels", opts->channels, "audio: N channels in the default layout for N (ffmpeg -ac N)")->check(CLI::Range(1, 64));
  cmd->add_option("--channel-layout", opts->channel_layout, "audio: output layout by FFmpeg's name: mono, stereo, 2.1, 4.0, 5.1, 7.1, FL+FR+LFE, ...");
  cmd->add_option("--sample-fmt", opts->sample_fmt, "audio: packed sample format of the output: u8, s16, s32, flt, dbl (default: the decoder's)")
      ->check(CLI::IsMember({"u8", "s16", "s32", "flt", "dbl"}));
  cmd->add_option("--start", opts->start, "audio: keep samples from time T on (presentation timeline, seconds or HH:MM:SS.mmm; atrim start)");
  cmd->add_option("--end", opts->end, "audio: keep samples before time T (half-open; atrim end)");
  add_limit_flags(*cmd, opts->limits);
  add_source_flags(*cmd, opts->source);
  opts->transform.add(*cmd);
  run = [opts] {
    opts->json = opts->json || opts->pretty;
    return run_decode(*opts);
  };
}

}  // namespace mp4kit::cli
