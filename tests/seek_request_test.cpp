// `mp4kit seek` requests resolved from the container alone (lib/mp4/seek_request.h): time
// parsing, time -> frame on VFR streams against ffprobe's packet pts, frame ranges, output
// patterns, out-of-range exit 64, and --plan with no decode module anywhere.
// (Decoded frames against FFmpeg are in tests/decode/seek_test.cpp.)
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <random>
#include <sstream>

#include "seek_request.h"
#include "test_util.h"

using namespace mp4kit;

TEST_CASE("seek times parse exactly into decimal fractions, with half the last digit as tolerance") {
  struct Case {
    const char* text;
    int64_t num, den;  ///< the exact value
    int64_t half_den;  ///< the tolerance is 1 / half_den seconds; 0 = exact
  } ok[] = {{"17.3", 173, 10, 20},           {"0", 0, 1, 0},          {"90", 90, 1, 0},
            {"0.040", 40, 1000, 2000},       {".5", 5, 10, 20},       {"1:02.5", 625, 10, 20},
            {"00:01:02.500", 62500, 1000, 2000}, {"1:00:00", 3600, 1, 0}, {"0.000000001", 1, 1000000000, 2000000000},
            {"0.0000000001", 1, 10000000000, 20000000000}, {"1001/30000", 1001, 30000, 0}, {"7/1", 7, 1, 0}};
  for (const Case& c : ok) {
    CAPTURE(c.text);
    auto t = parse_time(c.text);
    REQUIRE(t.ok());
    CHECK(t->num() * c.den == c.num * t->den2());
    if (c.half_den == 0) CHECK(t->lo == t->hi);
    else CHECK((t->hi - t->lo) * c.half_den == 2 * t->den);  // hi - lo = 2 x tolerance
  }
  // Past 18 decimals the digits are cut and the interval covers the typed value.
  auto long_t = parse_time("0.033366666666666667");
  REQUIRE(long_t.ok());
  CHECK(floor_ticks(long_t->hi, long_t->den, 30000) == 1001);
  CHECK(ceil_ticks(long_t->lo, long_t->den, 30000) == 1001);
  for (const char* bad : {"", "-1", "1e3", "abc", "1:60", "1:2:3:4", "1.", "1.2.3", "12:", ":5", "1/0", "1.5/2", "/3", "99999999999"}) {
    CAPTURE(bad);
    auto t = parse_time(bad);
    REQUIRE_FALSE(t.ok());
    CHECK(t.error().code == ErrorCode::kUsage);
  }
  // floor(T x timescale) with no binary rounding: 17.3 s at 12800 Hz is 221440 ticks exactly,
  // 0.1 s at 3 Hz is 0.3 ticks -> 0.
  CHECK(time_to_ticks(parse_time("17.3").value(), 12800) == 221440);
  CHECK(time_to_ticks(parse_time("0.1").value(), 3) == 0);
  CHECK(time_to_ticks(parse_time("2.999999999").value(), 1000000000) == 2999999999);
}

TEST_CASE("frame ranges and output patterns") {
  auto r = parse_frame_range("0:1000:50", 2000);
  REQUIRE(r.ok());
  CHECK(r->size() == 20);
  CHECK(r->front() == 0);
  CHECK(r->back() == 950);
  auto all = parse_frame_range("5:", 8);
  REQUIRE(all.ok());
  CHECK(*all == std::vector<uint64_t>{5, 6, 7});
  for (const char* bad : {"5", "1:2:0", "a:b", "0:9", "8:", "3:3"}) {
    CAPTURE(bad);
    auto b = parse_frame_range(bad, 8);
    REQUIRE_FALSE(b.ok());
    CHECK(b.error().code == ErrorCode::kUsage);
  }
  CHECK(expand_output_pattern("frame_%06d.png", 42).value() == "frame_000042.png");
  CHECK(expand_output_pattern("f%d-%%.ppm", 7).value() == "f7-%.ppm");
  CHECK(expand_output_pattern("f%4d", 7).value() == "f   7");
  CHECK(is_output_pattern("a_%03d.png"));
  CHECK_FALSE(is_output_pattern("100%%.png"));
  CHECK_FALSE(expand_output_pattern("f%s.png", 1).ok());
  CHECK_FALSE(expand_output_pattern("f%d_%d.png", 1).ok());
}

namespace {

// ffprobe's pts of the frames shown (non-discarded packets), sorted: the oracle for times.
std::vector<int64_t> ffprobe_shown_pts(const std::string& file, int stream) {
  auto r = test::oracle("ffprobe -v quiet -select_streams " + std::to_string(stream) +
                     " -show_entries packet=pts,flags -of csv=p=0 " + test::quote(file));
  std::vector<int64_t> pts;
  std::istringstream in(r.out);
  std::string line;
  while (std::getline(in, line)) {
    const auto comma = line.find(',');
    if (comma == std::string::npos || line.find('D', comma) != std::string::npos) continue;
    pts.push_back(std::stoll(line.substr(0, comma)));
  }
  std::sort(pts.begin(), pts.end());
  return pts;
}

std::string decimal(int64_t num, int64_t den_pow10_digits) {
  std::string s = std::to_string(num);
  if (static_cast<int64_t>(s.size()) <= den_pow10_digits) s.insert(0, static_cast<size_t>(den_pow10_digits) - s.size() + 1, '0');
  s.insert(s.size() - static_cast<size_t>(den_pow10_digits), ".");
  return s;
}

}  // namespace

TEST_CASE("time -> frame on VFR streams equals ffprobe's pts: the last frame shown at or before T, the first at or after") {
  if (!test::have_ffprobe()) {
    MESSAGE("ffprobe not installed: time lookup vs ffprobe skipped");
    return;
  }
  std::vector<std::string> files = {test::samples_dir() + "/vfr.mp4", test::samples_dir() + "/editlist_cut.mp4"};
  if (!test::corpus_dir().empty()) files.push_back(test::corpus_dir() + "/mediabunny_cursed-vfr.mp4");
  else MESSAGE("corpus not found (set MP4KIT_CORPUS): VFR time lookup on samples/vfr.mp4 only");
  int checked = 0;
  for (const std::string& file : files) {
    CAPTURE(file);
    auto s = SeekStream::open(file, -1, SourceOptions{});
    REQUIRE(s.ok());
    const std::vector<int64_t> pts = ffprobe_shown_pts(file, s->stream);
    REQUIRE(pts.size() == s->index().frame_count());
    const int64_t ts = s->timescale();
    // Exact frame times, one microsecond before and after, and midpoints, as decimal text.
    for (size_t i = 0; i < pts.size(); ++i) {
      const int64_t us = pts[i] * 1000000 / ts;  // floor
      for (int64_t probe_us : {us, us - 1, us + 1, us + 7}) {
        if (probe_us < 0) continue;
        const std::string text = decimal(probe_us, 6);
        // Oracle: T = probe_us / 1e6 printed with 6 decimals stands for T +- 0.5 us. Shown:
        // the last frame with pts <= floor((T + 0.5 us) x ts); next: the first with pts >=
        // ceil((T - 0.5 us) x ts) (exact integers: no overflow on these files).
        const int64_t hi = (2 * probe_us + 1) * ts / 2000000;
        const int64_t lo = (2 * probe_us - 1) * ts <= 0 ? 0 : ((2 * probe_us - 1) * ts + 1999999) / 2000000;
        auto it = std::upper_bound(pts.begin(), pts.end(), hi);
        auto got = frame_at_time(*s, text);
        CAPTURE(text);
        auto next = frame_at_time(*s, text, TimeRule::kNext);
        auto first_ge = std::lower_bound(pts.begin(), pts.end(), lo);
        if (first_ge != pts.end()) {
          REQUIRE(next.ok());
          CHECK(*next == static_cast<uint64_t>(first_ge - pts.begin()));
        }
        if (it == pts.begin()) {
          CHECK_FALSE(got.ok());
          continue;
        }
        REQUIRE(got.ok());
        CHECK(*got == static_cast<uint64_t>(it - pts.begin()) - 1);
        // The time ffprobe prints for a frame (pts_time, 6 decimals, rounded) names that frame
        // under both rules.
        if (probe_us == us) {
          const int64_t rounded_us = (2 * pts[i] * 1000000 / ts + 1) / 2;
          const std::string printed = decimal(rounded_us, 6);
          CAPTURE(printed);
          CHECK(frame_at_time(*s, printed).value() == i);
          CHECK(frame_at_time(*s, printed, TimeRule::kNext).value() == i);
          ++checked;
        }
        ++checked;
      }
    }
    // HH:MM:SS.mmm and seconds name the same frame.
    CHECK(frame_at_time(*s, "00:00:01.250").value() == frame_at_time(*s, "1.25").value());
    // Past the end of the last frame: out of range, with the range in the message.
    auto past = frame_at_time(*s, "3600");
    REQUIRE_FALSE(past.ok());
    CHECK(past.error().code == ErrorCode::kUsage);
    CHECK(past.error().message.find("frames 0..") != std::string::npos);
  }
  MESSAGE("time lookups checked against ffprobe pts: " << checked);
}

TEST_CASE("seek CLI: out-of-range requests exit 64 naming the valid range") {
  const std::string bin = MP4KIT_BINARY;
  const std::string f = test::quote(test::samples_dir() + "/h264_bframes_aac.mp4");
  struct Case {
    std::string args, needle;
  } cases[] = {{"--frame 72", "valid frames are 0..71"},
               {"--frame 5,x", "bad frame index"},
               {"--frames 0:100", "valid frames are 0..71"},
               {"--time 3.5", "up to 3.000 s"},
               {"--time 99:00", "out of range"},
               {"--time -1", "bad time"},
               {"--frame 1 --stream 1", "not a video stream"},
               {"--frame 1 --stream 7", "no stream 7"},
               {"", "nothing to extract"},
               {"--frame 1,2 --format png -o one.png", "pattern"}};
  for (const Case& c : cases) {
    CAPTURE(c.args);
    auto r = test::run(bin + " seek " + f + " " + c.args + " --plan 2>&1");
    if (c.args.find("png") != std::string::npos) r = test::run(bin + " seek " + f + " " + c.args + " 2>&1");
    CHECK(r.exit_code == 64);
    CHECK(r.out.find(c.needle) != std::string::npos);
    CHECK(r.out.rfind("mp4kit: ", 0) == 0);
  }
  // The last frame (2.958 s, shown until 3.0 s) is in range.
  CHECK(test::run(bin + " seek " + f + " --time 2.999 --plan >/dev/null 2>&1").exit_code == 0);
}

TEST_CASE("seek --plan works without the decode module (FFmpeg never loaded)") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / "mp4kit-seek-plan-no-module";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path exe = dir / "mp4kit";
  fs::copy_file(MP4KIT_BINARY, exe);
  const std::string f = test::quote(test::samples_dir() + "/h264_bframes_aac.mp4");
  const std::string env = "env -u MP4KIT_DECODE_MODULE ";
  auto plan = test::run(env + test::quote(exe.string()) + " seek " + f + " --frame 70 --time 1.5 --frames 0:72:24 --plan 2>&1");
  CHECK(plan.exit_code == 0);
  CHECK(plan.out.find("seek plan:") != std::string::npos);
  CHECK(plan.out.find("total: 5 targets") != std::string::npos);
  auto json = test::run(env + test::quote(exe.string()) + " seek " + f + " --frame 70 --plan --json 2>&1");
  CHECK(json.exit_code == 0);
  for (const char* key : {"\"requested\"", "\"frame\":70", "\"pts\"", "\"time\"", "\"sync_packet\":48", "\"decoded\"",
                          "\"skipped\"", "\"bytes\""})
    CHECK_MESSAGE(json.out.find(key) != std::string::npos, key);
  // Decoding needs the module: a clear exit 70.
  auto decode = test::run(env + test::quote(exe.string()) + " seek " + f + " --frame 70 --format null 2>&1");
  CHECK(decode.exit_code == 70);
  CHECK(decode.out.find("cannot load the decode module") != std::string::npos);
  fs::remove_all(dir);
}
