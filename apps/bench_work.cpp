// The work of one `mp4kit bench` run (see bench_work.h).
#include "bench_work.h"

#include <algorithm>
#include <optional>
#include <cstdio>
#include <cstring>
#include <numeric>
#include <unordered_set>

#include "bench/latency_histogram.h"
#include "mp4kit/demuxer.h"
#include "bench/page_cache.h"
#include "io/mapped_file.h"
#include "mp4/codec_info.h"
#include "mp4/movie.h"
#include "mp4/sample_table.h"
#include "mp4/seek_plan.h"
#include "mp4/timeline.h"
#include "pipeline/seek_job.h"

namespace mp4kit::cli::bench {
namespace {

void fail(WorkFigures& out, const Error& e) {
  out.exit_code = static_cast<int32_t>(e.code);
  std::snprintf(out.error, sizeof out.error, "%s", e.to_string().c_str());
}

void latency_into(const LatencyHistogram& h, WorkFigures& out) {
  if (!h.count()) return;
  out.has_latency = 1;
  out.latency_p50_ms = h.quantile_ms(0.50);
  out.latency_p95_ms = h.quantile_ms(0.95);
  out.latency_p99_ms = h.quantile_ms(0.99);
  out.latency_max_ms = h.max_ms();
}

// A parsed file with the tables and timelines of every track (the Demuxer builds them).
struct Indexed {
  io::MappedFileSourcePtr file;  ///< a local file (null for a URL)
  ByteSourcePtr source;          ///< what the demuxer reads: `file`, or the HTTP source
  std::optional<Demuxer> demuxer;
  const std::vector<StreamTimeline>* timelines = nullptr;

  const Movie& movie() const { return demuxer->movie(); }
};

Status index_file(const BenchPlan& plan, Indexed& indexed) {
  if (is_url(plan.path)) {
    auto source = open_source(plan.path, plan.source);
    if (!source.ok()) return source.error();
    indexed.source = *source;
  } else {
    auto file = io::MappedFileSource::open(plan.path, {.fault_guard = true});
    if (!file.ok()) return file.error();
    indexed.file = *file;
    indexed.source = *file;
  }
  DemuxerOptions dopt;
  dopt.limits = plan.limits;
  auto demuxer = Demuxer::open(indexed.source, dopt);
  if (!demuxer.ok()) return demuxer.error();
  indexed.demuxer.emplace(std::move(demuxer.value()));
  auto tl = indexed.demuxer->timelines();
  if (!tl.ok()) return tl.error();
  indexed.timelines = *tl;
  return Ok{};
}

// The file must not have shrunk while the run read it (exit 74, like every stage); a URL
// must not have changed on the server (the HTTP source checks every response).
Status still_intact(const Indexed& ix) {
  if (!ix.file) return ix.source->check_intact();
  if (ix.file->still_complete()) return Ok{};
  return make_error(ErrorCode::kIo, "", 0, "'" + ix.file->path() + "' shrank while it was being read");
}

// What a URL input fetched, into the figures (nothing for a local file).
void fetched_into(const Indexed& ix, WorkFigures& out) {
  if (ix.file) return;
  const ReadStats s = ix.source->stats();
  out.has_fetch = 1;
  out.fetched_bytes = s.bytes;
  out.fetch_requests = s.requests;
}

uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace

Status resolve_plan(BenchPlan& plan, uint32_t seek_count, uint64_t seed) {
  if (plan.mode == BenchMode::kDemux || plan.mode == BenchMode::kProbe) return Ok{};
  Indexed ix;
  MP4KIT_TRY(index_file(plan, ix));
  // Tracks only (bench decodes and seeks tracks, not cover art); seek wants video.
  const bool video_only = plan.mode == BenchMode::kSeek;
  StreamSelector sel = plan.stream >= 0 ? StreamSelector::by_index(plan.stream)
                                        : (video_only ? StreamSelector::first_video() : StreamSelector::video_else_audio());
  sel.allow_attached_picture = false;
  auto stream = ix.demuxer->select_stream(sel);
  if (!stream.ok()) return stream.error();
  const MediaType type = ix.demuxer->streams()[*stream].codec.type;
  if (type != MediaType::kVideo && (video_only || type != MediaType::kAudio))
    return make_error(ErrorCode::kUsage, "", 0,
                      "stream " + std::to_string(*stream) + (video_only ? " is not a video stream" : " is not audio or video"));
  plan.stream = static_cast<int>(*stream);
  plan.stream_type = type == MediaType::kVideo ? "video" : "audio";
  if (plan.mode != BenchMode::kSeek) return Ok{};

  auto tlp = ix.demuxer->timeline(*stream);
  if (!tlp.ok()) return tlp.error();
  const StreamTimeline& tl = **tlp;
  auto indexp = ix.demuxer->presentation_index(*stream);
  if (!indexp.ok()) return indexp.error();
  const PresentationIndex& index = **indexp;
  plan.frame_count = index.frame_count();
  if (plan.frame_count == 0) return make_error(ErrorCode::kUsage, "", 0, "stream " + std::to_string(plan.stream) + " has no frames");
  const uint64_t n = std::min<uint64_t>(seek_count, plan.frame_count);
  uint64_t state = seed;
  plan.seek_frames.clear();
  if (plan.frame_count <= 4 * n) {  // dense: a seeded shuffle of every frame, first n
    std::vector<uint64_t> all(plan.frame_count);
    std::iota(all.begin(), all.end(), uint64_t(0));
    for (uint64_t i = 0; i < n; ++i) std::swap(all[i], all[i + splitmix64(state) % (plan.frame_count - i)]);
    plan.seek_frames.assign(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(n));
  } else {
    std::unordered_set<uint64_t> seen;
    while (plan.seek_frames.size() < n) {
      const uint64_t f = splitmix64(state) % plan.frame_count;
      if (seen.insert(f).second) plan.seek_frames.push_back(f);
    }
  }
  plan.seek_pts.clear();
  for (uint64_t f : plan.seek_frames) plan.seek_pts.push_back(tl.packets[index.packet_of(f)].pts);
  return Ok{};
}

void demux_work(const BenchPlan& plan, WorkFigures& out) {
  const uint64_t t0 = LatencyHistogram::now_ns();
  Indexed ix;
  if (auto st = index_file(plan, ix); !st.ok()) return fail(out, st.error());
  const auto order = interleave_order(ix.movie(), *ix.timelines);
  LatencyHistogram lat;
  uint64_t last = t0, sum = 0;
  auto tick = [&] {
    const uint64_t now = LatencyHistogram::now_ns();
    lat.add_ns(now - last);
    last = now;
  };
  if (!ix.file) {  // a URL: every packet through read(), which fetches with read-ahead
    const ByteSource& src = *ix.source;
    src.advise(Access::kSequential, 0, src.size());
    for (auto [s, i] : order) {
      const Packet& p = (*ix.timelines)[s].packets[i];
      auto v = src.read(p.pos, p.size);
      if (!v.ok()) return fail(out, v.error());
      sum = touch_bytes(v->data(), static_cast<size_t>(v->size()), sum);
      out.payload_bytes += v->size();
      ++out.packets;
      tick();
    }
    if (auto intact = still_intact(ix); !intact.ok()) return fail(out, intact.error());
    fetched_into(ix, out);
  } else if (plan.direct) {
    auto reader = DirectReader::open(plan.path);
    if (!reader.ok()) return fail(out, reader.error());
    for (auto [s, i] : order) {
      const Packet& p = (*ix.timelines)[s].packets[i];
      auto v = reader->read(p.pos, p.size);
      if (!v.ok()) return fail(out, v.error());
      sum = touch_bytes(v->data, static_cast<size_t>(v->size), sum);
      out.payload_bytes += v->size;
      ++out.packets;
      tick();
    }
  } else {
    const io::MappedFileSource& f = *ix.file;
    f.advise(Access::kSequential, 0, f.size());
    const Buffer mapping = f.read(0, f.size()).value();  // the whole file as one view
    // Give back the pages behind the read position (as PacketSource does), so the run's
    // RSS does not grow with the file; a packet read again later simply faults back in.
    constexpr uint64_t kLag = uint64_t(1) << 20, kStep = uint64_t(8) << 20;
    uint64_t released = 0;
    for (auto [s, i] : order) {
      const Packet& p = (*ix.timelines)[s].packets[i];
      sum = touch_bytes(mapping.data() + p.pos, p.size, sum);
      out.payload_bytes += p.size;
      ++out.packets;
      if (p.pos > released + kLag + kStep) {
        f.advise(Access::kDontNeed, released, p.pos - kLag - released);
        released = p.pos - kLag;
      }
      tick();
    }
    if (auto intact = still_intact(ix); !intact.ok()) return fail(out, intact.error());
  }
  out.frames = out.packets;
  out.checksum = sum;
  latency_into(lat, out);
}

void probe_work(const BenchPlan& plan, WorkFigures& out) {
  Indexed ix;
  if (auto st = index_file(plan, ix); !st.ok()) return fail(out, st.error());
  if (auto intact = still_intact(ix); !intact.ok()) return fail(out, intact.error());
  for (const StreamTimeline& t : *ix.timelines) out.packets += t.packets.size();
  out.frames = out.packets;
  fetched_into(ix, out);
}

void module_work(const BenchPlan& plan, int32_t work, WorkFigures& out) {
  mp4kit_bench_request rq{};
  rq.abi_version = MP4KIT_BENCH_ABI_VERSION;
  rq.input_path = plan.path.c_str();
  rq.source_options = &plan.source;
  rq.work = work;
  rq.stream = plan.stream;
  rq.threads = plan.threads;
  rq.seek_frames = plan.seek_frames.data();
  rq.seek_pts = plan.seek_pts.data();
  rq.seek_count = static_cast<uint32_t>(plan.seek_frames.size());
  mp4kit_bench_result rp{};
  plan.bench_api->run(&rq, &rp);
  out.exit_code = rp.exit_code;
  std::memcpy(out.error, rp.error, std::min(sizeof out.error, sizeof rp.error));
  out.error[sizeof out.error - 1] = '\0';
  out.stream = rp.stream;
  std::memcpy(out.codec, rp.codec, std::min(sizeof out.codec, sizeof rp.codec));
  out.codec[sizeof out.codec - 1] = '\0';
  out.frames = rp.frames;
  out.packets = rp.packets;
  out.payload_bytes = rp.payload_bytes;
  out.checksum = rp.checksum;
  out.decode_errors = rp.decode_errors;
  out.has_latency = rp.has_latency;
  out.latency_p50_ms = rp.latency_p50_ms;
  out.latency_p95_ms = rp.latency_p95_ms;
  out.latency_p99_ms = rp.latency_p99_ms;
  out.latency_max_ms = rp.latency_max_ms;
  out.has_pool = rp.has_pool;
  out.pool_hits = rp.pool_hits;
  out.pool_misses = rp.pool_misses;
  out.seek_targets_missed = rp.seek_targets_missed;
  out.has_fetch = rp.has_fetch;
  out.fetched_bytes = rp.fetched_bytes;
  out.fetch_requests = rp.fetch_requests;
}

void seek_work(const BenchPlan& plan, WorkFigures& out) {
  pipeline::SeekJob job;
  job.input = plan.path;
  job.source = plan.source;
  job.stream = plan.stream;
  job.frames = plan.seek_frames;
  job.format = "null";
  job.threads = plan.threads;
  job.skip_non_reference = true;
  std::string error_file;
  auto rp = pipeline::run_seek(job, error_file);
  if (!rp.ok()) return fail(out, rp.error());
  out.stream = static_cast<int32_t>(rp->stream);
  std::snprintf(out.codec, sizeof out.codec, "%s", rp->codec.c_str());
  out.frames = rp->targets.size();
  out.packets = static_cast<uint64_t>(rp->runs.decoded);
  out.payload_bytes = rp->runs.bytes;
  out.decode_errors = rp->decode_errors;
  if (is_url(plan.path)) {
    out.has_fetch = 1;
    out.fetched_bytes = rp->input_read.bytes;
    out.fetch_requests = rp->input_read.requests;
  }
  // Per target: the seek job's wall time since the previous target of the same pass.
  LatencyHistogram lat;
  for (const pipeline::SeekTargetResult& t : rp->targets) lat.add_ns(static_cast<uint64_t>(std::max(0.0, t.ms) * 1e6));
  latency_into(lat, out);
}

}  // namespace mp4kit::cli::bench
