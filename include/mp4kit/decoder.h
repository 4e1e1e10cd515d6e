// Decoding (public API): C++ handles over the decode module's C ABI (mp4kit/decode_abi.h).
//
//   auto module = mp4kit::DecodeModule::load();                  // once; dlopen()s mp4kit_decode.so
//   auto par = demuxer.codec_parameters(stream);                 // mp4kit/demuxer.h
//   auto dec = mp4kit::Decoder::open(*par);
//   for (uint32_t i = 0; i < packets.size(); ++i) {
//     auto bytes = demuxer.read_packet(packets[i]);
//     for (;;) {                                                 // send; on kAgain receive, then send again
//       auto sent = dec->send(packets[i], std::move(*bytes), i);
//       if (*sent == mp4kit::Decoder::Progress::kOk) break;
//       ... receive frames ...
//     }
//     mp4kit::Frame frame;
//     while (*dec->receive(frame) == mp4kit::Decoder::Progress::kOk) use(frame);
//   }
//   dec->flush();  ... receive until kEnd
//
// Why a module: `mp4kit probe` must never load FFmpeg's libraries, so libmp4kit links no
// libav*. Decoders, frames and sinks live in mp4kit_decode.so, loaded on first use by
// DecodeModule::load() (the one loader; lookup rules in its comment).
//
// Units: timestamps are ticks of the stream's time base (CodecParameters::time_base);
// sizes are bytes; frame geometry is pixels.
//
// Ownership and lifetime: Decoder, Frame and Sink are move-only handles; each releases what
// it holds when destroyed. A Frame stays valid after its Decoder is gone (its buffer comes
// from the decoder's pool, which lives until the last frame returns). The bytes of a
// packet handed to send() are kept alive by the Buffer moved into it until the decoder no
// longer reads them (possibly after send returns: zero-copy). The module is never unloaded.
//
// Threads: a Decoder or Sink is used by one thread at a time; different decoders may run
// on different threads at once (they share nothing: each has its own frame pool and its own
// count of libavcodec's log messages). Frames may be released on any thread. The module
// installs one av_log callback for the process on the first decoder (libavutil has a
// single slot): messages of mp4kit's objects are counted, not printed; others are printed
// as libavutil's default would. A program that replaces the callback afterwards loses
// mp4kit's per-decoder error counts (nothing else).
//
// Errors: every fallible call returns Result / Status with the module's one-line message
// whole (ErrorCode kUsage, kMalformed, kInternal, kCannotCreate, kIo as documented per call).
#pragma once

#include <cstdint>
#include <string>

#include "mp4kit/byte_source.h"
#include "mp4kit/decode_abi.h"
#include "mp4kit/demuxer.h"
#include "mp4kit/error.h"

namespace mp4kit {

/// The loaded decode module (process-wide, never unloaded).
class DecodeModule {
 public:
  /// Loads the module once per process and checks its table. Lookup: $MP4KIT_DECODE_MODULE
  /// when set (only it); else mp4kit_decode.so next to the executable's real path
  /// (/proc/self/exe); else <exe dir>/../lib/mp4kit/mp4kit_decode.so (installed layout).
  /// dlopen(RTLD_NOW | RTLD_LOCAL). Accepts a table whose API major equals
  /// MP4KIT_DECODE_API_MAJOR, whose minor is at least MP4KIT_DECODE_API_MINOR and whose
  /// struct_size covers this header's table. Errors: kInternal (exit 70), one line saying
  /// exactly what was tried and why it failed. Thread-safe.
  static Result<const DecodeModule*> load();

  /// The module's function table (for what the wrappers below do not cover).
  const mp4kit_decode_api& api() const { return *api_; }
  /// The file it was loaded from.
  const std::string& path() const { return path_; }
  /// "libavcodec 59.37.100, libavutil 57.28.100, libswscale 6.7.100".
  std::string library_versions() const;

 private:
  DecodeModule(const mp4kit_decode_api* api, std::string path) : api_(api), path_(std::move(path)) {}
  const mp4kit_decode_api* api_;
  std::string path_;
};

/// Which packets go to libavcodec as views of the caller's bytes (mp4kit_packet_copy).
enum class PacketCopy {
  kAuto,    ///< zero-copy for H.264 and AV1 when the sample is complete and 64 bytes follow it
  kAlways,  ///< copy every packet into a pooled, zero-padded buffer
  kNever,   ///< zero-copy whenever 64 bytes follow (diagnostics)
};

struct DecoderSettings {
  int threads = 0;                ///< 0 = one per CPU (FFmpeg's auto), 1 = no threading
  bool strict = false;            ///< the first decoder error fails send/receive (kMalformed)
  PacketCopy packet_copy = PacketCopy::kAuto;
  int frames_held = 1;            ///< frames the caller holds at once (frame pool sizing), >= 1
  uint32_t packet_size_hint = 0;  ///< largest packet that will be sent, bytes; 0 = unknown
};

/// A decoded frame (mp4kit_frame). Move-only; immutable; release on any thread.
class Frame {
 public:
  Frame() = default;
  Frame(Frame&& o) noexcept : api_(o.api_), frame_(o.frame_) { o.frame_ = nullptr; }
  Frame& operator=(Frame&& o) noexcept;
  Frame(const Frame&) = delete;
  Frame& operator=(const Frame&) = delete;
  ~Frame() { reset(); }

  explicit operator bool() const { return frame_ != nullptr; }
  /// Geometry, timestamps (ticks), the packet index it came from, picture type. The plane
  /// pointers and format names in it stay valid while this Frame lives.
  mp4kit_frame_info info() const;

  struct PackedMd5 {
    std::string md5;   ///< 32 lowercase hex digits: the framemd5 hash
    int64_t size = 0;  ///< bytes of the packed frame: the framemd5 size
  };
  /// MD5 of the packed bytes (video: visible rows of each plane; audio: interleaved).
  /// Errors: kInternal (out of memory), kUsage (an empty Frame).
  Result<PackedMd5> packed_md5() const;

  /// A second handle on the same frame (buffers shared, nothing copied), for keeping a
  /// frame while the original goes on. Errors: kInternal out of memory, kUsage empty.
  Result<Frame> clone() const;

  const mp4kit_frame* get() const { return frame_; }
  /// Releases the frame now (the handle becomes empty).
  void reset();

 private:
  friend class Decoder;
  friend class Transform;
  friend class AudioConverter;
  const mp4kit_decode_api* api_ = nullptr;
  mp4kit_frame* frame_ = nullptr;
};

/// One libavcodec decoder for one stream.
class Decoder {
 public:
  enum class Progress {
    kOk,     ///< send: packet taken; receive: a frame was returned
    kAgain,  ///< send: receive frames first, then send the same packet again; receive: send more
    kEnd,    ///< receive: drained after flush() (reset() to start again)
  };

  /// Loads the module if needed and opens a decoder for `codec`. Errors: those of
  /// DecodeModule::load (kInternal); kMalformed when libavcodec has no decoder for the
  /// codec or refuses the parameters (FFmpeg's error text); kUsage for bad settings or a
  /// stream that is neither audio nor video.
  static Result<Decoder> open(const CodecParameters& codec, const DecoderSettings& settings = {});

  Decoder(Decoder&& o) noexcept : api_(o.api_), dec_(o.dec_) { o.dec_ = nullptr; }
  Decoder& operator=(Decoder&& o) noexcept;
  Decoder(const Decoder&) = delete;
  Decoder& operator=(const Decoder&) = delete;
  ~Decoder();

  /// Sends one packet whose bytes are `data` (Demuxer::read_packet); `index` comes back in
  /// the info() of the frames decoded from it. kOk: the decoder took `data` (it is moved
  /// from; released when the decoder no longer reads it, on any thread). kAgain: nothing
  /// was taken and `data` is left as it was: receive frames, then send it again. A damaged
  /// packet is counted (stats().decode_errors) and kOk returned, unless strict: then
  /// kMalformed naming the call and the packet ("send at packet 12: ..."); `data` is
  /// released either way. Errors: kUsage (a packet over 2 GiB, after flush()), kInternal.
  Result<Progress> send(const Packet& packet, Buffer&& data, int64_t index);
  /// End of stream: the frames still inside come out through receive() until kEnd.
  Status flush();
  /// The next frame into `frame` (kOk), or kAgain (send more) / kEnd (drained). A decoder
  /// error is counted and ends this round (kAgain), or, while draining, is skipped;
  /// strict: kMalformed as for send().
  Result<Progress> receive(Frame& frame);
  /// Drops every frame and packet in flight: the next packet may be any sync sample.
  void reset();

  /// Counters since open (packets, frames, errors, pool, zero-copy). Cheap.
  mp4kit_decoder_stats stats() const;
  /// libavcodec's decoder name ("h264", "libdav1d").
  std::string codec() const;
  /// The first failed libavcodec call ("send at packet 12: Invalid data ..."), "" if none.
  std::string first_error() const;
  /// libavcodec's first error-level log message for this decoder, "" if none.
  std::string first_log_message() const;

 private:
  Decoder(const mp4kit_decode_api* api, mp4kit_decoder* dec) : api_(api), dec_(dec) {}
  const mp4kit_decode_api* api_ = nullptr;
  mp4kit_decoder* dec_ = nullptr;
};

/// How frames should look (mp4kit_transform_settings, decode_abi.h "transforms"): FFmpeg's
/// autorotate, then vf_scale's size and pixel format in one libswscale pass, then the crop.
struct TransformSettings {
  int width = 0, height = 0;      ///< vf_scale's w/h: 0 input, -1 keep aspect, -n keep aspect, multiple of n
  int max_side = 0;               ///< > 0: the longer side at most this (never enlarged)
  int crop_width = 0, crop_height = 0; ///< after scaling; 0 = no crop
  int crop_x = -1, crop_y = -1;   ///< -1 = centred
  std::string scaler = "bicubic"; ///< swscale's flag name
  std::string pix_fmt;            ///< FFmpeg pixel format name; "" = the sink format's choice
  std::string sink_format;        ///< where the frames go ("png", "jpeg", "npy", "raw"...)
  int rotation = 0;               ///< clockwise degrees: 0, 90, 180, 270 (StreamInfo::autorotate_degrees)
  int input_width = 0, input_height = 0; ///< the stream's size, to check the geometry before decoding
  /// Whether these settings change frames at all (size, crop, pixel format or rotation).
  bool changes_frames() const {
    return width || height || max_side || crop_width || !pix_fmt.empty() || rotation;
  }
};

/// A transform (mp4kit_transform): makes new frames from decoded ones. Move-only; one
/// thread at a time; the frames it makes are independent of it (release on any thread).
class Transform {
 public:
  /// Errors: kUsage with one line listing what is valid (unknown scaler or pixel format,
  /// size out of range, crop larger than the scaled frame, a pixel format the sink format
  /// cannot hold), kInternal (module not loadable or too old: it needs API minor 1).
  static Result<Transform> open(const TransformSettings& settings);
  Transform(Transform&& o) noexcept : api_(o.api_), t_(o.t_) { o.t_ = nullptr; }
  Transform& operator=(Transform&& o) noexcept;
  Transform(const Transform&) = delete;
  Transform& operator=(const Transform&) = delete;
  ~Transform();
  /// The transformed frame (new; `in` is unchanged). Errors: kUsage (the geometry does not
  /// fit this frame, a format that cannot be rotated), kInternal.
  Result<Frame> apply(const Frame& in);
  /// What was applied (after open: for the stream's size; after apply: the last frame).
  mp4kit_transform_info info() const;
 private:
  Transform(const mp4kit_decode_api* api, mp4kit_transform* t) : api_(api), t_(t) {}
  const mp4kit_decode_api* api_ = nullptr;
  mp4kit_transform* t_ = nullptr;
};

/// Where frames go: one output in one format (mp4kit_sink).
struct SinkSettings {
  std::string format = "null";    ///< "null", "y4m", "raw", "framemd5", "wav", "png", "ppm", "jpeg", "npy"
  std::string path;               ///< "-" = stdout; a file (written under a temporary name,
                                  ///< renamed by finish()); "" for null
  MediaType media = MediaType::kVideo;  ///< of the frames that will come
  int stream_index = 0;           ///< framemd5: the stream column
  Rational time_base{1, 1};       ///< framemd5: "#tb" line, of the frames' timestamps
  Rational frame_rate{25, 1};     ///< y4m header
  int sar_num = 0, sar_den = 0;   ///< y4m header: container aspect; 0/0 = from the frames
  int quality = 2;                ///< jpeg: FFmpeg's -q:v, 1 (best) .. 31
};

class Sink {
 public:
  /// Errors: kUsage (unknown format, format/media mismatch), kCannotCreate (the output
  /// cannot be created; the message names it), kInternal (module not loadable).
  static Result<Sink> open(const SinkSettings& settings);

  Sink(Sink&& o) noexcept : api_(o.api_), sink_(o.sink_) { o.sink_ = nullptr; }
  Sink& operator=(Sink&& o) noexcept;
  Sink(const Sink&) = delete;
  Sink& operator=(const Sink&) = delete;
  /// An unfinished output file's temporary is removed.
  ~Sink();

  /// Errors: kIo (write failed), kUsage (a frame the format cannot hold), kInternal. When
  /// stdout's reader went away this returns Ok and output_closed() becomes true.
  Status write(const Frame& frame);
  /// Completes the output (wav sizes, rename into place). Errors: kIo, kCannotCreate.
  Status finish();
  mp4kit_sink_stats stats() const;
  bool output_closed() const { return stats().output_closed != 0; }

 private:
  Sink(const mp4kit_decode_api* api, mp4kit_sink* sink) : api_(api), sink_(sink) {}
  const mp4kit_decode_api* api_ = nullptr;
  mp4kit_sink* sink_ = nullptr;
};

/// What an AudioConverter makes (mp4kit_audio_converter_settings): FFmpeg's `-ar`, `-ac` /
/// channel layout, packed sample format, and `atrim=start:end` on the frames' timeline.
struct AudioConversion {
  int sample_rate = 0;            ///< Hz; 0 = the input's
  int channels = 0;               ///< the default layout for this count (ffmpeg -ac); 0 = see channel_layout
  std::string channel_layout;     ///< FFmpeg layout name ("mono", "stereo", "5.1", "FL+FR"); "" = from channels / the input's
  std::string sample_fmt;         ///< "u8", "s16", "s32", "flt", "dbl" (packed); "" = the input's, packed
  int64_t start_us = INT64_MIN;   ///< keep samples at or after this time (microseconds of the pts timeline); INT64_MIN = all
  int64_t end_us = INT64_MAX;     ///< keep samples before this time; INT64_MAX = to the end
  Rational time_base{1, 1};       ///< of the frames' pts (the stream's)
};

/// Decoded audio frames to another rate, layout and packed sample format, cut to a range
/// (mp4kit_audio_converter; FFmpeg 5.1's atrim + aresample, see decode_abi.h). Move-only.
/// One thread at a time; the frames it returns are independent of it.
class AudioConverter {
 public:
  /// Errors: kUsage (unknown layout or sample format, values out of range, an empty range:
  /// the message lists what is valid), kInternal (module not loadable).
  static Result<AudioConverter> open(const AudioConversion& conversion);
  AudioConverter(AudioConverter&& o) noexcept : api_(o.api_), conv_(o.conv_) { o.conv_ = nullptr; }
  AudioConverter& operator=(AudioConverter&& o) noexcept;
  AudioConverter(const AudioConverter&) = delete;
  AudioConverter& operator=(const AudioConverter&) = delete;
  ~AudioConverter();

  /// Converts `in` (an empty Frame = end of input: drains; call until `out` stays empty).
  /// `out` is empty when this call produced no samples. Returns whether the end of the
  /// range was reached (later input is dropped: stop decoding and drain). Errors: kUsage
  /// (not audio, a format change), kInternal.
  Result<bool> convert(const Frame& in, Frame& out);

 private:
  AudioConverter(const mp4kit_decode_api* api, mp4kit_audio_converter* c) : api_(api), conv_(c) {}
  const mp4kit_decode_api* api_ = nullptr;
  mp4kit_audio_converter* conv_ = nullptr;
};

}  // namespace mp4kit
