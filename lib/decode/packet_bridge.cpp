#include "decode/packet_bridge.h"

extern "C" {
#include <libavutil/intreadwrite.h>
}

#include <algorithm>
#include <climits>
#include <cstring>
#include <string>

namespace mp4kit::decode {

// The zero-copy AVBuffer's free callback target: the caller's release, unless the send
// was refused (EAGAIN), in which case the caller still owns the bytes.
struct Release {
  void (*fn)(void*);
  void* opaque;
  bool armed;
};

namespace {

void release_trampoline(void* opaque, uint8_t*) {
  auto* r = static_cast<Release*>(opaque);
  if (r->armed) r->fn(r->opaque);
  delete r;
}

}  // namespace

PacketBridge::PacketBridge(AVCodecID codec, int32_t copy_mode, uint32_t size_hint, AVRational time_base,
                           int64_t skip_samples)
    : copy_mode_(copy_mode), codec_safe_(zero_copy_safe(codec)), time_base_(time_base), skip_samples_(skip_samples),
      copy_size_(size_hint ? size_t(size_hint) + AV_INPUT_BUFFER_PADDING_SIZE : 0) {}

PacketBridge::~PacketBridge() {
  // The pool is freed when its last buffer returns (av_buffer_pool_uninit semantics).
  av_buffer_pool_uninit(&copy_pool_);
}

bool PacketBridge::zero_copy_safe(AVCodecID codec) { return codec == AV_CODEC_ID_H264 || codec == AV_CODEC_ID_AV1; }

bool PacketBridge::wants_copy(const mp4kit_packet& p) const {
  if (!p.release || copy_mode_ == MP4KIT_PACKET_COPY_ALWAYS) return true;
  if (copy_mode_ != MP4KIT_PACKET_COPY_NEVER && !codec_safe_) return true;
  if (p.flags & MP4KIT_PACKET_CORRUPT) return true;
  return p.tail < AV_INPUT_BUFFER_PADDING_SIZE;
}

Status PacketBridge::fill(const mp4kit_packet& p, AVPacket* pkt) {
  if (p.size > INT_MAX - AV_INPUT_BUFFER_PADDING_SIZE)
    return make_error(ErrorCode::kUsage, "", p.pos >= 0 ? uint64_t(p.pos) : 0,
                      "packet " + std::to_string(p.index) + " of " + std::to_string(p.size) + " bytes is too large for libavcodec");
  if (!p.data && p.size) return make_error(ErrorCode::kUsage, "", 0, "packet " + std::to_string(p.index) + " has no data");
  last_zero_copy_ = !wants_copy(p);
  last_release_ = nullptr;
  if (last_zero_copy_) {
    auto* r = new Release{p.release, p.release_opaque, true};
    // av_buffer_create takes a non-const pointer; AV_BUFFER_FLAG_READONLY makes
    // av_buffer_is_writable() false, so any decoder that wants to write copies first.
    pkt->buf = av_buffer_create(const_cast<uint8_t*>(p.data), size_t(p.size) + AV_INPUT_BUFFER_PADDING_SIZE,
                                release_trampoline, r, AV_BUFFER_FLAG_READONLY);
    if (!pkt->buf) {
      delete r;
      return make_error(ErrorCode::kInternal, "", 0, "out of memory wrapping a packet in an AVBuffer");
    }
    last_release_ = r;
    pkt->data = const_cast<uint8_t*>(p.data);
  } else {
    const size_t need = size_t(p.size) + AV_INPUT_BUFFER_PADDING_SIZE;
    if (!copy_pool_ || need > copy_size_) {
      copy_size_ = std::max(need, copy_pool_ ? copy_size_ + copy_size_ / 2 : copy_size_);
      av_buffer_pool_uninit(&copy_pool_);
      copy_pool_ = av_buffer_pool_init(copy_size_, nullptr);
      if (!copy_pool_) return make_error(ErrorCode::kInternal, "", 0, "out of memory creating the packet copy pool");
    }
    pkt->buf = av_buffer_pool_get(copy_pool_);
    if (!pkt->buf) return make_error(ErrorCode::kInternal, "", 0, "out of memory for a packet copy");
    if (p.size) std::memcpy(pkt->buf->data, p.data, p.size);
    std::memset(pkt->buf->data + p.size, 0, AV_INPUT_BUFFER_PADDING_SIZE);
    pkt->data = pkt->buf->data;
  }
  pkt->size = static_cast<int>(p.size);
  pkt->pts = p.pts;
  pkt->dts = p.dts;
  pkt->duration = p.duration;
  pkt->pos = p.pos;
  pkt->stream_index = 0;
  pkt->time_base = time_base_;
  pkt->flags = (p.flags & MP4KIT_PACKET_KEY ? AV_PKT_FLAG_KEY : 0) | (p.flags & MP4KIT_PACKET_DISCARD ? AV_PKT_FLAG_DISCARD : 0) |
               (p.flags & MP4KIT_PACKET_CORRUPT ? AV_PKT_FLAG_CORRUPT : 0);
  if (!first_taken_ && skip_samples_ > 0) {
    // libavformat (demux.c read_frame_internal) injects the stream's skip_samples as a
    // 10-byte side data on the first packet: skip (le32), discard padding (le32), 2 reasons.
    uint8_t* sd = av_packet_new_side_data(pkt, AV_PKT_DATA_SKIP_SAMPLES, 10);
    if (!sd) {
      if (last_release_) last_release_->armed = false;
      av_packet_unref(pkt);
      return make_error(ErrorCode::kInternal, "", 0, "out of memory for skip-samples side data");
    }
    AV_WL32(sd, static_cast<uint32_t>(skip_samples_));
    AV_WL32(sd + 4, 0);
  }
  return Ok{};
}

void PacketBridge::settle(const mp4kit_packet& p, AVPacket* pkt, bool taken) {
  if (last_release_ && !taken) last_release_->armed = false;  // EAGAIN: libavcodec took no reference
  av_packet_unref(pkt);  // zero-copy: releases now unless libavcodec still holds the packet
  last_release_ = nullptr;
  if (!taken) return;
  first_taken_ = true;
  if (last_zero_copy_) {
    ++zero_copy_;
  } else {
    ++copied_;
    if (p.release) p.release(p.release_opaque);  // the bytes were copied: the caller's reference is done
  }
}

}  // namespace mp4kit::decode
