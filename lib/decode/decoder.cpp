#include "decode/decoder.h"

extern "C" {
#include <libavutil/error.h>
#include <libavutil/log.h>
}

#include <atomic>
#include <cstdarg>
#include <mutex>

#include "decode/codec_params.h"
#include "mp4/codec_info.h"
#include "mp4/fourcc.h"

namespace mp4kit::decode {

namespace {
std::atomic<int64_t> g_log_errors{0};
std::mutex g_log_mutex;
std::string g_first_log_error;

void log_callback(void* avcl, int level, const char* fmt, va_list vl) {
  if (level > AV_LOG_ERROR) return;
  g_log_errors.fetch_add(1, std::memory_order_relaxed);
  std::lock_guard<std::mutex> lock(g_log_mutex);
  if (!g_first_log_error.empty()) return;
  char line[512];
  int print_prefix = 1;
  av_log_format_line2(avcl, level, fmt, vl, line, sizeof line, &print_prefix);
  g_first_log_error = line;
  while (!g_first_log_error.empty() && (g_first_log_error.back() == '\n' || g_first_log_error.back() == ' '))
    g_first_log_error.pop_back();
}
}  // namespace

LogCapture::LogCapture() {
  g_log_errors = 0;
  {
    std::lock_guard<std::mutex> lock(g_log_mutex);
    g_first_log_error.clear();
  }
  av_log_set_callback(log_callback);
}
LogCapture::~LogCapture() { av_log_set_callback(av_log_default_callback); }
int64_t LogCapture::error_count() { return g_log_errors.load(); }
std::string LogCapture::first_error() {
  std::lock_guard<std::mutex> lock(g_log_mutex);
  return g_first_log_error;
}

Result<std::unique_ptr<Decoder>> Decoder::open(ByteSourcePtr source, const Track& track, const StreamTimeline& timeline,
                                               const DecoderOptions& options) {
  const std::string where = "moov/trak[" + std::to_string(track.index) + "]";
  if (track.sample_entries.empty()) return make_error(ErrorCode::kMalformed, where, track.offset, "track has no sample entry");
  const SampleEntry& entry = track.sample_entries.front();
  const CodecInfo info = codec_info_of(track, entry);
  auto par = make_codec_parameters(track, entry, info);
  if (!par.ok()) return par.error();
  return open(std::move(source), **par, track.timescale, timeline, options, where, track.offset);
}

Result<std::unique_ptr<Decoder>> Decoder::open(ByteSourcePtr source, const AVCodecParameters& par, uint32_t timescale,
                                               const StreamTimeline& timeline, const DecoderOptions& options,
                                               const std::string& where, uint64_t offset) {
  const AVCodec* codec = avcodec_find_decoder(par.codec_id);
  if (!codec) {
    return make_error(ErrorCode::kMalformed, where, offset,
                      std::string("this libavcodec has no decoder for codec '") + avcodec_get_name(par.codec_id) + "'");
  }

  std::unique_ptr<Decoder> d(new Decoder);
  d->options_ = options;
  d->ctx_ = avcodec_alloc_context3(codec);
  d->frame_ = av_frame_alloc();
  d->pkt_ = av_packet_alloc();
  if (!d->ctx_ || !d->frame_ || !d->pkt_) return make_error(ErrorCode::kInternal, "", 0, "out of memory opening the decoder");
  int err = avcodec_parameters_to_context(d->ctx_, &par);
  if (err < 0) return make_error(ErrorCode::kInternal, where, offset, "avcodec_parameters_to_context: " + av_error_string(err));
  d->ctx_->pkt_timebase = AVRational{1, static_cast<int>(timescale ? timescale : 1)};
  d->ctx_->thread_count = options.threads;  // 0 = auto, as ffmpeg's "-threads auto"
  if (options.strict) d->ctx_->err_recognition |= AV_EF_EXPLODE;

  const int threads_hint = options.threads > 0 ? options.threads : 16;
  d->pool_ = std::make_unique<FramePool>(
      FramePool::Config{FramePool::suggested_max_slots(threads_hint, 0, options.consumer_queue)});
  d->pool_->attach(d->ctx_, d->hooks_);

  err = avcodec_open2(d->ctx_, codec, nullptr);
  if (err < 0) {
    return make_error(ErrorCode::kMalformed, where, offset,
                      "cannot open the " + std::string(codec->name) + " decoder: " + av_error_string(err));
  }
  // With the effective thread count known, the pool is warm after at most two rounds of its capacity.
  d->warmup_frames_ = 2 * static_cast<int64_t>(FramePool::suggested_max_slots(d->ctx_->thread_count, 0, options.consumer_queue));

  auto src = PacketSource::create(std::move(source), timeline, timescale, timeline.skip_samples, d->ctx_->codec_id, options.copy);
  if (!src.ok()) return src.error();
  d->packets_ = std::make_unique<PacketSource>(std::move(src.value()));
  return d;
}

Decoder::~Decoder() {
  av_packet_free(&pkt_);
  av_frame_free(&frame_);
  avcodec_free_context(&ctx_);  // joins the frame threads; their frames are released here
}

void Decoder::note_error(int err, const char* where) {
  ++counters_.errors;
  if (counters_.first_error.empty()) {
    counters_.first_error = std::string(where) + " at packet " + std::to_string(current_packet_) + ": " + av_error_string(err);
  }
  if (options_.strict) strict_stop_ = true;
}

// Receives every frame the decoder has ready. Like ffmpeg.c, an error stops the receiving
// for this packet (while flushing, it goes on to the next frame).
Result<bool> Decoder::drain(const Sink& sink, bool flushing) {
  int consecutive_errors = 0;
  for (;;) {
    const int ret = avcodec_receive_frame(ctx_, frame_);
    if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF) return true;
    if (ret < 0) {
      note_error(ret, "decode");
      if (strict_stop_) return false;
      // While flushing, go on to the next frame; a decoder that keeps failing without
      // reaching EOF is abandoned after 64 errors in a row rather than looped on.
      if (flushing && ++consecutive_errors < 64) continue;
      return true;
    }
    consecutive_errors = 0;
    if (frame_->decode_error_flags) {
      ++counters_.concealed;
    }
    if (frame_->buf[0] && !pool_->owns(frame_)) {
      ++counters_.foreign_frames;
      pool_->count_foreign_frame();
    }
    ++counters_.frames;
    auto more = sink(frame_);
    av_frame_unref(frame_);
    if (!more.ok()) return more.error();
    if (!*more) return false;
  }
}

Status Decoder::run(const Sink& sink) {
  const uint64_t n = packets_->size();
  for (uint64_t i = 0; i < n; ++i) {
    current_packet_ = i;
    MP4KIT_TRY(packets_->fill(i, pkt_));
    int ret = avcodec_send_packet(ctx_, pkt_);
    while (ret == AVERROR(EAGAIN)) {
      // The decoder holds frames we have not taken (after an error cut a drain short).
      auto more = drain(sink, /*flushing=*/false);
      if (!more.ok()) { av_packet_unref(pkt_); return more.error(); }
      if (!*more) { av_packet_unref(pkt_); goto stopped; }
      ret = avcodec_send_packet(ctx_, pkt_);
    }
    av_packet_unref(pkt_);
    ++counters_.packets;
    if (ret < 0 && ret != AVERROR_EOF) {
      note_error(ret, "send");
      if (strict_stop_) goto stopped;
    }
    {
      auto more = drain(sink, /*flushing=*/false);
      if (!more.ok()) return more.error();
      if (!*more) goto stopped;
    }
  }
  current_packet_ = n;
  avcodec_send_packet(ctx_, nullptr);
  {
    auto more = drain(sink, /*flushing=*/true);
    if (!more.ok()) return more.error();
  }
stopped:
  if (strict_stop_) return make_error(ErrorCode::kMalformed, "", 0, "decoder error (--strict): " + counters_.first_error);
  return Ok{};
}

Status Decoder::run_packets(const std::vector<uint32_t>& packets, const IndexedSink& sink) {
  const auto indexed = [&](const AVFrame* f) -> Result<bool> {
    const int64_t i = f->reordered_opaque;
    return sink(f, i >= 0 && static_cast<uint64_t>(i) < packets_->size() ? i : -1);
  };
  Status result = Ok{};
  for (const uint32_t i : packets) {
    current_packet_ = i;
    MP4KIT_TRY(packets_->fill(i, pkt_));
    ctx_->reordered_opaque = i;  // copied into the frame (and the frame thread's context) by libavcodec
    int ret = avcodec_send_packet(ctx_, pkt_);
    while (ret == AVERROR(EAGAIN)) {
      auto more = drain(indexed, /*flushing=*/false);
      if (!more.ok() || !*more) {
        av_packet_unref(pkt_);
        if (!more.ok()) result = more.error();
        goto reset;
      }
      ret = avcodec_send_packet(ctx_, pkt_);
    }
    av_packet_unref(pkt_);
    ++counters_.packets;
    if (ret < 0 && ret != AVERROR_EOF) {
      note_error(ret, "send");
      if (strict_stop_) goto reset;
    }
    auto more = drain(indexed, /*flushing=*/false);
    if (!more.ok()) result = more.error();
    if (!more.ok() || !*more) goto reset;
  }
  avcodec_send_packet(ctx_, nullptr);
  if (auto more = drain(indexed, /*flushing=*/true); !more.ok()) result = more.error();
reset:
  ctx_->reordered_opaque = AV_NOPTS_VALUE;
  avcodec_flush_buffers(ctx_);
  if (!result.ok()) return result;
  if (strict_stop_) return make_error(ErrorCode::kMalformed, "", 0, "decoder error (--strict): " + counters_.first_error);
  return Ok{};
}

}  // namespace mp4kit::decode
