// The bench module's entry point (bench_module.h) and the mp4kit side of the decode work:
// open, parse, index, decode one stream through the decode module, time every output frame.
// The libavformat side is in lavf_baseline.cpp.
#include <algorithm>
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
#include "io/mapped_file.h"
#include "mp4kit/decoder.h"
#include "mp4kit/demuxer.h"
#include "pipeline/packet_feed.h"

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

uint64_t frame_checksum(const uint8_t* first_plane, int linesize) {
  // The first bytes of the first plane: enough to keep the frame observable; decoding is
  // not something a compiler can drop anyway.
  if (!first_plane) return 0;
  const int n = linesize > 0 ? std::min(linesize, 64) : 0;
  uint64_t sum = 0;
  for (int i = 0; i < n; ++i) sum = sum * 31 + first_plane[i];
  return sum;
}

uint64_t frame_checksum(const AVFrame* f) {
  return frame_checksum(f->extended_data ? f->extended_data[0] : f->data[0], f->linesize[0]);
}

namespace {

// mp4kit's decode as `mp4kit decode` runs it: the Demuxer, the decode module's decoder
// through its C ABI (loaded by the parent before the fork, so no run pays for it) and the
// same send/receive loop (lib/pipeline/packet_feed.h); each output frame is timed.
int run_decode(const mp4kit_bench_request* rq, mp4kit_bench_result* rp) {
  const uint64_t t0 = LatencyHistogram::now_ns();
  // A URL through the HTTP source (the executable's --http-* flags); a file mapped, as always.
  const bool remote = is_url(rq->input_path);
  Result<io::MappedFileSourcePtr> file = io::MappedFileSourcePtr{};
  Result<ByteSourcePtr> source = ByteSourcePtr{};
  if (remote) {
    const SourceOptions defaults;
    source = open_source(rq->input_path, rq->source_options ? *static_cast<const SourceOptions*>(rq->source_options) : defaults);
    if (!source.ok()) return bench_fail(rp, source.error());
  } else {
    file = io::MappedFileSource::open(rq->input_path, {.fault_guard = true});
    if (!file.ok()) return bench_fail(rp, file.error());
    source = ByteSourcePtr(*file);
  }
  auto dmx = Demuxer::open(*source);
  if (!dmx.ok()) return bench_fail(rp, dmx.error());
  if (rq->stream < 0 || static_cast<size_t>(rq->stream) >= dmx->streams().size() || dmx->track_of(rq->stream) < 0)
    return bench_fail(rp, make_error(ErrorCode::kUsage, "", 0, "no track is stream " + std::to_string(rq->stream) + " (bench decodes tracks)"));
  const auto stream = static_cast<uint32_t>(rq->stream);
  auto packets = dmx->packets(stream);
  if (!packets.ok()) return bench_fail(rp, packets.error());
  auto par = dmx->codec_parameters(stream);
  if (!par.ok()) return bench_fail(rp, par.error());
  DecoderSettings settings;
  settings.threads = rq->threads;
  for (const Packet& p : *packets) settings.packet_size_hint = std::max(settings.packet_size_hint, p.size);
  auto dec = Decoder::open(*par, settings);
  if (!dec.ok()) return bench_fail(rp, dec.error());
  bench_copy_string(rp->codec, sizeof rp->codec, dec->codec());

  LatencyHistogram lat;
  uint64_t last = t0, sum = 0;
  pipeline::PageReleaser releaser;
  pipeline::PacketFeed feed(*dec, *dmx, *packets, &releaser, /*strict=*/false);
  const pipeline::FrameCallback on_frame = [&](Frame& f) -> Result<bool> {
    const uint64_t now = LatencyHistogram::now_ns();
    lat.add_ns(now - last);
    last = now;
    const mp4kit_frame_info info = f.info();
    sum += frame_checksum(info.data[0], info.linesize[0]);
    return true;
  };
  for (uint32_t i = 0; i < packets->size(); ++i)
    if (auto more = feed.send(i, on_frame); !more.ok()) return bench_fail(rp, more.error());
  if (auto more = feed.finish(on_frame); !more.ok()) return bench_fail(rp, more.error());
  if (!remote && !(*file)->still_complete())
    return bench_fail(rp, make_error(ErrorCode::kIo, "", 0, "'" + (*file)->path() + "' shrank while it was being decoded"));
  if (remote) {
    if (Status intact = (*source)->check_intact(); !intact.ok()) return bench_fail(rp, intact.error());
    const ReadStats fetched = (*source)->stats();
    rp->has_fetch = 1;
    rp->fetched_bytes = fetched.bytes;
    rp->fetch_requests = fetched.requests;
  }
  const mp4kit_decoder_stats st = dec->stats();
  rp->frames = static_cast<uint64_t>(st.frames);
  rp->packets = static_cast<uint64_t>(st.packets);
  for (const Packet& p : *packets) rp->payload_bytes += p.size;
  rp->checksum = sum;
  rp->decode_errors = st.decode_errors;
  bench_latency(lat, rp);
  rp->has_pool = 1;
  rp->pool_hits = st.pool_hits;
  rp->pool_misses = st.pool_misses;
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
