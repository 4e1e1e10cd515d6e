// Carrying each packet's index to the frame decoded from it: the one place that knows how.
//
// FFmpeg 5.1 (libavcodec 59): AVCodecContext::reordered_opaque is copied into a frame
// when libavcodec starts decoding it (ff_decode_frame_props; frame threads copy it into
// their context with the packet, libdav1d carries it per picture). Decoding starts inside
// avcodec_send_packet, or for the one packet libavcodec queues, inside the next receive;
// so a refused send (EAGAIN) must put back the tag of the last packet taken, which is the
// queued one (restore_packet_tag). With that, every frame carries the index of its own
// packet whatever the caller's loop.
// It is deprecated in FFmpeg 6 and removed in 7. A newer FFmpeg is a change here only: set
// AV_CODEC_FLAG_COPY_OPAQUE in enable_packet_index(), put the index in AVPacket::opaque
// (as (void*)(intptr_t)index) in tag_packet(), read AVFrame::opaque in
// frame_packet_index(), and make restore_packet_tag() and clear_packet_index() no-ops
// (the tag then travels with the packet).
//
// Threads: called from the thread that sends packets and receives frames.
#pragma once

extern "C" {
#include <libavcodec/avcodec.h>
}

#include <cstdint>

namespace mp4kit::decode {

/// Before avcodec_open2: whatever the mechanism needs switched on (nothing in 5.1).
inline void enable_packet_index(AVCodecContext* ctx) { (void)ctx; }

/// Before avcodec_send_packet(ctx, pkt): the frames decoded from `pkt` will carry `index`.
/// Returns what restore_packet_tag() needs if the send is refused.
inline int64_t tag_packet(AVCodecContext* ctx, AVPacket* pkt, int64_t index) {
  (void)pkt;
  const int64_t previous = ctx->reordered_opaque;
  ctx->reordered_opaque = index;
  return previous;
}

/// After avcodec_send_packet refused the packet (EAGAIN): `previous` is tag_packet's result.
inline void restore_packet_tag(AVCodecContext* ctx, int64_t previous) { ctx->reordered_opaque = previous; }

/// After a reset: packets sent from now on are untagged until tag_packet().
inline void clear_packet_index(AVCodecContext* ctx) { ctx->reordered_opaque = AV_NOPTS_VALUE; }

/// The index `frame` carries, or -1 when the decoder did not carry one through.
inline int64_t frame_packet_index(const AVFrame* frame) {
  return frame->reordered_opaque == AV_NOPTS_VALUE || frame->reordered_opaque < 0 ? -1 : frame->reordered_opaque;
}

}  // namespace mp4kit::decode
