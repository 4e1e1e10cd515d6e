// HEVC SPS parsing: ITU-T H.265 § 7.3.2.2.1 (seq_parameter_set_rbsp), § 7.3.3
// (profile_tier_level), § 7.3.4 (scaling_list_data), § 7.3.7 (st_ref_pic_set), § E.2.1
// (vui_parameters). Acceptance rules after FFmpeg 5.1's ff_hevc_parse_sps
// (libavcodec/hevc_ps.c).
#include "codec/hevc_ps.h"

#include <algorithm>
#include <array>
#include <utility>

#include "codec/bit_reader.h"

namespace mp4kit::codec {
namespace {

// § 7.3.3 for one sub-layer-or-general block: profile (88 bits) and level (8 bits).
void skip_profile_tier_level(BitReader& r, uint32_t max_sub_layers_minus1, HevcSps& s) {
  r.skip(2 + 1);  // general_profile_space, general_tier_flag
  s.general_profile_idc = static_cast<uint8_t>(r.u(5));
  r.skip(32);     // general_profile_compatibility_flag[32]
  s.general_progressive_source = r.flag();
  s.general_interlaced_source = r.flag();
  r.skip(2 + 43 + 1);  // non_packed, frame_only, 43 reserved/flags, inbld/reserved
  s.general_level_idc = static_cast<uint8_t>(r.u(8));
  std::array<bool, 8> profile_present{}, level_present{};
  for (uint32_t i = 0; i < max_sub_layers_minus1; ++i) {
    profile_present[i] = r.flag();
    level_present[i] = r.flag();
  }
  if (max_sub_layers_minus1 > 0)
    for (uint32_t i = max_sub_layers_minus1; i < 8; ++i) r.skip(2);  // reserved_zero_2bits
  for (uint32_t i = 0; i < max_sub_layers_minus1; ++i) {
    if (profile_present[i]) r.skip(88);
    if (level_present[i]) r.skip(8);
  }
}

// § 7.3.4, skipped.
bool skip_scaling_list_data(BitReader& r) {
  for (unsigned size_id = 0; size_id < 4; ++size_id) {
    for (unsigned matrix_id = 0; matrix_id < 6; matrix_id += size_id == 3 ? 3 : 1) {
      if (!r.flag()) {  // scaling_list_pred_mode_flag
        if (r.ue() > matrix_id) return false;  // scaling_list_pred_matrix_id_delta
      } else {
        const unsigned coefs = std::min(64u, 1u << (4 + (size_id << 1)));
        if (size_id > 1) r.se();  // scaling_list_dc_coef_minus8
        for (unsigned i = 0; i < coefs; ++i) r.se();
      }
      if (r.overread()) return false;
    }
  }
  return true;
}

// § 7.3.7 in the SPS (stRpsIdx < num_short_term_ref_pic_sets). `num_delta_pocs` holds
// NumDeltaPocs of the sets read so far; returns false on values the standard forbids.
bool skip_st_ref_pic_set(BitReader& r, uint32_t idx, std::array<uint32_t, 65>& num_delta_pocs) {
  const bool inter = idx != 0 && r.flag();  // inter_ref_pic_set_prediction_flag
  if (inter) {
    r.skip(1);  // delta_rps_sign
    if (r.ue() >= (1u << 15)) return false;  // abs_delta_rps_minus1
    const uint32_t ref = idx - 1;  // RefRpsIdx: delta_idx_minus1 is 0 in the SPS
    uint32_t n = 0;
    for (uint32_t j = 0; j <= num_delta_pocs[ref]; ++j) {
      const bool used = r.flag();
      const bool use_delta = used || r.flag();
      if (use_delta) ++n;
    }
    num_delta_pocs[idx] = n;
  } else {
    const uint32_t neg = r.ue(), pos = r.ue();
    if (neg > 16 || pos > 16 || neg + pos > 16) return false;
    for (uint32_t i = 0; i < neg + pos; ++i) {
      if (r.ue() >= (1u << 15)) return false;  // delta_poc_s{0,1}_minus1
      r.skip(1);                              // used_by_curr_pic_s{0,1}_flag
    }
    num_delta_pocs[idx] = neg + pos;
  }
  return !r.overread();
}

constexpr uint16_t kSar[17][2] = {{0, 1},   {1, 1},   {12, 11}, {10, 11}, {16, 11}, {40, 33}, {24, 11}, {20, 11}, {32, 11},
                                  {80, 33}, {18, 11}, {15, 11}, {64, 33}, {160, 99}, {4, 3},  {3, 2},   {2, 1}};

// § E.2.1 up to frame_field_info_present_flag (what mp4kit reports).
void parse_vui(BitReader& r, HevcSps& s) {
  if (r.flag()) {
    const uint32_t idc = r.u(8);
    if (idc == 255) {
      s.sar_num = r.u(16);
      s.sar_den = r.u(16);
    } else if (idc < 17) {
      s.sar_num = kSar[idc][0];
      s.sar_den = kSar[idc][1];
    }
  }
  if (r.flag()) r.skip(1);  // overscan
  s.video_signal_type_present = r.flag();
  if (s.video_signal_type_present) {
    r.skip(3);
    s.full_range = r.flag();
    s.colour_description_present = r.flag();
    if (s.colour_description_present) {
      s.colour_primaries = r.u(8);
      s.transfer_characteristics = r.u(8);
      s.matrix_coefficients = r.u(8);
    }
  }
  if (r.flag()) {
    s.chroma_loc_info_present = true;
    s.chroma_sample_loc_type_top = r.ue();
    r.ue();
  }
  r.skip(1);  // neutral_chroma_indication_flag
  s.field_seq = r.flag();
  s.frame_field_info_present = r.flag();
  if (r.overread()) {  // cut short: drop the flags read from nothing
    s.field_seq = s.frame_field_info_present = false;
    return;
  }
  // default_display_window_flag. FFmpeg's decode_vui takes a window that starts with the
  // 21 bits 0x100000 (and 68 bits left) for an encoder's misplaced timing info and reads
  // no window; when the timing info then finds fewer than 66 bits left it re-reads the
  // timing from the window's position (the "alternate syntax", "Strange VUI timing").
  const BitReader before_window = r;
  BitReader peek = r;
  const bool bogus_window = r.bits_left() >= 68 && peek.u(21) == 0x100000;
  bool window = bogus_window ? false : r.flag();
  if (window) for (int i = 0; i < 4; ++i) r.ue();  // def_disp_win_{left,right,top,bottom}_offset
  for (bool alt = false;;) {
    if (!r.flag()) break;  // vui_timing_info_present_flag
    if (r.bits_left() < 66 && !alt) {
      r = before_window;
      alt = true;
      continue;
    }
    s.num_units_in_tick = r.u(32);
    s.time_scale = r.u(32);
    s.timing_info_present = !r.overread();
    break;
  }
}

}  // namespace

std::optional<HevcSps> parse_hevc_sps(const uint8_t* nal, size_t size) {
  if (!nal || size < 4 || ((nal[0] >> 1) & 0x3F) != 33) return std::nullopt;
  const std::vector<uint8_t> rbsp = unescape_rbsp(nal + 2, size - 2);
  BitReader r(rbsp.data(), rbsp.size());
  HevcSps s;
  r.skip(4);  // sps_video_parameter_set_id
  const uint32_t max_sub_layers_minus1 = r.u(3);
  if (max_sub_layers_minus1 > 6) return std::nullopt;
  s.max_sub_layers = max_sub_layers_minus1 + 1;
  r.skip(1);  // sps_temporal_id_nesting_flag
  skip_profile_tier_level(r, max_sub_layers_minus1, s);
  if (r.ue() >= 16) return std::nullopt;  // sps_seq_parameter_set_id
  s.chroma_format_idc = r.ue();
  if (s.chroma_format_idc > 3) return std::nullopt;
  if (s.chroma_format_idc == 3 && r.flag()) return std::nullopt;  // separate_colour_plane: not a plain format
  s.pic_width = r.ue();
  s.pic_height = r.ue();
  if (s.pic_width == 0 || s.pic_height == 0 || s.pic_width > 65536 || s.pic_height > 65536) return std::nullopt;
  if (r.flag()) {  // conformance_window_flag; units SubWidthC/SubHeightC (Table 6-1)
    const uint64_t sub_w = (s.chroma_format_idc == 1 || s.chroma_format_idc == 2) ? 2 : 1;
    const uint64_t sub_h = s.chroma_format_idc == 1 ? 2 : 1;
    const uint64_t l = r.ue() * sub_w, rt = r.ue() * sub_w, t = r.ue() * sub_h, b = r.ue() * sub_h;
    if (l + rt < s.pic_width && t + b < s.pic_height) {
      s.conf_left = uint32_t(l);
      s.conf_right = uint32_t(rt);
      s.conf_top = uint32_t(t);
      s.conf_bottom = uint32_t(b);
    }
  }
  s.bit_depth_luma = r.ue() + 8;
  s.bit_depth_chroma = r.ue() + 8;
  if (s.bit_depth_luma > 16 || s.bit_depth_chroma > 16) return std::nullopt;
  const uint32_t log2_max_poc_lsb = r.ue() + 4;
  if (log2_max_poc_lsb > 16) return std::nullopt;
  const bool ordering_all = r.flag();
  for (uint32_t i = ordering_all ? 0 : max_sub_layers_minus1; i <= max_sub_layers_minus1; ++i) {
    s.max_dec_pic_buffering = r.ue() + 1;
    s.max_num_reorder_pics = r.ue();
    r.ue();  // sps_max_latency_increase_plus1
  }
  if (r.overread()) return std::nullopt;
  if (s.max_dec_pic_buffering > 16 || s.max_num_reorder_pics > s.max_dec_pic_buffering) return std::nullopt;
  for (int i = 0; i < 6; ++i) r.ue();  // coding/transform block sizes and depths
  if (r.flag() && r.flag() && !skip_scaling_list_data(r)) return s;  // scaling lists we cannot walk: no VUI
  r.skip(2);  // amp_enabled_flag, sample_adaptive_offset_enabled_flag
  if (r.flag()) {  // pcm_enabled_flag
    r.skip(8);
    r.ue();
    r.ue();
    r.skip(1);
  }
  const uint32_t sets = r.ue();
  if (sets > 64) return s;
  std::array<uint32_t, 65> num_delta_pocs{};
  for (uint32_t i = 0; i < sets; ++i)
    if (!skip_st_ref_pic_set(r, i, num_delta_pocs)) return s;
  if (r.flag()) {  // long_term_ref_pics_present_flag
    const uint32_t n = r.ue();
    if (n > 32) return s;
    for (uint32_t i = 0; i < n; ++i) r.skip(log2_max_poc_lsb + 1);
  }
  r.skip(2);  // sps_temporal_mvp_enabled_flag, strong_intra_smoothing_enabled_flag
  if (r.overread()) return s;
  s.vui_present = r.flag();
  if (s.vui_present) parse_vui(r, s);
  return s;
}

std::optional<HevcVpsTiming> parse_hevc_vps_timing(const uint8_t* nal, size_t size) {
  if (!nal || size < 4 || ((nal[0] >> 1) & 0x3F) != 32) return std::nullopt;
  const std::vector<uint8_t> rbsp = unescape_rbsp(nal + 2, size - 2);
  BitReader r(rbsp.data(), rbsp.size());
  r.skip(4 + 2);  // vps_video_parameter_set_id, vps_base_layer_{internal,available}_flag
  r.skip(6);      // vps_max_layers_minus1
  const uint32_t max_sub_layers_minus1 = r.u(3);
  if (max_sub_layers_minus1 > 6) return std::nullopt;
  r.skip(1 + 16);  // vps_temporal_id_nesting_flag, vps_reserved_0xffff_16bits
  HevcSps unused;
  skip_profile_tier_level(r, max_sub_layers_minus1, unused);
  const bool ordering_all = r.flag();  // vps_sub_layer_ordering_info_present_flag
  for (uint32_t i = ordering_all ? 0 : max_sub_layers_minus1; i <= max_sub_layers_minus1; ++i) {
    r.ue();  // vps_max_dec_pic_buffering_minus1
    r.ue();  // vps_max_num_reorder_pics
    r.ue();  // vps_max_latency_increase_plus1
  }
  const uint32_t max_layer_id = r.u(6);
  const uint32_t num_layer_sets = r.ue() + 1;
  if (r.overread() || num_layer_sets < 1 || num_layer_sets > 1024) return std::nullopt;
  // layer_id_included_flag[i][j] for i = 1 .. num_layer_sets - 1, j = 0 .. max_layer_id
  if (uint64_t(num_layer_sets - 1) * (max_layer_id + 1) > r.bits_left()) return std::nullopt;
  r.skip(uint64_t(num_layer_sets - 1) * (max_layer_id + 1));
  HevcVpsTiming t;
  t.timing_info_present = r.flag();
  if (t.timing_info_present) {
    t.num_units_in_tick = r.u(32);
    t.time_scale = r.u(32);
  }
  if (r.overread()) return std::nullopt;
  return t;
}

namespace {
// The first NAL unit of `type` in the arrays of an HEVCDecoderConfigurationRecord
// (ISO/IEC 14496-15 § 8.3.3.1): {pointer, size}, or {nullptr, 0}.
std::pair<const uint8_t*, size_t> hvcc_first_nal(const uint8_t* hvcc, size_t size, unsigned wanted) {
  if (!hvcc || size < 23) return {nullptr, 0};
  size_t pos = 22;
  const unsigned arrays = hvcc[pos++];
  for (unsigned a = 0; a < arrays; ++a) {
    if (size - pos < 3) return {nullptr, 0};
    const unsigned type = hvcc[pos] & 0x3F;
    const unsigned count = (unsigned(hvcc[pos + 1]) << 8) | hvcc[pos + 2];
    pos += 3;
    for (unsigned k = 0; k < count; ++k) {
      if (size - pos < 2) return {nullptr, 0};
      const size_t len = (size_t(hvcc[pos]) << 8) | hvcc[pos + 1];
      pos += 2;
      if (len > size - pos) return {nullptr, 0};
      if (type == wanted) return {hvcc + pos, len};
      pos += len;
    }
  }
  return {nullptr, 0};
}
}  // namespace

std::optional<HevcVpsTiming> hevc_vps_timing_from_hvcc(const uint8_t* hvcc, size_t size) {
  const auto [nal, len] = hvcc_first_nal(hvcc, size, 32);
  if (!nal) return std::nullopt;
  return parse_hevc_vps_timing(nal, len);
}

std::optional<HevcSps> hevc_sps_from_hvcc(const uint8_t* hvcc, size_t size) {
  if (!hvcc || size < 23) return std::nullopt;
  size_t pos = 22;
  const unsigned arrays = hvcc[pos++];
  for (unsigned a = 0; a < arrays; ++a) {
    if (size - pos < 3) return std::nullopt;
    const unsigned type = hvcc[pos] & 0x3F;
    const unsigned count = (unsigned(hvcc[pos + 1]) << 8) | hvcc[pos + 2];
    pos += 3;
    for (unsigned k = 0; k < count; ++k) {
      if (size - pos < 2) return std::nullopt;
      const size_t len = (size_t(hvcc[pos]) << 8) | hvcc[pos + 1];
      pos += 2;
      if (len > size - pos) return std::nullopt;
      if (type == 33) return parse_hevc_sps(hvcc + pos, len);
      pos += len;
    }
  }
  return std::nullopt;
}

}  // namespace mp4kit::codec
