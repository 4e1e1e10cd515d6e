// The stream parameters ffprobe prints once FFmpeg has opened a stream's decoder
// (pix_fmt, colour properties, has_b_frames, sample_fmt, channel_layout ...), derived from
// the codec configuration record and the sample entry's boxes, never from libavcodec.
// The bitstream parsing lives in lib/codec (h264_sps.h, hevc_ps.h); this file maps what
// they found to FFmpeg's names and rules. Sources are cited per function.
#pragma once

#include "mp4/movie.h"
#include "mp4kit/demuxer.h"

namespace mp4kit {

/// Fills StreamParameters for `entry` of `track`, whose codec `info` names. Reads the
/// configuration boxes and, for has_b_frames, the composition offsets of the first few
/// samples (a prefix of ctts or of the first trun); never sample data. Never fails:
/// what cannot be derived stays empty / negative (ffprobe then omits the key or the
/// difference is listed in tests/codec_config_test.cpp).
StreamParameters stream_parameters_of(const Track& track, const SampleEntry& entry, const CodecInfo& info);

/// The colour fields mov_read_colr (FFmpeg 5.1) stores in AVCodecParameters from 'colr'
/// nclx/nclc: ISO/IEC 23091-2 code points, which are AVColorPrimaries/AVColorTransferCharacteristic/
/// AVColorSpace values; a code point FFmpeg has no name for becomes 2 (unspecified). Range
/// (AVColorRange): 0 unspecified, 1 tv (MPEG), 2 pc (JPEG), set by nclx only.
struct ColrColour {
  uint32_t primaries = 2, transfer = 2, space = 2;
  int range = 0;
};
ColrColour colour_from_colr(const SampleEntry& entry);

/// One ffprobe key of StreamParameters with its value as ffprobe would print it.
struct ParameterField {
  const char* key;
  std::string value;
  bool number;  ///< an integer (ffprobe prints bits_per_raw_sample as a string; mp4kit as a number)
};
/// The keys of `p` that have a value, in ffprobe's order (profile not included).
std::vector<ParameterField> parameter_fields(const StreamParameters& p);

}  // namespace mp4kit
