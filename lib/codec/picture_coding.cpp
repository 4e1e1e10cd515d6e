#include "codec/picture_coding.h"

#include "codec/nal.h"

namespace mp4kit::codec {

namespace {

// MSB-first bit reader over [data, data + size); reading past the end sets `overrun`.
// With `h264_epb`, an emulation_prevention_three_byte (00 00 03, § 7.4.1) is dropped.
struct Bits {
  const uint8_t* data;
  uint64_t size;
  bool h264_epb = false;
  uint64_t byte = 0;
  unsigned bit = 0;
  unsigned zeros = 0;  // zero bytes just passed (for emulation prevention)
  bool overrun = false;

  uint32_t u(unsigned n) {
    uint32_t v = 0;
    for (unsigned i = 0; i < n; ++i) v = (v << 1) | one();
    return v;
  }
  uint32_t one() {
    if (bit == 0 && h264_epb && zeros >= 2 && byte < size && data[byte] == 3) {
      ++byte;
      zeros = 0;
    }
    if (byte >= size) {
      overrun = true;
      return 0;
    }
    const uint32_t v = (data[byte] >> (7 - bit)) & 1;
    if (++bit == 8) {
      zeros = data[byte] == 0 ? zeros + 1 : 0;
      bit = 0;
      ++byte;
    }
    return v;
  }
  // ue(v), § 9.1; more than 31 leading zeros is malformed (reported as overrun).
  uint32_t ue() {
    unsigned lz = 0;
    while (one() == 0) {
      if (overrun || ++lz > 31) {
        overrun = true;
        return 0;
      }
    }
    return lz ? (1u << lz) - 1 + u(lz) : 0;
  }
};

}  // namespace

PictureCoding h263_picture_coding(const uint8_t* data, uint64_t size) {
  Bits b{data, size};
  // PSC: 0000 0000 0000 0000 1 00000 (22 bits), TR (8 bits).
  if (b.u(22) != 0x20) return PictureCoding::kUnknown;
  b.u(8);
  // PTYPE: marker 1, 0, split screen, document camera, freeze release, source format.
  if (b.u(1) != 1 || b.u(1) != 0) return PictureCoding::kUnknown;
  b.u(3);
  const uint32_t format = b.u(3);
  if (b.overrun || format == 0) return PictureCoding::kUnknown;
  if (format != 7) {  // PTYPE bit 9: picture coding type, 0 INTRA, 1 INTER
    const uint32_t inter = b.u(1);
    if (b.overrun) return PictureCoding::kUnknown;
    return inter ? PictureCoding::kInter : PictureCoding::kIntra;
  }
  // PLUSPTYPE (§ 5.1.4): UFEP (3 bits); when 001, OPPTYPE (18 bits) follows; then MPPTYPE,
  // whose first 3 bits are the picture type code.
  const uint32_t ufep = b.u(3);
  if (ufep == 1) b.u(18);
  else if (ufep != 0) return PictureCoding::kUnknown;
  const uint32_t type = b.u(3);
  if (b.overrun) return PictureCoding::kUnknown;
  return type == 0 ? PictureCoding::kIntra : PictureCoding::kInter;
}

PictureCoding mpeg4_part2_picture_coding(const uint8_t* data, uint64_t size) {
  for (uint64_t i = 0; i + 4 < size; ++i) {
    if (data[i] == 0 && data[i + 1] == 0 && data[i + 2] == 1 && data[i + 3] == 0xB6) {
      const unsigned vop_coding_type = data[i + 4] >> 6;  // 0 I, 1 P, 2 B, 3 S
      return vop_coding_type == 0 ? PictureCoding::kIntra : PictureCoding::kInter;
    }
  }
  return PictureCoding::kUnknown;
}

PictureCoding h264_picture_coding(const uint8_t* data, uint64_t size, unsigned nal_length_size) {
  bool any_slice = false, inter = false, idr = false;
  for_each_nal(data, size, nal_length_size, [&](const uint8_t* nal, uint64_t n) {
    const unsigned type = nal[0] & 0x1F;
    if (type == 5) {
      idr = true;
      return false;
    }
    if (type != 1 && type != 2) return true;  // slices (non-IDR, partition A carry the header)
    Bits b{nal + 1, n - 1, /*h264_epb=*/true};
    b.ue();  // first_mb_in_slice
    const uint32_t slice_type = b.ue() % 5;  // 0 P, 1 B, 2 I, 3 SP, 4 SI (5..9: the same, all slices)
    if (b.overrun) return true;
    any_slice = true;
    if (slice_type != 2 && slice_type != 4) inter = true;
    return !inter;
  });
  if (idr) return PictureCoding::kIntra;
  if (!any_slice) return PictureCoding::kUnknown;
  return inter ? PictureCoding::kInter : PictureCoding::kIntra;
}

}  // namespace mp4kit::codec
