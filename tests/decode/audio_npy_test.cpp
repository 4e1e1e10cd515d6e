// decode's npy output for audio (README "Audio"): one samples x channels array whose data
// bytes equal ffmpeg's raw PCM of the equivalent command, `ffmpeg -i F -map 0:a:N [-ar R]
// [-ac C] -f s16le|s32le|f32le|f64le -`, on every audio stream of samples/ under four
// option sets; numpy (Debian's python3-numpy) loads it, also with mmap_mode='r', with the
// shape and dtype asked for. ctest entry `select_audio` (LABELS select).
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "decode_test_util.h"

namespace mp4kit::test {
namespace {

// The array's data: what follows the header whose length is at bytes 8-9 (format 1.0).
std::string npy_data(const std::string& npy) {
  if (npy.size() < 10 || npy.compare(0, 6, "\x93NUMPY") != 0) return "<not npy>";
  const size_t header = 10 + (size_t(uint8_t(npy[8])) | size_t(uint8_t(npy[9])) << 8);
  return header <= npy.size() ? npy.substr(header) : "<short>";
}

std::string python() { return std::filesystem::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3"; }

}  // namespace

TEST_SUITE("select_audio") {
TEST_CASE("select_audio: npy (samples x channels) equals ffmpeg's raw PCM on every audio stream of samples/") {
  if (!have_ffprobe()) {
    MESSAGE("ffmpeg/ffprobe not installed: audio npy parity skipped");
    return;
  }
  struct Case {
    std::string flags, ff_out, descr;
    int channels;  // 0 = the stream's
  };
  const std::vector<Case> cases = {
      {"--sample-fmt s16", "-f s16le", "'<i2'", 0},
      {"--sample-rate 16000 --channels 1 --sample-fmt flt", "-ar 16000 -ac 1 -f f32le", "'<f4'", 1},
      {"--sample-rate 22050 --sample-fmt s32", "-ar 22050 -f s32le", "'<i4'", 0},
      {"--channel-layout stereo --sample-fmt dbl", "-ac 2 -f f64le", "'<f8'", 2},
  };
  const std::string dir = temp_dir();
  const std::string npy = dir + "/audio.npy", raw = dir + "/audio_ff.raw";
  int compared = 0, same = 0, streams = 0;
  std::string failures, loaded;
  for (const auto& entry : std::filesystem::directory_iterator(samples_dir())) {
    const std::string file = entry.path().string();
    if (entry.path().extension() == ".md") continue;
    int n = -1;
    for (const StreamInfo& s : ffprobe_streams(file)) {
      if (s.type != "audio") continue;
      ++n;
      ++streams;
      for (const Case& c : cases) {
        std::filesystem::remove(npy);
        std::filesystem::remove(raw);
        const auto ff = run("ffmpeg -nostdin -loglevel quiet -y -i " + quote(file) + " -map 0:a:" + std::to_string(n) + " " + c.ff_out +
                            " " + quote(raw) + " 2>&1");
        if (ff.exit_code != 0) continue;  // no decoder in this ffmpeg
        ++compared;
        const auto me = run(std::string(MP4KIT_BINARY) + " decode --quiet --stream " + std::to_string(s.index) + " " + c.flags + " -o " +
                            quote(npy) + " " + quote(file) + " 2>&1");
        const std::string a = slurp_file(npy), want = slurp_file(raw);
        const bool ok = me.exit_code == 0 && npy_data(a) == want && a.find("'descr': " + c.descr) != std::string::npos &&
                        (c.channels == 0 || a.find(", " + std::to_string(c.channels) + "), }") != std::string::npos);
        if (ok) ++same;
        else failures += "\n  " + entry.path().filename().string() + "#" + std::to_string(s.index) + " [" + c.flags + "] exit " +
                         std::to_string(me.exit_code) + ", " + std::to_string(npy_data(a).size()) + " data bytes vs ffmpeg " +
                         std::to_string(want.size()) + " " + me.out.substr(0, 120);
      }
    }
  }
  MESSAGE("audio npy: " << same << "/" << compared << " stream x option cases identical to ffmpeg (" << streams << " audio streams)" << failures);
  CHECK(failures.empty());
  CHECK(compared >= 8);
}

TEST_CASE("select_audio: numpy loads the audio npy with its shape and dtype; -o x.npy picks npy") {
  if (!have_ffprobe()) return;
  const std::string f = samples_dir() + "/h264_bframes_aac.mp4";
  const std::string npy = temp_dir() + "/speech.npy", raw = temp_dir() + "/speech.raw";
  std::filesystem::remove(npy);
  // The first audio stream: an audio option picks it (stream 0 is video).
  const auto r = run(std::string(MP4KIT_BINARY) + " decode --quiet --sample-rate 16000 --channels 1 --sample-fmt s16 -o " + quote(npy) +
                     " " + quote(f) + " 2>&1");
  REQUIRE_MESSAGE(r.exit_code == 0, r.out);
  REQUIRE(run("ffmpeg -nostdin -loglevel quiet -y -i " + quote(f) + " -map 0:a:0 -ar 16000 -ac 1 -f s16le " + quote(raw)).exit_code == 0);
  const std::string a = slurp_file(npy), want = slurp_file(raw);
  CHECK(npy_data(a) == want);
  CHECK((npy_data(a).size() + 10 + (size_t(uint8_t(a[8])) | size_t(uint8_t(a[9])) << 8)) % 64 == 0);
  const std::string shape = "(" + std::to_string(want.size() / 2) + ", 1)";
  CHECK(a.find("'shape': " + shape) != std::string::npos);
  if (run(python() + " -c 'import numpy' 2>/dev/null && echo y").out == "y\n") {
    const auto py = run(python() + " -c \"import numpy as np; a = np.load('" + npy + "'); m = np.load('" + npy +
                        "', mmap_mode='r'); print(a.shape, a.dtype, m.shape, bool((a == m).all()))\"");
    CHECK(py.out == shape + " int16 " + shape + " True\n");
  } else {
    MESSAGE("numpy not installed (python3-numpy): numpy.load of the audio .npy skipped");
  }
  // stdout cannot hold an npy (its header is completed at the end): exit 64, one line.
  const auto pipe = run(std::string(MP4KIT_BINARY) + " decode --quiet --sample-rate 8000 --format npy -o - " + quote(f) + " 2>&1 >/dev/null");
  CHECK(pipe.exit_code == 64);
}
}  // TEST_SUITE("select_audio")

}  // namespace mp4kit::test
