/* The decode module's C ABI (public API): decoders, frames and sinks.
 *
 * Why a module: `mp4kit probe` must never load FFmpeg's libraries, so neither the mp4kit
 * executable nor libmp4kit links libav*. The decode stage (libavcodec, libavutil,
 * libswscale) lives in mp4kit_decode.so, which a program loads on first use (the C++ wrapper
 * in mp4kit/decoder.h does it) and reaches through one exported symbol,
 * MP4KIT_DECODE_ENTRY, returning a table of functions. Only C types cross the boundary.
 *
 * The data flow: the caller demuxes (mp4kit/demuxer.h) and sends packets to a decoder;
 * frames come back in presentation order, each tagged with the index of the packet it was
 * decoded from; the caller hands frames to one or more sinks (null, y4m, raw, framemd5,
 * wav, png, ppm, jpeg, npy writers) or keeps them. A transform (minor 1) may sit between the
 * two: it makes new frames (size, crop, pixel format, rotation); sinks accept any frame,
 * whoever made it.
 *
 * Versioning (in the style of dav1d): `api_version` is (major << 16) | minor. A caller
 * accepts a table whose major equals the one it was compiled with and whose minor is at
 * least its own; minors only append functions at the end of the table (`struct_size`
 * says how long the module's table is). Settings structs start with `struct_size`: fill
 * them with the matching *_default_settings() call, then change fields. Structs the module
 * fills (stats, frame info) also start with `struct_size`: the caller sets it to the size
 * it was compiled with, and the module writes no more than that.
 *
 * Errors: every fallible call returns an mp4kit_status; on an error (>= 64) it fills the
 * caller's `mp4kit_error` (when not null) with the code, a one-line message of any length
 * (allocated by the module, freed with error_clear()), and where known the file offset.
 * Nothing is truncated and there is no process-global error state.
 *
 * Threads: one decoder or sink is used by one thread at a time; different decoders may run
 * on different threads at once (they share no state: each has its own frame pool and its
 * own count of libavcodec's log messages). Frames may be released on any thread. Packet
 * release callbacks may be called on any thread (libavcodec's frame threads).
 *
 * Logging: libavutil has one log callback per process. The first decoder_open installs the
 * module's (once; never removed): a message from one of the module's decoders, or logged
 * on a thread inside a call of a decoder or sink, is counted for that object (error level)
 * or dropped, never printed; any other message goes to av_log_default_callback as if the
 * module were not there. A program that installs its own callback afterwards keeps
 * everything working except the per-decoder message counts.
 */
#ifndef MP4KIT_DECODE_ABI_H
#define MP4KIT_DECODE_ABI_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MP4KIT_DECODE_API_MAJOR 3u
#define MP4KIT_DECODE_API_MINOR 2u
#define MP4KIT_DECODE_API_VERSION ((MP4KIT_DECODE_API_MAJOR << 16) | MP4KIT_DECODE_API_MINOR)
/** The one exported symbol: `const struct mp4kit_decode_api* mp4kit_decode_get_api(void)`
 * (not named like the struct: in C++ a function of the struct's name hides its type). */
#define MP4KIT_DECODE_ENTRY "mp4kit_decode_get_api"

/** Results. The error values are mp4kit's exit codes (README "Exit codes"). */
enum mp4kit_status {
  MP4KIT_OK = 0,
  MP4KIT_AGAIN = 1,             /**< send: receive frames first; receive: send more packets */
  MP4KIT_END = 2,               /**< receive: the decoder is drained (after a flush send) */
  MP4KIT_ERR_USAGE = 64,        /**< invalid argument or state */
  MP4KIT_ERR_MALFORMED = 65,    /**< the data cannot be decoded (strict mode, bad config) */
  MP4KIT_ERR_CANNOT_OPEN = 66,
  MP4KIT_ERR_INTERNAL = 70,     /**< out of memory, a libavcodec failure that is not the data's */
  MP4KIT_ERR_CANNOT_CREATE = 73,/**< an output file could not be created */
  MP4KIT_ERR_IO = 74            /**< an output write failed */
};

/** An error's details. Zero-initialise; pass to calls; free with error_clear(). */
struct mp4kit_error {
  int32_t code;        /**< enum mp4kit_status (>= 64), 0 when no error was stored */
  char* message;       /**< one line, NUL-terminated, owned by the module; null when none */
  char* path;          /**< the file the error is about (an output path), or null */
  int64_t offset;      /**< absolute input offset the error is about, or -1 */
};

enum mp4kit_media_type { MP4KIT_MEDIA_VIDEO = 0, MP4KIT_MEDIA_AUDIO = 1 };

/** What a decoder needs to know about its stream: the fields of FFmpeg's AVCodecParameters
 * that the mov demuxer fills (mp4kit's Demuxer makes them: StreamInfo::codec). */
struct mp4kit_codec_parameters {
  uint32_t struct_size;           /**< sizeof(struct mp4kit_codec_parameters) */
  const char* codec_name;         /**< FFmpeg codec name ("h264", "aac", "pcm_s16le"...), not null */
  int32_t media_type;             /**< enum mp4kit_media_type */
  uint32_t codec_tag;             /**< sample entry FourCC as FFmpeg's little-endian codec_tag */
  const uint8_t* extradata;       /**< codec configuration as FFmpeg's extradata; copied by open */
  uint32_t extradata_size;        /**< bytes */
  int32_t width, height;          /**< video: coded size from the sample entry, pixels */
  int32_t bits_per_coded_sample;  /**< video: sample entry depth; audio: 0 = from the codec */
  int32_t sar_num, sar_den;       /**< video: pasp, 0/0 when absent */
  int32_t sample_rate;            /**< audio: Hz */
  int32_t channels;               /**< audio: channel count (layout unspecified, as mov.c) */
  int32_t block_align;            /**< audio: bytes per frame for QuickTime v1 ADPCM/GSM, else 0 */
  int32_t initial_padding;        /**< audio: Opus pre-skip, samples */
  int32_t seek_preroll;           /**< audio: samples */
  int32_t time_base_num, time_base_den; /**< the packets' timestamps: 1/timescale */
  int64_t skip_samples;           /**< audio priming to drop, sent on the first packet as
                                       AV_PKT_DATA_SKIP_SAMPLES (as libavformat does) */
  /* minor 2: a caller compiled against an older minor passes a shorter struct_size; these
     fields are then unspecified */
  int32_t color_range;            /**< video: AVColorRange from 'colr' nclx (0 unspecified) */
  int32_t color_primaries;        /**< video: AVColorPrimaries from 'colr' (2 unspecified) */
  int32_t color_trc;              /**< video: AVColorTransferCharacteristic from 'colr' (2 unspecified) */
  int32_t colorspace;             /**< video: AVColorSpace from 'colr' (2 unspecified) */
};

enum mp4kit_packet_copy {
  MP4KIT_PACKET_COPY_AUTO = 0,   /**< zero-copy for codecs shown safe (H.264, AV1) when the
                                      sample is complete and 64 readable bytes follow it */
  MP4KIT_PACKET_COPY_ALWAYS = 1, /**< copy every packet into a pooled, zero-padded buffer */
  MP4KIT_PACKET_COPY_NEVER = 2   /**< zero-copy whenever 64 bytes follow (diagnostics) */
};

struct mp4kit_decoder_settings {
  uint32_t struct_size;          /**< sizeof(struct mp4kit_decoder_settings) */
  int32_t threads;               /**< 0 = one per CPU (FFmpeg's auto), 1 = no threading */
  int32_t strict;                /**< 1: the first decoder error fails send/receive (65) */
  int32_t packet_copy;           /**< enum mp4kit_packet_copy */
  int32_t frames_held;           /**< frames the caller may hold at once (frame pool sizing), >= 1 */
  uint32_t packet_size_hint;     /**< largest packet the caller will send, bytes (sizes the pool of
                                      padded copies); 0 = unknown: the pool grows as packets come */
};

enum mp4kit_packet_flags {
  MP4KIT_PACKET_KEY = 1,         /**< sync sample */
  MP4KIT_PACKET_DISCARD = 2,     /**< decode for reference, do not output (edit list) */
  MP4KIT_PACKET_CORRUPT = 4      /**< cut short by the end of the file */
};

/** One packet. The decoder takes over the caller's reference on `data`: it calls
 * release(release_opaque) exactly once (on any thread, possibly before send returns, also
 * when send fails) when it no longer reads the bytes. With release == null the bytes are
 * copied before send returns. */
struct mp4kit_packet {
  uint32_t struct_size;          /**< sizeof(struct mp4kit_packet) */
  const uint8_t* data;           /**< the sample's bytes */
  uint32_t size;                 /**< bytes */
  uint32_t flags;                /**< enum mp4kit_packet_flags */
  uint64_t tail;                 /**< readable bytes after data + size owned by the same
                                      reference (the file's next bytes): >= 64 allows zero-copy */
  int64_t pts, dts, duration;    /**< ticks of the codec parameters' time base */
  int64_t pos;                   /**< absolute file offset, -1 if unknown */
  int64_t index;                 /**< the caller's packet number; frames carry it back */
  void (*release)(void* release_opaque);
  void* release_opaque;
};

/** Counters of one decoder since it was opened. */
struct mp4kit_decoder_stats {
  uint32_t struct_size;
  int64_t packets;               /**< packets sent */
  int64_t frames;                /**< frames returned */
  int64_t decode_errors;         /**< send/receive calls libavcodec failed (damaged packets) */
  int64_t concealed_frames;      /**< frames returned with decode_error_flags set */
  int64_t error_messages;        /**< error-level messages libavcodec logged for this decoder */
  int64_t packets_zero_copy;     /**< packets passed to libavcodec as views */
  int64_t packets_copied;        /**< packets copied into padded pooled buffers */
  uint64_t pool_hits, pool_misses, pool_misses_after_warmup;
  uint32_t pool_slots;           /**< frame buffers the pool holds now */
  int32_t threads;               /**< decoder threads in effect */
  int64_t warmup_frames;         /**< frames after which the pool is expected warm */
};

/** An open decoder (decoder_open() .. decoder_close()). Opaque. Declared here, at file scope,
    because in C a struct first named in a parameter list is a different type in each one. */
struct mp4kit_decoder;

/** A decoded frame, owned by the caller until frame_release(). Immutable. */
struct mp4kit_frame;

struct mp4kit_frame_info {
  uint32_t struct_size;
  int32_t media_type;            /**< enum mp4kit_media_type */
  int64_t pts;                   /**< AVFrame.pts: the pts of the packet it came from, ticks of
                                      the codec parameters' time base; INT64_MIN unknown */
  int64_t best_effort_pts;       /**< FFmpeg's best_effort_timestamp (what framemd5 prints); INT64_MIN unknown */
  int64_t duration;              /**< ticks, 0 unknown */
  int64_t packet_index;          /**< mp4kit_packet.index of the packet it came from, -1 unknown */
  int32_t key_frame;             /**< 1 for a keyframe */
  char pict_type;                /**< 'I', 'P', 'B', ... or '?' */
  int32_t decode_error_flags;    /**< non-zero: concealed damage */
  /* video */
  int32_t width, height;         /**< pixels */
  const char* pix_fmt;           /**< FFmpeg pixel format name ("yuv420p"); static storage */
  int32_t sar_num, sar_den;
  int32_t color_range;           /**< AVColorRange */
  int32_t colorspace;            /**< AVColorSpace */
  const uint8_t* data[4];        /**< plane pointers, valid while the frame lives */
  int32_t linesize[4];           /**< bytes per row of each plane (may exceed the visible width) */
  /* audio */
  int32_t sample_rate, channels, nb_samples;
  const char* sample_fmt;        /**< FFmpeg sample format name ("fltp"); static storage */
};

/** A frame consumer: a writer of one output format. */
struct mp4kit_sink;

struct mp4kit_sink_settings {
  uint32_t struct_size;          /**< sizeof(struct mp4kit_sink_settings) */
  const char* format;            /**< "null", "y4m", "raw", "framemd5", "wav", "png", "ppm", "jpeg", "npy" */
  const char* path;              /**< "-" = stdout; a file path (written to a temporary name
                                      in the same folder and renamed by sink_finish); null for "null" */
  int32_t media_type;            /**< of the frames that will come */
  int32_t stream_index;          /**< framemd5: the stream column */
  int32_t time_base_num, time_base_den;  /**< framemd5: "#tb" line and time columns */
  int32_t frame_rate_num, frame_rate_den; /**< y4m header */
  int32_t sar_num, sar_den;      /**< y4m header: container aspect, 0/0 = from the frames */
  /* minor 1: a caller compiled against minor 0 passes a shorter struct_size; these fields
     then take their defaults */
  int32_t quality;               /**< jpeg: FFmpeg's -q:v (mjpeg qscale), 1 (best) .. 31; default 2 */
};

struct mp4kit_sink_stats {
  uint32_t struct_size;
  int64_t frames;                /**< frames written */
  uint64_t bytes;                /**< bytes written */
  int32_t output_closed;         /**< 1: stdout's reader went away (EPIPE): not an error, stop */
  char last_md5[33];             /**< framemd5 sinks: md5 (lowercase hex) of the last frame's
                                      packed bytes; "" before the first frame and for other formats */
  int64_t last_size;             /**< framemd5 sinks: bytes of the last frame's packed form */
};

/* --- transforms (minor 1) ---------------------------------------------------------------
 * A transform turns decoded video frames into new frames, in FFmpeg's filter order:
 * rotation first (ffmpeg's autorotate: transpose=clock for 90, hflip+vflip for 180,
 * transpose=cclock for 270, inserted before the user's filters), then scaling and pixel
 * format conversion in one libswscale pass set up as FFmpeg 5.1's vf_scale sets it up
 * (flags = the scaler alone, as the ffmpeg CLI's default sws_flags "bicubic"; the source
 * matrix and range read from each frame: vf_scale.c scale_frame / parse_yuv_type), then
 * the crop (vf_crop.c: offsets rounded to the chroma grid). The pixels equal those of
 * `ffmpeg -i F -vf "scale=W:H:flags=S,crop=w:h:x:y,format=P"` (README "Transforms"). */
struct mp4kit_transform;

struct mp4kit_transform_settings {
  uint32_t struct_size;          /**< sizeof(struct mp4kit_transform_settings) */
  int32_t width, height;         /**< target size before the crop, pixels, as vf_scale's w/h:
                                      0 = the input's; -1 = keep the aspect ratio from the
                                      other side; -n (n >= 2) = the same, rounded to a multiple
                                      of n (libavfilter/scale_eval.c); both 0: no scaling */
  int32_t max_side;              /**< > 0: scale down (never up) so that the longer side is
                                      max_side, the shorter keeps the aspect (as -1); 0 = off.
                                      Exclusive with width/height */
  int32_t crop_width, crop_height; /**< after scaling; 0 = no crop */
  int32_t crop_x, crop_y;        /**< top-left corner; -1 = centred ((in - out) / 2, lrint) */
  const char* scaler;            /**< swscale's flag name: "bicubic" (null = it), "bilinear",
                                      "fast_bilinear", "neighbor", "area", "bicublin",
                                      "gauss", "sinc", "lanczos", "spline", "experimental" */
  const char* pix_fmt;           /**< FFmpeg pixel format name of the output, or null: the
                                      sink format's choice (see sink_format) */
  const char* sink_format;       /**< the format the frames go to ("png", "jpeg", "npy", "raw",
                                      ...): with pix_fmt null it picks the output pixel format
                                      as ffmpeg picks an encoder's (png: rgb24 / rgb48be /
                                      rgba / gray...; jpeg: yuvj420p/422p/444p; npy: rgb24 /
                                      rgb48le / gray / gray16le), else the input's */
  int32_t rotation;              /**< degrees to rotate clockwise: 0, 90, 180, 270 (what
                                      ffmpeg's autorotate derives from the display matrix) */
  int32_t input_width, input_height; /**< the stream's frame size when known (0 = unknown):
                                      open() checks the geometry against it, so a crop larger
                                      than the frame fails before decoding */
};

/** What a transform does (after open: for the input size given; after apply: for the last
 * frame). Strings are static storage or owned by the transform until its next call. */
struct mp4kit_transform_info {
  uint32_t struct_size;
  int32_t rotation;              /**< degrees clockwise applied */
  const char* rotation_filters;  /**< FFmpeg's equivalent: "", "transpose=clock", "hflip,vflip", "transpose=cclock" */
  int32_t scaled_width, scaled_height; /**< after rotation and scaling, before the crop */
  int32_t crop_x, crop_y;        /**< applied crop offsets (0 when no crop) */
  int32_t width, height;         /**< of the output frames */
  const char* pix_fmt;           /**< of the output frames ("" before it is known) */
  int32_t converts;              /**< 1: libswscale runs (size or pixel format change) */
  const char* scaler;            /**< the swscale flag name in effect */
  const char* warning;           /**< "" or one line: the output holds less than the input
                                      (10-bit into an 8-bit format) */
};

/* --- audio conversion (minor 2) -------------------------------------------------------
 * An audio converter turns decoded audio frames into frames of another sample rate,
 * channel layout and packed sample format, and can cut them to a range of the
 * presentation timeline, as `ffmpeg -copyts -i F -af atrim=start=S:end=E -ar R -ac C
 * -c:a pcm_<fmt>` does in FFmpeg 5.1: libavfilter/af_atrim (trim.c atrim_filter_frame) on
 * the decoded samples, whose positions are the frames' pts rescaled to 1/sample_rate as
 * fftools/ffmpeg.c decode_audio does (av_rescale_delta), then one libswresample context
 * set up as the aresample filter ffmpeg inserts between the decoder and the encoder's
 * aformat (af_aresample.c config_output: swr_alloc_set_opts2 with swresample's defaults,
 * no extra options), drained at the end (request_frame: swr_convert with no input until it
 * gives nothing). An input layout with unspecified order is taken as the default layout for
 * its channel count (ffmpeg.c guess_input_channel_layout). */
struct mp4kit_audio_converter;

struct mp4kit_audio_converter_settings {
  uint32_t struct_size;          /**< sizeof(struct mp4kit_audio_converter_settings) */
  int32_t sample_rate;           /**< output Hz (1..768000); 0 = the input's (ffmpeg -ar) */
  int32_t channels;              /**< output channels as ffmpeg -ac: the default layout for this
                                      count (1..64); 0 = see channel_layout */
  const char* channel_layout;    /**< output layout by FFmpeg's name ("mono", "stereo", "5.1",
                                      "7.1", "FL+FR+LFE", ...); null with channels 0 = the input's */
  const char* sample_fmt;        /**< packed output format "u8", "s16", "s32", "flt", "dbl"; null =
                                      the input's, packed */
  int64_t start_us;              /**< keep samples at or after this time, microseconds of the
                                      frames' timeline (atrim start); INT64_MIN = from the start */
  int64_t end_us;                /**< keep samples before this time (atrim end); INT64_MAX = to the end */
  int32_t time_base_num, time_base_den; /**< of the input frames' pts */
};

struct mp4kit_decode_api {
  uint32_t struct_size;          /**< sizeof the module's table: functions past it are absent */
  uint32_t api_version;          /**< MP4KIT_DECODE_API_VERSION of the module */
  /** "libavcodec 59.37.100, libswscale 6.7.100" (static storage). */
  const char* (*library_versions)(void);
  /** Frees what an mp4kit_error holds and zeroes it; null is ignored. */
  void (*error_clear)(struct mp4kit_error* error);

  /* --- decoders ---------------------------------------------------------------------- */
  void (*decoder_default_settings)(struct mp4kit_decoder_settings* settings);
  /** Opens a decoder for `codec`. *out is set on MP4KIT_OK and stays null otherwise.
   * Errors: 65 no libavcodec decoder for the codec or parameters refused (FFmpeg's text),
   * 64 bad settings, 70 out of memory. */
  int32_t (*decoder_open)(const struct mp4kit_codec_parameters* codec, const struct mp4kit_decoder_settings* settings,
                          struct mp4kit_decoder** out, struct mp4kit_error* error);
  /** Sends one packet (null = end of stream: drain). MP4KIT_AGAIN: receive frames first and
   * send the same packet again (its reference is kept: release not yet called). A damaged
   * packet is counted (stats.decode_errors) and OK is returned, unless settings.strict. */
  int32_t (*decoder_send)(struct mp4kit_decoder* decoder, const struct mp4kit_packet* packet, struct mp4kit_error* error);
  /** Receives the next frame: OK with *frame set (the caller owns it), AGAIN (send more),
   * END (drained after a null send; send may start again after decoder_reset). */
  int32_t (*decoder_receive)(struct mp4kit_decoder* decoder, struct mp4kit_frame** frame, struct mp4kit_error* error);
  /** Drops every frame and packet in flight (avcodec_flush_buffers): the next packet may
   * be any sync sample. Counters are kept. */
  void (*decoder_reset)(struct mp4kit_decoder* decoder);
  void (*decoder_stats)(const struct mp4kit_decoder* decoder, struct mp4kit_decoder_stats* stats);
  /** libavcodec's decoder name ("h264", "libdav1d"); static storage. */
  const char* (*decoder_codec)(const struct mp4kit_decoder* decoder);
  /** The first libavcodec call that failed for this decoder, with the packet index it
   * was about: "send at packet 12: Invalid data found when processing input" (a strict
   * send/receive fails with this message); "" when none. Owned by the decoder, valid until
   * its next call. */
  const char* (*decoder_first_error)(struct mp4kit_decoder* decoder);
  /** The first error-level message libavcodec logged for this decoder (concealed damage
   * is reported only this way), as av_log prints it: "[hevc @ 0x...] ..."; "" when none.
   * Owned by the decoder, valid until its next call. */
  const char* (*decoder_first_log_message)(struct mp4kit_decoder* decoder);
  /** Closes the decoder; frames already received stay valid. Null is ignored. */
  void (*decoder_close)(struct mp4kit_decoder* decoder);

  /* --- frames ------------------------------------------------------------------------ */
  void (*frame_info)(const struct mp4kit_frame* frame, struct mp4kit_frame_info* info);
  /** The frame's packed bytes (video: visible rows of each plane, no stride padding, as
   * av_image_copy_to_buffer with align 1; audio: interleaved in the decoder's sample type)
   * hashed with MD5 as FFmpeg's framemd5 does. md5_hex gets 32 hex digits and a NUL. */
  int32_t (*frame_packed_md5)(const struct mp4kit_frame* frame, char md5_hex[33], int64_t* packed_size,
                              struct mp4kit_error* error);
  /** Releases the caller's reference (any thread). Null is ignored. */
  void (*frame_release)(struct mp4kit_frame* frame);
  /** A second reference to the same frame (buffers shared, nothing copied), released on
   * its own with frame_release; null when out of memory. Any thread. */
  struct mp4kit_frame* (*frame_ref)(const struct mp4kit_frame* frame);

  /* --- sinks ------------------------------------------------------------------------- */
  void (*sink_default_settings)(struct mp4kit_sink_settings* settings);
  /** Errors: 64 unknown format or format/media mismatch, 73 cannot create the output. */
  int32_t (*sink_open)(const struct mp4kit_sink_settings* settings, struct mp4kit_sink** out, struct mp4kit_error* error);
  /** Writes one frame. Errors: 74 write failed, 64 a frame the format cannot hold.
   * When stdout's reader went away it returns OK and stats.output_closed becomes 1. */
  int32_t (*sink_write)(struct mp4kit_sink* sink, const struct mp4kit_frame* frame, struct mp4kit_error* error);
  /** Completes the output (wav sizes, rename of the temporary file into place). */
  int32_t (*sink_finish)(struct mp4kit_sink* sink, struct mp4kit_error* error);
  void (*sink_stats)(const struct mp4kit_sink* sink, struct mp4kit_sink_stats* stats);
  /** Closes the sink; an unfinished output file's temporary is removed. Null is ignored. */
  void (*sink_close)(struct mp4kit_sink* sink);

  /* --- transforms (minor 1) ------------------------------------------------------------ */
  void (*transform_default_settings)(struct mp4kit_transform_settings* settings);
  /** Checks the settings and, with input_width/height, the geometry. *out is set on OK.
   * Errors: 64 with one line that lists what is valid (unknown scaler or pixel format, a
   * size out of range: each side at most 16384 pixels, a crop larger than the scaled frame,
   * a pixel format the sink format cannot hold), 70 out of memory. */
  int32_t (*transform_open)(const struct mp4kit_transform_settings* settings, struct mp4kit_transform** out,
                            struct mp4kit_error* error);
  /** Makes the transformed frame of a video frame: *out is a new frame the caller owns
   * (frame_release), holding the input's timestamps and colour properties. A frame of a new
   * size sets the geometry up again. Errors: 64 the geometry does not fit the frame (crop),
   * a pixel format that cannot be rotated or converted; 70 out of memory. */
  int32_t (*transform_apply)(struct mp4kit_transform* transform, const struct mp4kit_frame* in,
                             struct mp4kit_frame** out, struct mp4kit_error* error);
  void (*transform_info)(const struct mp4kit_transform* transform, struct mp4kit_transform_info* info);
  /** Null is ignored; frames it made stay valid. */
  void (*transform_close)(struct mp4kit_transform* transform);

  /* --- audio conversion (minor 2) ------------------------------------------------------- */
  void (*audio_converter_default_settings)(struct mp4kit_audio_converter_settings* settings);
  /** Checks the settings. Errors: 64 with one line listing what is valid (unknown layout or
   * sample format, a rate or channel count out of range, end before start). */
  int32_t (*audio_converter_open)(const struct mp4kit_audio_converter_settings* settings,
                                  struct mp4kit_audio_converter** out, struct mp4kit_error* error);
  /** Converts one decoded audio frame (null = end of input: drains the resampler; call
   * until *out stays null). *out is a new frame the caller owns (frame_release), or null when
   * this call produced no samples (before the range, inside the resampler's delay, after
   * the end). `*done` (may be null) becomes 1 once the end of the range is reached: later
   * input is dropped, the caller may stop decoding and drain. Errors: 64 a frame that is
   * not audio, or whose format changes mid-stream; 70 libswresample refused or out of memory. */
  int32_t (*audio_converter_convert)(struct mp4kit_audio_converter* converter, const struct mp4kit_frame* in,
                                     struct mp4kit_frame** out, int32_t* done, struct mp4kit_error* error);
  /** Null is ignored; frames it made stay valid. */
  void (*audio_converter_close)(struct mp4kit_audio_converter* converter);
};

/** The module's only exported symbol. Static storage; the same table on every call. */
const struct mp4kit_decode_api* mp4kit_decode_get_api(void);

#ifdef __cplusplus
}
#endif

#endif /* MP4KIT_DECODE_ABI_H */
