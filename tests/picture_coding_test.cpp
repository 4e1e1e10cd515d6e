// lib/codec/picture_coding: intra or predicted, from the picture header bytes.
#include <doctest/doctest.h>

#include "codec/picture_coding.h"

using namespace mp4kit::codec;

TEST_CASE("picture coding: H.263 PTYPE, MPEG-4 Part 2 vop_coding_type, H.264 slice_type") {
  // H.263 (§ 5.1): PSC 0000 0000 0000 0000 1 00000, TR 0, PTYPE 1 0 | split 0, camera 0,
  // freeze 0, source format 010 (QCIF), picture coding type (0 INTRA, 1 INTER), ...
  const uint8_t h263_i[] = {0x00, 0x00, 0x80, 0x02, 0x08, 0x00};
  const uint8_t h263_p[] = {0x00, 0x00, 0x80, 0x02, 0x0A, 0x00};
  CHECK(h263_picture_coding(h263_i, sizeof h263_i) == PictureCoding::kIntra);
  CHECK(h263_picture_coding(h263_p, sizeof h263_p) == PictureCoding::kInter);
  CHECK(h263_picture_coding(h263_i, 4) == PictureCoding::kUnknown);  // cut before PTYPE's end
  const uint8_t not_h263[] = {0x00, 0x00, 0x01, 0xB6, 0x00, 0x00};
  CHECK(h263_picture_coding(not_h263, sizeof not_h263) == PictureCoding::kUnknown);

  // MPEG-4 Part 2: a VOL header, then the VOP start code and vop_coding_type (2 bits).
  const uint8_t vop_i[] = {0x00, 0x00, 0x01, 0x20, 0x12, 0x34, 0x00, 0x00, 0x01, 0xB6, 0x10};
  const uint8_t vop_p[] = {0x00, 0x00, 0x01, 0xB6, 0x50};
  const uint8_t vop_b[] = {0x00, 0x00, 0x01, 0xB6, 0x90};
  CHECK(mpeg4_part2_picture_coding(vop_i, sizeof vop_i) == PictureCoding::kIntra);
  CHECK(mpeg4_part2_picture_coding(vop_p, sizeof vop_p) == PictureCoding::kInter);
  CHECK(mpeg4_part2_picture_coding(vop_b, sizeof vop_b) == PictureCoding::kInter);
  CHECK(mpeg4_part2_picture_coding(vop_p, 4) == PictureCoding::kUnknown);

  // H.264, 4-byte lengths: non-IDR slice (0x41) with first_mb_in_slice 0 ('1') and
  // slice_type ue(v): 7 (I, '0001000') or 5 (P, '00110'); an IDR (0x65) is intra.
  const uint8_t avc_i[] = {0, 0, 0, 3, 0x41, 0x88, 0x00};
  const uint8_t avc_p[] = {0, 0, 0, 3, 0x41, 0x98, 0x00};
  const uint8_t avc_idr[] = {0, 0, 0, 2, 0x65, 0x88};
  const uint8_t avc_sei_only[] = {0, 0, 0, 2, 0x06, 0x05};
  CHECK(h264_picture_coding(avc_i, sizeof avc_i, 4) == PictureCoding::kIntra);
  CHECK(h264_picture_coding(avc_p, sizeof avc_p, 4) == PictureCoding::kInter);
  CHECK(h264_picture_coding(avc_idr, sizeof avc_idr, 4) == PictureCoding::kIntra);
  CHECK(h264_picture_coding(avc_sei_only, sizeof avc_sei_only, 4) == PictureCoding::kUnknown);
}
