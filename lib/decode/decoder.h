// A libavcodec decoder for one track of a parsed Movie: codec parameters from the sample
// entry (codec_params.h), packets from the timeline (packet_source.h), frame buffers from
// a FramePool (decode/frame_pool.h). The packet/frame loop mirrors FFmpeg 5.1's ffmpeg.c
// (send one packet, receive every frame it releases; a decoder error is counted and
// decoding goes on), so the frames it outputs are the frames `ffmpeg -f framemd5` hashes.
//
// Threads: a Decoder is used from one thread. With frame threading libavcodec runs
// `threads` worker threads that call the pool's get_buffer2; frames handed to the sink
// may be kept (av_frame_ref) and released on any thread.
#pragma once

extern "C" {
#include <libavcodec/avcodec.h>
}

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "decode/packet_source.h"
#include "decode/av_error.h"
#include "decode/codec_hooks.h"
#include "decode/frame_pool.h"
#include "mp4/movie.h"
#include "mp4kit/error.h"
#include "mp4/timeline.h"
#include "decode/codec_params.h"

namespace mp4kit::decode {

struct DecoderOptions {
  int threads = 0;             ///< 0: one per CPU (FFmpeg's "auto"); 1: no threading
  bool strict = false;         ///< stop at the first decoder error (kMalformed)
  PacketSource::Copy copy = PacketSource::Copy::kAuto;
  int consumer_queue = 1;      ///< frames the sink may hold at once (pool sizing)
};

struct DecodeCounters {
  int64_t packets = 0;           ///< packets sent
  int64_t frames = 0;            ///< frames delivered to the sink
  int64_t errors = 0;            ///< send/receive calls that failed (not EAGAIN/EOF)
  int64_t concealed = 0;         ///< frames with decode_error_flags
  int64_t foreign_frames = 0;    ///< frames whose buffers did not come from the pool
  int64_t error_messages = 0;    ///< AV_LOG_ERROR messages libavcodec logged (concealed damage included)
  std::string first_error;       ///< "decode at packet 12: Invalid data found when processing input"
};

class Decoder {
 public:
  /// Opens the decoder for `track` (its first sample entry), reading packets from `source`
  /// (shared). `timeline` must outlive the Decoder. Errors: kMalformed (unknown codec, bad configuration box, or
  /// avcodec_open2 refused the parameters; the message has FFmpeg's error text), kInternal.
  static Result<std::unique_ptr<Decoder>> open(ByteSourcePtr source, const Track& track, const StreamTimeline& timeline,
                                               const DecoderOptions& options);
  /// Same, for parameters built elsewhere (an attached picture). `where` names the source
  /// in messages; `timescale` is the packets' time base denominator.
  static Result<std::unique_ptr<Decoder>> open(ByteSourcePtr source, const AVCodecParameters& par, uint32_t timescale,
                                               const StreamTimeline& timeline, const DecoderOptions& options,
                                               const std::string& where, uint64_t offset);
  ~Decoder();

  /// Called for each output frame, in presentation order. Return false to stop decoding
  /// (e.g. --frames reached or the output closed); an Error stops with that error.
  using Sink = std::function<Result<bool>(const AVFrame* frame)>;

  /// Sends every packet and flushes the decoder. Returns the first sink error, or
  /// kMalformed in strict mode at the first decoder error.
  Status run(const Sink& sink);

  /// Called for each output frame with the timeline index of the packet it was decoded
  /// from, or -1 when the decoder did not carry the index through.
  using IndexedSink = std::function<Result<bool>(const AVFrame* frame, int64_t packet)>;

  /// For seeking (lib/decode/seek_*.cpp): sends exactly the packets `packets` lists
  /// (timeline indices, in the order given: decode order, with gaps for the packets left
  /// out), then flushes: every frame still in the decoder reaches `sink`, and the decoder
  /// is reset (avcodec_flush_buffers), so the next call may start at any sync sample with
  /// no state of this one left except what libavcodec keeps across a flush (e.g. a
  /// reorder depth it has learned). Each packet's index travels in
  /// AVCodecContext::reordered_opaque, which libavcodec 5.1 copies to the frame decoded
  /// from that packet (also through frame threads and libdav1d). Errors as run(); a sink
  /// returning false ends the pass early (the decoder is still reset).
  Status run_packets(const std::vector<uint32_t>& packets, const IndexedSink& sink);

  const DecodeCounters& counters() const { return counters_; }
  const FramePool& pool() const { return *pool_; }
  FramePool& pool() { return *pool_; }
  const AVCodecContext* context() const { return ctx_; }
  const PacketSource& packets() const { return *packets_; }
  /// Frames after which the pool is expected to be warm (2 x its capacity).
  int64_t warmup_frames() const { return warmup_frames_; }

 private:
  Decoder() = default;
  Result<bool> drain(const Sink& sink, bool flushing);
  void note_error(int err, const char* where);

  AVCodecContext* ctx_ = nullptr;
  AVFrame* frame_ = nullptr;
  AVPacket* pkt_ = nullptr;
  CodecHooks hooks_;
  std::unique_ptr<FramePool> pool_;
  std::unique_ptr<PacketSource> packets_;
  DecoderOptions options_;
  DecodeCounters counters_;
  int64_t warmup_frames_ = 0;
  uint64_t current_packet_ = 0;
  bool strict_stop_ = false;
};

/// Routes libav* log messages away from stderr for the lifetime of the object: messages at
/// AV_LOG_ERROR or worse are counted and the first one kept (decoders report concealed
/// damage only this way unless AV_EF_EXPLODE is set). Process-wide (av_log_set_callback);
/// the callback may run on libavcodec's worker threads and is thread-safe.
class LogCapture {
 public:
  LogCapture();
  ~LogCapture();
  static int64_t error_count();
  static std::string first_error();
};

}  // namespace mp4kit::decode
