// The demuxer facade (public API): a ByteSource in, streams and packets out.
//
//   auto src = mp4kit::open_file("in.mp4");                 // mp4kit/byte_source.h
//   auto dmx = mp4kit::Demuxer::open(*src);                 // parses boxes, no sample data
//   for (const StreamInfo& s : dmx->streams()) ...          // codec, time_base, sizes
//   auto v = dmx->select_stream(StreamSelector::first_video());
//   auto packets = dmx->packets(*v);                        // FFmpeg's timeline, decode order
//   auto bytes = dmx->read_packet((*packets)[0]);           // a Buffer (zero-copy when mapped)
//
// What it reproduces: FFmpeg 5.1's mov demuxer (libavformat/mov.c): the stream numbering
// of ffprobe (tracks in file order, then iTunes cover art as attached-picture streams), the
// packet timeline (mov_build_index, mov_fix_index for edit lists, mov_read_trun for
// fragments) with the pts, dts, duration, size, pos and K/D flags `ffprobe -show_packets`
// prints, and its interleaved reading order (mov_find_next_sample).
//
// Cost: open() reads box headers and moov/moof payloads only (never mdat). packets(),
// reading_order() and the frame lookups build every track's timeline on first use
// (O(samples) memory, bounded by Limits::max_index_bytes) and keep it.
//
// Units: timestamps and durations are in ticks of the stream's time_base; sizes in bytes;
// offsets are absolute positions in the source.
//
// Ownership and lifetime: a Demuxer shares its ByteSource; spans and pointers it returns
// stay valid while the Demuxer lives (it is move-only; moving keeps them valid). Buffers
// from read_packet() live on their own.
//
// Thread rules: const methods may be called from several threads once the timelines are
// built (call packets() once first); open() and the first packets() call are not
// thread-safe against each other on the same object.
//
// Errors: open() passes on the parser's (65 malformed, naming box path and offset; 70 a
// Limits value exceeded, naming the flag that raises it; 74 I/O). select_stream() returns
// kUsage (64) for an index the caller named that does not exist or has the wrong kind,
// and the message says what the file has.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "mp4kit/byte_source.h"
#include "mp4kit/error.h"
#include "mp4kit/limits.h"

namespace mp4kit {

struct Movie;           // internal (lib/mp4/movie.h): for mp4kit's own tools
struct StreamTimeline;  // internal (lib/mp4/timeline.h)
class SampleTable;      // internal (lib/mp4/sample_table.h)
class PresentationIndex;// internal (lib/mp4/seek_plan.h)

/// FFmpeg's codec type (AVMediaType) of a stream.
enum class MediaType { kVideo, kAudio, kSubtitle, kData, kUnknown };

/// "video", "audio", "subtitle", "data", "unknown" (ffprobe's codec_type).
const char* media_type_name(MediaType type);

/// One packet as ffprobe reports it (`-show_packets`), plus where its bytes are.
struct Packet {
  uint32_t stream_index = 0;
  int64_t pts = 0;           ///< ticks
  int64_t dts = 0;           ///< ticks
  int64_t duration = 0;      ///< ticks; 0 when FFmpeg would leave it unset
  uint32_t size = 0;         ///< bytes actually present (short for a sample cut by EOF)
  uint64_t pos = 0;          ///< absolute source offset of the first byte
  bool key = false;          ///< 'K': sync sample (intra-only codecs, subtitle and data streams: every packet;
                             ///< with DemuxerOptions::parser_key_flags, FFmpeg's parser flag for H.264/VP9/AV1)
  bool discard = false;      ///< 'D': outside the edit list, decode but do not show
  bool truncated = false;    ///< size was cut by the end of the file
  uint64_t sample_index = 0; ///< decode-order index in the track's sample table (grouped PCM: the chunk)
  uint32_t sample_description_index = 1;  ///< 1-based stsd entry
};

/// What ffprobe prints about a stream's codec, taken from the sample entry alone (no
/// libavcodec call). Source: FFmpeg 5.1 libavformat/isom.c tag tables, mov.c, profiles.c.
struct CodecInfo {
  MediaType type = MediaType::kUnknown;
  std::string codec_name;          ///< ffprobe's codec_name ("h264", "aac", ...); empty if unknown
  std::string codec_tag_string;    ///< the sample entry FourCC as ffprobe prints it
  uint32_t codec_tag = 0;          ///< the FourCC as FFmpeg's little-endian codec_tag
  std::string profile;             ///< "High", "LC", "Main 10" ...; empty if unknown
  int level = -1;                  ///< codec level (h264: level_idc; hevc: general_level_idc)
  uint32_t width = 0, height = 0;  ///< coded picture size from the sample entry, pixels
  uint32_t sar_num = 0, sar_den = 0;  ///< pixel aspect from pasp; 0/0 when absent
  uint32_t sample_rate = 0;        ///< audio output rate in Hz
  uint32_t channels = 0;           ///< audio channels
  uint32_t bits_per_sample = 0;    ///< PCM bits per sample (0 for compressed)
  int bit_depth = 0;               ///< video luma bit depth when the config states it
  std::string pix_fmt_hint;        ///< "yuv420p", "yuv420p10le" when derivable from config
};

/// What `ffprobe -show_streams` prints about a stream's decoded format, derived the way
/// FFmpeg 5.1's decoder derives it when it opens (and, for has_b_frames, from the first
/// packets' presentation order as its find_stream_info decoding does), with no libavcodec
/// call: from the codec configuration record (SPS in avcC/hvcC, av1C, vpcC, esds,
/// dac3/dec3, dfLa, alac) and the colr/fiel boxes. Strings are FFmpeg's own names (the
/// fixed tables of libavutil pixdesc.c and channel_layout.c); an empty string or a
/// negative number means ffprobe prints nothing for the key.
struct StreamParameters {
  // video
  std::string pix_fmt;             ///< "yuv420p", "yuvj420p", "yuv420p10le" ...
  int coded_width = -1, coded_height = -1;  ///< pixels, the decoder context's coded size after open
  int has_b_frames = -1;           ///< frames of reorder delay (ffprobe's has_b_frames)
  std::string field_order;         ///< "progressive", "tt", "bb", "tb", "bt"
  std::string color_range;         ///< "tv", "pc"
  std::string color_space, color_transfer, color_primaries;  ///< "bt709", "smpte170m" ...
  std::string chroma_location;     ///< "left", "center", "topleft" ...
  int bits_per_raw_sample = -1;    ///< bits per sample as coded (video luma depth; FLAC/ALAC depth)
  int refs = -1;                   ///< the decoder context's refs after open (1 unless known otherwise)
  std::string profile;             ///< profile name the decoder reports, when the config says more than the sample entry
  /// Video: the level the decoder context holds after probing, as ffprobe prints it: h264
  /// level_idc (h264_init_ps), hevc general_level_idc, av1 seq_level_idx[0] (libdav1d),
  /// MPEG-4 Part 2 profile_and_level_indication & 0xF from the VOS header (mpeg4videodec.c
  /// decode_vos_header: Simple profile level 8 reads as 0); FF_LEVEL_UNKNOWN (-99) where the
  /// decoder sets none (vp9, h263, mjpeg, ... in FFmpeg 5.1) or decodes no frame. Not set for
  /// other streams.
  std::optional<int> level;
  /// false when FFmpeg decodes no frame while probing (a track without samples): the keys
  /// only a decoded frame sets (pix_fmt, profile, ...) are then absent in ffprobe, and here.
  bool decodes_frames = true;
  // audio
  std::string sample_fmt;          ///< "fltp", "s16", "s32p" ...
  std::string channel_layout;      ///< "mono", "stereo", "5.1(side)" ...
  int bits_per_sample = -1;        ///< av_get_bits_per_sample() of the codec: 16 for pcm_s16le, 0 for aac
};

/// ffprobe's `disposition` object (AV_DISPOSITION_* flags of libavformat/avformat.h), in
/// ffprobe's key order. Values are 0 or 1.
struct Disposition {
  int default_ = 0, dub = 0, original = 0, comment = 0, lyrics = 0, karaoke = 0, forced = 0, hearing_impaired = 0,
      visual_impaired = 0, clean_effects = 0, attached_pic = 0, timed_thumbnails = 0, captions = 0, descriptions = 0,
      metadata = 0, dependent = 0, still_image = 0;
};

/// One metadata entry (ffprobe's `tags`): key and UTF-8 value, in FFmpeg's insertion order.
struct Tag {
  std::string key, value;
};

/// A time base or rate: num / den.
struct Rational {
  int64_t num = 0;
  int64_t den = 1;
};

/// One stream, numbered as ffprobe numbers them.
struct StreamInfo {
  uint32_t index = 0;              ///< ffprobe stream index
  uint32_t track_id = 0;           ///< tkhd track_ID; 0 for cover art
  bool attached_picture = false;   ///< iTunes cover art: one untimed picture (disposition attached_pic)
  CodecInfo codec;
  Rational time_base;              ///< 1/mdhd.timescale (cover art: 1/90000, as FFmpeg)
  std::string language;            ///< ISO 639-2/T code, "und" when unset
  std::string handler_name;
  StreamParameters parameters;     ///< the decoder-derived fields (see StreamParameters)
  Disposition disposition;
  std::vector<Tag> tags;           ///< ffprobe's stream tags: creation_time, language, handler_name, vendor_id, encoder ...
  /// Video: the tkhd display matrix's rotation as ffprobe prints it (FFmpeg's
  /// av_display_rotation_get: degrees, counter-clockwise positive); none for the identity
  /// matrix (FFmpeg exports no display matrix then) and for other streams.
  std::optional<double> display_rotation;
  /// What ffmpeg's autorotate turns the picture by, clockwise degrees in [0, 360):
  /// fftools/cmdutils.c get_rotation (FFmpeg 5.1): -round(display_rotation), wrapped.
  /// 0 without a display matrix. A mirrored matrix reads as a rotation, as in 5.1.
  int autorotate_degrees() const;
};

/// What a decoder needs (the AVCodecParameters fields FFmpeg's mov demuxer fills), built
/// from the sample entry: mp4kit/decoder.h passes it to the decode module.
struct CodecParameters {
  std::string codec_name;          ///< FFmpeg codec name; empty = no known decoder
  MediaType type = MediaType::kUnknown;
  uint32_t codec_tag = 0;
  std::vector<uint8_t> extradata;  ///< as mov.c stores it (avcC/hvcC/glbl payload, av1C OBUs,
                                   ///< esds DecoderSpecificInfo, OpusHead from dOps, FLAC STREAMINFO, alac atom)
  int width = 0, height = 0, bits_per_coded_sample = 0;
  int sar_num = 0, sar_den = 0;
  int sample_rate = 0, channels = 0, block_align = 0;
  int initial_padding = 0, seek_preroll = 0;
  Rational time_base;
  int64_t skip_samples = 0;        ///< audio priming (edit list), samples
  /// Video colour from 'colr' as mov_read_colr stores it in codecpar (AVColorRange: 0
  /// unspecified, 1 tv, 2 pc; AVColorPrimaries / AVColorTransferCharacteristic /
  /// AVColorSpace: 2 unspecified). The decoder keeps them where the bitstream says nothing,
  /// so its frames (and the colour matrix of a conversion) are FFmpeg's.
  int color_range = 0, color_primaries = 2, color_trc = 2, color_space = 2;
};

/// Which stream a command means.
struct StreamSelector {
  /// ffprobe stream index the user named, or -1 to pick by kind.
  int index = -1;
  /// When index < 0: the first stream of this kind ...
  MediaType kind = MediaType::kVideo;
  /// ... or, when there is none and this is set, the first stream of this other kind.
  std::optional<MediaType> fallback;
  /// Accept cover art (an attached picture) for `index`.
  bool allow_attached_picture = true;
  /// Require `index` to be of `kind` (seek: video only).
  bool require_kind = false;

  static StreamSelector first_video() { return {}; }
  static StreamSelector first_audio() { return {-1, MediaType::kAudio, std::nullopt, true, false}; }
  /// decode's default: the first video stream, else the first audio stream.
  static StreamSelector video_else_audio() { return {-1, MediaType::kVideo, MediaType::kAudio, true, false}; }
  static StreamSelector by_index(int index) { return {index, MediaType::kVideo, std::nullopt, true, false}; }
};

/// A stream's presentation facts (FFmpeg's AVStream fields after mov_read_header).
struct StreamTiming {
  int64_t start_pts = 0;           ///< first presented pts, ticks (has_start_pts false: none)
  bool has_start_pts = false;
  int64_t duration = 0;            ///< ticks (FFmpeg's st->duration)
  int64_t dts_shift = 0;           ///< FFmpeg's dts_shift (largest negative composition offset)
  int64_t skip_samples = 0;        ///< audio priming to drop (start_pad), samples
};

/// What `ffprobe -show_streams` prints about a stream's timing, rates and size, computed
/// from the container alone (box headers, moov, stts/ctts/stsz/elst and fragment runs;
/// never sample data). The FFmpeg 5.1 rule behind each field is cited in
/// lib/mp4/stream_stats.cpp. A value ffprobe prints as N/A (and omits from its JSON) is
/// nullopt, or a rate of 0/0.
struct StreamSummary {
  std::optional<int64_t> start_pts;   ///< first pts, ticks of time_base (FFmpeg's st->start_time)
  std::optional<int64_t> duration;    ///< ticks of time_base (st->duration)
  std::optional<int64_t> nb_frames;   ///< samples the moov stts counts; none when it counts none (fragments)
  Rational r_frame_rate{0, 0};        ///< frames/s: FFmpeg's estimate from the first decode times
  Rational avg_frame_rate{0, 0};      ///< frames/s: samples / their total duration (video, timecode)
  std::optional<int64_t> bit_rate;    ///< bits/s: sample bytes * 8 / duration
  Rational sample_aspect_ratio{0, 0}; ///< pixel aspect (pasp, tkhd matrix); 0/0 none
  Rational display_aspect_ratio{0, 0};///< width*sar : height, reduced as ffprobe; 0/0 none
};

/// What `ffprobe -show_format` prints about timing. Units: microseconds (AV_TIME_BASE).
struct FormatSummary {
  std::optional<int64_t> start_time_us;  ///< smallest stream start
  std::optional<int64_t> duration_us;    ///< mvhd, else from the streams
  std::optional<int64_t> bit_rate;       ///< bits/s: file size * 8 / duration
  int probe_score = 0;                   ///< mov_probe's score for the leading boxes (0..100)
  int nb_programs = 0;                   ///< always 0 for MP4/MOV
};

/// Format and per-stream summaries; `streams[i]` is stream i (ffprobe index).
struct MediaSummary {
  FormatSummary format;
  std::vector<StreamSummary> streams;
};

struct DemuxerOptions {
  Limits limits;
  /// false: raw sample timing, no discard flags (ffmpeg -ignore_editlist 1).
  bool apply_edit_lists = true;
  /// true: Packet::key of H.264, VP9 and AV1 streams is the flag FFmpeg's parser gives
  /// (ffprobe -show_packets' K): building the timelines then reads the first bytes (up to
  /// 64 KiB) of every sync sample of those streams, and clears the flag of a sample the
  /// parser does not call a key frame (an I slice that is neither IDR nor after a recovery
  /// point, a sample cut short, a non-key VP9/AV1 frame). A key frame missing from stss
  /// stays non-key. false (default): key = the container's sync sample flag, no sample read.
  /// `probe --packets` sets it; seeking and decoding leave it false.
  bool parser_key_flags = false;
};

class Demuxer {
 public:
  /// Parses the container of `source` (box headers, moov, moof/traf/trun, sidx; never mdat).
  static Result<Demuxer> open(ByteSourcePtr source, const DemuxerOptions& options = {});

  Demuxer(Demuxer&&) noexcept;
  Demuxer& operator=(Demuxer&&) noexcept;
  Demuxer(const Demuxer&) = delete;
  Demuxer& operator=(const Demuxer&) = delete;
  ~Demuxer();

  const ByteSource& source() const;
  const ByteSourcePtr& source_ptr() const;
  const DemuxerOptions& options() const;

  /// Every stream, by ffprobe index (streams()[i].index == i).
  const std::vector<StreamInfo>& streams() const;
  /// ffprobe's format `tags`: major_brand, minor_version, compatible_brands (ftyp),
  /// creation_time (mvhd), then the QuickTime/iTunes metadata of moov/udta and moov/meta
  /// (title, encoder, artist, com.apple.quicktime.* ...) as FFmpeg 5.1's
  /// mov_read_udta_string reads them, in file order.
  const std::vector<Tag>& format_tags() const;
  /// The stream `selector` names. Errors: kUsage with what the file has when the selector
  /// gives an index (out of range, cover art, not of the required kind); kMalformed when it
  /// asks for a kind (first video, ...) and the file has no such stream.
  Result<uint32_t> select_stream(const StreamSelector& selector) const;

  /// The decoder's parameters for `stream`. Errors: kMalformed for a bad configuration box
  /// (naming it), kUsage for a stream that is neither audio nor video.
  Result<CodecParameters> codec_parameters(uint32_t stream) const;

  /// The packets of `stream` in decode order (FFmpeg's index order after edit lists).
  /// Builds every timeline on first call. Errors: kInternal (Limits::max_index_bytes,
  /// --max-index-mb), kMalformed (tables that contradict each other).
  Result<std::span<const Packet>> packets(uint32_t stream) const;
  /// Timing of `stream` (builds the timelines like packets()).
  Result<StreamTiming> timing(uint32_t stream) const;
  /// ffprobe's timing/rate/size figures for the format and every stream (see
  /// StreamSummary). Reads the sample tables it needs (stts, ctts, stsz, fragment runs;
  /// no stsc, no sample data) and no timeline; computed on each call. Errors: those of
  /// building the sample tables (kMalformed naming the box, kInternal for a Limits value).
  Result<MediaSummary> summary() const;
  /// Every packet of every stream in FFmpeg's reading order: (stream, packet index) pairs.
  Result<std::vector<std::pair<uint32_t, uint32_t>>> reading_order() const;
  /// The bytes of `packet` (packet.size bytes at packet.pos), a view when the source is mapped.
  Result<Buffer> read_packet(const Packet& packet) const;

  /// Frames of a video stream in presentation order after edit lists: frame N is the N-th
  /// line of `ffmpeg -i F -map 0:v:N -fps_mode passthrough -f framemd5 -`.
  Result<uint64_t> frame_count(uint32_t stream) const;
  /// Packet index (into packets(stream)) of frame `frame`. Errors: kUsage past the end.
  Result<uint32_t> frame_packet(uint32_t stream, uint64_t frame) const;
  /// The frame displayed at `pts` ticks: the last frame whose pts <= `pts`; nullopt
  /// when `pts` is before the first frame.
  Result<std::optional<uint64_t>> frame_at_pts(uint32_t stream, int64_t pts) const;

  // --- for mp4kit's own tools (the types are internal, not installed) ---
  const Movie& movie() const;
  /// Sample tables of every track (index = track), built lazily like the timelines.
  Result<const std::vector<SampleTable>*> sample_tables() const;
  Result<const std::vector<StreamTimeline>*> timelines() const;
  /// The timeline of `stream` (a track or cover art).
  Result<const StreamTimeline*> timeline(uint32_t stream) const;
  Result<const PresentationIndex*> presentation_index(uint32_t stream) const;
  /// Track index of `stream`, or -1 for cover art.
  int track_of(uint32_t stream) const;

 private:
  struct Impl;
  explicit Demuxer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace mp4kit
