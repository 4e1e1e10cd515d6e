// Feeding one Decoder the packets of one stream, and handing the frames it returns to a
// callback: the send/receive loop of FFmpeg 5.1's ffmpeg.c (send one packet, receive every
// frame it releases), shared by the decode job and the seek runner.
//
// Reading: each packet's bytes come from Demuxer::read_packet (views into a mapping, or
// copies from another source); a packet that runs past the end of the source is
// kMalformed, a short read kIo. With a PageReleaser, a forward decode gives the pages of a
// mapped source back (MADV_DONTNEED) behind it: the part of the file below the packet
// kReleaseLag (32) packets back, in steps of at least 256 KiB, so the RSS of a long decode
// does not grow with the file. A page read again later is simply faulted in again.
//
// Threads: one thread; the callback runs on it.
#pragma once

#include <cstdint>
#include <functional>
#include <span>

#include "mp4kit/decoder.h"
#include "mp4kit/demuxer.h"
#include "mp4kit/error.h"

namespace mp4kit::pipeline {

/// Called with each frame in output order. Ok(true): go on; Ok(false): stop (the feed
/// returns Ok(false) at once); an Error stops with it. The callback may move the Frame out.
using FrameCallback = std::function<Result<bool>(Frame& frame)>;

class PageReleaser {
 public:
  PageReleaser() = default;
  /// Gives back nothing below byte `from` of the source (a pass that starts there).
  explicit PageReleaser(uint64_t from) : released_(from & ~uint64_t(4095)) {}
  /// After packet `i` of `packets` was read from `source`.
  void after(const ByteSource& source, std::span<const Packet> packets, uint64_t i);

 private:
  uint64_t released_ = 0;  // source bytes below this were given back
};

class PacketFeed {
 public:
  /// `decoder`, `demuxer` and `releaser` (may be null) must outlive the feed. `packets` is
  /// the stream's packet list (Demuxer::packets). `strict`: decoder errors (kMalformed from
  /// a strict decoder) get the prefix "decoder error (--strict): ".
  PacketFeed(Decoder& decoder, const Demuxer& demuxer, std::span<const Packet> packets, PageReleaser* releaser, bool strict);

  /// Reads and sends packet `i`, then receives every frame the decoder has ready. While
  /// the decoder refuses the packet (it holds frames an error cut short), frames are
  /// received first and the packet sent again. Ok(false): the callback stopped.
  Result<bool> send(uint32_t i, const FrameCallback& on_frame);
  /// End of stream: flush and receive every frame still inside.
  Result<bool> finish(const FrameCallback& on_frame);
  /// Packets the decoder took so far.
  uint64_t sent() const { return sent_; }

 private:
  Result<bool> receive_ready(const FrameCallback& on_frame);
  Result<Buffer> read(uint32_t i) const;
  Error decoder_error(Error e) const;

  Decoder& decoder_;
  const Demuxer& demuxer_;
  std::span<const Packet> packets_;
  PageReleaser* releaser_;
  bool strict_;
  uint64_t sent_ = 0;
  Frame frame_;
};

}  // namespace mp4kit::pipeline
