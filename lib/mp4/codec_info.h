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

/// Identifies the codec of `entry` in `track`. Never fails: unknown entries give an empty
/// codec_name and MediaType from the handler.
CodecInfo codec_info_of(const Track& track, const SampleEntry& entry);

/// Convenience: the first sample entry of the track (or handler-only info if none).
CodecInfo codec_info_of(const Track& track);

}  // namespace mp4kit
