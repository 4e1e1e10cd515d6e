// lib/codec: bitstream facts on plain bytes. NAL units are written by hand (one comment
// per header byte, ISO/IEC 14496-10 § 7.3.1 and ISO/IEC 23008-2 § 7.3.1.2); pictures are
// minimal headers of each format. The BMP size is also checked against ffprobe on an MP4
// whose cover art ffmpeg wrote.
#include <doctest/doctest.h>

#include <vector>

#include "codec/key_frame.h"
#include "codec/nal.h"
#include "codec/picture.h"
#include "mp4/movie.h"
#include "test_util.h"

using namespace mp4kit;
using namespace mp4kit::codec;

namespace {

// Appends one NAL unit with a `length_size`-byte big-endian length prefix.
void nal(std::vector<uint8_t>& out, unsigned length_size, std::vector<uint8_t> unit) {
  for (unsigned k = length_size; k-- > 0;) out.push_back(uint8_t(unit.size() >> (8 * k)));
  out.insert(out.end(), unit.begin(), unit.end());
}

std::vector<std::pair<size_t, uint64_t>> walk(const std::vector<uint8_t>& s, unsigned length_size, size_t stop_after = SIZE_MAX) {
  std::vector<std::pair<size_t, uint64_t>> seen;  // (offset of the NAL header, size)
  for_each_nal(s.data(), s.size(), length_size, [&](const uint8_t* p, uint64_t n) {
    seen.emplace_back(size_t(p - s.data()), n);
    return seen.size() < stop_after;
  });
  return seen;
}

}  // namespace

TEST_CASE("for_each_nal: every length size, stops at a zero or overlong length, and when asked") {
  for (unsigned ls = 1; ls <= 4; ++ls) {
    CAPTURE(ls);
    std::vector<uint8_t> s;
    nal(s, ls, {0x67, 1, 2});  // SPS-like, 3 bytes
    nal(s, ls, {0x65});        // 1 byte
    auto seen = walk(s, ls);
    REQUIRE(seen.size() == 2);
    CHECK(seen[0] == std::pair<size_t, uint64_t>{ls, 3});
    CHECK(seen[1] == std::pair<size_t, uint64_t>{2 * ls + 3, 1});
    CHECK(walk(s, ls, 1).size() == 1);
  }
  std::vector<uint8_t> s;
  nal(s, 4, {0x65, 0});
  s.insert(s.end(), {0, 0, 0, 0});      // a zero length: the rest is not trusted
  nal(s, 4, {0x65});
  CHECK(walk(s, 4).size() == 1);
  std::vector<uint8_t> overlong{0, 0, 0, 9, 0x65, 1, 2};  // 9 bytes announced, 3 present
  CHECK(walk(overlong, 4).empty());
  CHECK(walk({}, 4).empty());
  CHECK(walk(s, 0).empty());  // no such length size
  CHECK(walk(s, 5).empty());
}

TEST_CASE("H.264: nal_ref_idc of the coded slices and IDR detection") {
  std::vector<uint8_t> params;
  nal(params, 4, {0x67, 0x64});  // nal_ref_idc 3, type 7 (SPS)
  nal(params, 4, {0x68, 0xEE});  // nal_ref_idc 3, type 8 (PPS)
  CHECK(h264_slice_reference(params.data(), params.size(), 4) == SliceReference::kNoSlices);
  CHECK_FALSE(h264_has_idr_slice(params.data(), params.size(), 4));

  std::vector<uint8_t> b = params;
  nal(b, 4, {0x01, 0x9A});  // nal_ref_idc 0, type 1 (non-IDR slice): a non-reference B picture
  CHECK(h264_slice_reference(b.data(), b.size(), 4) == SliceReference::kNonReference);
  CHECK_FALSE(h264_has_idr_slice(b.data(), b.size(), 4));

  std::vector<uint8_t> ref_b = b;
  nal(ref_b, 4, {0x21, 0x9A});  // nal_ref_idc 1, type 1: a second slice that is a reference
  CHECK(h264_slice_reference(ref_b.data(), ref_b.size(), 4) == SliceReference::kReference);

  std::vector<uint8_t> idr;
  nal(idr, 2, {0x06, 0x05});  // SEI
  nal(idr, 2, {0x65, 0x88});  // nal_ref_idc 3, type 5 (IDR slice)
  CHECK(h264_has_idr_slice(idr.data(), idr.size(), 2));
  CHECK(h264_slice_reference(idr.data(), idr.size(), 2) == SliceReference::kReference);
  CHECK_FALSE(h264_has_idr_slice(idr.data(), idr.size() - 1, 2));  // cut short: the IDR NAL is not whole

  const uint8_t avcc[] = {1, 100, 0, 30, 0xFD};  // lengthSizeMinusOne = 1
  CHECK(avc_nal_length_size(avcc, sizeof avcc) == 2);
  CHECK(avc_nal_length_size(avcc, 4) == 0);
}

TEST_CASE("HEVC: sub-layer non-reference pictures and the hvcC fields they depend on") {
  std::vector<uint8_t> s;
  nal(s, 4, {0x40, 0x01});  // type 32 (VPS): not VCL
  nal(s, 4, {0x00, 0x01});  // type 0 (TRAIL_N)
  nal(s, 4, {0x10, 0x01});  // type 8 (RASL_N)
  nal(s, 4, {0x02});        // one byte: no complete NAL unit header, ignored
  CHECK(hevc_slice_reference(s.data(), s.size(), 4) == SliceReference::kNonReference);
  nal(s, 4, {0x02, 0x01});  // type 1 (TRAIL_R)
  CHECK(hevc_slice_reference(s.data(), s.size(), 4) == SliceReference::kReference);
  std::vector<uint8_t> rsv;
  nal(rsv, 4, {0x1C, 0x01});  // type 14 (RSV_VCL_N14): the last sub-layer non-reference type
  CHECK(hevc_slice_reference(rsv.data(), rsv.size(), 4) == SliceReference::kNonReference);
  std::vector<uint8_t> cra;
  nal(cra, 4, {0x2A, 0x01});  // type 21 (CRA)
  CHECK(hevc_slice_reference(cra.data(), cra.size(), 4) == SliceReference::kReference);
  std::vector<uint8_t> vps_only;
  nal(vps_only, 4, {0x40, 0x01});
  CHECK(hevc_slice_reference(vps_only.data(), vps_only.size(), 4) == SliceReference::kNoSlices);

  std::vector<uint8_t> hvcc(23, 0);
  hvcc[21] = (1 << 3) | 3;  // numTemporalLayers 1, temporalIdNested 0, lengthSizeMinusOne 3
  auto f = hevc_config_facts(hvcc.data(), hvcc.size());
  REQUIRE(f);
  CHECK(f->nal_length_size == 4);
  CHECK(f->num_temporal_layers == 1);
  CHECK_FALSE(hevc_config_facts(hvcc.data(), 21));
}

TEST_CASE("cover art: PNG IHDR, JPEG SOFn, BMP info headers, and the PNG signature deciding as FFmpeg does") {
  test::Bytes png;
  png.u32(0x89504E47).u32(0x0D0A1A0A)   // PNG signature
      .u32(13).str("IHDR").u32(640).u32(360).u8(8).u8(2).u8(0).u8(0).u8(0);  // width, height, depth, colour ...
  auto p = sniff_picture(png.data().data(), png.size(), PictureFormat::kJpeg);  // declared JPEG, is PNG
  CHECK(p.format == PictureFormat::kPng);
  CHECK(std::string(p.codec_name) == "png");
  CHECK(p.width == 640);
  CHECK(p.height == 360);

  test::Bytes jpeg;
  jpeg.u16(0xFFD8)                                    // SOI
      .u16(0xFFE0).u16(16).str("JFIF").zeros(10)       // APP0, 16 bytes with its length
      .u16(0xFFC4).u16(4).u16(0)                       // DHT (0xC4 is not a SOF)
      .u16(0xFFC2).u16(17).u8(8).u16(480).u16(720)     // SOF2: precision, Y = 480, X = 720
      .u8(3).zeros(9);
  auto j = sniff_picture(jpeg.data().data(), jpeg.size(), PictureFormat::kPng);  // declared PNG, no signature
  CHECK(std::string(j.codec_name) == "mjpeg");
  CHECK(j.width == 720);
  CHECK(j.height == 480);

  auto bmp_v3 = [](uint32_t header_size, int32_t w, int32_t h) {
    test::Bytes b;
    const auto le32 = [&](uint32_t v) { b.u8(uint8_t(v)).u8(uint8_t(v >> 8)).u8(uint8_t(v >> 16)).u8(uint8_t(v >> 24)); };
    b.str("BM");
    le32(0); le32(0); le32(54);      // file size, reserved, pixel data offset
    le32(header_size);               // BITMAPINFOHEADER
    le32(uint32_t(w)); le32(uint32_t(h));
    b.zeros(28);
    return b;
  };
  auto up = bmp_v3(40, 36, 20);
  auto bmp = sniff_picture(up.data().data(), up.size(), PictureFormat::kBmp);
  CHECK(std::string(bmp.codec_name) == "bmp");
  CHECK(bmp.width == 36);
  CHECK(bmp.height == 20);
  auto down = bmp_v3(124, 36, -20);  // top-down rows
  CHECK(sniff_picture(down.data().data(), down.size(), PictureFormat::kBmp).height == 20);
  auto odd = bmp_v3(52, 36, 20);     // an info header size FFmpeg's decoder does not know
  CHECK(sniff_picture(odd.data().data(), odd.size(), PictureFormat::kBmp).width == 0);
  test::Bytes core;
  core.str("BM").zeros(12).u8(12).zeros(3).u8(0x20).u8(0x01).u8(0x10).u8(0).zeros(4);  // BITMAPCOREHEADER 288x16
  auto c = sniff_picture(core.data().data(), core.size(), PictureFormat::kBmp);
  CHECK(c.width == 288);
  CHECK(c.height == 16);
  // A declared BMP stays BMP even with PNG bytes (mov_read_covr only re-sniffs the others).
  CHECK(sniff_picture(png.data().data(), png.size(), PictureFormat::kBmp).format == PictureFormat::kBmp);
  CHECK(sniff_picture(png.data().data(), 7, PictureFormat::kPng).format == PictureFormat::kPng);  // too short to sniff
}

TEST_CASE("cover art in BMP: codec and size equal ffprobe's") {
  if (!test::have_ffprobe() || test::run("command -v ffmpeg >/dev/null 2>&1 && echo y").out != "y\n") {
    MESSAGE("ffmpeg/ffprobe not installed: skipped");
    return;
  }
  const auto dir = std::filesystem::temp_directory_path() / "mp4kit-tests";
  std::filesystem::create_directories(dir);
  const std::string bmp = (dir / "cover.bmp").string(), mp4 = (dir / "bmp_cover.mp4").string();
  REQUIRE(test::run("ffmpeg -v error -y -f lavfi -i color=c=red:s=48x26 -frames:v 1 " + test::quote(bmp)).exit_code == 0);
  REQUIRE(test::run("ffmpeg -v error -y -i " + test::quote(test::samples_dir() + "/h264_bframes_aac.mp4") + " -i " +
                    test::quote(bmp) + " -map 0 -map 1 -c copy -disposition:v:1 attached_pic " + test::quote(mp4))
              .exit_code == 0);
  auto ff = test::run("ffprobe -v error -select_streams 2 -show_entries stream=codec_name,width,height -of csv=p=0 " +
                      test::quote(mp4));
  REQUIRE(ff.exit_code == 0);
  auto m = parse_movie(open_file(mp4).value());
  REQUIRE(m.ok());
  REQUIRE(m->attached_pictures.size() == 1);
  const AttachedPicture& pic = m->attached_pictures[0];
  CHECK(pic.stream_index == 2);
  CHECK(pic.codec_name + "," + std::to_string(pic.width) + "," + std::to_string(pic.height) + "\n" == ff.out);
}

TEST_CASE("parser key frames: H.264 IDR / recovery point / plain I slice, VP9 and AV1 frame types") {
  // H.264 (h264_parser.c parse_nal_units), 4-byte NAL lengths.
  std::vector<uint8_t> idr;
  nal(idr, 4, {0x06, 0x05, 0x01, 0x00, 0x80});  // SEI: user_data_unregistered, 1 byte, trailing bits
  nal(idr, 4, {0x65, 0x88, 0x84});               // nal_unit_type 5: IDR slice
  CHECK(h264_parser_key_frame(idr.data(), idr.size(), idr.size(), 4) == true);
  // Only the first bytes are read: the IDR NAL header is enough, its payload is not needed.
  CHECK(h264_parser_key_frame(idr.data(), idr.size() - 2, idr.size(), 4) == true);
  CHECK_FALSE(h264_parser_key_frame(idr.data(), 4, idr.size(), 4).has_value());  // the SEI was not read
  std::vector<uint8_t> i_slice;
  nal(i_slice, 4, {0x41, 0x9A, 0x02});  // nal_unit_type 1 (a non-IDR slice, I or not): no key
  CHECK(h264_parser_key_frame(i_slice.data(), i_slice.size(), i_slice.size(), 4) == false);
  std::vector<uint8_t> recovery;
  nal(recovery, 4, {0x06, 0x06, 0x01, 0x84, 0x80});  // SEI payloadType 6 (recovery point), size 1
  nal(recovery, 4, {0x41, 0x9A, 0x02});
  CHECK(h264_parser_key_frame(recovery.data(), recovery.size(), recovery.size(), 4) == true);
  // A length-prefixed unit holding start codes (an SVC prefix NAL, then an IDR after
  // 00 00 01): the parser finds the IDR inside it, as find_start_code does.
  std::vector<uint8_t> nested;
  nal(nested, 4, {0x6E, 0xC0, 0x80, 0x0F, 0x00, 0x00, 0x01, 0x65, 0x88});
  CHECK(h264_parser_key_frame(nested.data(), nested.size(), nested.size(), 4) == true);
  // An IDR whose NAL length runs past the sample (cut by the end of the file) is never reached.
  std::vector<uint8_t> cut = idr;
  cut.resize(cut.size() - 2);
  CHECK(h264_parser_key_frame(cut.data(), cut.size(), cut.size(), 4) == false);

  // VP9 uncompressed header: frame_marker 2, profile 0, show_existing_frame, frame_type.
  const uint8_t vp9_key[] = {0x80};    // 10 0 0 | 0 (show_existing) 0 (KEY_FRAME)
  const uint8_t vp9_inter[] = {0x84};  // 10 0 0 | 0 1 (NON_KEY)
  const uint8_t vp9_show[] = {0x88};   // 10 0 0 | 1: show an existing frame
  CHECK(vp9_parser_key_frame(vp9_key, 1) == true);
  CHECK(vp9_parser_key_frame(vp9_inter, 1) == false);
  CHECK(vp9_parser_key_frame(vp9_show, 1) == false);
  CHECK_FALSE(vp9_parser_key_frame(vp9_key, 0).has_value());

  // AV1: temporal delimiter, then OBU_FRAME whose header starts show_existing_frame(1) frame_type(2).
  const uint8_t av1_key[] = {0x12, 0x00,              // OBU_TEMPORAL_DELIMITER, size 0
                             0x32, 0x01, 0x10};       // OBU_FRAME, size 1: 0 00 (KEY_FRAME) 1 (show_frame)
  const uint8_t av1_inter[] = {0x12, 0x00, 0x32, 0x01, 0x30};  // 0 01 (INTER_FRAME)
  CHECK(av1_parser_key_frame(av1_key, sizeof av1_key, nullptr, 0) == true);
  CHECK(av1_parser_key_frame(av1_inter, sizeof av1_inter, nullptr, 0) == false);
  const uint8_t still_seq[] = {0x0A, 0x01, 0x18};  // OBU_SEQUENCE_HEADER, size 1: profile 0, still 1, reduced 1
  CHECK(av1_parser_key_frame(av1_inter, sizeof av1_inter, still_seq, sizeof still_seq) == true);
}
