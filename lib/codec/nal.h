// Bitstream facts about H.264 and HEVC samples as MP4 stores them: a sequence of NAL units,
// each preceded by its size in `nal_length_size` big-endian bytes (ISO/IEC 14496-15
// § 5.3.2 for AVC, § 8.3.2 for HEVC; the length size comes from the decoder configuration
// record, see avc_nal_length_size / hevc_config_facts).
//
// Everything here works on plain bytes: no container types, no allocation, no errors to
// report (a malformed sample simply yields "nothing found"). Every function reads at most
// `size` bytes at `data` and never past them. Thread rules: pure functions, no state.
#pragma once

#include <cstdint>
#include <optional>

namespace mp4kit::codec {

/// Calls `f(nal, nal_size)` for each NAL unit of a length-prefixed sample, in order, while
/// `f` returns true. Stops at the first length field that is 0 or runs past the sample
/// (the rest of a damaged sample is not guessed at). `nal_length_size` outside 1..4 visits
/// nothing. `nal` points at the NAL unit header; `nal_size` >= 1 bytes follow it.
template <typename F>
void for_each_nal(const uint8_t* data, uint64_t size, unsigned nal_length_size, F&& f) {
  if (nal_length_size < 1 || nal_length_size > 4) return;
  uint64_t i = 0;
  while (i + nal_length_size <= size) {
    uint64_t n = 0;
    for (unsigned k = 0; k < nal_length_size; ++k) n = (n << 8) | data[i + k];
    i += nal_length_size;
    if (n == 0 || n > size - i) return;
    if (!f(data + i, n)) return;
    i += n;
  }
}

/// What the coded slices of one sample say about later pictures referencing it.
enum class SliceReference : uint8_t {
  kNoSlices,      ///< no coded slice NAL unit found (parameter sets only, damage, ...)
  kReference,     ///< at least one slice may be referenced by other pictures
  kNonReference,  ///< every slice says no picture references it
};

/// lengthSizeMinusOne + 1 of an AVCDecoderConfigurationRecord (ISO/IEC 14496-15 § 5.3.3.1),
/// the payload of 'avcC'; 0 when the record is shorter than 5 bytes.
inline unsigned avc_nal_length_size(const uint8_t* avcc, uint64_t size) {
  return size >= 5 ? (avcc[4] & 3) + 1u : 0;
}

/// H.264 (ISO/IEC 14496-10 § 7.4.1): kNonReference when every coded slice (nal_unit_type
/// 1..5) has nal_ref_idc == 0, kReference when one has nal_ref_idc != 0.
SliceReference h264_slice_reference(const uint8_t* data, uint64_t size, unsigned nal_length_size);

/// H.264: whether the sample holds a coded slice of an IDR picture (nal_unit_type 5,
/// ISO/IEC 14496-10 § 7.4.1.2).
bool h264_has_idr_slice(const uint8_t* data, uint64_t size, unsigned nal_length_size);

/// The fields of an HEVCDecoderConfigurationRecord (ISO/IEC 14496-15 § 8.3.3.1, the
/// payload of 'hvcC') that the NAL functions need.
struct HevcConfigFacts {
  unsigned nal_length_size = 0;      ///< lengthSizeMinusOne + 1
  unsigned num_temporal_layers = 0;  ///< 0 = unknown, 1 = a single temporal sub-layer
};
/// nullopt when the record is shorter than its 22-byte fixed part.
inline std::optional<HevcConfigFacts> hevc_config_facts(const uint8_t* hvcc, uint64_t size) {
  if (size < 22) return std::nullopt;
  return HevcConfigFacts{(hvcc[21] & 3) + 1u, (hvcc[21] >> 3) & 7u};
}

/// HEVC (ISO/IEC 23008-2 § 7.4.2.2): kNonReference when every VCL NAL unit (nal_unit_type
/// 0..31) is a sub-layer non-reference picture (TRAIL_N, TSA_N, STSA_N, RADL_N, RASL_N,
/// RSV_VCL_N10/12/14: even types up to 14), kReference otherwise. Such a picture is only
/// unreferenced within its own temporal sub-layer: callers must check that the stream has
/// a single one (HevcConfigFacts::num_temporal_layers == 1) before relying on it.
SliceReference hevc_slice_reference(const uint8_t* data, uint64_t size, unsigned nal_length_size);

}  // namespace mp4kit::codec
