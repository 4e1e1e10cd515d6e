// H.264 sequence parameter set (ITU-T H.264 § 7.3.2.1.1, VUI § E.1.1): the fields a
// decoder derives its output format from. Parsed from plain bytes with a bounded reader:
// no allocation beyond the RBSP copy (capped), no throws, nothing read past `size`.
// Thread rules: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

namespace mp4kit::codec {

struct H264Sps {
  uint8_t profile_idc = 0, constraint_set_flags = 0, level_idc = 0;  ///< flags: bit i = constraint_set<i>_flag
  uint32_t chroma_format_idc = 1;   ///< 0 monochrome, 1 4:2:0, 2 4:2:2, 3 4:4:4
  uint32_t bit_depth_luma = 8, bit_depth_chroma = 8;
  uint32_t max_num_ref_frames = 0;
  uint32_t mb_width = 0;            ///< macroblocks
  uint32_t mb_height = 0;           ///< macroblocks of a frame (field pairs counted twice)
  bool frame_mbs_only = true, mb_adaptive_frame_field = false;
  uint32_t crop_left = 0, crop_right = 0, crop_top = 0, crop_bottom = 0;  ///< luma samples
  bool vui_present = false;
  uint32_t sar_num = 0, sar_den = 0;  ///< 0/0 when not stated
  bool video_signal_type_present = false, full_range = false, colour_description_present = false;
  uint32_t colour_primaries = 2, transfer_characteristics = 2, matrix_coefficients = 2;
  bool chroma_loc_info_present = false;
  uint32_t chroma_sample_loc_type_top = 0;
  bool timing_info_present = false;
  uint32_t num_units_in_tick = 0, time_scale = 0;
  bool pic_struct_present = false;
  bool bitstream_restriction = false;
  uint32_t max_num_reorder_frames = 0, max_dec_frame_buffering = 0;
};

/// Parses one SPS NAL unit (`nal` starts at the NAL header byte, nal_unit_type 7).
/// nullopt when it is not an SPS, is truncated before the picture size, or holds values
/// the standard forbids (FFmpeg's ff_h264_decode_seq_parameter_set rejects the same).
/// A VUI cut short keeps what was read before the cut (as FFmpeg does).
std::optional<H264Sps> parse_h264_sps(const uint8_t* nal, size_t size);

/// The first SPS of an AVCDecoderConfigurationRecord (ISO/IEC 14496-15 § 5.3.3.1), or nullopt.
std::optional<H264Sps> h264_sps_from_avcc(const uint8_t* avcc, size_t size);

}  // namespace mp4kit::codec
