// The module's decoder behind `struct mp4kit_decoder` (include/mp4kit/decode_abi.h): one
// libavcodec decoder for one stream, fed the caller's packets, handing out frames from its
// own frame pool.
//
// The send/receive loop it gives the caller mirrors FFmpeg 5.1's ffmpeg.c (send one
// packet, receive every frame it releases; a decoder error is counted and decoding goes
// on), so a caller that loops like decode_abi.h describes outputs the frames `ffmpeg -f
// framemd5` hashes. Per decoder, nothing shared with other decoders: the AVCodecContext,
// the frame pool (frame_pool.h), the packet copy pool (packet_bridge.h), the log capture
// (log_capture.h).
//
// Errors: send/receive fail with kMalformed in strict mode at the first decoder error (the
// message is the failed call: "send at packet 12: Invalid data found when processing
// input"; first_log_message() gives libavcodec's own first message), kUsage for a bad
// packet, kInternal out of memory. Without strict mode decoder errors are only counted.
//
// Threads: one thread calls the methods; libavcodec's worker threads call the pool and
// the log callback; frames handed out may be released on any thread, after the decoder is
// gone too (the pool's shared state lives until the last frame returns).
#pragma once

extern "C" {
#include <libavcodec/avcodec.h>
}

#include <cstdint>
#include <memory>
#include <string>

#include "decode/codec_hooks.h"
#include "decode/frame_pool.h"
#include "decode/log_capture.h"
#include "decode/packet_bridge.h"
#include "mp4kit/decode_abi.h"
#include "mp4kit/error.h"

namespace mp4kit::decode {

/// What send/receive report besides errors: MP4KIT_OK, MP4KIT_AGAIN or MP4KIT_END.
using CallStatus = int32_t;

class Decoder {
 public:
  /// Errors: kUsage for bad settings or parameters; kMalformed when libavcodec has no
  /// decoder for the codec or refuses the parameters (FFmpeg's error text); kInternal.
  static Result<std::unique_ptr<Decoder>> open(const mp4kit_codec_parameters& codec, const mp4kit_decoder_settings& settings);
  ~Decoder();
  Decoder(const Decoder&) = delete;
  Decoder& operator=(const Decoder&) = delete;

  /// decode_abi.h decoder_send: OK (taken), AGAIN (receive first; not taken), or an error
  /// (taken: release is called).
  Result<CallStatus> send(const mp4kit_packet* packet);
  /// decode_abi.h decoder_receive: OK with `out` set to a new frame the caller owns
  /// (av_frame_free it), AGAIN or END.
  Result<CallStatus> receive(AVFrame*& out);
  /// avcodec_flush_buffers; counters are kept.
  void reset();
  void stats(mp4kit_decoder_stats& out) const;

  const char* codec_name() const { return ctx_->codec->name; }
  /// The libavcodec context (fuzz targets and tests tune limits such as max_pixels).
  AVCodecContext* context() { return ctx_; }
  /// The first failed libavcodec call: "send at packet 12: Invalid data found when
  /// processing input"; "" when none.
  const std::string& first_error() const { return first_error_; }
  /// libavcodec's first error-level log message for this decoder; "" when none.
  std::string first_log_message() const { return log_.first_message(); }
  int64_t error_messages() const { return log_.error_count(); }
  LogCapture& log() { return log_; }
  const FramePool& pool() const { return *pool_; }
  int64_t warmup_frames() const { return warmup_frames_; }

 private:
  Decoder() = default;
  void note_error(int err, const char* call);
  Error strict_error() const;

  // ~Decoder frees the context first (joining the frame threads, which log and allocate
  // through hooks_); the members below are destroyed after it.
  LogCapture log_;
  CodecHooks hooks_;
  std::unique_ptr<FramePool> pool_;
  std::unique_ptr<PacketBridge> packets_;
  AVCodecContext* ctx_ = nullptr;
  AVFrame* frame_ = nullptr;
  AVPacket* pkt_ = nullptr;
  mp4kit_decoder_settings settings_{};
  int64_t warmup_frames_ = 0;
  int64_t packets_sent_ = 0, frames_ = 0, errors_ = 0, concealed_ = 0;
  uint64_t misses_at_warmup_ = 0;
  bool warm_ = false;
  bool flushing_ = false;
  int consecutive_errors_ = 0;
  int64_t current_packet_ = 0;   // index named in error messages
  int64_t last_index_ = -1;      // index of the last packet taken
  std::string first_error_;
};

}  // namespace mp4kit::decode
