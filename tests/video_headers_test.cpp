// The decoder-side header readers behind plain probe's sample_aspect_ratio and
// r_frame_rate fallback (lib/codec/video_headers.h, lib/codec/hevc_ps.h VPS timing), on
// annotated byte fixtures. Real files are compared with ffprobe in probe_fields_test.cpp.
#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include "codec/hevc_ps.h"
#include "codec/video_headers.h"

using namespace mp4kit::codec;

TEST_CASE("MPEG-4 VOL header: aspect_ratio_info and the VOP time increment rate") {
  const std::vector<uint8_t> vol = {
      0x00, 0x00, 0x01, 0x20,  // video_object_layer_start_code
      // random_accessible_vol 0, video_object_type_indication 1 (simple), is_object_layer_identifier 0,
      // aspect_ratio_info 2 (12:11), vol_control_parameters 0, shape 0 (rectangular), marker,
      // vop_time_increment_resolution 30000, marker, fixed_vop_rate 1,
      // fixed_vop_time_increment 1001 (15 bits), marker
      0x00, 0x88, 0x5D, 0x4C, 0x30, 0x7D, 0x30};
  auto f = mpeg4_vol_facts(vol.data(), vol.size());
  REQUIRE(f);
  CHECK(f->sample_aspect_ratio.num == 12);
  CHECK(f->sample_aspect_ratio.den == 11);
  CHECK(f->framerate.num == 30000);
  CHECK(f->framerate.den == 1001);

  const std::vector<uint8_t> extended = {
      0x00, 0x00, 0x01, 0x20,  // video_object_layer_start_code
      // random_accessible_vol 0, type 1, is_object_layer_identifier 1, verid 2, priority 1,
      // aspect_ratio_info 15 (extended), par_width 40, par_height 33; cut here
      0x00, 0xC8, 0xF9, 0x41, 0x08};
  f = mpeg4_vol_facts(extended.data(), extended.size());
  REQUIRE(f);
  CHECK(f->sample_aspect_ratio.num == 40);
  CHECK(f->sample_aspect_ratio.den == 33);
  CHECK(f->framerate.den == 0);  // cut before the rate: none

  const std::vector<uint8_t> vos_only = {0x00, 0x00, 0x01, 0xB0, 0x01};  // visual_object_sequence, no VOL
  CHECK_FALSE(mpeg4_vol_facts(vos_only.data(), vos_only.size()));
}

TEST_CASE("H.263 picture header: a standard source format is 12:11 at 30000/1001") {
  std::vector<uint8_t> qcif = {
      // picture_start_code (22 bits), temporal_reference 0, PTYPE: 1, 0, split 0, camera 0,
      // freeze 0, source format 2 (QCIF), I picture, UMV 0, SAC 0, AP 0, PB 0, PQUANT 6, CPM 0
      0x00, 0x00, 0x80, 0x02, 0x08, 0x06, 0x00};
  auto f = h263_picture_facts(qcif.data(), qcif.size());
  REQUIRE(f);
  CHECK(f->sample_aspect_ratio.num == 12);
  CHECK(f->sample_aspect_ratio.den == 11);
  CHECK(f->framerate.num == 30000);
  CHECK(f->framerate.den == 1001);
  qcif[5] |= 0x80;  // syntax-based arithmetic coding: FFmpeg refuses the picture
  CHECK_FALSE(h263_picture_facts(qcif.data(), qcif.size()));
  const std::vector<uint8_t> not_h263 = {0x00, 0x00, 0x01, 0xB6, 0x00, 0x00};  // an MPEG-4 VOP
  CHECK_FALSE(h263_picture_facts(not_h263.data(), not_h263.size()));
}

TEST_CASE("JPEG: the JFIF density is the pixel aspect, unknown without one") {
  std::vector<uint8_t> jfif = {
      0xFF, 0xD8,                    // SOI
      0xFF, 0xE0, 0x00, 0x10,        // APP0, length 16
      'J', 'F', 'I', 'F', 0x00,      // identifier
      0x01, 0x02,                    // version 1.02
      0x01,                          // units: dots per inch
      0x00, 0x48, 0x00, 0x48,        // Xdensity 72, Ydensity 72
      0x00, 0x00,                    // no thumbnail
      0xFF, 0xDB, 0x00, 0x04, 0x00, 0x00};  // DQT ...
  auto sar = jpeg_jfif_aspect(jfif.data(), jfif.size());
  REQUIRE(sar);
  CHECK(sar->num == 72);
  CHECK(sar->den == 72);
  jfif[16] = jfif[17] = 0;  // Ydensity 0: FFmpeg makes it 0/1
  sar = jpeg_jfif_aspect(jfif.data(), jfif.size());
  REQUIRE(sar);
  CHECK(sar->num == 0);
  const std::vector<uint8_t> png = {0x89, 'P', 'N', 'G'};
  CHECK_FALSE(jpeg_jfif_aspect(png.data(), png.size()));
}

TEST_CASE("HEVC VPS: timing info after the layer sets") {
  const std::vector<uint8_t> vps = {
      0x40, 0x01,  // NAL header: type 32 (VPS)
      // vps_id 0, base layer internal/available 1, max_layers_minus1 0, max_sub_layers_minus1 0,
      // temporal_id_nesting 1, reserved 0xffff, profile_tier_level (Main, level 93) with
      // emulation prevention bytes, sub_layer_ordering_info 1 + three ue(0), max_layer_id 0,
      // num_layer_sets_minus1 0, timing_info_present 1, num_units_in_tick 1001,
      // time_scale 60000, poc_proportional 0, num_hrd 0, extension 0, stop bit
      0x0C, 0x01, 0xFF, 0xFF, 0x01, 0x60, 0x00, 0x00, 0x03, 0x00, 0x90, 0x00, 0x00, 0x03, 0x00, 0x00,
      0x03, 0x00, 0x5D, 0xF0, 0x30, 0x00, 0x00, 0x3E, 0x90, 0x00, 0x0E, 0xA6, 0x01};
  auto t = parse_hevc_vps_timing(vps.data(), vps.size());
  REQUIRE(t);
  CHECK(t->timing_info_present);
  CHECK(t->num_units_in_tick == 1001);
  CHECK(t->time_scale == 60000);
  CHECK_FALSE(parse_hevc_vps_timing(vps.data(), 12));  // cut inside profile_tier_level
}
