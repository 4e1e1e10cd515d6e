#include "decode/packet_source.h"

extern "C" {
#include <libavutil/intreadwrite.h>
}

#include <algorithm>
#include <cstring>

namespace mp4kit::decode {
namespace {

// Packets behind the current one whose pages may still be in use (frame threads hold a
// few packets each); pages below the oldest of them are given back.
constexpr uint64_t kReleaseLag = 32;
constexpr uint64_t kReleaseStep = 256u << 10;

// The AVBuffer's free callback: drops the Buffer it held (and with it the reference on
// the mapping or whatever owns the bytes).
void release_buffer(void* opaque, uint8_t*) { delete static_cast<Buffer*>(opaque); }

// A read-only AVBuffer over `view`'s bytes that keeps them alive; nullptr when out of memory.
AVBufferRef* wrap_buffer(const Buffer& view) {
  auto* holder = new Buffer(view);
  // av_buffer_create takes a non-const pointer; AV_BUFFER_FLAG_READONLY makes
  // av_buffer_is_writable() false, so any decoder that wants to write copies first.
  AVBufferRef* ref = av_buffer_create(const_cast<uint8_t*>(holder->data()), holder->size(), release_buffer, holder,
                                      AV_BUFFER_FLAG_READONLY);
  if (!ref) delete holder;
  return ref;
}

}  // namespace

Result<PacketSource> PacketSource::create(ByteSourcePtr source, const StreamTimeline& timeline, uint32_t timescale,
                                          int64_t skip_samples, AVCodecID codec, Copy copy) {
  PacketSource s;
  s.timeline_ = &timeline;
  s.time_base_ = AVRational{1, static_cast<int>(timescale ? timescale : 1)};
  s.skip_samples_ = skip_samples;
  s.copy_ = copy == Copy::kAuto ? (zero_copy_safe(codec) ? Copy::kNever : Copy::kAlways) : copy;
  if (source->is_mapped()) {
    // One view of the whole file, one AVBuffer: a zero-copy packet costs one av_buffer_ref.
    auto whole = source->read(0, source->size());
    if (!whole.ok()) return whole.error();
    s.mapping_ = wrap_buffer(*whole);
    if (!s.mapping_) return make_error(ErrorCode::kInternal, "", 0, "out of memory wrapping the mapping in an AVBuffer");
  }
  s.source_ = std::move(source);
  uint32_t largest = 0;
  for (const Packet& p : timeline.packets) largest = std::max(largest, p.size);
  s.copy_size_ = size_t(largest) + AV_INPUT_BUFFER_PADDING_SIZE;
  s.copy_pool_ = av_buffer_pool_init(s.copy_size_, nullptr);
  if (!s.copy_pool_) return make_error(ErrorCode::kInternal, "", 0, "out of memory creating the packet copy pool");
  return s;
}

PacketSource::PacketSource(PacketSource&& o) noexcept
    : source_(std::move(o.source_)), timeline_(o.timeline_), time_base_(o.time_base_), skip_samples_(o.skip_samples_),
      copy_(o.copy_), mapping_(o.mapping_), copy_pool_(o.copy_pool_), copy_size_(o.copy_size_),
      zero_copy_(o.zero_copy_), copied_(o.copied_) {
  o.mapping_ = nullptr;
  o.copy_pool_ = nullptr;
}

PacketSource::~PacketSource() {
  av_buffer_unref(&mapping_);
  // The pool is freed when its last buffer returns (av_buffer_pool_uninit semantics).
  av_buffer_pool_uninit(&copy_pool_);
}

bool PacketSource::zero_copy_safe(AVCodecID codec) {
  return codec == AV_CODEC_ID_H264 || codec == AV_CODEC_ID_AV1;
}

bool PacketSource::needs_copy(uint64_t i) const {
  if (copy_ == Copy::kAlways || !mapping_) return true;
  const Packet& p = timeline_->packets[i];
  if (p.truncated) return true;
  // A view's tail() is the rest of the file for a mapped source.
  return p.pos + p.size + AV_INPUT_BUFFER_PADDING_SIZE > source_->size();
}

Status PacketSource::fill(uint64_t i, AVPacket* pkt) {
  const Packet& p = timeline_->packets[i];
  const uint64_t file_size = source_->size();
  if (p.pos > file_size || p.size > file_size - p.pos) {
    return make_error(ErrorCode::kMalformed, "", p.pos,
                      "packet " + std::to_string(i) + " of " + std::to_string(p.size) + " bytes runs past the end of the file (" +
                          std::to_string(file_size) + " bytes)");
  }
  auto view = source_->read(p.pos, p.size);
  if (!view.ok()) return view.error();
  if (view->size() != p.size) {
    return make_error(ErrorCode::kIo, "", p.pos,
                      "'" + source_->name() + "' returned " + std::to_string(view->size()) + " of the " +
                          std::to_string(p.size) + " bytes of packet " + std::to_string(i));
  }
  if (needs_copy(i) || view->tail() < AV_INPUT_BUFFER_PADDING_SIZE) {
    pkt->buf = av_buffer_pool_get(copy_pool_);
    if (!pkt->buf) return make_error(ErrorCode::kInternal, "", 0, "out of memory for a packet copy");
    std::memcpy(pkt->buf->data, view->data(), p.size);
    std::memset(pkt->buf->data + p.size, 0, AV_INPUT_BUFFER_PADDING_SIZE);
    pkt->data = pkt->buf->data;
    ++copied_;
  } else {
    const auto at = reinterpret_cast<uintptr_t>(view->data()), whole = reinterpret_cast<uintptr_t>(mapping_->data);
    const bool in_mapping = at >= whole && at - whole <= mapping_->size && view->size() <= mapping_->size - (at - whole);
    pkt->buf = in_mapping ? av_buffer_ref(mapping_) : wrap_buffer(*view);
    if (!pkt->buf) return make_error(ErrorCode::kInternal, "", 0, "out of memory referencing the mapping");
    pkt->data = const_cast<uint8_t*>(view->data());
    ++zero_copy_;
  }
  if (i >= kReleaseLag) {
    const uint64_t behind = timeline_->packets[i - kReleaseLag].pos & ~uint64_t(4095);
    if (behind > released_ + kReleaseStep && behind <= p.pos) {
      source_->advise(Access::kDontNeed, released_, behind - released_);
      released_ = behind;
    }
  }
  pkt->size = static_cast<int>(p.size);
  pkt->pts = p.pts;
  pkt->dts = p.dts;
  pkt->duration = p.duration;
  pkt->pos = static_cast<int64_t>(p.pos);
  pkt->stream_index = 0;
  pkt->time_base = time_base_;
  pkt->flags = (p.key ? AV_PKT_FLAG_KEY : 0) | (p.discard ? AV_PKT_FLAG_DISCARD : 0) | (p.truncated ? AV_PKT_FLAG_CORRUPT : 0);
  if (i == 0 && skip_samples_ > 0) {
    // libavformat (demux.c read_frame_internal) injects the stream's skip_samples as a
    // 10-byte side data on the first packet: skip (le32), discard padding (le32), 2 reasons.
    uint8_t* sd = av_packet_new_side_data(pkt, AV_PKT_DATA_SKIP_SAMPLES, 10);
    if (!sd) return make_error(ErrorCode::kInternal, "", 0, "out of memory for skip-samples side data");
    AV_WL32(sd, static_cast<uint32_t>(skip_samples_));
    AV_WL32(sd + 4, 0);
  }
  return Ok{};
}

}  // namespace mp4kit::decode
