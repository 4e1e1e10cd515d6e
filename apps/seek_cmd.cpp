// `mp4kit seek FILE (--frame N | --frames START:END[:STEP] | --time T | --pts P | --uniform K |
//  --every N | --fps R | --keyframes)... [--stream N]
//  [--format png|ppm|y4m|raw|framemd5|null] [-o PATTERN|PATH|-] [--threads N] [--no-skip]
//  [--plan] [--verify] [--json] [--quiet]`: exact frames by index or time.
//
// The requests are resolved here, from the container alone (lib/mp4: SeekStream,
// PresentationIndex, plan_seek): times become frame numbers, ranges are checked (exit 64
// with the valid range), and `--plan` prints the plan without ever loading FFmpeg.
// Decoding is lib/pipeline/seek_job.h (the decode module loaded on first use; this file
// expands output patterns to one path per target and formats the results).
// Targets keep the order of the command line, across --frame/--frames/--time.
#define MP4KIT_HAVE_SEEK_CMD 1

#include <fmt/core.h>
#include <unistd.h>

#include <cmath>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "commands.h"
#include "json_record.h"
#include "limit_flags.h"
#include "source_flags.h"
#include "output_format.h"
#include "mp4/frame_select.h"
#include "mp4/seek_plan.h"
#include "seek_request.h"
#include "pipeline/seek_job.h"
#include "transform_flags.h"

namespace mp4kit::cli {
namespace {

struct Request {
  enum Kind { kFrame, kRange, kTime, kPts, kUniform, kEvery, kFps, kKeyframes } kind;
  std::string text;
};

struct SeekOptions {
  std::string file;
  int stream = -1;
  std::vector<Request> requests;  // command-line order
  std::string format;  ///< as given; "" = from -o's extension, else png
  std::string output;
  int threads = 0;
  bool no_skip = false;
  bool plan = false;
  bool verify = false;
  bool json = false;
  bool pretty = false;
  bool quiet = false;
  std::string time_rule = "shown";
  LimitFlags limits;
  SourceFlags source;
  TransformFlags transform;
};

// One resolved target: the frame and what the user typed for it (selectors: their value
// and the target's position `n` in their selection).
struct Target {
  uint64_t frame = 0;
  Request::Kind kind = Request::kFrame;
  std::string requested;
  uint64_t n = 0;
};

// --- selectors (--uniform, --every, --fps, --keyframes; lib/mp4/frame_select.h) ---
bool is_selector(Request::Kind k) { return k == Request::kUniform || k == Request::kEvery || k == Request::kFps || k == Request::kKeyframes; }

const char* selector_name(Request::Kind k) {
  return k == Request::kUniform ? "uniform" : k == Request::kEvery ? "every" : k == Request::kFps ? "fps" : "keyframes";
}

Result<uint64_t> parse_count(const std::string& text, const char* flag, const char* what) {
  bool digits = !text.empty() && text.size() <= 18;
  for (char c : text) digits = digits && c >= '0' && c <= '9';
  if (!digits)
    return make_error(ErrorCode::kUsage, "", 0, std::string("bad ") + flag + " '" + text + "': " + what + " (1.." +
                                                    std::to_string(kMaxSelectedFrames) + ")");
  return std::stoull(text);
}

Result<std::vector<uint64_t>> select_frames(const SeekStream& s, const Request& r) {
  const uint64_t count = s.index().frame_count();
  if (r.kind == Request::kUniform) {
    auto k = parse_count(r.text, "--uniform", "K is a number of frames");
    if (!k.ok()) return k.error();
    return select_uniform(count, *k);
  }
  if (r.kind == Request::kEvery) {
    auto n = parse_count(r.text, "--every", "N is a frame step");
    if (!n.ok()) return n.error();
    return select_every(count, *n);
  }
  if (r.kind == Request::kFps) {
    auto rate = parse_rate(r.text);
    if (!rate.ok()) return rate.error();
    auto summary = s.demuxer->summary();  // ffmpeg shifts timestamps by the format's start_time
    if (!summary.ok()) return summary.error();
    return select_fps(s.timeline(), s.index(), s.trak(), summary->streams[s.stream].r_frame_rate, *rate,
                      summary->format.start_time_us.value_or(0));
  }
  return select_sync_frames(s.movie(), s.trak(), s.timeline(), s.index());
}

Result<std::vector<Target>> resolve(const SeekStream& s, const std::vector<Request>& requests, TimeRule rule) {
  std::vector<Target> out;
  const uint64_t count = s.index().frame_count();
  for (const Request& r : requests) {
    if (r.kind == Request::kKeyframes && requests.size() > 1)
      return make_error(ErrorCode::kUsage, "", 0, "--keyframes decodes sync samples only: give it alone, without other frame requests");
    if (is_selector(r.kind)) {
      auto frames = select_frames(s, r);
      if (!frames.ok()) return frames.error();
      for (uint64_t i = 0; i < frames->size(); ++i) out.push_back({(*frames)[i], r.kind, r.text, i});
      if (out.size() > kMaxSelectedFrames)
        return make_error(ErrorCode::kUsage, "", 0, "the requests select " + std::to_string(out.size()) + " frames; at most " +
                                                        std::to_string(kMaxSelectedFrames) + " per call");
    } else if (r.kind == Request::kRange) {
      auto frames = parse_frame_range(r.text, count);
      if (!frames.ok()) return frames.error();
      for (uint64_t f : *frames) out.push_back({f, Request::kRange, std::to_string(f)});
    } else if (r.kind == Request::kTime) {
      auto f = frame_at_time(s, r.text, rule);
      if (!f.ok()) return f.error();
      out.push_back({*f, Request::kTime, r.text});
    } else if (r.kind == Request::kPts) {
      auto f = frame_at_pts_text(s, r.text, rule);
      if (!f.ok()) return f.error();
      out.push_back({*f, Request::kPts, r.text});
    } else {
      uint64_t f = 0;
      bool digits = !r.text.empty() && r.text.size() <= 18;
      for (char c : r.text) digits = digits && c >= '0' && c <= '9';
      if (!digits) return make_error(ErrorCode::kUsage, "", 0, "bad frame index '" + r.text + "' (a number from 0)");
      f = std::stoull(r.text);
      if (f >= count)
        return make_error(ErrorCode::kUsage, "", 0,
                          "frame " + r.text + " is out of range: valid frames are 0.." +
                              (count ? std::to_string(count - 1) : std::string("(none)")) + " (stream " +
                              std::to_string(s.stream) + ")");
      out.push_back({f, Request::kFrame, r.text});
    }
  }
  if (out.empty())
    return make_error(ErrorCode::kUsage, "", 0,
                      "nothing to extract: give --frame, --frames, --time, --pts, --uniform, --every, --fps or --keyframes");
  return out;
}

double seconds(int64_t ticks, uint32_t timescale) { return static_cast<double>(ticks) / timescale; }

nlohmann::ordered_json requested_json(const Target& t) {
  nlohmann::ordered_json j;
  if (is_selector(t.kind)) {
    if (t.kind == Request::kKeyframes) j["keyframes"] = true;
    else if (t.kind == Request::kFps) j["fps"] = t.requested;
    else j[selector_name(t.kind)] = std::stoull(t.requested);
    j["n"] = t.n;  // position in the selector's selection
    return j;
  }
  if (t.kind == Request::kTime) j["time"] = t.requested;
  else if (t.kind == Request::kPts) j["pts"] = std::stoll(t.requested);
  else j["frame"] = t.frame;
  return j;
}

// A failure: one line on stderr and, with --json, the error record (README "JSON output")
// under the input's name, so that a script reading stdout sees every input.
int fail(const SeekOptions& o, const std::string& file, const Error& e) {
  const int rc = report_error(file, e);
  if (o.json) write_record(error_record(o.file, e), o.pretty);
  return rc;
}

bool sync_only(const std::vector<Target>& targets) { return !targets.empty() && targets.front().kind == Request::kKeyframes; }

int print_plan(const SeekOptions& o, const SeekStream& s, const std::vector<Target>& targets) {
  std::vector<uint64_t> frames;
  for (const Target& t : targets) frames.push_back(t.frame);
  SeekPlanOptions popt;
  popt.skip_non_reference = !o.no_skip;
  popt.sync_only = sync_only(targets);
  auto plan = plan_seek(s.movie(), s.trak(), s.timeline(), s.index(), frames, popt);
  if (!plan.ok()) return fail(o, o.file, plan.error());
  const auto costs = target_costs(*plan, s.timeline());
  const auto& pk = s.timeline().packets;
  const uint32_t ts = s.timescale();
  uint64_t decoded = 0, skipped = 0, bytes = 0, syncs = 0;
  for (const SeekPass& p : plan->passes) decoded += p.decoded, skipped += p.skipped, bytes += p.bytes;
  for (const Packet& p : pk) syncs += p.key;
  if (o.json) {
    nlohmann::ordered_json j;
    j["schema"] = "mp4kit.seek/1";
    j["file"] = o.file;
    j["stream"] = s.stream;
    j["frame_count"] = s.index().frame_count();
    j["plan"] = true;
    j["skip_non_reference"] = !o.no_skip;
    auto& arr = j["targets"] = nlohmann::ordered_json::array();
    for (size_t i = 0; i < targets.size(); ++i) {
      const SeekTarget& t = plan->targets[i];
      arr.push_back({{"requested", requested_json(targets[i])},
                     {"frame", t.frame},
                     {"pts", pk[t.packet].pts},
                     {"time", seconds(pk[t.packet].pts, ts)},
                     {"packet", t.packet},
                     {"sync_packet", t.start_packet},
                     {"sync_time", seconds(pk[t.start_packet].pts, ts)},
                     {"pass", t.pass},
                     {"decoded", costs[i].decoded},
                     {"skipped", costs[i].skipped},
                     {"bytes", costs[i].bytes}});
    }
    j["totals"] = {{"passes", plan->passes.size()}, {"decoded", decoded}, {"skipped", skipped}, {"bytes", bytes}};
    write_record(j, o.pretty);
    return kExitOk;
  }
  fmt::print("seek plan: {} stream {} ({} frames, {} sync samples), non-reference skipping {}\n", o.file, s.stream,
             s.index().frame_count(), syncs, o.no_skip ? "off" : "on");
  fmt::print("{:>12} {:>8} {:>10} {:>10} {:>8} {:>10} {:>5} {:>7} {:>6} {:>10}\n", "requested", "frame", "pts", "time",
             "sync_pkt", "sync_time", "pass", "decode", "skip", "bytes");
  for (size_t i = 0; i < targets.size(); ++i) {
    const SeekTarget& t = plan->targets[i];
    const std::string req = is_selector(targets[i].kind) ? fmt::format("{}#{}", selector_name(targets[i].kind), targets[i].n)
                            : targets[i].kind == Request::kTime ? targets[i].requested + "s"
                            : targets[i].kind == Request::kPts ? "pts " + targets[i].requested
                                                               : targets[i].requested;
    fmt::print("{:>12} {:>8} {:>10} {:>10.3f} {:>8} {:>10.3f} {:>5} {:>7} {:>6} {:>10}\n", req, t.frame, pk[t.packet].pts,
               seconds(pk[t.packet].pts, ts), t.start_packet, seconds(pk[t.start_packet].pts, ts), t.pass, costs[i].decoded,
               costs[i].skipped, costs[i].bytes);
  }
  fmt::print("total: {}, {}, {} to decode, {} skipped, {} bytes to read\n", plural(targets.size(), "target", "targets"),
             plural(plan->passes.size(), "pass", "passes"), plural(decoded, "packet", "packets"), skipped, bytes);
  return kExitOk;
}

// The job for the resolved targets: one output path per target when `output` is a pattern.
Result<pipeline::SeekJob> make_job(const SeekOptions& o, const SeekStream& s, const std::vector<Target>& targets,
                                   const std::string& output) {
  pipeline::SeekJob job;
  job.input = o.file;
  job.opened = s.demuxer->movie().source;  // a URL is not fetched twice: its cached blocks serve the job
  job.demux.limits = o.limits.limits();
  job.stream = s.stream;
  job.format = o.format;
  job.output = output;
  for (const Target& t : targets) {
    job.frames.push_back(t.frame);
    if (is_output_pattern(output)) {
      auto p = expand_output_pattern(output, t.frame);
      if (!p.ok()) return p.error();
      job.target_outputs.push_back(*p);
    }
  }
  job.threads = o.threads;
  job.skip_non_reference = !o.no_skip;
  job.sync_only = sync_only(targets);
  job.verify = o.verify;
  job.md5 = o.json || o.verify;  // only the JSON record shows it
  auto ts = o.transform.settings();
  if (!ts.ok()) return ts.error();
  job.transform = *ts;
  job.autorotate = !o.transform.no_autorotate;
  job.quality = o.transform.quality;
  return job;
}

double per_frame(const pipeline::SeekReport& rp) {
  return rp.targets.empty() ? 0 : static_cast<double>(rp.runs.decoded) / static_cast<double>(rp.targets.size());
}

void print_json(const SeekOptions& o, const std::vector<Target>& targets, const pipeline::SeekReport& rp, uint32_t ts) {
  const std::vector<pipeline::SeekTargetResult>& out = rp.targets;
  const pipeline::VerifyResult& v = rp.verify;
  nlohmann::ordered_json j;
  j["schema"] = "mp4kit.seek/1";
  j["file"] = display_name(o.file);
  j["stream"] = rp.stream;
  j["codec"] = rp.codec;
  j["frame_count"] = rp.frame_count;
  j["threads"] = rp.threads;
  j["skip_non_reference"] = !o.no_skip;
  auto& arr = j["targets"] = nlohmann::ordered_json::array();
  for (size_t i = 0; i < out.size(); ++i) {
    const pipeline::SeekTargetResult& t = out[i];
    nlohmann::ordered_json e = {{"requested", requested_json(targets[i])},
                                {"frame", t.frame},
                                {"pts", t.pts},
                                {"time", seconds(t.pts, ts)},
                                {"packet", t.packet},
                                {"sync_packet", t.sync_packet},
                                {"sync_time", seconds(t.sync_pts, ts)},
                                {"pass", t.pass},
                                {"fallback", t.fallback},
                                {"decoded", t.decoded},
                                {"skipped", t.skipped},
                                {"bytes", t.bytes},
                                {"ms", std::round(t.ms * 1000) / 1000},
                                {"size", t.size},
                                {"md5", t.md5}};
    if (!t.output.empty()) e["output"] = t.output;
    if (o.verify) e["verified"] = t.verified == 1;
    arr.push_back(std::move(e));
  }
  j["totals"] = {{"passes", rp.runs.passes}, {"fallbacks", rp.runs.fallbacks},  {"decoded", rp.runs.decoded},
                 {"skipped", rp.runs.skipped}, {"bytes", rp.runs.bytes},         {"decoded_per_frame", per_frame(rp)},
                 {"decode_errors", rp.decode_errors}, {"seconds", std::round(rp.wall_s * 1e6) / 1e6},
                 {"bytes_read", rp.input_read.bytes}, {"requests", rp.input_read.requests}};
  if (o.verify) {
    j["verify"] = {{"frames", v.frames},
                   {"mismatches", v.mismatches},
                   {"linear_frames", v.linear_frames},
                   {"sync_samples_checked", v.sync_checked},
                   {"sync_samples_not_keyframes", v.sync_not_key},
                   {"sync_samples_not_shown", v.sync_hidden},
                   {"detail", v.detail}};
  }
  if (rp.transformed) j["transform"] = TransformFlags::json(rp.transform, rp.transform_warning);
  write_record(j, o.pretty);
}

void print_text(const SeekOptions& o, const pipeline::SeekReport& rp, uint32_t ts) {
  const std::vector<pipeline::SeekTargetResult>& out = rp.targets;
  const pipeline::VerifyResult& v = rp.verify;
  for (const pipeline::SeekTargetResult& t : out) {
    fmt::print(stderr, "frame {} ({:.3f} s): from sync packet {} ({:.3f} s), {} decoded, {} skipped, {} bytes, {:.1f} ms{}{}{}\n",
               t.frame, seconds(t.pts, ts), t.sync_packet, seconds(t.sync_pts, ts), t.decoded, t.skipped, t.bytes, t.ms,
               t.fallback ? fmt::format(" (fallback {})", t.fallback) : std::string(),
               !t.output.empty() ? fmt::format(" -> {}", t.output) : std::string(),
               o.verify ? (t.verified == 1 ? " [verified]" : " [MISMATCH]") : "");
  }
  fmt::print(stderr, "seek: {} of stream {} ({}): {}, {} decoded, {} skipped ({:.1f} decoded per frame), {} bytes, {:.3f} s\n",
             plural(out.size(), "frame", "frames"), rp.stream, rp.codec, plural(uint64_t(rp.runs.passes), "pass", "passes"),
             plural(uint64_t(rp.runs.decoded), "packet", "packets"), rp.runs.skipped, per_frame(rp), rp.runs.bytes, rp.wall_s);
  if (rp.input_read.bytes)
    fmt::print(stderr, "seek: fetched {} bytes in {}\n", rp.input_read.bytes, plural(rp.input_read.requests, "request", "requests"));
  if (o.verify) {
    fmt::print(stderr,
               "verify: {} of {} frames identical to a linear decode ({} frames); sync samples: {} checked, {} not keyframes, {} not shown{}\n",
               v.frames - v.mismatches, v.frames, v.linear_frames, v.sync_checked, v.sync_not_key, v.sync_hidden,
               !v.detail.empty() ? fmt::format(" ({})", v.detail) : "");
  }
}

const ExtensionTable kSeekExtensions = {{"png", "png"}, {"ppm", "ppm"}, {"y4m", "y4m"}, {"raw", "raw"}, {"yuv", "raw"},
                                        {"framemd5", "framemd5"}, {"jpg", "jpeg"}, {"jpeg", "jpeg"}, {"npy", "npy"}};

int run_seek(SeekOptions o) {
  auto format = choose_format(o.format, o.output, kSeekExtensions, "png");
  if (!format.ok()) return fail(o, "", format.error());
  o.format = *format;
  if (Status in = refuse_stdin_input(o.file); !in.ok()) return fail(o, o.file, in.error());
  auto opened = SeekStream::open(o.file, o.stream, o.source.options(), o.limits.limits());  // exit 74 if cut while read
  if (!opened.ok()) return fail(o, o.file, opened.error());
  const SeekStream& s = *opened;
  auto targets = resolve(s, o.requests, o.time_rule == "next" ? TimeRule::kNext : TimeRule::kShown);
  if (!targets.ok()) return fail(o, o.file, targets.error());
  if (o.plan) return print_plan(o, s, *targets);

  // Outputs: check what can be checked before loading FFmpeg.
  std::string output = o.output;
  if (o.format == "null") output.clear();
  else if (output.empty()) output = (o.format == "png" || o.format == "ppm") ? "frame_%06d." + o.format : o.format == "jpeg" ? "frame_%06d.jpg" : "-";
  if (o.format == "npy" && (output == "-" || is_output_pattern(output)))
    return fail(o, "", make_error(ErrorCode::kUsage, "", 0, "--format npy writes all frames into one file: give -o FILE.npy"));
  if (!output.empty() && output != "-" && is_output_pattern(output)) {
    auto p = expand_output_pattern(output, 0);
    if (!p.ok()) return fail(o, "", p.error());
  }
  if ((o.format == "png" || o.format == "ppm" || o.format == "jpeg") && !is_output_pattern(output) && targets->size() != 1)
    return fail(o, "", make_error(ErrorCode::kUsage, "", 0,
                                       fmt::format("--format {} writes one file per frame: give -o a pattern such as frame_%06d.{}",
                                                   o.format, o.format)));
  if (o.json && output == "-")
    return fail(o, "", make_error(ErrorCode::kUsage, "", 0, "--json prints to stdout: write the frames to a file (-o PATH)"));

  auto job = make_job(o, s, *targets, output);
  if (!job.ok()) return fail(o, "", job.error());
  std::string error_file;
  auto rep = pipeline::run_seek(*job, error_file);
  if (!rep.ok()) return fail(o, error_file, rep.error());
  if (!rep->transform_warning.empty()) fmt::print(stderr, "mp4kit: warning: {}: {}\n", o.file, rep->transform_warning);
  if (o.json) print_json(o, *targets, *rep, s.timescale());
  else if (!o.quiet) print_text(o, *rep, s.timescale());
  const pipeline::VerifyResult& v = rep->verify;
  if (o.verify && (v.mismatches > 0 || v.sync_not_key > 0)) return kExitThreshold;
  return kExitOk;
}

}  // namespace

void register_seek(CLI::App& app, std::function<int()>& run) {
  auto opts = std::make_shared<SeekOptions>();
  CLI::App* cmd = app.add_subcommand(
      "seek", "Extract exact frames by index or time (frame N = N-th line of ffmpeg's framemd5), decoding only what they need");
  cmd->add_option("FILE", opts->file, "MP4 / QuickTime / fragmented MP4 file, or an http(s):// URL")->required();
  const auto add_request = [&](const char* name, Request::Kind kind, const char* help) {
    cmd->add_option_function<std::string>(
           name,
           [opts, kind](const std::string& v) {
             size_t start = 0;
             for (size_t i = 0; i <= v.size(); ++i) {
               if (i == v.size() || v[i] == ',') {
                 opts->requests.push_back({kind, v.substr(start, i - start)});
                 start = i + 1;
               }
             }
           },
           help)
        ->trigger_on_parse()
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  };
  add_request("--frame", Request::kFrame, "frame index (repeatable, or comma-separated): 0 = first frame shown");
  add_request("--frames", Request::kRange, "frame range START:END[:STEP], END exclusive (repeatable)");
  add_request("--time,--times", Request::kTime,
              "time in seconds (17.3, any number of decimals; 1001/30000) or HH:MM:SS.mmm: the frame shown then, see "
              "--time-rule (repeatable, or comma-separated)");
  add_request("--pts", Request::kPts, "pts in ticks of the stream's time_base: the frame with that pts (repeatable, or comma-separated)");
  // Selectors (README "Selectors"): each adds its frames, in order, at its place on the line.
  const auto add_selector = [&](const char* name, Request::Kind kind, const char* help) {
    cmd->add_option_function<std::string>(name, [opts, kind](const std::string& v) { opts->requests.push_back({kind, v}); }, help)
        ->trigger_on_parse();
  };
  add_selector("--uniform", Request::kUniform,
               "K frames evenly spaced: frame floor((2i+1)*N/(2K)) for i < K, N = frame count (K > N repeats frames)");
  add_selector("--every", Request::kEvery, "frames 0, N, 2N, ... in presentation order");
  add_selector("--fps", Request::kFps,
               "one frame per 1/R s, the frames of ffmpeg -vf fps=R (R: 1, 2.5, 30000/1001, ntsc, pal, film, ntsc_film)");
  cmd->add_flag_function("--keyframes", [opts](int64_t) { opts->requests.push_back({Request::kKeyframes, ""}); },
                         "the sync samples only, decoding no other packet (ffmpeg -skip_frame nokey)")
      ->trigger_on_parse();
  cmd->add_option("--time-rule", opts->time_rule,
                  "shown (default): the frame displayed at T, the last with pts <= T; next: the first frame with pts >= T "
                  "(ffmpeg -ss). A decimal T stands for T +- half its last digit")
      ->check(CLI::IsMember({"shown", "next"}));
  cmd->add_option("--stream", opts->stream, "video stream index as ffprobe numbers it (default: the first video stream)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--format", opts->format, "png, ppm, jpeg, npy (all frames in one N x H x W x C array), y4m, raw (packed planes), framemd5, or null (decode only); default: from -o's extension (.png .ppm .jpg .npy .y4m .raw .yuv .framemd5), else png")
      ->check(CLI::IsMember({"png", "ppm", "jpeg", "npy", "y4m", "raw", "framemd5", "null"}));
  cmd->add_option("-o,--output", opts->output,
                  "PATTERN with %d for one file per frame (default frame_%06d.png / .ppm), a file for all frames, or - for "
                  "stdout (y4m/raw/framemd5; the default for them)");
  cmd->add_option("--threads", opts->threads, "decoder threads (0 = one per CPU, FFmpeg's default)")->check(CLI::Range(0, 64));
  cmd->add_flag("--no-skip", opts->no_skip, "decode every packet from the start sync sample (no non-reference skipping)");
  cmd->add_flag("--plan", opts->plan, "print the plan (sync sample, packets to decode / skip, bytes) and stop; does not load FFmpeg");
  cmd->add_flag("--verify", opts->verify,
                "also decode the whole stream linearly and compare each frame's md5; check sync samples decode as keyframes "
                "(exit 1 on a mismatch)");
  cmd->add_flag("--json", opts->json, "per-target results as one JSON line on stdout (schema mp4kit.seek/1)");
  cmd->add_flag("--pretty", opts->pretty, "JSON indented for people (implies --json)");
  cmd->add_flag("--quiet", opts->quiet, "no per-frame lines on stderr");
  add_limit_flags(*cmd, opts->limits);
  add_source_flags(*cmd, opts->source);
  opts->transform.add(*cmd);
  run = [opts] {
    opts->json = opts->json || opts->pretty;
    return run_seek(*opts);
  };
}

}  // namespace mp4kit::cli
