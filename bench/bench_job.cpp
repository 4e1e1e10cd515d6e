// The bench module's entry point (bench_module.h) and the mp4kit side of the decode work:
// open, parse, index, decode one stream with Decoder, time every output frame.
// The libavformat side is in lavf_baseline.cpp.
#include <cstring>
#include <string>
#include <vector>

extern "C" {
#include <libavutil/log.h>
}

#include "bench/bench_job.h"
#include "bench/bench_module.h"
#include "bench/lavf_baseline.h"
#include "bench/latency_histogram.h"
#include "decode/decoder.h"
#include "mp4/movie.h"
#include "mp4/sample_table.h"
#include "mp4/timeline.h"

namespace mp4kit::bench {

void bench_copy_string(char* dst, size_t cap, const std::string& s) {
  const size_t n = std::min(cap - 1, s.size());
  std::memcpy(dst, s.data(), n);
  dst[n] = '\0';
}

int bench_fail(mp4kit_bench_result* r, const Error& e) {
  r->exit_code = static_cast<int32_t>(e.code);
  bench_copy_string(r->error, sizeof r->error, e.to_string());
  return r->exit_code;
}

void bench_latency(const LatencyHistogram& h, mp4kit_bench_result* r) {
  if (!h.count()) return;
  r->has_latency = 1;
  r->latency_p50_ms = h.quantile_ms(0.50);
  r->latency_p95_ms = h.quantile_ms(0.95);
  r->latency_p99_ms = h.quantile_ms(0.99);
  r->latency_max_ms = h.max_ms();
}

uint64_t frame_checksum(const AVFrame* f) {
  // The first bytes of the first plane: enough to keep the frame observable; decoding is
  // not something a compiler can drop anyway.
  const uint8_t* d = f->extended_data ? f->extended_data[0] : f->data[0];
  if (!d) return 0;
  const int n = f->linesize[0] > 0 ? std::min(f->linesize[0], 64) : 0;
  uint64_t sum = 0;
  for (int i = 0; i < n; ++i) sum = sum * 31 + d[i];
  return sum;
}

Result<OpenedStream> open_stream(const std::string& path, int stream) {
  OpenedStream o;
  auto file = io::MappedFileSource::open(path, {.fault_guard = true});
  if (!file.ok()) return file.error();
  o.file = *file;
  auto movie = parse_movie(*file);
  if (!movie.ok()) return movie.error();
  o.movie = std::make_unique<Movie>(std::move(movie.value()));
  const Movie& m = *o.movie;
  o.tables.reserve(m.tracks.size());
  for (const Track& t : m.tracks) {
    auto st = SampleTable::build(t);
    if (!st.ok()) return st.error();
    o.tables.push_back(std::move(st.value()));
  }
  auto built = build_timelines(m, o.tables);
  if (!built.ok()) return built.error();
  o.timelines = std::move(built.value());
  for (size_t i = 0; i < m.tracks.size(); ++i) {
    const int si = i < m.track_stream_index.size() ? static_cast<int>(m.track_stream_index[i]) : static_cast<int>(i);
    if (si == stream) {
      o.track_index = i;
      return o;
    }
  }
  return make_error(ErrorCode::kUsage, "", 0, "no track is stream " + std::to_string(stream) + " (bench decodes tracks)");
}

namespace {

int run_decode(const mp4kit_bench_request* rq, mp4kit_bench_result* rp) {
  const uint64_t t0 = LatencyHistogram::now_ns();
  auto opened = open_stream(rq->input_path, rq->stream);
  if (!opened.ok()) return bench_fail(rp, opened.error());
  OpenedStream& o = *opened;
  const Track& track = o.movie->tracks[o.track_index];
  decode::DecoderOptions dopt;
  dopt.threads = rq->threads;
  auto decoder = decode::Decoder::open(o.movie->source, track, o.timelines[o.track_index], dopt);
  if (!decoder.ok()) return bench_fail(rp, decoder.error());
  decode::Decoder& dec = **decoder;
  bench_copy_string(rp->codec, sizeof rp->codec, dec.context()->codec->name);

  LatencyHistogram lat;
  uint64_t last = t0, sum = 0;
  Status st = dec.run([&](const AVFrame* f) -> Result<bool> {
    const uint64_t now = LatencyHistogram::now_ns();
    lat.add_ns(now - last);
    last = now;
    sum += frame_checksum(f);
    return true;
  });
  if (!st.ok()) return bench_fail(rp, st.error());
  if (!o.file->still_complete())
    return bench_fail(rp, make_error(ErrorCode::kIo, "", 0, "'" + o.file->path() + "' shrank while it was being decoded"));
  const decode::DecodeCounters& c = dec.counters();
  rp->frames = static_cast<uint64_t>(c.frames);
  rp->packets = static_cast<uint64_t>(c.packets);
  for (const Packet& p : o.timelines[o.track_index].packets) rp->payload_bytes += p.size;
  rp->checksum = sum;
  rp->decode_errors = c.errors;
  bench_latency(lat, rp);
  const FramePoolStats ps = dec.pool().stats();
  rp->has_pool = 1;
  rp->pool_hits = ps.hits;
  rp->pool_misses = ps.misses;
  return rp->exit_code = 0;
}

int32_t prepare_entry(int32_t work, char* error, uint32_t cap) {
  if (cap) error[0] = '\0';
  if (work == MP4KIT_BENCH_LAVF_DEMUX || work == MP4KIT_BENCH_LAVF_DECODE || work == MP4KIT_BENCH_LAVF_PROBE ||
      work == MP4KIT_BENCH_LAVF_SEEK) {
    std::string why;
    if (!lavf_load(why)) {
      if (cap) bench_copy_string(error, cap, why);
      return 70;
    }
  }
  return 0;
}

int32_t run_entry(const mp4kit_bench_request* rq, mp4kit_bench_result* rp) {
  std::memset(rp, 0, sizeof *rp);
  rp->stream = rq ? rq->stream : -1;
  if (!rq || rq->abi_version != MP4KIT_BENCH_ABI_VERSION || !rq->input_path) {
    rp->exit_code = 70;
    bench_copy_string(rp->error, sizeof rp->error, "bench module ABI mismatch (rebuild mp4kit and mp4kit_bench together)");
    return rp->exit_code;
  }
  av_log_set_level(AV_LOG_QUIET);  // damaged input is counted (decode_errors), not printed
  try {
    switch (rq->work) {
      case MP4KIT_BENCH_DECODE: return run_decode(rq, rp);
      case MP4KIT_BENCH_LAVF_DEMUX: return lavf_demux(rq, rp);
      case MP4KIT_BENCH_LAVF_DECODE: return lavf_decode(rq, rp);
      case MP4KIT_BENCH_LAVF_PROBE: return lavf_probe(rq, rp);
      case MP4KIT_BENCH_LAVF_SEEK: return lavf_seek(rq, rp);
      default: break;
    }
    return bench_fail(rp, make_error(ErrorCode::kUsage, "", 0, "unknown bench work " + std::to_string(rq->work)));
  } catch (const std::exception& e) {  // std::bad_alloc: report, never unwind through C
    return bench_fail(rp, make_error(ErrorCode::kInternal, "", 0, std::string("internal error: ") + e.what()));
  }
}

const mp4kit_bench_api kBenchApi = {MP4KIT_BENCH_ABI_VERSION, &prepare_entry, &run_entry};

}  // namespace
}  // namespace mp4kit::bench

extern "C" __attribute__((visibility("default"))) const mp4kit_bench_api* mp4kit_bench_module_api(void) {
  return &mp4kit::bench::kBenchApi;
}
