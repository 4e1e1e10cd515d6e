// What FFmpeg 5.1's decoder puts in its AVCodecContext while avformat_find_stream_info
// probes a stream, for the two fields that change what ffprobe prints about the stream:
// sample_aspect_ratio (copied to codecpar, then av_guess_sample_aspect_ratio uses it when
// the container gives none) and framerate (r_frame_rate falls back to it when the
// estimate finds none). Derived from the codec configuration, never from libavcodec:
// H.264 / HEVC SPS VUI (and the HEVC VPS timing) in avcC / hvcC, the MPEG-4 Part 2 VOL
// header in the esds DecoderSpecificInfo, the JFIF segment of a cover picture, and for
// H.263 and Motion JPEG — whose sample entries hold no picture format — the picture
// header in the first bytes of the first sample (the one sample-data read plain probe
// makes: at most kH263HeaderBytes / kJpegHeaderBytes bytes, one read per such track).
#pragma once

#include "mp4/movie.h"
#include "mp4/sample_table.h"
#include "mp4kit/demuxer.h"

namespace mp4kit {

/// Bytes of the first H.263 sample read for its picture header (PLUSPTYPE with a custom
/// format and clock needs 62 bits).
inline constexpr uint32_t kH263HeaderBytes = 16;
/// Bytes of a JPEG (first sample or cover picture) searched for its JFIF segment: the
/// markers before the frame header (an Exif APP1 segment may precede JFIF; 64 KiB is the
/// largest segment).
inline constexpr uint32_t kJpegHeaderBytes = 64 * 1024 + 64;

struct DecoderFacts {
  /// AVCodecContext.sample_aspect_ratio after the first decoded frame, as ff_set_sar /
  /// the decoder stored it (unreduced); 0/1 when the decoder leaves it unknown.
  Rational sample_aspect_ratio{0, 1};
  /// AVCodecContext.framerate (frames per second, reduced); 0/0 when the decoder sets none.
  Rational framerate{0, 0};
  /// AVCodecContext.ticks_per_frame: 2 for H.264 (field ticks), else 1.
  int ticks_per_frame = 1;
};

/// The facts for `track` (its first sample entry, whose codec `ci` names), read from the
/// configuration boxes; `table` gives the first sample for H.263 and Motion JPEG (read
/// from movie.source). Nothing when the track has no sample (FFmpeg decodes no frame then) or
/// the configuration cannot be parsed. Never fails.
DecoderFacts decoder_facts_of(const Movie& movie, const Track& track, const SampleTable& table, const CodecInfo& ci);

/// The facts for a cover picture (moov/udta/meta/ilst/covr), which FFmpeg decodes while
/// probing: the JFIF pixel aspect of a JPEG. Reads the first bytes of the picture.
DecoderFacts attached_picture_facts(const Movie& movie, const AttachedPicture& pic);

}  // namespace mp4kit
