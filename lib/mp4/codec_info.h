// Codec identification from sample entries alone (no libavcodec call): the codec_name,
// codec_type, profile and stream parameters that ffprobe prints, mapped from the sample
// entry FourCC and its configuration boxes.
//
// Sources: FFmpeg 5.1 libavformat/isom.c (ff_codec_movvideo_tags, ff_codec_movaudio_tags,
// ff_mp4_obj_type), libavcodec/profiles.c (profile names); ISO/IEC 14496-15 (avcC, hvcC),
// ISO/IEC 14496-3 (AudioSpecificConfig), ETSI TS 102 366 Annex F (dac3/dec3), the AV1 and
// VP9 ISOBMFF bindings (av1C, vpcC), Opus-in-ISOBMFF (dOps), FLAC-in-ISOBMFF (dfLa).
#pragma once

#include <cstdint>
#include <string>

#include "mp4/movie.h"
#include "mp4/timeline.h"

namespace mp4kit {

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

/// Identifies the codec of `entry` in `track`. Never fails: unknown entries give an empty
/// codec_name and MediaType from the handler.
CodecInfo codec_info_of(const Track& track, const SampleEntry& entry);

/// Convenience: the first sample entry of the track (or handler-only info if none).
CodecInfo codec_info_of(const Track& track);

}  // namespace mp4kit
