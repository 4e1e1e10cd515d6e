// The few header fields of MPEG-4 Part 2, H.263 and JPEG that decide what FFmpeg 5.1's
// decoder puts in its context's sample_aspect_ratio and framerate when it opens a stream:
// the MPEG-4 video object layer header (ISO/IEC 14496-2 § 6.2.3, as an esds
// DecoderSpecificInfo carries it), the H.263 picture header (ITU-T H.263 § 5.1, the first
// bytes of a sample) and the JFIF APP0 segment (JFIF 1.02) of a JPEG picture.
// Bounded readers over plain bytes: nothing is read past `size`, no throws, no allocation.
// Thread rules: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

namespace mp4kit::codec {

/// A ratio as FFmpeg's decoder stores it (AVRational); 0/1 is "unknown".
struct HeaderRatio {
  int64_t num = 0, den = 1;
};

/// What a decoder takes from a picture-format header.
struct VideoHeaderFacts {
  HeaderRatio sample_aspect_ratio;  ///< pixel aspect; 0/1 when the header leaves it unknown
  HeaderRatio framerate{0, 0};      ///< frames per second; 0/0 when the header gives none
};

/// The first video object layer header (start code 0x00000120..0x0000012F) in `data`
/// (an MPEG-4 Visual DecoderSpecificInfo: VOS/VO headers may precede it), read as
/// FFmpeg's decode_vol_header reads it: aspect_ratio_info (Table 6-12, par_width:
/// par_height when extended) and vop_time_increment_resolution / fixed_vop_time_increment
/// as the frame rate. nullopt when no VOL header is found or it is cut short before the
/// aspect ratio; a header cut after it keeps the aspect ratio only.
std::optional<VideoHeaderFacts> mpeg4_vol_facts(const uint8_t* data, size_t size);

/// The H.263 picture header at the start of `data` (a sample's first bytes), read as
/// FFmpeg's ff_h263_decode_picture_header reads it: a standard source format gives 12:11
/// and 30000/1001; PLUSPTYPE with a custom picture format gives its pixel aspect code
/// (Table 5 / extended PAR) and a custom picture clock frequency its rate. nullopt when
/// the bytes do not start with a picture start code or stop before the format.
std::optional<VideoHeaderFacts> h263_picture_facts(const uint8_t* data, size_t size);

/// The pixel aspect FFmpeg's MJPEG decoder takes from the JFIF APP0 segment of the JPEG
/// in `data` (Xdensity:Ydensity, whatever the units); 0/1 when the JPEG has no JFIF
/// segment before its first frame header or states a zero density. nullopt when `data`
/// is not a JPEG (no SOI).
std::optional<HeaderRatio> jpeg_jfif_aspect(const uint8_t* data, size_t size);

}  // namespace mp4kit::codec
