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

/// How FFmpeg's mov_build_index slices uncompressed audio into packets when stts is one
/// entry of delta 1 (its chunk-based path): MOVStreamContext's sample_size,
/// samples_per_frame and bytes_per_frame as mov_parse_stsd_audio and mov_read_stsz set them.
struct AudioChunkLayout {
  uint32_t sample_size = 0;        ///< bytes per PCM frame (all channels); stsz's size when the codec has none
  uint32_t samples_per_frame = 0;  ///< QuickTime v1/v2 frames per packet, or the codec's fixed value
  uint32_t bytes_per_frame = 0;    ///< bytes per such packet
};
AudioChunkLayout audio_chunk_layout(const Track& track, const SampleEntry& entry);

/// libavformat's is_intra_only() (demux.c compute_pkt_fields): every packet of the codec
/// gets the key flag whatever the container says — codecs with AV_CODEC_PROP_INTRA_ONLY,
/// and every subtitle and data stream.
bool every_packet_key(const CodecInfo& codec);

/// ff_h264_get_profile (libavcodec/h264_ps.c) with the names of libavcodec/profiles.c:
/// `profile_idc` and the constraint_set flags byte as avcC carries it (set0 = 0x80 ...
/// set5 = 0x04; set1 makes Baseline "Constrained", set3 makes High 10/4:2:2/4:4:4
/// "Intra"). "" for an unknown profile_idc.
std::string h264_profile(uint8_t profile_idc, uint8_t constraints);

/// The level the MPEG-4 Part 2 decoder sets from the VisualObjectSequence header at the start
/// of the esds DecoderSpecificInfo (ISO/IEC 14496-2 § 6.2.2): profile_and_level_indication
/// & 0xF, except Simple profile level 8, which reads as 0 (mpeg4videodec.c
/// mpeg4_decode_profile_level, FFmpeg 5.1). -99 (FF_LEVEL_UNKNOWN) without a VOS header.
int mpeg4_vos_level(ByteSpan dsi);

/// Convenience: the first sample entry of the track (or handler-only info if none).
CodecInfo codec_info_of(const Track& track);

}  // namespace mp4kit
