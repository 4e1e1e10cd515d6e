#include "codec/nal.h"

namespace mp4kit::codec {

SliceReference h264_slice_reference(const uint8_t* data, uint64_t size, unsigned nal_length_size) {
  bool any_slice = false, any_ref = false;
  for_each_nal(data, size, nal_length_size, [&](const uint8_t* nal, uint64_t) {
    const unsigned type = nal[0] & 0x1F, ref_idc = (nal[0] >> 5) & 3;
    if (type >= 1 && type <= 5) {  // coded slices (non-IDR, partitions A-C, IDR)
      any_slice = true;
      if (ref_idc != 0) any_ref = true;
    }
    return true;
  });
  if (!any_slice) return SliceReference::kNoSlices;
  return any_ref ? SliceReference::kReference : SliceReference::kNonReference;
}

bool h264_has_idr_slice(const uint8_t* data, uint64_t size, unsigned nal_length_size) {
  bool idr = false;
  for_each_nal(data, size, nal_length_size, [&](const uint8_t* nal, uint64_t) {
    idr = (nal[0] & 0x1F) == 5;
    return !idr;
  });
  return idr;
}

SliceReference hevc_slice_reference(const uint8_t* data, uint64_t size, unsigned nal_length_size) {
  bool any_slice = false, any_ref = false;
  for_each_nal(data, size, nal_length_size, [&](const uint8_t* nal, uint64_t n) {
    if (n < 2) return true;  // shorter than the two-byte NAL unit header
    const unsigned type = (nal[0] >> 1) & 0x3F;
    if (type > 31) return true;  // non-VCL
    any_slice = true;
    const bool sub_layer_non_ref = type <= 14 && (type % 2) == 0;
    if (!sub_layer_non_ref) any_ref = true;
    return true;
  });
  if (!any_slice) return SliceReference::kNoSlices;
  return any_ref ? SliceReference::kReference : SliceReference::kNonReference;
}

}  // namespace mp4kit::codec
