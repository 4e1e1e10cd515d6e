// Packets for libavcodec, in decode order: each sample's bytes come from the ByteSource
// (source->read(pos, size)), straight out of the mapping (zero-copy) when it can be.
//
// Ownership: for a mapped source (ByteSource::is_mapped()) the whole file is read once as
// one Buffer view and wrapped in one AVBuffer (read-only) whose free callback drops that
// Buffer, and with it the reference on the mapping. Every zero-copy AVPacket holds an
// AVBufferRef on it, so the mapping stays mapped while any packet lives, even after the
// PacketSource, the Movie and the source are gone. A view that lies outside that buffer
// (a source whose reads are views of something else) gets an AVBuffer of its own holding
// the Buffer. Copied packets hold a buffer from an AVBufferPool. A source that is not
// mapped (each read fetches or copies) always gives copied packets.
//
// The padding rule. libavcodec requires AV_INPUT_BUFFER_PADDING_SIZE (64) readable bytes
// after a packet's data and prefers them to be zero: bitstream readers read ahead, and on
// damaged data some read *into* the padding and decode what they find there. In the
// mapping the bytes after a sample are the next sample's bytes, so a packet is passed
// zero-copy only when all of these hold:
//   * the codec is one whose output was shown not to depend on the padding bytes, even on
//     damaged packets: H.264 and AV1 (zero_copy_safe());
//   * the sample is complete (not cut by the end of the file);
//   * at least 64 bytes of the file follow it (the read-ahead stays inside the mapping):
//     the view's Buffer::tail() is at least AV_INPUT_BUFFER_PADDING_SIZE.
// Otherwise it is copied into a pooled buffer of (largest sample + 64) bytes with zeroed
// padding, exactly what libavformat hands the decoder.
// Evidence (bench/BENCH-decode.md): on intact files every stream of samples/ and the corpus
// has the same framemd5 zero-copy and copied. On damaged copies (garbage over the last
// third of every 7th video sample, 8 seeds per file, decoded single-threaded because
// FFmpeg's own frame-threaded output is not reproducible on damaged input), copying
// matches FFmpeg in 48/48 files; zero-copy matches for H.264 (24/24, three files) and AV1
// (8/8, libdav1d) but not for VP9 (2/8) or HEVC (0/8): their bitstream readers consume
// padding bytes when a packet is damaged. Audio packets are small and always copied.
// Cost of the copy for H.264 1080p: see bench/BENCH-decode.md (within run-to-run noise).
//
// Memory: the pages of samples already decoded would stay in the process's RSS (file-backed
// but counted); fill() gives back, with advise(kDontNeed) (MADV_DONTNEED for the mmap
// source), the part of the mapping below the packet kReleaseLag (32) packets behind, in
// steps of at least 256 KiB. A page that is still read after that (a packet held longer,
// a table in moov) is simply faulted in again.
//
// Threads: one thread calls fill(); the packets it fills may be released on any thread.
#pragma once

extern "C" {
#include <libavcodec/avcodec.h>
}

#include <cstdint>

#include "mp4kit/byte_source.h"
#include "mp4kit/error.h"
#include "mp4/timeline.h"

namespace mp4kit::decode {

class PacketSource {
 public:
  /// kAuto: the rule above. kAlways: copy every packet. kNever: zero-copy whenever 64 bytes
  /// follow the sample in the file, whatever the codec (diagnostics, to reproduce the evidence).
  enum class Copy { kAuto, kAlways, kNever };

  /// Whether decoders of `codec` were shown to give the same frames whatever the padding holds.
  static bool zero_copy_safe(AVCodecID codec);

  /// `timeline` must outlive the PacketSource; `source` holds the bytes the timeline's
  /// positions refer to (shared: packets may outlive it). `skip_samples` (> 0 for audio
  /// priming) becomes an AV_PKT_DATA_SKIP_SAMPLES side data on the first packet, as
  /// libavformat injects it. Errors: kInternal on allocation failure; the source's read
  /// errors (kIo).
  static Result<PacketSource> create(ByteSourcePtr source, const StreamTimeline& timeline, uint32_t timescale,
                                     int64_t skip_samples, AVCodecID codec, Copy copy);

  PacketSource(PacketSource&& o) noexcept;
  PacketSource& operator=(PacketSource&&) = delete;
  PacketSource(const PacketSource&) = delete;
  ~PacketSource();

  uint64_t size() const { return timeline_->packets.size(); }

  /// Fills `pkt` (which must be empty, e.g. after av_packet_unref) with packet `i`: data,
  /// size, pts, dts, duration, pos, time_base, flags (KEY, DISCARD, CORRUPT when cut by
  /// the end of the file). Errors: kInternal on allocation failure; kMalformed for a
  /// packet past the end of the file; the source's read errors (kIo).
  Status fill(uint64_t i, AVPacket* pkt);

  uint64_t zero_copy_count() const { return zero_copy_; }
  uint64_t copied_count() const { return copied_; }

  /// Whether packet `i` is copied under this source's rule (for a source that is not
  /// mapped: always).
  bool needs_copy(uint64_t i) const;

 private:
  PacketSource() = default;
  ByteSourcePtr source_;
  const StreamTimeline* timeline_ = nullptr;
  AVRational time_base_{1, 1};
  int64_t skip_samples_ = 0;
  Copy copy_ = Copy::kAuto;
  AVBufferRef* mapping_ = nullptr;   // mapped source: the whole file as one view, one reference held here
  AVBufferPool* copy_pool_ = nullptr;
  size_t copy_size_ = 0;             // largest packet + padding
  uint64_t zero_copy_ = 0, copied_ = 0;
  uint64_t released_ = 0;            // file bytes below this were given back (MADV_DONTNEED)
};

}  // namespace mp4kit::decode
