// The decoder-derived stream keys, dispositions and tags (lib/codec/h264_sps, hevc_ps,
// lib/mp4/codec_config, parse_metadata): unit tests of the bitstream parsers on real and
// damaged parameter sets, and, for every file of samples/, corpus and corpus2, equality
// with `ffprobe -show_streams -show_format -of json` (run once per file) of each key, with
// the accepted differences listed exactly, each with the reason FFmpeg and we disagree.
#include <doctest/doctest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "codec/bit_reader.h"
#include "codec/h264_sps.h"
#include "codec/hevc_ps.h"
#include "mp4/codec_config.h"
#include "mp4/parse_metadata.h"
#include "mp4kit/demuxer.h"
#include "test_util.h"

using namespace mp4kit;
using nlohmann::json;

namespace {

std::vector<uint8_t> hex(const char* s) {
  std::vector<uint8_t> out;
  for (; s[0] && s[1]; s += 2) out.push_back(static_cast<uint8_t>(std::stoi(std::string(s, 2), nullptr, 16)));
  return out;
}

// SPS NAL units from the avcC/hvcC of committed samples (x264 / x265 output).
// samples/h264_bframes_aac.mp4: High, level 1.3, 320x240, VUI with bitstream restriction
// (max_num_reorder_frames 2); ffprobe: has_b_frames 2, yuv420p, chroma_location left.
const char* kSpsHigh = "6764000dacd94141fb011000000300100000030300f1429960";
// samples/h264_10bit.mp4: High 10, level 1.1, 160x120 (8 MB rows, 8 lines cropped), 10 bit.
const char* kSpsHigh10 = "676e000ba6cd942847e5c044000003000400000300c03c50a658";
// samples/hevc_aac.mp4: Main, level 60, 320x240, sps_max_num_reorder_pics 2.
const char* kSpsHevc = "42010101600000030090000003000003003ca00a080f16595924932bc05a020000030002000003003010";
// corpus2/sk_h265_cea.mp4 (Unified Streaming): 320x184 with a conformance window to 180,
// scaling lists present; ffprobe: coded 320x184, has_b_frames 1.
const char* kSpsHevcScaling =
    "420101016000000300b0000003000003005aa00a080b9f790d12e4213555843fffffffffffffff918828d087fffffffffffffff918828d087ff"
    "fffffffffffff92bc041400000fa40001d4c3c108209c00c92000c92ff7182d22";

}  // namespace

TEST_CASE("BitReader: Exp-Golomb codes, overread, leb128") {
  const uint8_t b[] = {0b10100110, 0b01000000};  // ue: 1 -> 0, 010 -> 1, 011 -> 2, 00100 -> 3
  codec::BitReader r(b, sizeof b);
  CHECK(r.ue() == 0);
  CHECK(r.ue() == 1);
  CHECK(r.ue() == 2);
  CHECK(r.ue() == 3);
  CHECK_FALSE(r.overread());
  r.skip(100);
  CHECK(r.overread());
  CHECK(r.u(8) == 0);
  const uint8_t zeros[8] = {};  // 64 zero bits: no valid code
  codec::BitReader z(zeros, sizeof zeros);
  CHECK(z.ue() == UINT32_MAX);
  CHECK(z.overread());
  const uint8_t se[] = {0b01001100, 0b10000000};  // se: 010 -> +1, 011 -> -1, 00100 -> +2
  codec::BitReader s(se, sizeof se);
  CHECK(s.se() == 1);
  CHECK(s.se() == -1);
  CHECK(s.se() == 2);
  const uint8_t leb[] = {0xE5, 0x8E, 0x26};  // 624485 (AV1 spec example)
  codec::BitReader l(leb, sizeof leb);
  CHECK(l.leb128() == 624485);
}

TEST_CASE("unescape_rbsp removes emulation_prevention_three_byte only after two zeros") {
  CHECK(codec::unescape_rbsp(hex("000003010000030000").data(), 9) == hex("00000100000000"));
  CHECK(codec::unescape_rbsp(hex("0003000003").data(), 5) == hex("00030000"));
  CHECK(codec::unescape_rbsp(hex("00000300000003").data(), 7, 3) == hex("000000"));  // capped output
}

TEST_CASE("H.264 SPS: the fields of real x264 parameter sets") {
  auto a = hex(kSpsHigh);
  auto s = codec::parse_h264_sps(a.data(), a.size());
  REQUIRE(s);
  CHECK(s->profile_idc == 100);
  CHECK(s->level_idc == 13);
  CHECK(s->chroma_format_idc == 1);
  CHECK(s->bit_depth_luma == 8);
  CHECK(s->mb_width * 16 == 320);
  CHECK(s->mb_height * 16 == 240);
  CHECK(s->frame_mbs_only);
  CHECK(s->vui_present);
  CHECK(s->bitstream_restriction);
  CHECK(s->max_num_reorder_frames == 2);
  CHECK_FALSE(s->chroma_loc_info_present);

  auto b = hex(kSpsHigh10);
  auto t = codec::parse_h264_sps(b.data(), b.size());
  REQUIRE(t);
  CHECK(t->profile_idc == 110);
  CHECK(t->bit_depth_luma == 10);
  CHECK(t->mb_width * 16 == 160);
  CHECK(t->mb_height * 16 - t->crop_top - t->crop_bottom == 120);
}

TEST_CASE("H.264 SPS: every truncation and corruption is refused or read safely") {
  auto a = hex(kSpsHigh);
  // Cut before the picture size is whole: refused. Cut inside the VUI: the fields read so far.
  for (size_t n = 0; n < a.size(); ++n) {
    auto s = codec::parse_h264_sps(a.data(), n);
    if (n <= 8) CHECK_FALSE(s);
    if (s) CHECK(s->mb_width == 20);
  }
  // Not an SPS (nal_unit_type 8), and a seq_parameter_set_id coded with 40 leading zeros.
  auto pps = a;
  pps[0] = 0x68;
  CHECK_FALSE(codec::parse_h264_sps(pps.data(), pps.size()));
  auto huge = hex("6764000d0000000000ff");
  CHECK_FALSE(codec::parse_h264_sps(huge.data(), huge.size()));
  // chroma_format_idc 4 (ue 00101): forbidden.
  auto chroma = hex("6764000d9420");  // sps_id ue '1', chroma ue '00101'
  CHECK_FALSE(codec::parse_h264_sps(chroma.data(), chroma.size()));
  // Every byte value at every position: no crash, and an accepted SPS stays in range.
  for (size_t i = 1; i < a.size(); ++i) {
    for (int v : {0x00, 0xFF, 0x80, 0x03}) {
      auto m = a;
      m[i] = static_cast<uint8_t>(v);
      if (auto s = codec::parse_h264_sps(m.data(), m.size())) {
        CHECK(s->chroma_format_idc <= 3);
        CHECK(s->max_num_ref_frames <= 16);
        CHECK(s->max_num_reorder_frames <= 16);
      }
    }
  }
  CHECK_FALSE(codec::h264_sps_from_avcc(nullptr, 0));
  auto avcc = hex("0164000dffe1ff00");  // claims a 65280-byte SPS in 8 bytes
  CHECK_FALSE(codec::h264_sps_from_avcc(avcc.data(), avcc.size()));
}

TEST_CASE("HEVC SPS: real x265 and packager parameter sets, truncations") {
  auto a = hex(kSpsHevc);
  auto s = codec::parse_hevc_sps(a.data(), a.size());
  REQUIRE(s);
  CHECK(s->general_profile_idc == 1);
  CHECK(s->general_level_idc == 60);
  CHECK(s->pic_width == 320);
  CHECK(s->pic_height == 240);
  CHECK(s->chroma_format_idc == 1);
  CHECK(s->bit_depth_luma == 8);
  CHECK(s->max_num_reorder_pics == 2);

  auto b = hex(kSpsHevcScaling);
  auto t = codec::parse_hevc_sps(b.data(), b.size());
  REQUIRE(t);
  CHECK(t->pic_height == 184);
  CHECK(t->pic_height - t->conf_bottom == 180);
  CHECK(t->max_num_reorder_pics == 1);

  for (size_t n = 0; n < b.size(); ++n) {
    auto c = codec::parse_hevc_sps(b.data(), n);
    if (c) CHECK(c->pic_width == 320);
  }
  for (size_t i = 2; i < a.size(); ++i) {
    auto m = a;
    m[i] ^= 0xFF;
    if (auto c = codec::parse_hevc_sps(m.data(), m.size())) CHECK(c->chroma_format_idc <= 3);
  }
}

TEST_CASE("creation_time is written as mov_metadata_creation_time writes it") {
  CHECK(creation_time_string(0) == "");
  CHECK(creation_time_string(2082844800) == "1970-01-01T00:00:00.000000Z");  // 1904 epoch
  CHECK(creation_time_string(3786912000ull) == "2024-01-01T00:00:00.000000Z");
  CHECK(creation_time_string(5) == "1970-01-01T00:00:05.000000Z");  // already Unix time
  CHECK(creation_time_string(UINT64_MAX) == "");
}

namespace {

// file -> exact mismatch lines expected. Every line: "sN key ff=... mk=...".
//
// Reasons, by kind:
// [data] FFmpeg decodes the first frames (avformat_find_stream_info) or parses packets;
//   plain probe reads no sample data, so what only the bitstream of the samples says is
//   not known: in-band parameter sets (Annex B), MPEG-4 Part 2 VOL colour and profile,
//   JPEG/TrueHD headers, HEVC/AV1 field order (SEI / parser), tmcd timecodes, and
//   whether the first samples decode at all (broken or truncated samples, encrypted data).
// [codec] a codec mp4kit does not name yet (codecs slice).
const std::map<std::string, std::set<std::string>> kKnown = {
    // [data] first sample cut by the end of the file: nothing decodes.
    {"gomp4_sample_qt.mp4",
     {"s0 pix_fmt ff=absent mk=yuv420p", "s0 chroma_location ff=absent mk=left", "s0 field_order ff=absent mk=progressive",
      "s0 bits_per_raw_sample ff=absent mk=8", "s0 profile ff=absent mk=Constrained Baseline", "s0 level ff=-99 mk=30"}},
    // [data] SPS and PPS only in the samples (avcC without parameter sets).
    {"mediabunny_annex-b.mp4",
     {"s0 pix_fmt ff=yuv420p mk=absent", "s0 chroma_location ff=left mk=absent",
      "s0 field_order ff=progressive mk=absent", "s0 bits_per_raw_sample ff=8 mk=absent", "s0 level ff=40 mk=-99"}},
    // [data] FFmpeg decodes no frame of these tracks while probing (no pix_fmt/profile in
    // ffprobe); that the samples do not decode shows only in the sample data.
    {"mp4parse_invalid_userdata.mp4",
     {"s0 bits_per_raw_sample ff=absent mk=8", "s0 chroma_location ff=absent mk=left",
      "s0 field_order ff=absent mk=progressive", "s0 pix_fmt ff=absent mk=yuv420p", "s0 profile ff=absent mk=High",
      "s0 level ff=-99 mk=31"}},
    {"mp4parser_example-sans-amf0.mp4",
     {"s0 bits_per_raw_sample ff=absent mk=8", "s0 chroma_location ff=absent mk=left", "s0 color_range ff=absent mk=tv",
      "s0 field_order ff=absent mk=progressive", "s0 pix_fmt ff=absent mk=yuv420p", "s0 profile ff=absent mk=Baseline",
      "s0 level ff=-99 mk=31"}},
    // [data] HEVC and H.263 field order: FFmpeg takes it from the decoded pictures (picture
    // timing SEI / picture headers), which plain probe does not read; mp4kit leaves it out.
    {"hevc_aac.mp4", {"s0 field_order ff=progressive mk=absent"}},
    {"mediabunny_video-h265.mp4", {"s0 field_order ff=progressive mk=absent"}},
    {"mp4parse_hevc_white_frame.mp4", {"s0 field_order ff=progressive mk=absent"}},
    {"torchcodec_h265_video.mp4", {"s0 field_order ff=progressive mk=absent"}},
    {"ax_hls_multi_segment.mp4", {"s0 field_order ff=progressive mk=absent"}},
    {"ax_water_180_mvhevc_5frames.mov", {"s0 field_order ff=progressive mk=absent"}},
    {"ax_bbb_176x144_128kbps_15fps_h263.3gp", {"s0 field_order ff=progressive mk=absent"}},
    // [data] AV1: FFmpeg's parser gives progressive from the frame headers; for this file it
    // gives none (its first temporal unit carries metadata OBUs only); mp4kit says progressive.
    {"ax_sample_with_colr_mdcv_and_clli.mp4", {"s0 field_order ff=absent mk=progressive"}},
    // [data] TrueHD: format, depth and layout come from the major sync of the first frame.
    {"ax_sample_dthd.mp4", {"s0 bits_per_raw_sample ff=24 mk=absent", "s0 sample_fmt ff=s32 mk=absent"}},
    // [config] MPEG-4 Part 2: the VOL header's video_signal_type (in esds) is not parsed yet.
    {"mp4parser_multiTrack.3gp",
     {"s1 color_range ff=pc mk=absent", "s1 color_space ff=smpte170m mk=absent", "s1 color_transfer ff=smpte170m mk=absent"}},
    // [data] a chapter-picture JPEG track: format, range and depth come from the JPEG headers.
    {"mp4parser_test-pod.m4a",
     {"s3 bits_per_raw_sample ff=8 mk=absent", "s3 color_range ff=pc mk=absent", "s3 color_space ff=bt470bg mk=absent",
      "s3 pix_fmt ff=yuvj444p mk=absent"}},
    // [data] the timecode tag is the first sample of the tmcd track (mov_read_timecode_track).
    {"gopro_karma.mp4",
     {"s0 tags ff=creation_time=2017-04-17T19:27:57.000000Z,encoder=GoPro AVC encoder,handler_name=\tGoPro AVC,language=eng,"
      "timecode=19:26:48:04,vendor_id=[0][0][0][0] mk=creation_time=2017-04-17T19:27:57.000000Z,encoder=GoPro AVC "
      "encoder,handler_name=\tGoPro AVC,language=eng,vendor_id=[0][0][0][0]",
      "s1 tags ff=creation_time=2017-04-17T19:27:57.000000Z,handler_name=\tGoPro AAC,language=eng,timecode=19:26:48:04,"
      "vendor_id=[0][0][0][0] mk=creation_time=2017-04-17T19:27:57.000000Z,handler_name=\tGoPro AAC,language=eng,"
      "vendor_id=[0][0][0][0]",
      "s2 tags ff=creation_time=2017-04-17T19:27:57.000000Z,handler_name=\tGoPro TCD,language=eng,timecode=19:26:48:04 "
      "mk=creation_time=2017-04-17T19:27:57.000000Z,handler_name=\tGoPro TCD,language=eng"}},
};

const char* kStreamKeys[] = {"coded_width", "coded_height", "has_b_frames", "pix_fmt", "color_range", "color_space",
                             "color_transfer", "color_primaries", "chroma_location", "field_order", "refs",
                             "bits_per_raw_sample", "sample_fmt", "channel_layout", "bits_per_sample", "level"};

std::string field(const json& j, const char* key) {
  if (!j.contains(key)) return "absent";
  return j[key].is_string() ? j[key].get<std::string>() : j[key].dump();
}

std::map<std::string, std::string> ours(const StreamParameters& p) {
  std::map<std::string, std::string> m;
  for (const ParameterField& f : parameter_fields(p)) m[f.key] = f.value;
  return m;
}

std::string tags_string(const json& tags) {
  std::set<std::string> s;
  for (auto it = tags.begin(); it != tags.end(); ++it) s.insert(it.key() + "=" + it.value().get<std::string>());
  std::string out;
  for (const auto& t : s) out += (out.empty() ? "" : ",") + t;
  return out;
}

std::string tags_string(const std::vector<Tag>& tags) {
  json j = json::object();
  for (const Tag& t : tags) j[t.key] = t.value;
  return tags_string(j);
}

std::set<std::string> compare(const std::string& path, int& keys_compared) {
  std::set<std::string> diffs;
  auto ff = test::oracle("ffprobe -v quiet -show_streams -show_format -of json " + test::quote(path));
  REQUIRE_MESSAGE(ff.exit_code == 0, "ffprobe failed on " << path);
  const json oracle = json::parse(ff.out);
  auto file = open_file(path);
  REQUIRE_MESSAGE(file.ok(), file.error().to_string());
  auto dmx = Demuxer::open(*file);
  REQUIRE_MESSAGE(dmx.ok(), dmx.error().to_string());
  const auto& streams = dmx->streams();
  for (const json& s : oracle["streams"]) {
    const auto index = s["index"].get<size_t>();
    const std::string pre = "s" + std::to_string(index) + " ";
    if (index >= streams.size()) {
      diffs.insert(pre + "missing");
      continue;
    }
    const StreamInfo& info = streams[index];
    if (info.attached_picture) continue;  // cover art: its fields come from the JPEG/PNG (sniffed elsewhere)
    const auto mine = ours(info.parameters);
    for (const char* key : kStreamKeys) {
      const std::string a = field(s, key), b = mine.count(key) ? mine.at(key) : "absent";
      ++keys_compared;
      if (a != b) diffs.insert(pre + key + " ff=" + a + " mk=" + b);
    }
    // profile where the configuration decides it (the sample entry's is compared by the
    // plain-probe tests), and its absence when no frame decodes.
    if (!info.parameters.decodes_frames || !info.parameters.profile.empty()) {
      const std::string a = field(s, "profile"), b = info.parameters.decodes_frames ? info.parameters.profile : "absent";
      ++keys_compared;
      if (a != b) diffs.insert(pre + "profile ff=" + a + " mk=" + b);
    }
    json disp = json::object();
    for (auto it = s["disposition"].begin(); it != s["disposition"].end(); ++it)
      if (it.value().get<int>()) disp[it.key()] = 1;
    const Disposition& d = info.disposition;
    json mine_disp = json::object();
    const std::pair<const char*, int> flags[] = {
        {"default", d.default_}, {"dub", d.dub}, {"original", d.original}, {"comment", d.comment}, {"lyrics", d.lyrics},
        {"karaoke", d.karaoke}, {"forced", d.forced}, {"hearing_impaired", d.hearing_impaired},
        {"visual_impaired", d.visual_impaired}, {"clean_effects", d.clean_effects}, {"attached_pic", d.attached_pic},
        {"timed_thumbnails", d.timed_thumbnails}, {"captions", d.captions}, {"descriptions", d.descriptions},
        {"metadata", d.metadata}, {"dependent", d.dependent}, {"still_image", d.still_image}};
    for (const auto& [k, v] : flags)
      if (v) mine_disp[k] = 1;
    ++keys_compared;
    if (disp != mine_disp) diffs.insert(pre + "disposition ff=" + disp.dump() + " mk=" + mine_disp.dump());
    const std::string ft = tags_string(s.value("tags", json::object())), mt = tags_string(info.tags);
    ++keys_compared;
    if (ft != mt) diffs.insert(pre + "tags ff=" + ft + " mk=" + mt);
  }
  const std::string ft = tags_string(oracle["format"].value("tags", json::object())), mt = tags_string(dmx->format_tags());
  ++keys_compared;
  if (ft != mt) diffs.insert("format tags ff=" + ft + " mk=" + mt);
  return diffs;
}

}  // namespace

TEST_CASE("decoder-derived keys, dispositions and tags equal ffprobe on samples/ and the corpora") {
  if (!test::have_ffprobe()) {
    MESSAGE("ffprobe not installed: codec config parity skipped (scripts/setup.sh installs it)");
    return;
  }
  int files = 0, identical = 0, keys = 0;
  for (const std::string& path : test::media_files()) {
    const std::string name = std::filesystem::path(path).filename().string();
    CAPTURE(name);
    const auto diffs = compare(path, keys);
    const auto known = kKnown.count(name) ? kKnown.at(name) : std::set<std::string>{};
    CHECK(diffs == known);
    if (diffs != known)
      for (const auto& d : diffs)
        if (!known.count(d)) MESSAGE(name << ": " << d);
    for (const auto& k : known)
      if (!diffs.count(k)) MESSAGE(name << ": listed but not seen any more: " << k);
    ++files;
    identical += diffs.empty();
  }
  MESSAGE("codec config parity: " << identical << "/" << files << " files identical, " << keys << " keys compared");
  CHECK(files >= 12);
}
