#include "pipeline/seek_job.h"

#include <algorithm>
#include <chrono>
#include <optional>

#include <sched.h>

#include "io/cpu_count.h"
#include "mp4/movie.h"
#include "mp4/seek_plan.h"
#include "mp4/timeline.h"
#include "pipeline/stream_setup.h"

namespace mp4kit::pipeline {
namespace {

using Clock = std::chrono::steady_clock;

bool is_image(const std::string& format) { return format == "png" || format == "ppm" || format == "jpeg"; }

// Where the targets go: nowhere, a file each, or one shared output written in request
// order (a target that comes out before the ones requested earlier is held until then).
class SeekOutputs {
 public:
  SeekOutputs(const SeekJob& job, SinkSettings settings)
      : job_(job), settings_(std::move(settings)), pending_(job.frames.size()) {}

  /// Opens the shared output, if there is one. Errors: kUsage, kCannotCreate.
  Status open() {
    if (job_.format == "null" || !job_.target_outputs.empty()) return Ok{};
    if (is_image(job_.format)) {
      if (job_.frames.size() != 1)
        return make_error(ErrorCode::kUsage, "", 0,
                          "--format " + job_.format + " writes one file per frame: give -o a pattern such as frame_%06d." +
                              (job_.format == "jpeg" ? std::string("jpg") : job_.format));
      return Ok{};  // written when the frame arrives
    }
    if (job_.format != "framemd5") MP4KIT_TRY(refuse_terminal(job_.output));
    SinkSettings s = settings_;
    s.path = job_.output;
    auto sink = Sink::open(s);
    if (!sink.ok()) return sink.error();
    shared_ = std::move(sink.value());
    return Ok{};
  }

  /// Target `t` is decoded. `path` receives the file it was written to, if it has one.
  Status deliver(size_t t, const Frame& frame, std::string& path) {
    if (job_.format == "null") return Ok{};
    if (!shared_) return write_file(t, frame, path);
    if (t != next_) {  // hold it until the targets before it are out
      auto held = frame.clone();
      if (!held.ok()) return held.error();
      pending_[t] = std::move(held.value());
      return Ok{};
    }
    MP4KIT_TRY(shared_->write(frame));
    ++next_;
    while (next_ < pending_.size() && pending_[next_]) {
      MP4KIT_TRY(shared_->write(pending_[next_]));
      pending_[next_].reset();
      ++next_;
    }
    return Ok{};
  }

  Status finish() { return shared_ ? shared_->finish() : Status(Ok{}); }
  bool closed_by_reader() const { return shared_ && shared_->output_closed(); }

 private:
  Status write_file(size_t t, const Frame& frame, std::string& path) {
    path = job_.target_outputs.empty() ? job_.output : job_.target_outputs[t];
    MP4KIT_TRY(refuse_terminal(path));
    SinkSettings s = settings_;
    s.path = path;
    auto sink = Sink::open(s);
    if (!sink.ok()) return sink.error();
    MP4KIT_TRY(sink->write(frame));
    return sink->finish();
  }

  const SeekJob& job_;
  SinkSettings settings_;
  std::optional<Sink> shared_;
  std::vector<Frame> pending_;
  size_t next_ = 0;
};

// The opened stream: demuxer, stream, packets, presentation index.
struct Opened {
  Demuxer demuxer;
  uint32_t stream = 0;
  std::span<const Packet> packets;
  const PresentationIndex* index = nullptr;
  const Track* track = nullptr;
};

Result<Opened> open_stream(const SeekJob& job) {
  auto source = job.opened ? Result<ByteSourcePtr>(job.opened) : open_source(job.input, job.source);
  if (!source.ok()) return source.error();
  auto dmx = Demuxer::open(*source, job.demux);
  if (!dmx.ok()) return dmx.error();
  StreamSelector sel = StreamSelector::first_video();
  sel.index = job.stream;
  sel.allow_attached_picture = false;
  sel.require_kind = true;
  auto stream = dmx->select_stream(sel);
  if (!stream.ok()) return stream.error();
  Opened o{std::move(dmx.value()), *stream, {}, nullptr, nullptr};
  auto packets = o.demuxer.packets(o.stream);
  if (!packets.ok()) return packets.error();
  o.packets = *packets;
  auto index = o.demuxer.presentation_index(o.stream);
  if (!index.ok()) return index.error();
  o.index = *index;
  o.track = &o.demuxer.movie().tracks[o.demuxer.track_of(o.stream)];
  return o;
}

// For a source that fetches (HTTP): asks it for the bytes from each target's preceding sync
// sample to the target, in one range each, before the planner and the passes read them
// packet by packet. A hint (advise(kWillNeed)); a mapping ignores it.
void prefetch_targets(const Opened& o, const std::vector<uint64_t>& frames) {
  const ByteSource& src = o.demuxer.source();
  if (src.is_mapped()) return;
  for (uint64_t f : frames) {
    if (f >= o.index->frame_count()) continue;  // the planner reports it
    const uint32_t target = o.index->packet_of(f);
    uint32_t start = target;
    while (start > 0 && !o.packets[start].key) --start;
    uint64_t lo = UINT64_MAX, hi = 0;
    for (uint32_t i = start; i <= target; ++i) {
      lo = std::min(lo, o.packets[i].pos);
      hi = std::max(hi, o.packets[i].pos + o.packets[i].size);
    }
    if (hi > lo) src.advise(Access::kWillNeed, lo, hi - lo);
  }
}

// `--keyframes` with threads on auto: frame threads only when each would get a few
// pictures. Every sync sample is decoded on its own, so a frame thread only pays off by
// decoding another one at the same time, while each costs a codec context, its tables and
// a few more frame buffers (measured on the 1080p bench file, 6 keyframes: 3 threads
// 398 ms of CPU, 1 thread 296 ms). Output is the same with any thread count.
constexpr size_t kSyncSamplesPerThread = 4;
int sync_only_threads(size_t targets) {
  // libavcodec's auto count (pthread_frame.c: av_cpu_count() + 1, at most 16).
  const size_t cpus = io::usable_cpu_count();
  const size_t automatic = std::min<size_t>(cpus + 1, 16);
  const size_t t = targets / kSyncSamplesPerThread;
  return t <= 1 ? 1 : t >= automatic ? 0 : static_cast<int>(t);  // 0: libavcodec's auto
}

// How the passes are decoded: `decoders` decoders (each running whole passes, at the same
// time) of `threads` threads each (0 = libavcodec's auto frame threads).
struct DecoderLayout {
  size_t decoders = 1;
  int threads = 0;
};

// Passes are independent (each starts at a sync sample with a reset decoder), so with
// several passes the CPUs decode different passes at once, one single-threaded decoder
// each. That beats one frame-threaded decoder reset at every pass: frame threads start
// empty at each pass and wait for each other's reference rows, and a pass of a few
// dozen packets is mostly fill and drain (measured on the 1080p bench file, 8 targets in
// 6 passes: the same CPU time as one thread, and about half the longest chain of work).
// Used when the passes spread well: the busiest decoder, taking passes in run order as
// SeekRunner does, gets at most kSpreadLimit of the packets (weighed by bytes, which
// follow decoding cost better than counts; else one frame-threaded decoder is better).
// Not for sources that fetch (HTTP: one connection serialises the reads anyway) nor for
// --keyframes (one pass). `--threads N`: N threads in all, one decoder per pass up to N,
// the rest as frame threads of those decoders; 0 = one decoder per CPU.
constexpr double kSpreadLimit = 0.7;
DecoderLayout decoder_layout(const SeekJob& job, const Opened& o, const SeekPlan& plan) {
  DecoderLayout one{1, job.sync_only && job.threads == 0 ? sync_only_threads(job.frames.size()) : job.threads};
  if (job.sync_only || !o.demuxer.source().is_mapped() || job.threads == 1 || plan.passes.size() < 2) return one;
  const size_t budget = job.threads > 0 ? static_cast<size_t>(job.threads) : io::usable_cpu_count();
  const size_t w = std::min(budget, plan.passes.size());
  if (w < 2) return one;
  // Simulate the runner's schedule: passes in order of their first requested target, each
  // to the decoder that frees up first.
  std::vector<size_t> first(plan.passes.size(), SIZE_MAX);
  for (size_t t = 0; t < plan.targets.size(); ++t) first[plan.targets[t].pass] = std::min(first[plan.targets[t].pass], t);
  std::vector<size_t> order(plan.passes.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return first[a] < first[b]; });
  std::vector<uint64_t> busy(w, 0);
  uint64_t total = 0;
  for (size_t pi : order) {
    const uint64_t cost = plan.passes[pi].bytes + 1;
    *std::min_element(busy.begin(), busy.end()) += cost;
    total += cost;
  }
  if (static_cast<double>(*std::max_element(busy.begin(), busy.end())) > kSpreadLimit * static_cast<double>(total)) return one;
  return {w, job.threads > 0 ? std::max(1, job.threads / static_cast<int>(w)) : 1};
}

Result<Decoder> open_decoder(const Opened& o, int threads) {
  DecoderSettings s;
  s.threads = threads;
  s.frames_held = 2;  // the frame in hand and one held for request order
  return open_stream_decoder(o.demuxer, o.stream, o.packets, s);
}

// H.264 passes that start at a non-IDR sync sample (a recovery point) push past their
// last target (seek_runner.h: SeekRunnerOptions::push_past_targets).
SeekRunnerOptions runner_options(const Opened& o, const std::string& codec_name, bool sync_only) {
  SeekRunnerOptions r;
  r.release_pages = true;
  r.no_fallback = sync_only;  // and no push: not one packet but the sync samples
  if (sync_only || codec_name != "h264" || o.track->sample_entries.empty()) return r;
  r.push_past_targets = [&o](uint32_t start) {
    const Packet& p = o.packets[start];
    const auto& entries = o.track->sample_entries;
    const uint32_t k = std::max<uint32_t>(p.sample_description_index, 1) - 1;
    const SampleEntry& entry = entries[k < entries.size() ? k : 0];
    const uint64_t size = o.demuxer.source().size();
    if (p.pos >= size) return true;
    auto bytes = o.demuxer.source().read(p.pos, std::min<uint64_t>(p.size, size - p.pos));
    if (!bytes.ok()) return true;  // unreadable: as for a sample past the end, do not trust it to be an IDR
    return !h264_sample_has_idr(entry, bytes->data(), bytes->size());
  };
  return r;
}

// Fills the target's plan facts and costs (the md5 and the output come from delivery).
void describe(SeekTargetResult& out, const SeekTarget& target, const SeekDelivery& how, std::span<const Packet> packets) {
  out.frame = target.frame;
  out.pts = packets[target.packet].pts;
  out.packet = target.packet;
  out.sync_packet = how.fallback == 0 ? target.start_packet : how.start_packet;  // sync_only: its own packet
  out.sync_pts = packets[out.sync_packet].pts;
  out.pass = how.pass;
  out.fallback = how.fallback;
  out.decoded = static_cast<int64_t>(how.decoded);
  out.skipped = static_cast<int64_t>(how.skipped);
  out.bytes = how.bytes;
}

// Runs the passes and writes each target. A failing output's path goes to `failed_path`.
Status extract(const SeekJob& job, const Opened& o, const SeekPlan& plan, std::vector<Decoder>& decoders, SeekOutputs& outputs,
               Transform* transform, SeekReport& report, Clock::time_point t0, std::string& failed_path) {
  std::vector<Decoder*> dec;
  for (Decoder& d : decoders) dec.push_back(&d);
  SeekRunner runner(std::move(dec), o.demuxer, o.packets, plan,
                    runner_options(o, o.demuxer.streams()[o.stream].codec.codec_name, job.sync_only));
  int64_t done = 0;
  const Error closed = make_error(ErrorCode::kIo, "", 0, "stdout closed by its reader");
  Status st = runner.run([&](size_t t, const Frame& frame, const SeekDelivery& how) -> Status {
    const auto w0 = Clock::now();
    SeekTargetResult& out = report.targets[t];
    describe(out, plan.targets[t], how, o.packets);
    if (job.md5 || job.verify) {
      auto md5 = frame.packed_md5();
      if (!md5.ok()) return md5.error();
      out.md5 = md5->md5;
      out.size = md5->size;
    }
    std::string path;
    std::optional<Frame> made;
    if (transform) {
      auto m = transform->apply(frame);
      if (!m.ok()) return m.error();
      made = std::move(m.value());
    }
    if (Status w = outputs.deliver(t, made ? *made : frame, path); !w.ok()) {
      failed_path = path.empty() ? job.output : path;
      return w.error();
    }
    if (outputs.closed_by_reader()) return closed;  // stop: nothing more can be written
    out.output = path;
    out.ms = how.ms + std::chrono::duration<double, std::milli>(Clock::now() - w0).count();
    ++done;
    if (job.progress)
      job.progress(done, static_cast<int64_t>(job.frames.size()), std::chrono::duration<double>(Clock::now() - t0).count());
    return Ok{};
  });
  report.runs = runner.stats();
  return st;
}

Status verify(const SeekJob& job, const Opened& o, SeekReport& report) {
  auto fresh = open_decoder(o, job.threads);
  if (!fresh.ok()) return fresh.error();
  std::vector<std::string> seek_md5;
  for (const SeekTargetResult& t : report.targets) seek_md5.push_back(t.md5);
  auto v = verify_linear(*fresh, o.demuxer, o.packets, *o.index, job.frames, seek_md5);
  if (!v.ok()) return v.error();
  for (size_t i = 0; i < report.targets.size(); ++i) {
    report.targets[i].verify_md5 = v->linear_md5[i];
    report.targets[i].verified = !v->linear_md5[i].empty() && v->linear_md5[i] == seek_md5[i] ? 1 : 2;
  }
  report.verify = std::move(v.value());
  return Ok{};
}

}  // namespace

Result<SeekReport> run_seek(const SeekJob& job, std::string& error_file) {
  error_file.clear();
  const auto fail = [&](const Error& e, const std::string& file) -> Result<SeekReport> {
    error_file = file;
    return e;
  };
  if (auto m = DecodeModule::load(); !m.ok()) return fail(m.error(), "");
  const auto t0 = Clock::now();
  if (job.frames.empty()) return fail(make_error(ErrorCode::kUsage, "", 0, "no frame requested"), "");
  auto o = open_stream(job);
  if (!o.ok()) return fail(o.error(), job.input);
  SeekReport report;
  report.stream = o->stream;
  report.frame_count = o->index->frame_count();
  report.targets.resize(job.frames.size());
  for (size_t i = 0; i < job.frames.size(); ++i) report.targets[i].frame = job.frames[i];

  prefetch_targets(*o, job.frames);
  SeekPlanOptions popt;
  popt.skip_non_reference = job.skip_non_reference;
  popt.sync_only = job.sync_only;
  auto tl = o->demuxer.timeline(o->stream);
  if (!tl.ok()) return fail(tl.error(), job.input);
  auto plan = plan_seek(o->demuxer.movie(), *o->track, **tl, *o->index, job.frames, popt);
  if (!plan.ok()) return fail(plan.error(), job.input);
  const DecoderLayout layout = decoder_layout(job, *o, *plan);
  std::vector<Decoder> decoders;
  for (size_t i = 0; i < layout.decoders; ++i) {
    auto dec = open_decoder(*o, layout.threads);
    if (!dec.ok()) return fail(dec.error(), job.input);
    decoders.push_back(std::move(dec.value()));
  }
  report.codec = decoders.front().codec();
  for (const Decoder& d : decoders) report.threads += d.stats().threads;

  std::string rotation_warning;
  auto transform = open_transform(job.transform, o->demuxer.streams()[o->stream], job.format, job.autorotate, rotation_warning);
  if (!transform.ok()) return fail(transform.error(), "");
  Transform* tr = *transform ? &**transform : nullptr;
  SinkSettings sink_base = sink_settings(job.format, "", o->demuxer.streams()[o->stream], o->packets);
  sink_base.quality = job.quality;
  SeekOutputs outputs(job, sink_base);
  if (Status st = outputs.open(); !st.ok()) return fail(st.error(), st.error().code == ErrorCode::kUsage ? "" : job.output);
  std::string failed_path;
  const Status st = extract(job, *o, *plan, decoders, outputs, tr, report, t0, failed_path);
  report.transform_warning = rotation_warning;
  if (tr) {
    report.transformed = true;
    report.transform = applied_of(*tr);
    const std::string depth = tr->info().warning;
    if (!depth.empty()) report.transform_warning += (report.transform_warning.empty() ? "" : "; ") + depth;
  }
  const bool closed = outputs.closed_by_reader();
  Status fin = Ok{};
  if (st.ok()) fin = outputs.finish();
  for (const Decoder& d : decoders) report.decode_errors += d.stats().decode_errors;
  report.wall_s = std::chrono::duration<double>(Clock::now() - t0).count();
  report.input_read = o->demuxer.source().stats();
  if (closed) return report;
  if (!st.ok()) {
    const ErrorCode c = st.error().code;
    return fail(st.error(), c == ErrorCode::kIo || c == ErrorCode::kCannotCreate ? failed_path : job.input);
  }
  if (!fin.ok()) return fail(fin.error(), job.output);
  if (Status intact = o->demuxer.source().check_intact(); !intact.ok()) return fail(intact.error(), job.input);
  if (job.verify)
    if (Status v = verify(job, *o, report); !v.ok()) return fail(v.error(), job.input);
  return report;
}

}  // namespace mp4kit::pipeline
