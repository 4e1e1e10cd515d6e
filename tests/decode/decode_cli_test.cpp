// `mp4kit decode` as a user runs it: output formats against FFmpeg's muxers, exit codes,
// temporary-name outputs, a closed pipe, and the rule that the executable links no libav*.
#include <doctest/doctest.h>

#include <filesystem>

#include "decode_test_util.h"

namespace mp4kit::test {
namespace {

std::string bin() { return MP4KIT_BINARY; }
std::string sample(const char* name) { return samples_dir() + "/" + name; }
std::string md5_of_cmd(const std::string& cmd) { return run(cmd + " | md5sum").out.substr(0, 32); }

}  // namespace

TEST_CASE("the mp4kit executable links no FFmpeg library; the module does") {
  auto exe = run("ldd " + quote(bin()) + " 2>&1");
  CHECK(exe.out.find("libav") == std::string::npos);
  CHECK(exe.out.find("libsw") == std::string::npos);
  const std::string module = std::filesystem::path(bin()).parent_path().string() + "/mp4kit_decode.so";
  auto mod = run("ldd " + quote(module) + " 2>&1");
  CHECK(mod.out.find("libavcodec") != std::string::npos);
  CHECK(mod.out.find("libavformat") == std::string::npos);  // own demuxer, no libavformat
}

TEST_CASE("y4m, raw and wav bytes equal FFmpeg's yuv4mpegpipe, rawvideo and PCM output") {
  if (!have_ffprobe()) return;
  const std::string ff = "ffmpeg -nostdin -loglevel quiet -threads 2 -i ";
  for (const char* name : {"h264_bframes_aac.mp4", "vfr.mp4", "hevc_aac.mp4"}) {
    INFO(std::string(name));
    CHECK(md5_of_cmd(bin() + " decode --quiet --format y4m -o - " + quote(sample(name))) ==
          md5_of_cmd(ff + quote(sample(name)) + " -map 0:0 -fps_mode passthrough -f yuv4mpegpipe -"));
    CHECK(md5_of_cmd(bin() + " decode --quiet --format raw -o - " + quote(sample(name))) ==
          md5_of_cmd(ff + quote(sample(name)) + " -map 0:0 -fps_mode passthrough -f rawvideo -"));
  }
  // 10-bit: FFmpeg needs -strict -1 for y4m's C420p10.
  CHECK(md5_of_cmd(bin() + " decode --quiet --format y4m -o - " + quote(sample("h264_10bit.mp4"))) ==
        md5_of_cmd(ff + quote(sample("h264_10bit.mp4")) + " -map 0:0 -fps_mode passthrough -strict -1 -f yuv4mpegpipe -"));
  // Audio: interleaved in the decoder's sample type (AAC fltp -> f32le; FLAC s16 -> s16le).
  CHECK(md5_of_cmd(bin() + " decode --quiet --stream 1 --format raw -o - " + quote(sample("h264_bframes_aac.mp4"))) ==
        md5_of_cmd(ff + quote(sample("h264_bframes_aac.mp4")) + " -map 0:1 -f f32le -"));
  CHECK(md5_of_cmd(bin() + " decode --quiet --stream 1 --format raw -o - " + quote(sample("opus_flac.mp4"))) ==
        md5_of_cmd(ff + quote(sample("opus_flac.mp4")) + " -map 0:1 -f s16le -"));
  // wav: a 44-byte RIFF header (sizes filled in for a file) followed by the same PCM.
  const std::string wav = temp_dir() + "/a.wav";
  REQUIRE(run(bin() + " decode --quiet --stream 1 --format wav -o " + quote(wav) + " " + quote(sample("opus_flac.mp4"))).exit_code == 0);
  const std::string w = slurp_file(wav);
  REQUIRE(w.size() > 44);
  CHECK(w.compare(0, 4, "RIFF") == 0);
  CHECK(w.compare(36, 4, "data") == 0);
  const uint32_t data_size = uint8_t(w[40]) | uint8_t(w[41]) << 8 | uint8_t(w[42]) << 16 | uint32_t(uint8_t(w[43])) << 24;
  CHECK(data_size == w.size() - 44);
  CHECK(run("tail -c +45 " + quote(wav) + " | md5sum").out.substr(0, 32) ==
        md5_of_cmd(ff + quote(sample("opus_flac.mp4")) + " -map 0:1 -f s16le -"));
}

TEST_CASE("exit codes: 64 usage, 66 cannot open, 70 module missing, 73 cannot create") {
  const std::string f = quote(sample("h264_bframes_aac.mp4"));
  CHECK(run(bin() + " decode /nonexistent.mp4 2>/dev/null").exit_code == 66);
  CHECK(run(bin() + " decode --stream 7 " + f + " 2>/dev/null").exit_code == 64);
  // wav of a video stream the user named is 64; with no stream given, the first audio stream (issue 11).
  CHECK(run(bin() + " decode --stream 0 --format wav -o /dev/null " + f + " 2>/dev/null").exit_code == 64);
  CHECK(run(bin() + " decode --format wav -o /dev/null " + f + " 2>/dev/null").exit_code == 0);
  CHECK(run(bin() + " decode --stream 1 --format y4m -o /dev/null " + f + " 2>/dev/null").exit_code == 64);
  CHECK(run(bin() + " decode --format bogus " + f + " 2>/dev/null").exit_code == 64);
  CHECK(run(bin() + " decode --format raw -o /nonexistent-dir/x.yuv " + f + " 2>/dev/null").exit_code == 73);
  // The executable alone, without the module beside it: one line on stderr, exit 70.
  const std::string lonely = temp_dir() + "/lonely";
  std::filesystem::create_directories(lonely);
  std::filesystem::copy_file(bin(), lonely + "/mp4kit", std::filesystem::copy_options::overwrite_existing);
  auto r = run("env -u MP4KIT_DECODE_MODULE " + quote(lonely + "/mp4kit") + " decode " + f + " 2>&1");
  CHECK(r.exit_code == 70);
  CHECK(r.out.find("decode module") != std::string::npos);
  CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 1);
  // ... and with MP4KIT_DECODE_MODULE pointing at it, it works.
  const std::string module = std::filesystem::path(bin()).parent_path().string() + "/mp4kit_decode.so";
  CHECK(run("MP4KIT_DECODE_MODULE=" + quote(module) + " " + quote(lonely + "/mp4kit") + " decode --quiet " + f).exit_code == 0);
}

TEST_CASE("-o writes under a temporary name and renames when complete; a failure leaves nothing") {
  const std::string dir = temp_dir() + "/out";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  CHECK(run(bin() + " decode --quiet --format y4m -o " + quote(dir + "/ok.y4m") + " " + quote(sample("vp9.mp4"))).exit_code == 0);
  CHECK(std::filesystem::file_size(dir + "/ok.y4m") > 0);
  // --strict on a damaged stream fails half-way: no output file, no temporary left.
  const std::string damaged = damaged_copy(sample("hevc_aac.mp4"), "tmpname_hevc.mp4", 1);
  CHECK(run(bin() + " decode --quiet --strict --threads 1 --format y4m -o " + quote(dir + "/bad.y4m") + " " + quote(damaged) + " 2>/dev/null")
            .exit_code == 65);
  int entries = 0;
  for (auto& e : std::filesystem::directory_iterator(dir)) { (void)e; ++entries; }
  CHECK(entries == 1);
  CHECK(!std::filesystem::exists(dir + "/bad.y4m"));
}

TEST_CASE("a closed stdout pipe (| head) stops quietly; --frames stops early") {
  auto r = run("bash -c " + quote(bin() + " decode --format y4m -o - " + quote(sample("h264_bframes_aac.mp4")) + " 2>" +
                                  quote(temp_dir() + "/pipe.err") + " | head -c 1000 > /dev/null; echo ${PIPESTATUS[0]}"));
  CHECK(r.out == "0\n");
  CHECK(slurp_file(temp_dir() + "/pipe.err").find("mp4kit:") == std::string::npos);  // no error line
  auto five = mp4kit_framemd5(sample("h264_bframes_aac.mp4"), 0, 2, "--frames 5");
  CHECK(five.exit_code == 0);
  CHECK(five.lines.size() == 5);
}

TEST_CASE("summary line: frames, fps, wall and CPU seconds; --verbose adds pool hits/misses; --quiet silences it") {
  auto r = run(bin() + " decode " + quote(sample("h264_bframes_aac.mp4")) + " 2>&1");
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("72 frames") != std::string::npos);
  CHECK(r.out.find("fps") != std::string::npos);
  CHECK(r.out.find("cpu") != std::string::npos);
  CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 1);
  auto v = run(bin() + " decode --verbose " + quote(sample("h264_bframes_aac.mp4")) + " 2>&1");
  CHECK(v.out.find("hits") != std::string::npos);
  CHECK(std::count(v.out.begin(), v.out.end(), '\n') == 2);
  CHECK(run(bin() + " decode --quiet " + quote(sample("h264_bframes_aac.mp4")) + " 2>&1").out.empty());
}

}  // namespace mp4kit::test
