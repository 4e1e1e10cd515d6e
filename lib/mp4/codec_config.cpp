// Decoder-derived stream parameters. Names are FFmpeg 5.1's fixed strings:
// libavutil/pixdesc.c (av_get_pix_fmt_name, av_color_range_name, av_color_primaries_name,
// av_color_transfer_name, av_color_space_name, av_chroma_location_name),
// libavutil/channel_layout.c (channel_layout_map names), libavutil/samplefmt.c
// (sample_fmt_info names). Which decoder sets what follows libavcodec/h264_slice.c
// (get_pixel_format, h264_init_ps), h264_ps.c, hevc_ps.c / hevcdec.c
// (export_stream_params), and each audio decoder's declared output sample format.
#include "mp4/codec_config.h"

#include <algorithm>
#include <array>

#include "codec/h264_sps.h"
#include "codec/hevc_ps.h"
#include "mp4/codec_info.h"
#include "mp4/fourcc.h"

namespace mp4kit {
namespace {

constexpr int kLevelUnknown = -99;  // FF_LEVEL_UNKNOWN (libavcodec/avcodec.h)

// AVColorPrimaries / AVColorTransferCharacteristic / AVColorSpace names; nullptr where
// FFmpeg has no name (ffprobe then prints nothing). Index 2 is "unspecified": omitted.
const char* primaries_name(uint32_t v) {
  static constexpr const char* k[] = {"reserved", "bt709", nullptr, "reserved", "bt470m", "bt470bg", "smpte170m",
                                      "smpte240m", "film", "bt2020", "smpte428", "smpte431", "smpte432"};
  if (v < std::size(k)) return k[v];
  return v == 22 ? "ebu3213" : nullptr;
}
const char* transfer_name(uint32_t v) {
  static constexpr const char* k[] = {"reserved", "bt709", nullptr, "reserved", "bt470m", "bt470bg", "smpte170m",
                                      "smpte240m", "linear", "log100", "log316", "iec61966-2-4", "bt1361e",
                                      "iec61966-2-1", "bt2020-10", "bt2020-12", "smpte2084", "smpte428", "arib-std-b67"};
  return v < std::size(k) ? k[v] : nullptr;
}
const char* space_name(uint32_t v) {
  static constexpr const char* k[] = {"gbr", "bt709", nullptr, "reserved", "fcc", "bt470bg", "smpte170m", "smpte240m",
                                      "ycgco", "bt2020nc", "bt2020c", "smpte2085", "chroma-derived-nc",
                                      "chroma-derived-c", "ictcp"};
  return v < std::size(k) ? k[v] : nullptr;
}
// AVChromaLocation 1..6 (AVCHROMA_LOC_LEFT = 1 ...).
const char* chroma_location_name(uint32_t v) {
  static constexpr const char* k[] = {nullptr, "left", "center", "topleft", "top", "bottomleft", "bottom"};
  return v < std::size(k) ? k[v] : nullptr;
}
// AVCOL_*_NB of FFmpeg 5.1: the decoders replace larger values by "unspecified" (2).
constexpr uint32_t kPrimariesNb = 23, kTransferNb = 19, kSpaceNb = 15;

// The colour state of the decoder context: codecpar's values from 'colr'
// (colour_from_colr), overridden by the bitstream where the decoder does.
using Colour = ColrColour;

void put_colour(const Colour& c, StreamParameters& p) {
  if (c.range) p.color_range = c.range == 2 ? "pc" : "tv";
  if (c.space != 2 && space_name(c.space)) p.color_space = space_name(c.space);
  if (c.transfer != 2 && transfer_name(c.transfer)) p.color_transfer = transfer_name(c.transfer);
  if (c.primaries != 2 && primaries_name(c.primaries)) p.color_primaries = primaries_name(c.primaries);
}

// AVPixelFormat names of planar YUV / GBR / gray at a bit depth (little-endian for > 8).
std::string yuv_name(uint32_t chroma_format_idc, uint32_t depth, bool jpeg_range, bool rgb, bool gray_for_400) {
  std::string base;
  if (chroma_format_idc == 0 && gray_for_400) base = "gray";
  else if (chroma_format_idc == 3 && rgb) base = "gbrp";
  else base = chroma_format_idc == 3 ? "yuv444p" : chroma_format_idc == 2 ? "yuv422p" : "yuv420p";
  if (depth == 8) {
    if (jpeg_range && base.rfind("yuv", 0) == 0) base.insert(3, "j");
    return base;
  }
  if (depth < 8 || depth > 16) return "";
  return base + std::to_string(depth) + "le";
}


// Presentation times (dts + composition offset, ticks) of the first `n` samples in decode
// order, from stts/ctts (moov) or the first truns. Reads only those table entries.
std::vector<int64_t> first_pts(const Track& t, uint32_t n) {
  std::vector<int64_t> pts;
  const SampleTableBoxes& s = t.stbl;
  int64_t dts = 0;
  uint32_t stts_i = 0, stts_left = s.stts_count ? s.stts_sample_count(0) : 0;
  uint32_t ctts_i = 0, ctts_left = s.ctts_count ? s.ctts_sample_count(0) : 0;
  const uint32_t moov = std::min(n, s.sample_count);
  for (uint32_t k = 0; k < moov; ++k) {
    while (stts_left == 0 && stts_i + 1 < s.stts_count) stts_left = s.stts_sample_count(++stts_i);
    while (ctts_left == 0 && ctts_i + 1 < s.ctts_count) ctts_left = s.ctts_sample_count(++ctts_i);
    const int64_t off = ctts_left ? s.ctts_sample_offset(ctts_i) : 0;
    pts.push_back(dts + off);
    if (stts_left) {
      dts += s.stts_sample_delta(stts_i);
      --stts_left;
    }
    if (ctts_left) --ctts_left;
  }
  for (const TrackRun& run : t.runs) {
    for (uint32_t i = 0; i < run.sample_count && pts.size() < n; ++i) {
      pts.push_back(dts + run.sample_composition_offset(i));
      dts += run.sample_duration(i);
    }
    if (pts.size() >= n) break;
  }
  return pts;
}

// FFmpeg 5.1 h264_select_output_frame's reorder guess, run on the presentation times
// instead of POCs: a window of the last 16 pictures (last_pocs); a picture that precedes
// k of them raises has_b_frames to k; a gap of more than one frame between the two
// latest pictures counts as 1 (FFmpeg: POC step > 2). avformat_find_stream_info stops
// decoding once 7 frames are out (has_decode_delay_been_guessed, has_b_frames < 3),
// i.e. after 7 + has_b_frames packets.
int reorder_guess(const std::vector<int64_t>& pts, int start) {
  constexpr int kWindow = 16;
  std::array<int64_t, kWindow> last;
  last.fill(INT64_MIN);
  int64_t step = 0;  // smallest positive pts step: one frame
  {
    std::vector<int64_t> sorted(pts);
    std::sort(sorted.begin(), sorted.end());
    for (size_t i = 1; i < sorted.size(); ++i)
      if (sorted[i] > sorted[i - 1] && (step == 0 || sorted[i] - sorted[i - 1] < step)) step = sorted[i] - sorted[i - 1];
  }
  int has_b = start;
  for (size_t k = 0; k < pts.size(); ++k) {
    const int limit = has_b < 3 ? 7 : has_b < 4 ? 18 : 20;
    if (static_cast<int>(k) >= limit + has_b) break;
    const int64_t cur = pts[k];
    int i = 0;
    for (;; ++i) {
      if (i == kWindow || cur < last[i]) {
        if (i) last[i - 1] = cur;
        break;
      } else if (i) {
        last[i - 1] = last[i];
      }
    }
    int out_of_order = kWindow - i;
    if (step && last[kWindow - 2] != INT64_MIN && last[kWindow - 1] - last[kWindow - 2] > step)
      out_of_order = std::max(out_of_order, 1);
    if (out_of_order == kWindow) {
      last.fill(INT64_MIN);
    } else if (has_b < out_of_order) {
      has_b = out_of_order;
    }
  }
  return has_b;
}

void h264_parameters(const Track& t, const SampleEntry& e, StreamParameters& p) {
  auto sps = codec::h264_sps_from_avcc(e.avcC.data, e.avcC.size);
  if (!sps) return;
  Colour c = colour_from_colr(e);
  // h264_init_ps: the VUI overrides codecpar's colour where it is present.
  if (sps->video_signal_type_present) {
    c.range = sps->full_range ? 2 : 1;
    if (sps->colour_description_present) {
      c.primaries = sps->colour_primaries < kPrimariesNb ? sps->colour_primaries : 2;
      c.transfer = sps->transfer_characteristics < kTransferNb ? sps->transfer_characteristics : 2;
      c.space = sps->matrix_coefficients < kSpaceNb ? sps->matrix_coefficients : 2;
    }
  }
  put_colour(c, p);
  // get_pixel_format: 4:0:0 decodes as 4:2:0; 8-bit full range picks the yuvj formats;
  // 4:4:4 with the identity matrix is GBR.
  p.pix_fmt = yuv_name(sps->chroma_format_idc, sps->bit_depth_luma, c.range == 2, c.space == 0, false);
  if (sps->bit_depth_luma != 8 && c.range == 2) p.pix_fmt = yuv_name(sps->chroma_format_idc, sps->bit_depth_luma, false, c.space == 0, false);
  p.bits_per_raw_sample = static_cast<int>(sps->bit_depth_luma);
  // decode_vui_parameters: chroma_sample_loc_type_top_field + 1, else left.
  const uint32_t loc = sps->chroma_loc_info_present ? sps->chroma_sample_loc_type_top + 1 : 1;
  if (chroma_location_name(loc)) p.chroma_location = chroma_location_name(loc);
  if (sps->frame_mbs_only) p.field_order = "progressive";
  // H264Sps::constraint_set_flags holds set0 in bit 0; avcC's byte holds it in bit 7.
  uint8_t constraints = 0;
  for (int k = 0; k < 6; ++k)
    if (sps->constraint_set_flags & (1u << k)) constraints |= static_cast<uint8_t>(0x80 >> k);
  p.profile = h264_profile(sps->profile_idc, constraints);
  p.level = sps->level_idc;
  // h264_decode_init takes num_reorder_frames from a bitstream restriction; without one
  // the output logic guesses from the pictures' order.
  if (sps->bitstream_restriction) p.has_b_frames = static_cast<int>(sps->max_num_reorder_frames);
  else p.has_b_frames = reorder_guess(first_pts(t, 40), 0);
}

void hevc_parameters(const SampleEntry& e, StreamParameters& p) {
  auto sps = codec::hevc_sps_from_hvcc(e.hvcC.data, e.hvcC.size);
  if (!sps) return;
  // export_stream_params (hevcdec.c): the SPS decides everything, colr is not consulted.
  Colour c;
  c.range = sps->video_signal_type_present && sps->full_range ? 2 : 1;
  if (sps->colour_description_present) {
    c.primaries = sps->colour_primaries < kPrimariesNb ? sps->colour_primaries : 2;
    c.transfer = sps->transfer_characteristics < kTransferNb ? sps->transfer_characteristics : 2;
    c.space = sps->matrix_coefficients < kSpaceNb ? sps->matrix_coefficients : 2;
  }
  put_colour(c, p);
  // map_pixel_format (hevc_ps.c), then decode_vui: full range turns yuv420p into yuvj420p only.
  p.pix_fmt = yuv_name(sps->chroma_format_idc, sps->bit_depth_luma, false, false, true);
  if (p.pix_fmt == "yuv420p" && sps->video_signal_type_present && sps->full_range) p.pix_fmt = "yuvj420p";
  if (sps->chroma_format_idc == 1) {
    const uint32_t loc = sps->chroma_loc_info_present ? (sps->chroma_sample_loc_type_top <= 5 ? sps->chroma_sample_loc_type_top + 1 : 0) : 1;
    if (chroma_location_name(loc)) p.chroma_location = chroma_location_name(loc);
  }
  p.coded_width = static_cast<int>(sps->pic_width);
  p.coded_height = static_cast<int>(sps->pic_height);
  p.has_b_frames = static_cast<int>(sps->max_num_reorder_pics);
}

// av1C (AV1 Codec ISO Media File Format Binding § 2.3.3): mono, subsampling and bit depth
// give libdav1d's pixel format; colour comes from codecpar ('colr'), range tv unless nclx says pc.
void av1_parameters(const SampleEntry& e, StreamParameters& p) {
  if (e.av1C.size < 4) return;
  const uint8_t b = e.av1C.data[2];
  const bool high = b & 0x40, twelve = b & 0x20, mono = b & 0x10, sub_x = b & 0x08, sub_y = b & 0x04;
  const uint32_t depth = high ? (twelve ? 12 : 10) : 8;
  const uint32_t chroma = mono ? 0 : sub_x && sub_y ? 1 : sub_x ? 2 : 3;
  Colour c = colour_from_colr(e);
  if (!c.range) c.range = 1;
  put_colour(c, p);
  p.pix_fmt = yuv_name(chroma, depth, false, chroma == 3 && c.space == 0, true);
  p.field_order = "progressive";
}

// vpcC (VP Codec ISO Media File Format Binding § 2.2), version 1: bitDepth(4)
// chromaSubsampling(3) videoFullRangeFlag(1) at byte 6 of the FullBox payload.
void vp9_parameters(const SampleEntry& e, StreamParameters& p) {
  if (e.vpcC.size < 8 || e.vpcC.data[0] != 1) return;
  const uint32_t depth = e.vpcC.data[6] >> 4, sub = (e.vpcC.data[6] >> 1) & 7;
  const uint32_t chroma = sub <= 1 ? 1 : sub == 2 ? 2 : 3;
  p.pix_fmt = yuv_name(chroma, depth, false, false, false);
  p.color_range = (e.vpcC.data[6] & 1) ? "pc" : "tv";
  p.field_order = "progressive";
}

// channel_layout_map names of FFmpeg 5.1 (libavutil/channel_layout.c); av_channel_layout_default
// picks the first layout with the count: 1 mono, 2 stereo, 3 2.1, 4 4.0, 5 5.0, 6 5.1, 7 6.1, 8 7.1.
const char* default_layout(uint32_t channels) {
  static constexpr const char* k[] = {nullptr, "mono", "stereo", "2.1", "4.0", "5.0", "5.1", "6.1", "7.1"};
  return channels < std::size(k) ? k[channels] : nullptr;
}

// ETSI TS 102 366 Table 5.8 acmod with lfeon, as the AC-3 decoder reports it
// (ff_ac3_channel_layout_tab in ac3tab.c, + LFE).
const char* ac3_layout(uint32_t acmod, bool lfe) {
  static constexpr const char* plain[8] = {"stereo", "mono", "stereo", "3.0", "3.0(back)", "4.0", "quad(side)", "5.0(side)"};
  static constexpr const char* with_lfe[8] = {"2.1", "mono+lfe", "2.1", "3.1", "3.1(back)", "4.1", "quad(side)+lfe", "5.1(side)"};
  return acmod < 8 ? (lfe ? with_lfe[acmod] : plain[acmod]) : nullptr;
}

void audio_parameters(const SampleEntry& e, const CodecInfo& info, StreamParameters& p) {
  const std::string& n = info.codec_name;
  // av_get_bits_per_sample (libavcodec/utils.c): PCM widths, 0 for compressed codecs.
  p.bits_per_sample = 0;
  if (n.rfind("pcm_", 0) == 0) {
    if (n == "pcm_alaw" || n == "pcm_mulaw" || n == "pcm_u8" || n == "pcm_s8") p.bits_per_sample = 8;
    else if (n.find("16") != std::string::npos) p.bits_per_sample = 16;
    else if (n.find("24") != std::string::npos) p.bits_per_sample = 24;
    else if (n.find("32") != std::string::npos) p.bits_per_sample = 32;
    else if (n.find("64") != std::string::npos) p.bits_per_sample = 64;
  }
  // Each decoder's output format (its AVCodec.sample_fmts / what init sets).
  if (n == "aac" || n == "mp3" || n == "mp2" || n == "ac3" || n == "eac3" || n == "opus" || n == "vorbis" ||
      n == "dts" || n == "amr_nb" || n == "amr_wb") {
    p.sample_fmt = "fltp";
  } else if (n == "pcm_s16le" || n == "pcm_s16be" || n == "pcm_alaw" || n == "pcm_mulaw") {
    p.sample_fmt = "s16";
  } else if (n == "pcm_s24le" || n == "pcm_s24be" || n == "pcm_s32le" || n == "pcm_s32be") {
    p.sample_fmt = "s32";
  } else if (n == "pcm_f32le" || n == "pcm_f32be") {
    p.sample_fmt = "flt";
  } else if (n == "pcm_f64le" || n == "pcm_f64be") {
    p.sample_fmt = "dbl";
  } else if (n == "pcm_u8" || n == "pcm_s8") {
    p.sample_fmt = "u8";
  } else if (n == "flac" && e.dfLa.size >= 8 + 18) {
    // STREAMINFO bits_per_sample - 1 (5 bits) at bits 100..104 (RFC 9639 § 8.2).
    const uint8_t* si = e.dfLa.data + 8;
    const int bps = (((si[12] & 1) << 4) | (si[13] >> 4)) + 1;
    p.sample_fmt = bps > 16 ? "s32" : "s16";
    p.bits_per_raw_sample = bps;
  } else if (n == "alac" && e.alac.size >= 4 + 6) {
    // 'alac' box: FullBox header, ALACSpecificConfig frameLength(32) compatibleVersion(8) bitDepth(8).
    const int bps = e.alac.data[9];
    p.sample_fmt = bps > 16 ? "s32p" : "s16p";
    p.bits_per_raw_sample = bps;
  }
  // Layouts the decoders set from their configuration.
  const char* layout = nullptr;
  if (n == "aac" && e.aac) {
    // aacdec_template.c's channel configurations 1..7 (ff_mpeg4audio_channels order).
    static constexpr const char* k[8] = {nullptr, "mono", "stereo", "3.0", "4.0", "5.0", "5.1", "7.1(wide)"};
    if (e.aac->channel_configuration < 8) layout = k[e.aac->channel_configuration];
  } else if (n == "ac3" && e.dac3.size >= 3) {
    const uint32_t v = (uint32_t(e.dac3.data[0]) << 16) | (uint32_t(e.dac3.data[1]) << 8) | e.dac3.data[2];
    layout = ac3_layout((v >> 11) & 7, (v >> 10) & 1);
  } else if (n == "alac" && e.alac.size >= 4 + 10) {
    // ALACSpecificConfig numChannels (byte 9 after frameLength): alac_channel_layouts.
    static constexpr const char* k[9] = {nullptr, "mono", "stereo", "3.0", "4.0", "5.0", "5.1", "6.1", "7.1(wide)"};
    const uint32_t ch = e.alac.data[4 + 9];
    if (ch < 9) layout = k[ch];
  } else if (n == "eac3" && e.dec3.size >= 5) {
    layout = ac3_layout((e.dec3.data[3] >> 1) & 7, e.dec3.data[3] & 1);
  }
  if (!layout && info.channels) layout = default_layout(info.channels);
  if (layout) p.channel_layout = layout;
}

}  // namespace

std::vector<ParameterField> parameter_fields(const StreamParameters& p) {
  std::vector<ParameterField> out;
  const auto str = [&](const char* k, const std::string& v) { if (!v.empty()) out.push_back({k, v, false}); };
  const auto num = [&](const char* k, int v, int min) { if (v >= min) out.push_back({k, std::to_string(v), true}); };
  num("coded_width", p.coded_width, 0);
  num("coded_height", p.coded_height, 0);
  num("has_b_frames", p.has_b_frames, 0);
  str("pix_fmt", p.pix_fmt);
  str("color_range", p.color_range);
  str("color_space", p.color_space);
  str("color_transfer", p.color_transfer);
  str("color_primaries", p.color_primaries);
  str("chroma_location", p.chroma_location);
  str("field_order", p.field_order);
  num("refs", p.refs, 0);
  str("sample_fmt", p.sample_fmt);
  str("channel_layout", p.channel_layout);
  num("bits_per_sample", p.bits_per_sample, 0);
  num("bits_per_raw_sample", p.bits_per_raw_sample, 1);  // ffprobe: only when > 0
  if (p.level) out.push_back({"level", std::to_string(*p.level), true});
  return out;
}

// mov_read_colr: values without a name become unspecified; nclx carries the range.
ColrColour colour_from_colr(const SampleEntry& e) {
  ColrColour c;
  if (!e.colr) return c;
  const ColourInfo& ci = *e.colr;
  c.primaries = primaries_name(ci.colour_primaries) || ci.colour_primaries == 2 ? ci.colour_primaries : 2;
  c.transfer = transfer_name(ci.transfer_characteristics) || ci.transfer_characteristics == 2 ? ci.transfer_characteristics : 2;
  c.space = space_name(ci.matrix_coefficients) || ci.matrix_coefficients == 2 ? ci.matrix_coefficients : 2;
  if (ci.colour_type == fourcc("nclx")) c.range = ci.full_range ? 2 : 1;
  return c;
}

StreamParameters stream_parameters_of(const Track& track, const SampleEntry& e, const CodecInfo& info) {
  StreamParameters p;
  const std::string& n = info.codec_name;
  // No sample to decode: find_stream_info decodes nothing. (Encrypted samples are passed
  // to the decoder as they are; whether they decode needs the sample data.)
  p.decodes_frames = track.stbl.sample_count > 0 || !track.runs.empty();
  if (info.type == MediaType::kVideo) {
    // avcodec_open2 gives coded size = size and refs = 1 until a decoder says otherwise.
    if (!n.empty()) {
      p.coded_width = static_cast<int>(info.width);
      p.coded_height = static_cast<int>(info.height);
      p.refs = 1;
      p.has_b_frames = 0;
    }
    p.level = kLevelUnknown;
    if (n == "h264") h264_parameters(track, e, p);
    else if (n == "hevc") hevc_parameters(e, p);
    else if (n == "av1") av1_parameters(e, p);
    else if (n == "vp9") vp9_parameters(e, p);
    // Decoders whose init fixes the chroma siting: mpeg4videodec.c (left), h263dec.c and
    // mjpegdec.c (center).
    else if (n == "mpeg4") p.chroma_location = "left";
    else if (n == "h263" || n == "mjpeg") p.chroma_location = "center";
    // ff_h263_decode_init (also MPEG-4 Part 2) picks yuv420p before any frame.
    if (n == "mpeg4" || n == "h263") p.pix_fmt = "yuv420p";
    // hevc: export_stream_params; libdav1d: seq_level_idx of operating point 0 (av1C's copy).
    if ((n == "hevc" || n == "av1") && info.level >= 0 && !p.pix_fmt.empty()) p.level = info.level;
    if (n == "mpeg4" && e.es) p.level = mpeg4_vos_level(e.es->decoder_specific_info);
    if (!p.decodes_frames) {
      // What only a decoded slice sets: h264_init_ps / hevc set_sps (pix_fmt, profile,
      // siting, field order, depth) and the SPS colour; codecpar keeps 'colr' / 'fiel'.
      p.pix_fmt.clear();
      p.profile.clear();
      p.level = kLevelUnknown;
      if (n == "h264") {
        p.chroma_location.clear();
        p.field_order.clear();
        p.bits_per_raw_sample = -1;
        StreamParameters mov;
        put_colour(colour_from_colr(e), mov);
        p.color_range = mov.color_range;
        p.color_space = mov.color_space;
        p.color_transfer = mov.color_transfer;
        p.color_primaries = mov.color_primaries;
      }
      p.has_b_frames = 0;
    }
  } else if (info.type == MediaType::kAudio) {
    // ffprobe prints bits_per_sample for every audio stream: av_get_bits_per_sample() of
    // AV_CODEC_ID_NONE is 0; the other keys need a known codec.
    if (n.empty()) p.bits_per_sample = 0;
    else audio_parameters(e, info, p);
  }
  return p;
}

}  // namespace mp4kit
