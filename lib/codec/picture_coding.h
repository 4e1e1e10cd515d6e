// Whether a coded video sample is an intra picture, read from its first bytes: the check
// that a sample a container calls a sync sample ('stss', trun flags) can start decoding.
// Old 3GP writers list every N-th sample in stss whatever its coding type; decoding from
// such a P picture shows a wrong picture, so seek planning falls back to an earlier one.
//
// Sources: ITU-T H.263 (01/2005) § 5.1.1-5.1.4 (PSC, TR, PTYPE; PLUSPTYPE § 5.1.4 with the
// picture type in MPPTYPE), ISO/IEC 14496-2 § 6.2.5 (VideoObjectPlane, vop_coding_type),
// ISO/IEC 14496-10 § 7.3.3 (slice_header: first_mb_in_slice, slice_type) and § 7.4.1.2
// (IDR). FFmpeg's decoders read the same fields: ff_h263_decode_picture_header,
// ff_mpeg4_decode_picture_header (decode_vop_header), h264_slice_header_parse.
//
// Plain bytes in, a verdict out: never reads past `size`, never fails (an unreadable
// header is kUnknown). Thread rules: pure functions, no state.
#pragma once

#include <cstdint>

namespace mp4kit::codec {

enum class PictureCoding : uint8_t {
  kUnknown,  ///< no picture header found, or one that was cut short
  kIntra,    ///< decodes without reference to other pictures
  kInter,    ///< predicted from other pictures (P, B, S(GMC), PB, ...)
};

/// H.263 / Sorenson-less baseline H.263 (sample entry 's263', codec "h263"): the picture
/// header at the start of the sample; picture_coding_type (PTYPE bit 9) or, with
/// PLUSPTYPE, MPPTYPE's picture type code (0 = I, others predicted).
PictureCoding h263_picture_coding(const uint8_t* data, uint64_t size);

/// MPEG-4 Part 2 ("mpeg4"): the first VOP start code (00 00 01 B6) of the sample, after
/// any VOS/VO/VOL/GOV headers; vop_coding_type 0 = I.
PictureCoding mpeg4_part2_picture_coding(const uint8_t* data, uint64_t size);

/// H.264 in length-prefixed NAL units: kIntra for an IDR picture or when every slice of
/// the sample is I or SI, kInter when a slice is P, B or SP.
PictureCoding h264_picture_coding(const uint8_t* data, uint64_t size, unsigned nal_length_size);

}  // namespace mp4kit::codec
