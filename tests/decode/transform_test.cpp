// The transform stage against FFmpeg 5.1, run at test time (ctest label "transform"):
// every video stream of samples/ and the corpora, a few frames each, one option set per
// stream in turn (sizes with -1/-2, odd sizes, crops, rgb24 / rgb48le / gray / yuv420p /
// bgr24), with autorotation; the bytes of `mp4kit decode --format raw` equal those of
// `ffmpeg -i F -map 0:N -vf "scale=W:H:flags=bicubic[,crop=...],format=P" -f rawvideo`.
// Then the picture outputs (png 8/16-bit, jpeg, npy) and the usage errors.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "decode_test_util.h"

namespace mp4kit::test {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

bool have_ffmpeg() { return run("command -v ffmpeg >/dev/null 2>&1 && echo y").out == "y\n"; }

struct Option {
  std::string mp4kit;   // flags
  std::string filters;  // ffmpeg's -vf
};

// The option sets, taken in turn by the streams (each stream gets one, so that the suite
// stays within its time budget while every set meets several streams).
const std::vector<Option> kOptions = {
    {"--size 224x224 --pix-fmt rgb24", "scale=224:224:flags=bicubic,format=rgb24"},
    {"--size -2x120 --pix-fmt rgb48le", "scale=-2:120:flags=bicubic,format=rgb48le"},
    {"--size 97x-1 --pix-fmt gray", "scale=97:-1:flags=bicubic,format=gray"},
    {"--size 160x-2 --crop 100x60+3+5 --pix-fmt yuv420p", "scale=160:-2:flags=bicubic,crop=100:60:3:5,format=yuv420p"},
    {"--max-side 128 --pix-fmt bgr24 --scaler lanczos", "scale='if(gte(iw,ih),min(128,iw),-1)':'if(gte(iw,ih),-1,min(128,ih))':flags=lanczos,format=bgr24"},
    {"--size 256x-2 --crop 224x224 --pix-fmt rgb24 --scaler bilinear", "scale=256:-2:flags=bilinear,crop=224:224,format=rgb24"},
};

// The video streams that are not cover art, by ffprobe index. Listed with mp4kit's own
// probe (no FFmpeg start per file: the expectations below all come from ffmpeg).
std::vector<int> video_streams(const std::string& file) {
  std::vector<int> out;
  const auto r = run(std::string(MP4KIT_BINARY) + " probe --json " + quote(file) + " 2>/dev/null");
  const auto j = nlohmann::json::parse(r.out, nullptr, false);
  if (j.is_discarded() || !j.contains("streams")) return out;
  for (const auto& s : j["streams"])
    if (s.value("codec_type", "") == "video" && !(s.contains("disposition") && s["disposition"].value("attached_pic", 0) == 1))
      out.push_back(s.value("index", -1));
  return out;
}

}  // namespace

TEST_CASE("transform: every video stream equals ffmpeg's scale/crop/format with autorotate") {
  if (!have_ffmpeg() || !have_ffprobe()) {
    MESSAGE("ffmpeg/ffprobe not installed: transform parity skipped");
    return;
  }
  const std::string dir = temp_dir();
  int streams = 0, same = 0, skipped = 0, k = 0;
  std::string diffs;
  for (const std::string& file : media_files()) {
    for (const int index : video_streams(file)) {
      const Option& opt = kOptions[static_cast<size_t>(k++) % kOptions.size()];
      const std::string ours = dir + "/t_ours.raw", theirs = dir + "/t_ffmpeg.raw";
      std::filesystem::remove(ours);
      std::filesystem::remove(theirs);
      const auto ff = run("ffmpeg -nostdin -loglevel quiet -y -threads 2 -i " + quote(file) + " -map 0:" + std::to_string(index) +
                          " -frames:v 1 -vf \"" + opt.filters + "\" -fps_mode passthrough -f rawvideo " + quote(theirs));
      const std::string expected = slurp(theirs);
      if (ff.exit_code != 0 || expected.empty()) {
        ++skipped;  // FFmpeg itself does not decode it (no decoder, damaged, encrypted)
        continue;
      }
      ++streams;
      const auto r = run(std::string(MP4KIT_BINARY) + " decode --quiet --stream " + std::to_string(index) +
                         " --frames 1 --format raw " + opt.mp4kit + " -o " + quote(ours) + " " + quote(file) + " 2>&1");
      const std::string got = slurp(ours);
      if (r.exit_code == 0 && got == expected) {
        ++same;
      } else {
        diffs += "\n  " + std::filesystem::path(file).filename().string() + " stream " + std::to_string(index) + " [" +
                 opt.mp4kit + "]: exit " + std::to_string(r.exit_code) + ", " + std::to_string(got.size()) + " vs " +
                 std::to_string(expected.size()) + " bytes " + r.out.substr(0, 160);
      }
    }
  }
  MESSAGE("transform parity: " << same << "/" << streams << " video streams identical to ffmpeg (" << skipped
                               << " ffmpeg cannot decode)" << diffs);
  CHECK(streams > 0);
  CHECK_MESSAGE(same == streams, diffs);
}

namespace {

// mp4kit's probe --json streams of `file` (empty when it cannot be probed).
nlohmann::json probe_streams(const std::string& file) {
  const auto r = run(std::string(MP4KIT_BINARY) + " probe --json " + quote(file) + " 2>/dev/null");
  const auto j = nlohmann::json::parse(r.out, nullptr, false);
  return j.is_discarded() || !j.contains("streams") ? nlohmann::json::array() : j["streams"];
}

// The first frame of stream `index` from `mp4kit decode --frames 1 --format raw FLAGS` and
// from `ffmpeg -vf VF -f rawvideo`: nullopt when FFmpeg decodes nothing, else whether the
// bytes are equal.
std::optional<bool> first_frame_equal(const std::string& file, const std::string& index, const std::string& flags,
                                      const std::string& vf) {
  const std::string dir = temp_dir(), ours = dir + "/ff_ours.raw", theirs = dir + "/ff_ffmpeg.raw";
  std::filesystem::remove(ours);
  std::filesystem::remove(theirs);
  const auto ff = run("ffmpeg -nostdin -loglevel quiet -y -threads 2 -i " + quote(file) + " -map 0:" + index +
                      " -frames:v 1 -vf " + vf + " -fps_mode passthrough -f rawvideo " + quote(theirs));
  const std::string expected = slurp(theirs);
  if (ff.exit_code != 0 || expected.empty()) return std::nullopt;
  const auto m = run(std::string(MP4KIT_BINARY) + " decode --quiet --stream " + index + " --frames 1 --format raw " + flags +
                     " -o " + quote(ours) + " " + quote(file) + " 2>&1");
  return m.exit_code == 0 && slurp(ours) == expected;
}

}  // namespace

// mov_read_colr puts 'colr' in codecpar and the decoder keeps it where the bitstream has no
// colour description: the matrix of a YUV -> RGB conversion then comes from the container.
// Every stream whose 'colr' names a matrix, first frame as rgb24 at its own size (under
// 2 megapixels, for time), equals ffmpeg's format=rgb24.
TEST_CASE("transform: the colour matrix and range of 'colr' reach the decoder, as in FFmpeg") {
  if (!have_ffmpeg() || !have_ffprobe()) {
    MESSAGE("ffmpeg/ffprobe not installed: colr parity skipped");
    return;
  }
  int streams = 0, same = 0;
  std::string diffs;
  for (const std::string& file : media_files()) {
    for (const auto& st : probe_streams(file)) {
      if (st.value("codec_type", "") != "video" || !st.contains("color_space")) continue;
      if (st.value("width", 0) * st.value("height", 0) > 2000000) continue;
      const std::string index = std::to_string(st.value("index", -1));
      const auto eq = first_frame_equal(file, index, "--pix-fmt rgb24", "format=rgb24");
      if (!eq) continue;  // FFmpeg does not decode it
      ++streams;
      if (*eq) ++same;
      else diffs += "\n  " + std::filesystem::path(file).filename().string() + " stream " + index + " (" + st.value("color_space", "") + ")";
    }
  }
  MESSAGE("colr parity: " << same << "/" << streams << " streams with a colour matrix identical to ffmpeg's rgb24" << diffs);
  CHECK(streams > 0);
  CHECK_MESSAGE(same == streams, diffs);
}

// Without a resize, ffmpeg's format negotiation converts before its rotation filters
// (transpose/hflip/vflip keep their format): `-vf format=P` on a rotated stream converts at
// the stored size, then rotates. Every rotated stream, two formats each.
TEST_CASE("transform: a pixel format change without a resize precedes the rotation, as in FFmpeg") {
  if (!have_ffmpeg() || !have_ffprobe()) {
    MESSAGE("ffmpeg/ffprobe not installed: rotation order parity skipped");
    return;
  }
  int cases = 0, same = 0;
  std::string diffs;
  for (const std::string& file : media_files()) {
    for (const auto& st : probe_streams(file)) {
      if (st.value("codec_type", "") != "video" || !st.contains("side_data_list")) continue;
      bool rotated = false;
      for (const auto& sd : st["side_data_list"]) rotated = rotated || sd.value("rotation", 0) != 0;
      if (!rotated) continue;
      const std::string index = std::to_string(st.value("index", -1));
      // (yuv422p: for a 4:2:2 source turned 90 degrees, converted twice: to yuv444p for the
      // transpose, then back.)
      for (const std::string pix : {"rgb24", "yuv420p", "yuv422p"}) {
        const auto eq = first_frame_equal(file, index, "--pix-fmt " + pix, "format=" + pix);
        if (!eq) continue;
        ++cases;
        if (*eq) ++same;
        else diffs += "\n  " + std::filesystem::path(file).filename().string() + " stream " + index + " " + pix;
      }
    }
  }
  MESSAGE("rotation order: " << same << "/" << cases << " rotated streams x formats identical to ffmpeg" << diffs);
  CHECK(cases >= 4);
  CHECK_MESSAGE(same == cases, diffs);
}

TEST_CASE("transform: png (8 and 16 bit), jpeg, npy and rotation equal ffmpeg's files") {
  if (!have_ffmpeg()) {
    MESSAGE("ffmpeg not installed: transform picture outputs skipped");
    return;
  }
  const std::string dir = temp_dir();
  struct Case {
    std::string file, mp4kit_args, ext, ffmpeg_args;
  };
  const std::string h264 = samples_dir() + "/h264_bframes_aac.mp4";
  const std::string ten = samples_dir() + "/h264_10bit.mp4";
  std::vector<Case> cases = {
      {h264, "--size 160x90", "png", "-vf \"select=eq(n\\,1),scale=160:90:flags=bicubic\""},
      {h264, "", "jpg", "-vf \"select=eq(n\\,1)\" -q:v 2"},
      {h264, "--size 200x-2 --quality 5", "jpg", "-vf \"select=eq(n\\,1),scale=200:-2:flags=bicubic\" -q:v 5"},
      {ten, "--size 96x-2", "png", "-vf \"select=eq(n\\,1),scale=96:-2:flags=bicubic\""},   // 16-bit PNG
      {ten, "--pix-fmt rgb24", "png", "-vf \"select=eq(n\\,1),format=rgb24\""},
      // rotated, no option: the rotation makes it a transform, ffmpeg's plain png (16-bit for 10-bit)
      {samples_dir() + "/rotated_270_10bit.mp4", "", "png", "-vf \"select=eq(n\\,1)\""},
      {samples_dir() + "/rotated_180_fullrange.mp4", "", "png", "-vf \"select=eq(n\\,1)\""},
      {samples_dir() + "/rotated_180_fullrange.mp4", "--crop 40x30+10+4 --pix-fmt rgba", "png",
       "-vf \"select=eq(n\\,1),scale=iw:ih:flags=bicubic,crop=40:30:10:4,format=rgba\""},
      // 4:2:2 turned 90 degrees: ffmpeg scales to a format transpose takes first (png rgb24,
      // jpeg yuvj444p; with a resize yuv444p, then the resize to the encoder's format)
      {samples_dir() + "/rotated_90_422.mp4", "", "png", "-vf \"select=eq(n\\,1)\""},
      {samples_dir() + "/rotated_90_422.mp4", "", "jpg", "-vf \"select=eq(n\\,1)\" -q:v 2"},
      {samples_dir() + "/rotated_90_422.mp4", "--size 40x-2", "jpg", "-vf \"select=eq(n\\,1),scale=40:-2:flags=bicubic\" -q:v 2"},
      {samples_dir() + "/rotated_90_422.mp4", "--crop 30x30 --pix-fmt rgba", "png",
       "-vf \"select=eq(n\\,1),crop=30:30,format=rgba\""},
  };
  for (const std::string& rotated : {corpus2_dir() + "/decord_video_90.mov", corpus_dir() + "/mediabunny_rotate-buck-bunny.mp4"}) {
    if (!std::filesystem::exists(rotated)) continue;
    cases.push_back({rotated, "--size 120x-2", "png", "-vf \"select=eq(n\\,1),scale=120:-2:flags=bicubic\""});
    cases.push_back({rotated, "--no-autorotate --size 120x-2", "png", "-noautorotate_placeholder"});
  }
  for (const Case& c : cases) {
    if (!std::filesystem::exists(c.file)) continue;
    const std::string ours = dir + "/p_ours." + c.ext, theirs = dir + "/p_ffmpeg." + c.ext;
    std::filesystem::remove(ours);
    std::filesystem::remove(theirs);
    std::string ff_args = c.ffmpeg_args;
    std::string input_opts;
    if (ff_args == "-noautorotate_placeholder") {
      input_opts = "-noautorotate ";
      ff_args = "-vf \"select=eq(n\\,1),scale=120:-2:flags=bicubic\"";
    }
    const auto ff = run("ffmpeg -nostdin -loglevel quiet -y " + input_opts + "-i " + quote(c.file) + " -map 0:v:0 " + ff_args +
                        " -frames:v 1 -fps_mode passthrough " + quote(theirs));
    REQUIRE(ff.exit_code == 0);
    const auto r = run(std::string(MP4KIT_BINARY) + " seek --quiet --frame 1 " + c.mp4kit_args + " -o " + quote(ours) + " " +
                       quote(c.file) + " 2>&1");
    INFO(c.file << " " << c.mp4kit_args << " ." << c.ext << ": " << r.out);
    CHECK(r.exit_code == 0);
    CHECK_MESSAGE(slurp(ours) == slurp(theirs), "bytes differ from ffmpeg's " << c.ext);
  }

  // npy: 3 frames, N x H x W x C uint8, the same bytes as ffmpeg's rawvideo; numpy reads it.
  const std::string npy = dir + "/frames.npy", raw = dir + "/frames.raw";
  std::filesystem::remove(npy);
  REQUIRE(run("ffmpeg -nostdin -loglevel quiet -y -i " + quote(h264) +
              " -frames:v 3 -vf \"scale=64:48:flags=bicubic,format=rgb24\" -fps_mode passthrough -f rawvideo " + quote(raw))
              .exit_code == 0);
  const auto r = run(std::string(MP4KIT_BINARY) + " decode --quiet --frames 3 --size 64x48 -o " + quote(npy) + " " + quote(h264) + " 2>&1");
  REQUIRE_MESSAGE(r.exit_code == 0, r.out);
  const std::string n = slurp(npy), expected = slurp(raw);
  REQUIRE(n.size() > 128);
  CHECK(n.compare(0, 6, "\x93NUMPY") == 0);
  CHECK(n.find("'shape': (3, 48, 64, 3)") != std::string::npos);
  CHECK(n.find("'descr': '|u1'") != std::string::npos);
  CHECK(n.size() - expected.size() == 128);
  CHECK(n.substr(128) == expected);
  // Debian's python3-numpy is for /usr/bin/python3 (a pyenv python3 first in PATH lacks it).
  const std::string python = std::filesystem::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
  if (run(python + " -c 'import numpy' 2>/dev/null && echo y").out == "y\n") {
    const auto py = run(python + " -c \"import numpy as np; a = np.load('" + npy + "'); m = np.load('" + npy +
                        "', mmap_mode='r'); print(a.shape, a.dtype, m.shape, bool((a == m).all()))\"");
    CHECK(py.out == "(3, 48, 64, 3) uint8 (3, 48, 64, 3) True\n");
  } else {
    MESSAGE("numpy not installed (python3-numpy): numpy.load of the .npy skipped");
  }
  // 10-bit: uint16, little-endian, as ffmpeg's rgb48le.
  std::filesystem::remove(npy);
  REQUIRE(run("ffmpeg -nostdin -loglevel quiet -y -i " + quote(ten) +
              " -frames:v 2 -vf \"scale=32:-2:flags=bicubic,format=rgb48le\" -fps_mode passthrough -f rawvideo " + quote(raw))
              .exit_code == 0);
  REQUIRE(run(std::string(MP4KIT_BINARY) + " decode --quiet --frames 2 --size 32x-2 -o " + quote(npy) + " " + quote(ten)).exit_code == 0);
  const std::string n16 = slurp(npy);
  CHECK(n16.find("'descr': '<u2'") != std::string::npos);
  CHECK(n16.substr(128) == slurp(raw));
}

TEST_CASE("transform: invalid sizes, crops and pixel formats exit 64 with one line naming what is valid") {
  const std::string f = samples_dir() + "/h264_bframes_aac.mp4";
  const std::string ten = samples_dir() + "/h264_10bit.mp4";
  const std::string out = temp_dir() + "/bad.png";
  struct Bad {
    std::string args, says;
  };
  const std::vector<Bad> bad = {
      {"--size 0x100", "invalid --size"},
      {"--size 224", "invalid --size"},
      {"--size 20000x100", "out of range"},
      {"--crop 5000x10", "larger than"},
      {"--crop 10x10+500+0 --size 64x64", "does not fit"},
      {"--crop 10", "invalid --crop"},
      {"--pix-fmt nosuchfmt", "rgb24"},
      {"--scaler nosuch", "lanczos"},
      {"--max-side 64 --size 10x10", "cannot be combined"},
      {"--pix-fmt yuv420p -o " + temp_dir() + "/bad.npy", "cannot hold"},
  };
  for (const Bad& b : bad) {
    const std::string args = b.args.find(" -o ") == std::string::npos ? b.args + " -o " + out : b.args;
    const auto r = run(std::string(MP4KIT_BINARY) + " seek --frame 0 " + args + " " + quote(f) + " 2>&1");
    INFO(b.args << ": " << r.out);
    CHECK(r.exit_code == 64);
    CHECK(r.out.find(b.says) != std::string::npos);
    CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 1);
  }
  // 10-bit into jpeg: converted, one warning.
  const auto r = run(std::string(MP4KIT_BINARY) + " seek --quiet --frame 0 -o " + quote(temp_dir() + "/ten.jpg") + " " + quote(ten) + " 2>&1");
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("warning") != std::string::npos);
  CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 1);
}

}  // namespace mp4kit::test
