// HEVC sequence parameter set (ITU-T H.265 § 7.3.2.2, VUI § E.2.1): the fields a decoder
// derives its output format from. Bounded reader, no throws, nothing read past `size`.
// Thread rules: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

namespace mp4kit::codec {

struct HevcSps {
  uint8_t general_profile_idc = 0, general_level_idc = 0;
  bool general_progressive_source = false, general_interlaced_source = false;
  uint32_t max_sub_layers = 1;
  uint32_t chroma_format_idc = 1;   ///< 0 monochrome, 1 4:2:0, 2 4:2:2, 3 4:4:4
  uint32_t pic_width = 0, pic_height = 0;  ///< pic_{width,height}_in_luma_samples (before the conformance window)
  uint32_t conf_left = 0, conf_right = 0, conf_top = 0, conf_bottom = 0;  ///< luma samples
  uint32_t bit_depth_luma = 8, bit_depth_chroma = 8;
  uint32_t max_dec_pic_buffering = 0, max_num_reorder_pics = 0;  ///< of the highest sub-layer
  bool vui_present = false;
  uint32_t sar_num = 0, sar_den = 0;
  bool video_signal_type_present = false, full_range = false, colour_description_present = false;
  uint32_t colour_primaries = 2, transfer_characteristics = 2, matrix_coefficients = 2;
  bool chroma_loc_info_present = false;
  uint32_t chroma_sample_loc_type_top = 0;
  bool field_seq = false, frame_field_info_present = false;
  /// vui_timing_info (§ E.2.1): ticks of a `time_scale` Hz clock per picture; 0/0 when absent.
  bool timing_info_present = false;
  uint32_t num_units_in_tick = 0, time_scale = 0;
};

/// The timing fields of a video parameter set (ITU-T H.265 § 7.3.2.1): what FFmpeg's
/// export_stream_params (hevcdec.c) prefers to the SPS's VUI timing.
struct HevcVpsTiming {
  bool timing_info_present = false;
  uint32_t num_units_in_tick = 0, time_scale = 0;
};

/// Parses one SPS NAL unit (`nal` starts at the 2-byte NAL header, nal_unit_type 33).
/// nullopt when it is not an SPS, is cut before the picture format, or holds values the
/// standard forbids. A VUI cut short keeps what was read before the cut.
std::optional<HevcSps> parse_hevc_sps(const uint8_t* nal, size_t size);

/// The first SPS in the arrays of an HEVCDecoderConfigurationRecord (ISO/IEC 14496-15
/// § 8.3.3.1), or nullopt.
std::optional<HevcSps> hevc_sps_from_hvcc(const uint8_t* hvcc, size_t size);

/// Parses the VPS NAL unit `nal` (2-byte NAL header, nal_unit_type 32) up to its timing
/// info. nullopt when it is not a VPS or is cut before vps_timing_info_present_flag, or
/// holds counts the standard forbids (ff_hevc_decode_nal_vps rejects the same).
std::optional<HevcVpsTiming> parse_hevc_vps_timing(const uint8_t* nal, size_t size);

/// The first VPS of an HEVCDecoderConfigurationRecord, parsed as above, or nullopt.
std::optional<HevcVpsTiming> hevc_vps_timing_from_hvcc(const uint8_t* hvcc, size_t size);

}  // namespace mp4kit::codec
