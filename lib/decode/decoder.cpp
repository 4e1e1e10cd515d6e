#include "decode/decoder.h"

#include "decode/av_error.h"
#include "decode/codec_parameters.h"
#include "decode/packet_index.h"

namespace mp4kit::decode {
namespace {

// After this many errors in a row while draining, a decoder that never reaches EOF is
// abandoned rather than looped on.
constexpr int kMaxFlushErrors = 64;

}  // namespace

Result<std::unique_ptr<Decoder>> Decoder::open(const mp4kit_codec_parameters& codec, const mp4kit_decoder_settings& settings) {
  if (settings.struct_size < sizeof(mp4kit_decoder_settings))
    return make_error(ErrorCode::kUsage, "", 0,
                      "mp4kit_decoder_settings.struct_size is " + std::to_string(settings.struct_size) + ", this module needs " +
                          std::to_string(sizeof(mp4kit_decoder_settings)) + " (fill it with decoder_default_settings)");
  if (settings.threads < 0 || settings.frames_held < 1 || settings.packet_copy < MP4KIT_PACKET_COPY_AUTO ||
      settings.packet_copy > MP4KIT_PACKET_COPY_NEVER)
    return make_error(ErrorCode::kUsage, "", 0,
                      "bad decoder settings: threads " + std::to_string(settings.threads) + " (>= 0), frames_held " +
                          std::to_string(settings.frames_held) + " (>= 1), packet_copy " + std::to_string(settings.packet_copy) +
                          " (0..2)");
  auto par = to_av_codec_parameters(codec);
  if (!par.ok()) return par.error();
  const AVCodec* av_codec = avcodec_find_decoder((*par)->codec_id);
  if (!av_codec)
    return make_error(ErrorCode::kMalformed, "", 0,
                      std::string("this libavcodec has no decoder for codec '") + avcodec_get_name((*par)->codec_id) + "'");

  std::unique_ptr<Decoder> d(new Decoder);
  d->settings_ = settings;
  LogScope scope(d->log_);
  d->ctx_ = avcodec_alloc_context3(av_codec);
  d->frame_ = av_frame_alloc();
  d->pkt_ = av_packet_alloc();
  if (!d->ctx_ || !d->frame_ || !d->pkt_) return make_error(ErrorCode::kInternal, "", 0, "out of memory opening the decoder");
  int err = avcodec_parameters_to_context(d->ctx_, par->get());
  if (err < 0) return make_error(ErrorCode::kInternal, "", 0, "avcodec_parameters_to_context: " + av_error_string(err));
  const AVRational time_base = codec.time_base_num > 0 && codec.time_base_den > 0
                                   ? AVRational{codec.time_base_num, codec.time_base_den}
                                   : AVRational{1, 1};
  d->ctx_->pkt_timebase = time_base;
  d->ctx_->thread_count = settings.threads;  // 0 = auto, as ffmpeg's "-threads auto"
  if (settings.strict) d->ctx_->err_recognition |= AV_EF_EXPLODE;
  enable_packet_index(d->ctx_);

  const int threads_hint = settings.threads > 0 ? settings.threads : 16;
  d->pool_ = std::make_unique<FramePool>(
      FramePool::Config{FramePool::suggested_max_slots(threads_hint, 0, settings.frames_held)});
  d->pool_->attach(d->ctx_, d->hooks_);  // ctx->opaque = &hooks_ ...
  d->log_.attach(d->hooks_);             // ... which routes this decoder's messages here

  err = avcodec_open2(d->ctx_, av_codec, nullptr);
  if (err < 0)
    return make_error(ErrorCode::kMalformed, "", 0, "cannot open the " + std::string(av_codec->name) + " decoder: " + av_error_string(err));
  // With the effective thread count known, the pool is warm after at most two rounds of its capacity.
  d->warmup_frames_ = 2 * static_cast<int64_t>(FramePool::suggested_max_slots(d->ctx_->thread_count, 0, settings.frames_held));
  d->packets_ = std::make_unique<PacketBridge>(d->ctx_->codec_id, settings.packet_copy, settings.packet_size_hint, time_base,
                                               codec.skip_samples);
  return d;
}

Decoder::~Decoder() {
  av_packet_free(&pkt_);
  av_frame_free(&frame_);
  avcodec_free_context(&ctx_);  // joins the frame threads; packets they held are released here
}

void Decoder::note_error(int err, const char* call) {
  ++errors_;
  if (first_error_.empty()) first_error_ = std::string(call) + " at packet " + std::to_string(current_packet_) + ": " + av_error_string(err);
}

Error Decoder::strict_error() const { return make_error(ErrorCode::kMalformed, "", 0, first_error_); }

Result<CallStatus> Decoder::send(const mp4kit_packet* p) {
  LogScope scope(log_);
  consecutive_errors_ = 0;
  if (!p) {
    // Drain. Errors while draining name the packet after the last one ("end of stream").
    current_packet_ = last_index_ + 1;
    flushing_ = true;
    avcodec_send_packet(ctx_, nullptr);  // only fails when already draining (EOF)
    return CallStatus{MP4KIT_OK};
  }
  const auto release_now = [&] {
    if (p->release) p->release(p->release_opaque);
  };
  if (p->struct_size < sizeof(mp4kit_packet)) {
    release_now();
    return make_error(ErrorCode::kUsage, "", 0, "mp4kit_packet.struct_size is " + std::to_string(p->struct_size) + ", this module needs " +
                                                    std::to_string(sizeof(mp4kit_packet)));
  }
  if (flushing_) {
    release_now();
    return make_error(ErrorCode::kUsage, "", 0, "packet " + std::to_string(p->index) + " sent after the end of stream (reset first)");
  }
  current_packet_ = p->index;  // also names errors of the frames received before it is taken
  if (Status st = packets_->fill(*p, pkt_); !st.ok()) {
    release_now();
    return st.error();
  }
  const int64_t previous_tag = tag_packet(ctx_, pkt_, p->index);
  const int ret = avcodec_send_packet(ctx_, pkt_);
  const bool taken = ret != AVERROR(EAGAIN);
  packets_->settle(*p, pkt_, taken);
  if (!taken) {
    restore_packet_tag(ctx_, previous_tag);
    return CallStatus{MP4KIT_AGAIN};
  }
  ++packets_sent_;
  last_index_ = p->index;
  if (ret < 0 && ret != AVERROR_EOF) {
    note_error(ret, "send");
    if (settings_.strict) return strict_error();
  }
  return CallStatus{MP4KIT_OK};
}

// Like ffmpeg.c, an error ends the receiving for this packet (AGAIN: send the next one);
// while draining it goes on to the next frame.
Result<CallStatus> Decoder::receive(AVFrame*& out) {
  out = nullptr;
  LogScope scope(log_);
  for (;;) {
    const int ret = avcodec_receive_frame(ctx_, frame_);
    if (ret == AVERROR(EAGAIN)) return CallStatus{MP4KIT_AGAIN};
    if (ret == AVERROR_EOF) return CallStatus{MP4KIT_END};
    if (ret < 0) {
      note_error(ret, "decode");
      if (settings_.strict) return strict_error();
      if (!flushing_) return CallStatus{MP4KIT_AGAIN};
      if (++consecutive_errors_ < kMaxFlushErrors) continue;
      return CallStatus{MP4KIT_END};
    }
    consecutive_errors_ = 0;
    if (frame_->decode_error_flags) ++concealed_;
    if (frame_->buf[0] && !pool_->owns(frame_)) pool_->count_foreign_frame();
    ++frames_;
    if (!warm_ && frames_ >= warmup_frames_) {
      warm_ = true;
      misses_at_warmup_ = pool_->stats().misses;
    }
    out = av_frame_alloc();
    if (!out) {
      av_frame_unref(frame_);
      return make_error(ErrorCode::kInternal, "", 0, "out of memory for a frame");
    }
    av_frame_move_ref(out, frame_);
    return CallStatus{MP4KIT_OK};
  }
}

void Decoder::reset() {
  LogScope scope(log_);
  clear_packet_index(ctx_);
  avcodec_flush_buffers(ctx_);
  flushing_ = false;
  consecutive_errors_ = 0;
}

void Decoder::stats(mp4kit_decoder_stats& s) const {
  const FramePoolStats ps = pool_->stats();
  s.packets = packets_sent_;
  s.frames = frames_;
  s.decode_errors = errors_;
  s.concealed_frames = concealed_;
  s.error_messages = log_.error_count();
  s.packets_zero_copy = static_cast<int64_t>(packets_->zero_copy_count());
  s.packets_copied = static_cast<int64_t>(packets_->copied_count());
  s.pool_hits = ps.hits;
  s.pool_misses = ps.misses;
  s.pool_misses_after_warmup = warm_ ? ps.misses - misses_at_warmup_ : 0;
  s.pool_slots = ps.slots;
  s.threads = ctx_->thread_count;
  s.warmup_frames = warmup_frames_;
}

}  // namespace mp4kit::decode
