#include "pipeline/packet_feed.h"

#include <string>

namespace mp4kit::pipeline {
namespace {

// Packets behind the current one whose pages may still be in use (frame threads hold a
// few packets each); pages below the oldest of them are given back.
constexpr uint64_t kReleaseLag = 32;
constexpr uint64_t kReleaseStep = 256u << 10;

}  // namespace

void PageReleaser::after(const ByteSource& source, std::span<const Packet> packets, uint64_t i) {
  if (i < kReleaseLag || i >= packets.size()) return;
  const uint64_t behind = packets[i - kReleaseLag].pos & ~uint64_t(4095);
  if (behind > released_ + kReleaseStep && behind <= packets[i].pos) {
    source.advise(Access::kDontNeed, released_, behind - released_);
    released_ = behind;
  }
}

PacketFeed::PacketFeed(Decoder& decoder, const Demuxer& demuxer, std::span<const Packet> packets, PageReleaser* releaser,
                       bool strict)
    : decoder_(decoder), demuxer_(demuxer), packets_(packets), releaser_(releaser), strict_(strict) {}

Result<Buffer> PacketFeed::read(uint32_t i) const {
  const Packet& p = packets_[i];
  const uint64_t file_size = demuxer_.source().size();
  if (p.pos > file_size || p.size > file_size - p.pos) {
    return make_error(ErrorCode::kMalformed, "", p.pos,
                      "packet " + std::to_string(i) + " of " + std::to_string(p.size) + " bytes runs past the end of the file (" +
                          std::to_string(file_size) + " bytes)");
  }
  auto bytes = demuxer_.read_packet(p);
  if (!bytes.ok()) return bytes.error();
  if (bytes->size() != p.size) {
    return make_error(ErrorCode::kIo, "", p.pos,
                      "'" + demuxer_.source().name() + "' returned " + std::to_string(bytes->size()) + " of the " +
                          std::to_string(p.size) + " bytes of packet " + std::to_string(i));
  }
  return bytes;
}

Error PacketFeed::decoder_error(Error e) const {
  if (strict_ && e.code == ErrorCode::kMalformed) e.message = "decoder error (--strict): " + e.message;
  return e;
}

Result<bool> PacketFeed::receive_ready(const FrameCallback& on_frame) {
  for (;;) {
    auto r = decoder_.receive(frame_);
    if (!r.ok()) return decoder_error(r.error());
    if (*r != Decoder::Progress::kOk) return true;
    auto more = on_frame(frame_);
    frame_.reset();
    if (!more.ok()) return more.error();
    if (!*more) return false;
  }
}

Result<bool> PacketFeed::send(uint32_t i, const FrameCallback& on_frame) {
  auto bytes = read(i);
  if (!bytes.ok()) return bytes.error();
  if (releaser_) releaser_->after(demuxer_.source(), packets_, i);
  Buffer data = std::move(bytes.value());
  for (;;) {
    auto sent = decoder_.send(packets_[i], std::move(data), i);
    if (!sent.ok()) {
      ++sent_;  // taken (and released) even though it failed
      return decoder_error(sent.error());
    }
    if (*sent == Decoder::Progress::kOk) break;
    auto more = receive_ready(on_frame);  // refused: the decoder holds frames we have not taken
    if (!more.ok() || !*more) return more;
  }
  ++sent_;
  return receive_ready(on_frame);
}

Result<bool> PacketFeed::finish(const FrameCallback& on_frame) {
  if (Status st = decoder_.flush(); !st.ok()) return decoder_error(st.error());
  return receive_ready(on_frame);
}

}  // namespace mp4kit::pipeline
