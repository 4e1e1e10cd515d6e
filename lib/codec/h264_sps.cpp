// H.264 SPS parsing: ITU-T H.264 § 7.3.2.1.1 (seq_parameter_set_data), § 7.3.2.1.1.1
// (scaling_list), § E.1.1 (vui_parameters), § E.1.2 (hrd_parameters). The acceptance
// rules follow FFmpeg 5.1's ff_h264_decode_seq_parameter_set / decode_vui_parameters
// (libavcodec/h264_ps.c) so that what mp4kit reports is what the decoder would use.
#include "codec/h264_sps.h"

#include <algorithm>

#include "codec/bit_reader.h"

namespace mp4kit::codec {

std::vector<uint8_t> unescape_rbsp(const uint8_t* data, size_t size, size_t max_bytes) {
  std::vector<uint8_t> out;
  out.reserve(std::min(size, max_bytes));
  unsigned zeros = 0;
  for (size_t i = 0; i < size && out.size() < max_bytes; ++i) {
    const uint8_t b = data[i];
    if (zeros >= 2 && b == 3) {  // emulation_prevention_three_byte
      zeros = 0;
      continue;
    }
    zeros = b == 0 ? zeros + 1 : 0;
    out.push_back(b);
  }
  return out;
}

namespace {

// § 7.3.2.1.1.1: only skipped (mp4kit reports no quantizer facts).
void skip_scaling_list(BitReader& r, unsigned size) {
  int last = 8, next = 8;
  for (unsigned j = 0; j < size && next != 0 && !r.overread(); ++j) {
    next = (last + r.se() + 256) % 256;
    if (next != 0) last = next;
  }
}

// § E.1.2; false for a cpb_cnt the standard forbids.
bool skip_hrd(BitReader& r) {
  const uint32_t cpb_cnt = r.ue() + 1;
  if (cpb_cnt == 0 || cpb_cnt > 32) return false;
  r.skip(8);  // bit_rate_scale, cpb_size_scale
  for (uint32_t i = 0; i < cpb_cnt; ++i) {
    r.ue();
    r.ue();
    r.skip(1);
  }
  r.skip(20);  // four 5-bit delay lengths
  return !r.overread();
}

// Table E-1 (aspect_ratio_idc 1..16).
constexpr uint16_t kSar[17][2] = {{0, 1},   {1, 1},   {12, 11}, {10, 11}, {16, 11}, {40, 33}, {24, 11}, {20, 11}, {32, 11},
                                  {80, 33}, {18, 11}, {15, 11}, {64, 33}, {160, 99}, {4, 3},  {3, 2},   {2, 1}};

// § E.1.1. false where FFmpeg's decode_vui_parameters fails the SPS.
bool parse_vui(BitReader& r, H264Sps& s) {
  if (r.flag()) {  // aspect_ratio_info_present_flag
    const uint32_t idc = r.u(8);
    if (idc == 255) {  // Extended_SAR
      s.sar_num = r.u(16);
      s.sar_den = r.u(16);
    } else if (idc < 17) {
      s.sar_num = kSar[idc][0];
      s.sar_den = kSar[idc][1];
    } else {
      return false;  // FFmpeg: "illegal aspect ratio"
    }
  }
  if (r.flag()) r.skip(1);  // overscan_info_present_flag, overscan_appropriate_flag
  s.video_signal_type_present = r.flag();
  if (s.video_signal_type_present) {
    r.skip(3);  // video_format
    s.full_range = r.flag();
    s.colour_description_present = r.flag();
    if (s.colour_description_present) {
      s.colour_primaries = r.u(8);
      s.transfer_characteristics = r.u(8);
      s.matrix_coefficients = r.u(8);
    }
  }
  if (r.flag()) {  // chroma_loc_info_present_flag
    s.chroma_loc_info_present = true;
    s.chroma_sample_loc_type_top = r.ue();
    r.ue();  // chroma_sample_loc_type_bottom_field
  }
  if (r.overread()) return true;                 // cut short: keep what was read
  if (r.bits_left() < 10) return true;           // FFmpeg: "Truncated VUI"
  s.timing_info_present = r.flag();
  if (s.timing_info_present) {
    s.num_units_in_tick = r.u(32);
    s.time_scale = r.u(32);
    if (!s.num_units_in_tick || !s.time_scale) s.timing_info_present = false;
    r.skip(1);  // fixed_frame_rate_flag
  }
  const bool nal_hrd = r.flag();
  if (nal_hrd && !skip_hrd(r)) return false;
  const bool vcl_hrd = r.flag();
  if (vcl_hrd && !skip_hrd(r)) return false;
  if (nal_hrd || vcl_hrd) r.skip(1);  // low_delay_hrd_flag
  s.pic_struct_present = r.flag();
  if (r.bits_left() == 0) return true;
  s.bitstream_restriction = r.flag();
  if (s.bitstream_restriction) {
    r.skip(1);  // motion_vectors_over_pic_boundaries_flag
    for (int i = 0; i < 4; ++i) r.ue();  // max_bytes_per_pic_denom .. log2_max_mv_length_vertical
    s.max_num_reorder_frames = r.ue();
    s.max_dec_frame_buffering = r.ue();
    if (r.overread()) {  // FFmpeg ignores a restriction it could not read whole
      s.max_num_reorder_frames = 0;
      s.bitstream_restriction = false;
    }
    if (s.max_num_reorder_frames > 16) return false;
  }
  return true;
}

}  // namespace

std::optional<H264Sps> parse_h264_sps(const uint8_t* nal, size_t size) {
  if (!nal || size < 4 || (nal[0] & 0x1F) != 7) return std::nullopt;
  const std::vector<uint8_t> rbsp = unescape_rbsp(nal + 1, size - 1);
  BitReader r(rbsp.data(), rbsp.size());
  H264Sps s;
  s.profile_idc = static_cast<uint8_t>(r.u(8));
  s.constraint_set_flags = 0;
  for (int i = 0; i < 6; ++i) s.constraint_set_flags |= static_cast<uint8_t>(r.u(1) << i);
  r.skip(2);  // reserved_zero_2bits
  s.level_idc = static_cast<uint8_t>(r.u(8));
  if (r.ue() >= 32) return std::nullopt;  // seq_parameter_set_id
  switch (s.profile_idc) {
    case 100: case 110: case 122: case 244: case 44: case 83: case 86: case 118: case 128: case 138: case 139:
    case 134: case 135: case 144: {
      s.chroma_format_idc = r.ue();
      if (s.chroma_format_idc > 3) return std::nullopt;
      if (s.chroma_format_idc == 3 && r.flag()) return std::nullopt;  // separate_colour_plane: FFmpeg refuses
      s.bit_depth_luma = r.ue() + 8;
      s.bit_depth_chroma = r.ue() + 8;
      if (s.bit_depth_luma > 14 || s.bit_depth_chroma > 14 || s.bit_depth_luma != s.bit_depth_chroma) return std::nullopt;
      r.skip(1);  // qpprime_y_zero_transform_bypass_flag
      if (r.flag()) {  // seq_scaling_matrix_present_flag
        const unsigned lists = s.chroma_format_idc == 3 ? 12 : 8;
        for (unsigned i = 0; i < lists; ++i)
          if (r.flag()) skip_scaling_list(r, i < 6 ? 16 : 64);
      }
      break;
    }
    default:
      break;
  }
  const uint32_t log2_max_frame_num_minus4 = r.ue();
  if (log2_max_frame_num_minus4 > 12) return std::nullopt;
  const uint32_t poc_type = r.ue();
  if (poc_type == 0) {
    if (r.ue() > 12) return std::nullopt;  // log2_max_pic_order_cnt_lsb_minus4
  } else if (poc_type == 1) {
    r.skip(1);  // delta_pic_order_always_zero_flag
    r.se();     // offset_for_non_ref_pic
    r.se();     // offset_for_top_to_bottom_field
    const uint32_t cycle = r.ue();
    if (cycle >= 256) return std::nullopt;
    for (uint32_t i = 0; i < cycle && !r.overread(); ++i) r.se();
  } else if (poc_type != 2) {
    return std::nullopt;
  }
  s.max_num_ref_frames = r.ue();
  if (s.max_num_ref_frames > 16) return std::nullopt;
  r.skip(1);  // gaps_in_frame_num_value_allowed_flag
  const uint32_t w = r.ue(), h = r.ue();
  if (w >= (1u << 16) || h >= (1u << 16)) return std::nullopt;  // > 1M pixels wide: corrupt
  s.mb_width = w + 1;
  s.frame_mbs_only = r.flag();
  s.mb_height = (h + 1) * (s.frame_mbs_only ? 1 : 2);
  if (!s.frame_mbs_only) s.mb_adaptive_frame_field = r.flag();
  r.skip(1);  // direct_8x8_inference_flag
  if (r.flag()) {  // frame_cropping_flag; units from Table 6-1 and (7-19)..(7-22)
    const uint32_t l = r.ue(), rt = r.ue(), t = r.ue(), b = r.ue();
    const uint64_t step_x = (s.chroma_format_idc == 1 || s.chroma_format_idc == 2) ? 2 : 1;
    const uint64_t step_y = uint64_t(s.frame_mbs_only ? 1 : 2) * (s.chroma_format_idc == 1 ? 2 : 1);
    // FFmpeg drops cropping that leaves no picture.
    if ((uint64_t(l) + rt) * step_x < uint64_t(s.mb_width) * 16 && (uint64_t(t) + b) * step_y < uint64_t(s.mb_height) * 16) {
      s.crop_left = static_cast<uint32_t>(l * step_x);
      s.crop_right = static_cast<uint32_t>(rt * step_x);
      s.crop_top = static_cast<uint32_t>(t * step_y);
      s.crop_bottom = static_cast<uint32_t>(b * step_y);
    }
  }
  if (r.overread()) return std::nullopt;  // cut before the picture size was whole
  s.vui_present = r.flag();
  if (s.vui_present && !parse_vui(r, s)) return std::nullopt;
  return s;
}

std::optional<H264Sps> h264_sps_from_avcc(const uint8_t* avcc, size_t size) {
  // configurationVersion, profile, compatibility, level, lengthSizeMinusOne, numOfSequenceParameterSets
  if (!avcc || size < 8) return std::nullopt;
  const unsigned count = avcc[5] & 0x1F;
  if (count == 0) return std::nullopt;
  const size_t len = (size_t(avcc[6]) << 8) | avcc[7];
  if (len > size - 8) return std::nullopt;
  return parse_h264_sps(avcc + 8, len);
}

}  // namespace mp4kit::codec
