// The caller's packets (mp4kit_packet) as AVPackets: zero-copy where it is safe, else a
// pooled, zero-padded copy.
//
// The padding rule. libavcodec requires AV_INPUT_BUFFER_PADDING_SIZE (64) readable bytes
// after a packet's data and prefers them to be zero: bitstream readers read ahead, and on
// damaged data some read *into* the padding and decode what they find there. In a mapped
// file the bytes after a sample are the next sample's, so a packet is passed zero-copy
// (an AVBufferRef around the caller's bytes, whose free callback calls the packet's
// release) only when all of these hold:
//   * the codec is one whose output was shown not to depend on the padding bytes, even on
//     damaged packets: H.264 and AV1 (zero_copy_safe()), in MP4KIT_PACKET_COPY_AUTO mode;
//     MP4KIT_PACKET_COPY_NEVER drops this condition (diagnostics), _ALWAYS copies all;
//   * the sample is complete (not MP4KIT_PACKET_CORRUPT: cut by the end of the file);
//   * at least 64 readable bytes follow it (mp4kit_packet.tail), so the read-ahead stays
//     inside memory the caller's reference keeps alive;
//   * the caller gave a release callback (without one the bytes must be copied now).
// Otherwise it is copied into a pooled buffer of (largest packet + 64) bytes with zeroed
// padding, exactly what libavformat hands the decoder, and release is called as soon as
// the send is settled.
// Evidence (lib/decode/BENCH.md): on intact files every stream of samples/ and the corpus
// has the same framemd5 zero-copy and copied. On damaged copies (garbage over the last
// third of every 7th video sample, 8 seeds per file, decoded single-threaded because
// FFmpeg's own frame-threaded output is not reproducible on damaged input), copying
// matches FFmpeg in 48/48 files; zero-copy matches for H.264 (24/24, three files) and AV1
// (8/8, libdav1d) but not for VP9 (2/8) or HEVC (0/8): their bitstream readers consume
// padding bytes when a packet is damaged. Audio packets are small and always copied.
//
// The copy pool holds buffers of one size: the caller's size hint (largest packet) plus
// the padding; a larger packet starts a new pool 1.5x larger (the old one is freed when
// its last buffer returns).
//
// Release exactly once: fill() + settle() guarantee that the packet's release callback
// runs exactly once if the packet was taken (send returned anything but EAGAIN), and never
// if it was not (EAGAIN: the caller still owns it and sends it again).
//
// Threads: fill()/settle() on the sending thread; the zero-copy release may run on any
// thread (the libavcodec thread that drops the last reference).
#pragma once

extern "C" {
#include <libavcodec/avcodec.h>
}

#include <cstdint>

#include "mp4kit/decode_abi.h"
#include "mp4kit/error.h"

namespace mp4kit::decode {

class PacketBridge {
 public:
  /// `skip_samples` (> 0 for audio priming) becomes an AV_PKT_DATA_SKIP_SAMPLES side data
  /// on the first packet taken, as libavformat injects it. `size_hint`: largest packet
  /// expected, bytes (0 = unknown).
  PacketBridge(AVCodecID codec, int32_t copy_mode, uint32_t size_hint, AVRational time_base, int64_t skip_samples);
  ~PacketBridge();
  PacketBridge(const PacketBridge&) = delete;
  PacketBridge& operator=(const PacketBridge&) = delete;

  /// Whether decoders of `codec` were shown to give the same frames whatever the padding holds.
  static bool zero_copy_safe(AVCodecID codec);

  /// Fills the empty `pkt` from `p`. Errors: kUsage (size over 2 GiB, null data with a
  /// size), kInternal (out of memory); release has then not been called.
  Status fill(const mp4kit_packet& p, AVPacket* pkt);
  /// After avcodec_send_packet(pkt) returned `taken` (false only for EAGAIN): unrefs pkt
  /// and settles the release callback (see above). Counts the packet when taken.
  void settle(const mp4kit_packet& p, AVPacket* pkt, bool taken);

  uint64_t zero_copy_count() const { return zero_copy_; }
  uint64_t copied_count() const { return copied_; }

 private:
  bool wants_copy(const mp4kit_packet& p) const;

  int32_t copy_mode_;
  bool codec_safe_;
  AVRational time_base_;
  int64_t skip_samples_;
  bool first_taken_ = false;
  AVBufferPool* copy_pool_ = nullptr;
  size_t copy_size_ = 0;            // bytes of each pooled buffer, padding included
  bool last_zero_copy_ = false;     // what fill() chose for the packet being sent
  struct Release* last_release_ = nullptr;  // its release trampoline (zero-copy)
  uint64_t zero_copy_ = 0, copied_ = 0;
};

}  // namespace mp4kit::decode
