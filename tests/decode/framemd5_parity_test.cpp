// Decoded frames equal FFmpeg's: for every video and audio stream of samples/ and the
// corpus, the (size, md5) sequence of `mp4kit decode --format framemd5` equals
// `ffmpeg -noautorotate -i FILE -map 0:N -fps_mode passthrough -f framemd5 -` (video) and
// the same with `-c:a pcm_<the decoder's sample type, packed>` (audio). FFmpeg runs at test
// time; nothing is stored from our own output. Encrypted streams (encv/enca) are left out:
// their samples are decoded as if clear, and what a decoder conceals of that garbage is
// not reproducible (FFmpeg's own frame-threaded output differs from run to run).
#include <doctest/doctest.h>

#include "decode_test_util.h"

namespace mp4kit::test {
namespace {

// "frame K: ffmpeg <size md5>, mp4kit <size md5>" for the first differing frame, or the counts.
std::string first_difference(const std::vector<std::string>& expected, const std::vector<std::string>& got) {
  for (size_t k = 0; k < std::min(expected.size(), got.size()); ++k)
    if (expected[k] != got[k]) return "frame " + std::to_string(k) + ": ffmpeg " + expected[k] + ", mp4kit " + got[k];
  return "ffmpeg " + std::to_string(expected.size()) + " frames, mp4kit " + std::to_string(got.size());
}

/// ffprobe's codec_name of stream `index` ("unknown" when FFmpeg maps no codec to it).
std::string ffprobe_codec_name(const std::string& file, int index) {
  auto r = oracle("ffprobe -v quiet -select_streams " + std::to_string(index) +
               " -show_entries stream=codec_name -of csv=p=0 " + quote(file));
  std::string name = r.out;
  while (!name.empty() && (name.back() == '\n' || name.back() == ',')) name.pop_back();
  return name;
}

}  // namespace

TEST_CASE("framemd5 equals FFmpeg's for every audio and video stream") {
  if (!have_ffprobe()) {
    MESSAGE("ffmpeg/ffprobe not installed: framemd5 parity skipped");
    return;
  }
  if (corpus_dir().empty()) MESSAGE("corpus not found (set MP4KIT_CORPUS): comparing samples/ only");
  if (corpus2_dir().empty()) MESSAGE("corpus2 not found (set MP4KIT_CORPUS2): its files are skipped");
  int video = 0, audio = 0, same_video = 0, same_audio = 0;
  std::string encrypted, undecodable;
  for (const std::string& file : media_files()) {
    const std::string name = std::filesystem::path(file).filename().string();
    const std::set<int> skip = encrypted_streams(file);
    for (const StreamInfo& s : ffprobe_streams(file)) {
      if (s.type != "video" && s.type != "audio") continue;
      if (skip.count(s.index)) {
        encrypted += " " + name + "#" + std::to_string(s.index);
        continue;
      }
      const auto expected = ffmpeg_framemd5(file, s, 2);
      const auto got = mp4kit_framemd5(file, s.index, 2);
      CAPTURE(name);
      CAPTURE(s.index);
      INFO(s.type << ": ffmpeg " << expected.size() << " frames, mp4kit " << got.lines.size() << ", exit " << got.exit_code);
      if (expected.empty() && ffprobe_codec_name(file, s.index) == "unknown") {
        // FFmpeg maps no codec to this stream and decodes nothing ("Decoder (codec none)
        // not found"): mp4kit must refuse it as malformed input with one line (exit 65).
        CHECK(got.exit_code == 65);
        undecodable += " " + name + "#" + std::to_string(s.index);
        continue;
      }
      CHECK(got.exit_code == 0);
      CHECK_MESSAGE(got.lines == expected, first_difference(expected, got.lines));
      const bool same = got.exit_code == 0 && got.lines == expected;
      (s.type == "video" ? video : audio)++;
      if (same) (s.type == "video" ? same_video : same_audio)++;
    }
  }
  MESSAGE("framemd5 parity: video " << same_video << "/" << video << ", audio " << same_audio << "/" << audio
                                     << "; encrypted, not compared:" << encrypted
                                     << "; no codec in FFmpeg either (exit 65 checked):" << undecodable);
}

TEST_CASE("--no-edits equals FFmpeg with -ignore_editlist 1") {
  if (!have_ffprobe()) return;
  for (const char* name : {"editlist_cut.mp4", "h264_bframes_aac.mp4", "opus_flac.mp4"}) {
    const std::string file = samples_dir() + "/" + name;
    for (const StreamInfo& s : ffprobe_streams(file)) {
      INFO(std::string(name) << " stream " << s.index);
      const auto expected = ffmpeg_framemd5(file, s, 2, "-ignore_editlist 1");
      const auto got = mp4kit_framemd5(file, s.index, 2, "--no-edits");
      CHECK(got.exit_code == 0);
      CHECK(got.lines == expected);
    }
  }
}

// Damaged packets in an intact container. FFmpeg's frame-threaded output on damaged input
// is not reproducible from run to run (error concealment races between threads), so the
// comparison decodes single-threaded on both sides. HEVC is the case that made the padding
// rule (lib/decode/packet_bridge.h): its output depends on the bytes after a damaged packet.
TEST_CASE("damaged packets: counted, decoding goes on, frames equal FFmpeg's; --strict exits 65") {
  if (!have_ffprobe()) return;
  for (const char* name : {"h264_bframes_aac.mp4", "hevc_aac.mp4", "vp9.mp4", "av1.mp4"}) {
    for (uint32_t seed = 1; seed <= 2; ++seed) {
      const std::string file = damaged_copy(samples_dir() + "/" + name, std::to_string(seed) + "_" + name, seed);
      INFO(std::string(name) << " seed " << seed);
      StreamInfo v{0, "video", ""};
      const auto expected = ffmpeg_framemd5(file, v, 1);
      const auto got = mp4kit_framemd5(file, 0, 1);
      CHECK(got.exit_code == 0);
      CHECK(got.lines == expected);
    }
  }
  const std::string file = damaged_copy(samples_dir() + "/hevc_aac.mp4", "strict_hevc.mp4", 1);
  auto summary = run(std::string(MP4KIT_BINARY) + " decode --threads 1 " + quote(file) + " 2>&1");
  CHECK(summary.exit_code == 0);
  // Concealed damage is counted (libavcodec's error messages; failed calls when there are any).
  CHECK(summary.out.find("decoder error message") != std::string::npos);
  CHECK(summary.out.find("decode: first error: ") != std::string::npos);
  auto strict = run(std::string(MP4KIT_BINARY) + " decode --strict --threads 1 " + quote(file) + " 2>&1");
  CHECK(strict.exit_code == 65);
  CHECK(strict.out.find("mp4kit: ") == 0);
}

}  // namespace mp4kit::test
