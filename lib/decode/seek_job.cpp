// The decode module's seek entry point (seek_module.h): open the stream, plan, run the
// passes (seek_runner.h), write each target in request order, audit with --verify.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

extern "C" {
#include <libavutil/frame.h>
#include <libavutil/log.h>
}

#include "decode/decoder.h"
#include "output/frame_output.h"
#include "output/image_output.h"
#include "output/output_file.h"
#include "decode/seek_module.h"
#include "decode/seek_runner.h"
#include "mp4/seek_plan.h"
#include "mp4/seek_request.h"

namespace mp4kit::decode {
namespace {

using output::FrameWriter;
using output::ImageEncoder;
using output::OutputFile;
using output::OutputFormat;
using output::StreamDescription;


using Clock = std::chrono::steady_clock;

void copy_string(char* dst, size_t cap, const std::string& s) {
  const size_t n = std::min(cap - 1, s.size());
  std::memcpy(dst, s.data(), n);
  dst[n] = '\0';
}

int fail(mp4kit_seek_report* report, const std::string& file, const Error& e) {
  report->exit_code = static_cast<int32_t>(e.code);
  copy_string(report->error, sizeof report->error, e.to_string());
  copy_string(report->error_file, sizeof report->error_file, file);
  return report->exit_code;
}

// The y4m frame rate: the most common packet duration among the first packets (the rule
// decode_job.cpp uses, so `seek --format y4m` and `decode --format y4m` headers agree).
void frame_rate_of(const StreamTimeline& tl, uint32_t timescale, int& num, int& den) {
  num = 25, den = 1;
  if (!timescale) return;
  std::map<int64_t, int> counts;
  for (size_t i = 0; i < tl.packets.size() && i < 512; ++i)
    if (tl.packets[i].duration > 0) ++counts[tl.packets[i].duration];
  if (counts.empty()) return;
  // Ties: the duration seen first (decode_job.cpp keeps the first maximum in first-seen order).
  int64_t best = 0;
  int best_count = 0;
  for (size_t i = 0; i < tl.packets.size() && i < 512; ++i) {
    const int64_t d = tl.packets[i].duration;
    if (d > 0 && counts[d] > best_count) best = d, best_count = counts[d];
  }
  int64_t a = timescale, b = best, g = a, h = b;
  while (h) { const int64_t t = g % h; g = h; h = t; }
  a /= g, b /= g;
  if (a > INT32_MAX || b > INT32_MAX) return;
  num = static_cast<int>(a), den = static_cast<int>(b);
}

enum class Kind { kNull, kPng, kPpm, kY4m, kRaw, kFramemd5 };

bool parse_kind(const std::string& s, Kind& k) {
  if (s == "null") k = Kind::kNull;
  else if (s == "png") k = Kind::kPng;
  else if (s == "ppm") k = Kind::kPpm;
  else if (s == "y4m") k = Kind::kY4m;
  else if (s == "raw") k = Kind::kRaw;
  else if (s == "framemd5") k = Kind::kFramemd5;
  else return false;
  return true;
}

OutputFormat frame_format(Kind k) {
  return k == Kind::kY4m ? OutputFormat::kY4m : k == Kind::kRaw ? OutputFormat::kRaw : OutputFormat::kFramemd5;
}

// Where the frames go: nowhere, one file per target (pattern), or one shared stream
// (stdout or a single file) written in request order.
class Sink {
 public:
  Sink(Kind kind, std::string output, StreamDescription sd, size_t targets)
      : kind_(kind), output_(std::move(output)), sd_(sd), pending_(targets, nullptr) {}
  ~Sink() {
    for (AVFrame*& f : pending_) av_frame_free(&f);
  }

  Status open() {
    if (kind_ == Kind::kNull) return Ok{};
    per_target_ = is_output_pattern(output_);
    if (per_target_) return Ok{};
    if (kind_ == Kind::kPng || kind_ == Kind::kPpm) {
      if (pending_.size() != 1)
        return make_error(ErrorCode::kUsage, "", 0,
                          "--format png/ppm writes one file per frame: give -o a pattern such as frame_%06d.png");
      return Ok{};  // written when the frame arrives
    }
    if (output_ == "-" && kind_ != Kind::kFramemd5 && isatty(STDOUT_FILENO))
      return make_error(ErrorCode::kUsage, "", 0, "refusing to write binary output to a terminal; use -o PATH or a pipe");
    auto o = OutputFile::open(output_);
    if (!o.ok()) return o.error();
    writer_ = std::make_unique<FrameWriter>(frame_format(kind_), std::make_unique<OutputFile>(std::move(o.value())), sd_);
    return Ok{};
  }

  /// Target `t` (request order) is ready. `path` receives the file written, if one.
  Status deliver(size_t t, uint64_t frame_index, const AVFrame* frame, std::string& path) {
    if (kind_ == Kind::kNull) return Ok{};
    if (per_target_ || !writer_) return write_file(frame_index, frame, path);
    if (t != next_) {  // hold it until the targets before it are out
      pending_[t] = av_frame_clone(frame);
      if (!pending_[t]) return make_error(ErrorCode::kInternal, "", 0, "out of memory holding a frame");
      return Ok{};
    }
    MP4KIT_TRY(writer_->write(frame));
    ++next_;
    while (next_ < pending_.size() && pending_[next_]) {
      MP4KIT_TRY(writer_->write(pending_[next_]));
      av_frame_free(&pending_[next_]);
      ++next_;
    }
    return Ok{};
  }

  Status finish() { return writer_ ? writer_->finish() : Status(Ok{}); }
  bool closed_by_reader() const { return writer_ && writer_->output() && writer_->output()->closed_by_reader(); }
  uint64_t bytes() const { return bytes_ + (writer_ && writer_->output() ? writer_->output()->bytes_written() : 0); }

 private:
  Status write_file(uint64_t frame_index, const AVFrame* frame, std::string& path) {
    if (per_target_) {
      auto p = expand_output_pattern(output_, frame_index);
      if (!p.ok()) return p.error();
      path = *p;
    } else {
      path = output_;
    }
    if (path == "-" && isatty(STDOUT_FILENO))
      return make_error(ErrorCode::kUsage, "", 0, "refusing to write binary output to a terminal; use -o PATH or a pipe");
    auto o = OutputFile::open(path);
    if (!o.ok()) return o.error();
    auto out = std::make_unique<OutputFile>(std::move(o.value()));
    if (kind_ == Kind::kPng || kind_ == Kind::kPpm) {
      if (!images_) images_ = std::make_unique<ImageEncoder>(kind_ == Kind::kPng ? ImageEncoder::Kind::kPng : ImageEncoder::Kind::kPpm);
      MP4KIT_TRY(images_->encode(frame, scratch_));
      MP4KIT_TRY(out->write(scratch_.data(), scratch_.size()));
      bytes_ += scratch_.size();
      return out->commit();
    }
    FrameWriter w(frame_format(kind_), std::move(out), sd_);
    MP4KIT_TRY(w.write(frame));
    bytes_ += w.output()->bytes_written();
    return w.finish();
  }

  Kind kind_;
  std::string output_;
  StreamDescription sd_;
  bool per_target_ = false;
  std::unique_ptr<FrameWriter> writer_;
  std::unique_ptr<ImageEncoder> images_;
  std::vector<uint8_t> scratch_;
  std::vector<AVFrame*> pending_;
  size_t next_ = 0;
  uint64_t bytes_ = 0;
};

int run_job(const mp4kit_seek_request* rq, mp4kit_seek_report* rp) {
  const auto t0 = Clock::now();
  const std::string input = rq->input_path ? rq->input_path : "";
  av_log_set_level(AV_LOG_QUIET);  // decoder messages are counted and reported, not printed
  Kind kind;
  if (!parse_kind(rq->format ? rq->format : "null", kind))
    return fail(rp, "", make_error(ErrorCode::kUsage, "", 0, std::string("unknown format '") + (rq->format ? rq->format : "") + "'"));
  if (rq->target_count == 0 || !rq->targets) return fail(rp, "", make_error(ErrorCode::kUsage, "", 0, "no frame requested"));
  const std::string output = rq->output ? rq->output : (kind == Kind::kNull ? "" : "-");

  auto opened = SeekStream::open(input, rq->stream, {.fault_guard = true});  // exit 74 if cut while read
  if (!opened.ok()) return fail(rp, input, opened.error());
  const SeekStream& s = *opened;
  rp->stream = s.stream;
  rp->frame_count = static_cast<int64_t>(s.index.frame_count());

  std::vector<uint64_t> frames(rq->target_count);
  for (uint64_t i = 0; i < rq->target_count; ++i) {
    if (rq->targets[i].frame < 0) return fail(rp, input, make_error(ErrorCode::kUsage, "", 0, "negative frame index"));
    frames[i] = static_cast<uint64_t>(rq->targets[i].frame);
  }
  SeekPlanOptions popt;
  popt.skip_non_reference = rq->skip_non_reference != 0;
  auto plan = plan_seek(s.movie, s.trak(), s.timeline(), s.index, frames, popt);
  if (!plan.ok()) return fail(rp, input, plan.error());

  DecoderOptions dopt;
  dopt.threads = rq->threads;
  dopt.consumer_queue = 2;
  auto decoder = Decoder::open(s.movie.source, s.trak(), s.timeline(), dopt);
  if (!decoder.ok()) return fail(rp, input, decoder.error());
  Decoder& dec = **decoder;
  copy_string(rp->codec, sizeof rp->codec, dec.context()->codec->name);
  rp->threads = dec.context()->thread_count;

  StreamDescription sd;
  sd.time_base_den = static_cast<int>(s.timescale());
  frame_rate_of(s.timeline(), s.timescale(), sd.frame_rate_num, sd.frame_rate_den);
  const CodecInfo info = codec_info_of(s.trak());
  sd.sar_num = static_cast<int>(info.sar_num);
  sd.sar_den = static_cast<int>(info.sar_den);
  Sink sink(kind, output, sd, frames.size());
  if (auto st = sink.open(); !st.ok()) return fail(rp, output, st.error());

  std::vector<std::string> seek_md5(frames.size());
  int64_t done = 0;
  SeekRunnerOptions ropt;
  if (dec.context()->codec_id == AV_CODEC_ID_H264 && !s.trak().sample_entries.empty()) {
    ropt.push_past_targets = [&s](uint32_t start) {
      const Packet& p = s.timeline().packets[start];
      const SampleEntry& entry = s.trak().sample_entries[std::max<uint32_t>(p.sample_description_index, 1) - 1 <
                                                             s.trak().sample_entries.size()
                                                         ? std::max<uint32_t>(p.sample_description_index, 1) - 1
                                                         : 0];
      const uint64_t size = s.movie.file_size;
      if (p.pos >= size) return true;
      auto bytes = s.movie.source->read(p.pos, std::min<uint64_t>(p.size, size - p.pos));
      if (!bytes.ok()) return true;  // unreadable: as for a sample past the end, do not trust it to be an IDR
      return !h264_sample_has_idr(entry, bytes->data(), bytes->size());
    };
  }
  SeekRunner runner(dec, s.timeline(), *plan, ropt);
  std::string failed_path;
  auto st = runner.run([&](size_t t, const AVFrame* frame, const SeekDelivery& how) -> Status {
    const auto w0 = Clock::now();
    mp4kit_seek_target& out = rq->targets[t];
    const SeekTarget& target = plan->targets[t];
    const Packet& packet = s.timeline().packets[target.packet];
    out.pts = packet.pts;
    out.packet = target.packet;
    out.sync_packet = how.start_packet;
    out.sync_pts = s.timeline().packets[how.start_packet].pts;
    out.pass = how.pass;
    out.fallback = how.fallback;
    out.decoded = static_cast<int64_t>(how.decoded);
    out.skipped = static_cast<int64_t>(how.skipped);
    out.bytes = how.bytes;
    packed_frame_md5(frame, out.md5, out.size);
    seek_md5[t] = out.md5;
    std::string path;
    auto w = sink.deliver(t, target.frame, frame, path);
    if (!w.ok()) {
      failed_path = path.empty() ? output : path;
      return w.error();
    }
    copy_string(out.output, sizeof out.output, path);
    out.ms = how.ms + std::chrono::duration<double, std::milli>(Clock::now() - w0).count();
    ++done;
    if (rq->progress)
      rq->progress(rq->progress_opaque, done, static_cast<int64_t>(frames.size()),
                   std::chrono::duration<double>(Clock::now() - t0).count());
    return Ok{};
  });
  const bool closed = sink.closed_by_reader();
  Status fin = Ok{};
  if (st.ok()) fin = sink.finish();
  const SeekRunStats& rs = runner.stats();
  rp->passes = rs.passes;
  rp->fallbacks = rs.fallbacks;
  rp->decoded = rs.decoded;
  rp->skipped = rs.skipped;
  rp->bytes = rs.bytes;
  rp->decode_errors = dec.counters().errors;
  rp->wall_s = std::chrono::duration<double>(Clock::now() - t0).count();
  if (closed) return rp->exit_code = 0;
  if (!st.ok()) {
    const ErrorCode c = st.error().code;
    return fail(rp, c == ErrorCode::kIo || c == ErrorCode::kCannotCreate ? failed_path : input, st.error());
  }
  if (!fin.ok()) return fail(rp, output, fin.error());

  if (rq->verify) {
    auto fresh = Decoder::open(s.movie.source, s.trak(), s.timeline(), dopt);
    if (!fresh.ok()) return fail(rp, input, fresh.error());
    auto v = verify_linear(**fresh, s.timeline(), s.index, frames, seek_md5);
    if (!v.ok()) return fail(rp, input, v.error());
    for (size_t i = 0; i < frames.size(); ++i) {
      copy_string(rq->targets[i].verify_md5, sizeof rq->targets[i].verify_md5, v->linear_md5[i]);
      rq->targets[i].verified = !v->linear_md5[i].empty() && v->linear_md5[i] == seek_md5[i] ? 1 : 2;
    }
    rp->verify_frames = v->frames;
    rp->verify_mismatches = v->mismatches;
    rp->verify_sync_samples = v->sync_checked;
    rp->verify_sync_not_key = v->sync_not_key;
    rp->verify_sync_hidden = v->sync_hidden;
    rp->verify_linear_frames = v->linear_frames;
    copy_string(rp->verify_detail, sizeof rp->verify_detail, v->detail);
  }
  return rp->exit_code = 0;
}

int32_t run_entry(const mp4kit_seek_request* rq, mp4kit_seek_report* rp) {
  std::memset(rp, 0, sizeof *rp);
  rp->stream = -1;
  if (!rq || rq->abi_version != MP4KIT_SEEK_ABI_VERSION) {
    rp->exit_code = 70;
    copy_string(rp->error, sizeof rp->error, "seek module ABI mismatch (rebuild mp4kit and mp4kit_decode together)");
    return rp->exit_code;
  }
  try {
    return run_job(rq, rp);
  } catch (const std::exception& e) {  // std::bad_alloc from a container: report, do not unwind through C
    rp->exit_code = 70;
    copy_string(rp->error, sizeof rp->error, std::string("internal error: ") + e.what());
    return rp->exit_code;
  }
}

const mp4kit_seek_api kApi = {MP4KIT_SEEK_ABI_VERSION, &run_entry};

}  // namespace
}  // namespace mp4kit::decode

extern "C" __attribute__((visibility("default"))) const mp4kit_seek_api* mp4kit_seek_module_api(void) {
  return &mp4kit::decode::kApi;
}
