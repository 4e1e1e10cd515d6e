#include "bench/lavf_baseline.h"

#include <dlfcn.h>

#include <algorithm>
#include <numeric>
#include <string>
#include <vector>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/macros.h>
}

#include "bench/bench_harness.h"
#include "bench/bench_job.h"
#include "bench/latency_histogram.h"
#include "decode/av_error.h"

namespace mp4kit::bench {
namespace {

using decode::av_error_string;

// libavformat's entry points, resolved once by lavf_load().
struct Lavf {
  decltype(&avformat_version) version = nullptr;
  decltype(&avformat_open_input) open_input = nullptr;
  decltype(&avformat_close_input) close_input = nullptr;
  decltype(&av_read_frame) read_frame = nullptr;
  decltype(&av_seek_frame) seek_frame = nullptr;
  decltype(&avformat_index_get_entries_count) index_count = nullptr;
};
Lavf g_lavf;
bool g_loaded = false;

// Closes the demuxer (and its decoder) however the work ends.
struct Input {
  AVFormatContext* fmt = nullptr;
  AVCodecContext* ctx = nullptr;
  AVPacket* pkt = av_packet_alloc();
  AVFrame* frame = av_frame_alloc();
  ~Input() {
    av_frame_free(&frame);
    av_packet_free(&pkt);
    avcodec_free_context(&ctx);
    if (fmt) g_lavf.close_input(&fmt);
  }
};

Status open_input(const mp4kit_bench_request* rq, Input& in) {
  if (!g_loaded) return make_error(ErrorCode::kInternal, "", 0, "libavformat is not loaded (prepare() was not called)");
  if (!in.pkt || !in.frame) return make_error(ErrorCode::kInternal, "", 0, "out of memory");
  const int ret = g_lavf.open_input(&in.fmt, rq->input_path, nullptr, nullptr);
  if (ret < 0) {
    const ErrorCode code = ret == AVERROR(ENOENT) || ret == AVERROR(EACCES) ? ErrorCode::kCannotOpen : ErrorCode::kMalformed;
    return make_error(code, "", 0, "libavformat cannot open '" + std::string(rq->input_path) + "': " + av_error_string(ret));
  }
  return Ok{};
}

// Opens the decoder for `stream` with the settings the decode module uses (threads, packet time base)
// and libavcodec's default frame allocator; other streams are discarded by the demuxer.
Status open_decoder(const mp4kit_bench_request* rq, Input& in) {
  if (rq->stream < 0 || static_cast<unsigned>(rq->stream) >= in.fmt->nb_streams)
    return make_error(ErrorCode::kUsage, "", 0, "libavformat sees no stream " + std::to_string(rq->stream));
  for (unsigned i = 0; i < in.fmt->nb_streams; ++i)
    if (static_cast<int>(i) != rq->stream) in.fmt->streams[i]->discard = AVDISCARD_ALL;
  const AVStream* st = in.fmt->streams[rq->stream];
  const AVCodec* codec = avcodec_find_decoder(st->codecpar->codec_id);
  if (!codec) return make_error(ErrorCode::kMalformed, "", 0, std::string("no decoder for ") + avcodec_get_name(st->codecpar->codec_id));
  in.ctx = avcodec_alloc_context3(codec);
  if (!in.ctx) return make_error(ErrorCode::kInternal, "", 0, "out of memory");
  int ret = avcodec_parameters_to_context(in.ctx, st->codecpar);
  if (ret < 0) return make_error(ErrorCode::kInternal, "", 0, "avcodec_parameters_to_context: " + av_error_string(ret));
  in.ctx->pkt_timebase = st->time_base;
  in.ctx->thread_count = rq->threads;
  ret = avcodec_open2(in.ctx, codec, nullptr);
  if (ret < 0) return make_error(ErrorCode::kMalformed, "", 0, "cannot open the " + std::string(codec->name) + " decoder: " + av_error_string(ret));
  return Ok{};
}

}  // namespace

bool lavf_load(std::string& why) {
  if (g_loaded) return true;
  const std::string soname = "libavformat.so." AV_STRINGIFY(LIBAVFORMAT_VERSION_MAJOR);
  void* h = dlopen(soname.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    why = "cannot load " + soname + " for --against libavformat (" + dlerror() + "); install libavformat" +
          AV_STRINGIFY(LIBAVFORMAT_VERSION_MAJOR);
    return false;
  }
  bool ok = true;
  auto sym = [&](auto& fn, const char* name) {
    fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(dlsym(h, name));
    if (!fn) ok = false, why = soname + " has no " + name;
  };
  sym(g_lavf.version, "avformat_version");
  sym(g_lavf.open_input, "avformat_open_input");
  sym(g_lavf.close_input, "avformat_close_input");
  sym(g_lavf.read_frame, "av_read_frame");
  sym(g_lavf.seek_frame, "av_seek_frame");
  sym(g_lavf.index_count, "avformat_index_get_entries_count");
  if (!ok) return false;
  if (AV_VERSION_MAJOR(g_lavf.version()) != LIBAVFORMAT_VERSION_MAJOR) {
    why = soname + " reports major version " + std::to_string(AV_VERSION_MAJOR(g_lavf.version()));
    return false;
  }
  g_loaded = true;
  return true;
}

int lavf_demux(const mp4kit_bench_request* rq, mp4kit_bench_result* rp) {
  const uint64_t t0 = LatencyHistogram::now_ns();
  Input in;
  if (auto st = open_input(rq, in); !st.ok()) return bench_fail(rp, st.error());
  rp->stream = -1;
  LatencyHistogram lat;
  uint64_t last = t0, sum = 0;
  int ret;
  while ((ret = g_lavf.read_frame(in.fmt, in.pkt)) >= 0) {
    sum = touch_bytes(in.pkt->data, static_cast<size_t>(in.pkt->size), sum);
    rp->payload_bytes += static_cast<uint64_t>(in.pkt->size);
    ++rp->packets;
    av_packet_unref(in.pkt);
    const uint64_t now = LatencyHistogram::now_ns();
    lat.add_ns(now - last);
    last = now;
  }
  if (ret != AVERROR_EOF) ++rp->decode_errors;  // a read error ends the demux, as in ffmpeg
  rp->frames = rp->packets;
  rp->checksum = sum;
  bench_latency(lat, rp);
  return rp->exit_code = 0;
}

int lavf_probe(const mp4kit_bench_request* rq, mp4kit_bench_result* rp) {
  Input in;
  if (auto st = open_input(rq, in); !st.ok()) return bench_fail(rp, st.error());
  rp->stream = -1;
  for (unsigned i = 0; i < in.fmt->nb_streams; ++i)
    rp->packets += static_cast<uint64_t>(std::max(0, g_lavf.index_count(in.fmt->streams[i])));
  rp->frames = rp->packets;
  return rp->exit_code = 0;
}

int lavf_decode(const mp4kit_bench_request* rq, mp4kit_bench_result* rp) {
  const uint64_t t0 = LatencyHistogram::now_ns();
  Input in;
  if (auto st = open_input(rq, in); !st.ok()) return bench_fail(rp, st.error());
  if (auto st = open_decoder(rq, in); !st.ok()) return bench_fail(rp, st.error());
  bench_copy_string(rp->codec, sizeof rp->codec, in.ctx->codec->name);
  LatencyHistogram lat;
  uint64_t last = t0, sum = 0;
  auto drain = [&] {
    while (avcodec_receive_frame(in.ctx, in.frame) >= 0) {
      const uint64_t now = LatencyHistogram::now_ns();
      lat.add_ns(now - last);
      last = now;
      sum += frame_checksum(in.frame);
      ++rp->frames;
      av_frame_unref(in.frame);
    }
  };
  int ret;
  while ((ret = g_lavf.read_frame(in.fmt, in.pkt)) >= 0) {
    if (in.pkt->stream_index == rq->stream) {
      rp->payload_bytes += static_cast<uint64_t>(in.pkt->size);
      ++rp->packets;
      if (avcodec_send_packet(in.ctx, in.pkt) < 0) ++rp->decode_errors;
      drain();
    }
    av_packet_unref(in.pkt);
  }
  if (ret != AVERROR_EOF) ++rp->decode_errors;
  avcodec_send_packet(in.ctx, nullptr);
  drain();
  rp->checksum = sum;
  bench_latency(lat, rp);
  return rp->exit_code = 0;
}

int lavf_seek(const mp4kit_bench_request* rq, mp4kit_bench_result* rp) {
  Input in;
  if (auto st = open_input(rq, in); !st.ok()) return bench_fail(rp, st.error());
  if (auto st = open_decoder(rq, in); !st.ok()) return bench_fail(rp, st.error());
  bench_copy_string(rp->codec, sizeof rp->codec, in.ctx->codec->name);
  // The way an application seeks exactly with libavformat: for each target (in pts
  // order), seek to the sync sample at or before it, flush, decode until its pts comes out.
  std::vector<uint32_t> order(rq->seek_count);
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return rq->seek_pts[a] < rq->seek_pts[b]; });
  LatencyHistogram lat;
  uint64_t sum = 0;
  for (uint32_t k : order) {
    const int64_t target = rq->seek_pts[k];
    const uint64_t t0 = LatencyHistogram::now_ns();
    if (g_lavf.seek_frame(in.fmt, rq->stream, target, AVSEEK_FLAG_BACKWARD) < 0) {
      ++rp->seek_targets_missed;
      continue;
    }
    avcodec_flush_buffers(in.ctx);
    bool found = false, past = false, eof = false;
    while (!found && !past) {
      int ret = 0;
      if (!eof) {
        ret = g_lavf.read_frame(in.fmt, in.pkt);
        if (ret < 0) {
          eof = true;
          avcodec_send_packet(in.ctx, nullptr);
        } else if (in.pkt->stream_index != rq->stream) {
          av_packet_unref(in.pkt);
          continue;
        } else {
          ++rp->packets;
          rp->payload_bytes += static_cast<uint64_t>(in.pkt->size);
          if (avcodec_send_packet(in.ctx, in.pkt) < 0) ++rp->decode_errors;
          av_packet_unref(in.pkt);
        }
      }
      bool got_any = false;
      while (!found && avcodec_receive_frame(in.ctx, in.frame) >= 0) {
        got_any = true;
        const int64_t pts = in.frame->pts != AV_NOPTS_VALUE ? in.frame->pts : in.frame->best_effort_timestamp;
        if (pts == target) {
          found = true;
          sum += frame_checksum(in.frame);
        } else if (pts > target && pts != AV_NOPTS_VALUE) {
          past = true;
        }
        av_frame_unref(in.frame);
      }
      if (eof && !got_any) break;
    }
    if (found) {
      ++rp->frames;
      lat.add_ns(LatencyHistogram::now_ns() - t0);
    } else {
      ++rp->seek_targets_missed;
    }
  }
  rp->checksum = sum;
  bench_latency(lat, rp);
  return rp->exit_code = 0;
}

}  // namespace mp4kit::bench
