// `mp4kit seek` frames equal FFmpeg's: for every video stream of samples/ and the corpus,
// random frame indices (within the first kSeekWindow frames) in random and in backward
// order, in one call (passes shared) and one call per frame (with and without
// non-reference skipping, one and several threads), have
// the size and md5 of that line of `ffmpeg -noautorotate -i F -map 0:N -fps_mode passthrough
// -f framemd5 -`, and the whole line of `mp4kit decode --format framemd5`. Also: open GOPs
// made at test time (x264 open-gop, HEVC and H.264 cuts inside a GOP), times on VFR files,
// --verify, and the png/ppm/y4m outputs. FFmpeg runs at test time; nothing is stored.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>
#include <random>

extern "C" {
#include <libavutil/md5.h>
}

#include "decode_test_util.h"

namespace mp4kit::test {
namespace {

std::string seek_bin() { return std::string(MP4KIT_BINARY) + " seek"; }

// Frames of each corpus stream the random/backward targets are drawn from.
constexpr int kSeekWindow = 150;

std::string join(const std::vector<uint64_t>& v) {
  std::string s;
  for (uint64_t x : v) s += (s.empty() ? "" : ",") + std::to_string(x);
  return s;
}

// Frame lines ("0, dts, pts, duration, size, md5") of a framemd5 text, comments dropped.
std::vector<std::string> frame_lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty() && line[0] != '#') out.push_back(line);
  return out;
}

// Targets for a stream of n frames: `count` random ones in random order, then a few in
// backward order, always including the last frame. Seeded by the file name (reproducible).
std::vector<uint64_t> pick_targets(const std::string& file, uint64_t n, size_t count) {
  std::mt19937_64 rng(std::hash<std::string>{}(std::filesystem::path(file).filename().string()));
  std::vector<uint64_t> t;
  for (size_t i = 0; i < count && i < n; ++i) t.push_back(rng() % n);
  std::vector<uint64_t> back = {n - 1, (n - 1) * 2 / 3, (n - 1) / 3};
  for (uint64_t b : back) t.push_back(b);
  return t;
}

struct Stats {
  int streams = 0;
  int targets = 0;
  int same = 0;
};

// Compares `mp4kit seek --frame ...` on (file, stream) with FFmpeg's lines and decode's.
void check_stream(const std::string& file, int stream, const std::vector<std::string>& expected,
                  const std::vector<std::string>& decode_lines, Stats& stats, size_t random_count = 6) {
  const uint64_t n = expected.size();
  const std::vector<uint64_t> targets = pick_targets(file, n, random_count);
  const std::string name = std::filesystem::path(file).filename().string();
  CAPTURE(name);
  CAPTURE(stream);
  INFO(file << " stream " << stream << ": " << n << " frames, targets " << join(targets));
  auto r = run(seek_bin() + " " + quote(file) + " --stream " + std::to_string(stream) + " --frame " + join(targets) +
               " --format framemd5 --quiet 2>&1");
  CHECK_MESSAGE(r.exit_code == 0, r.out.substr(0, 300));
  const auto got = size_md5_lines(r.out);
  const auto got_lines = frame_lines(r.out);
  // A short answer fails this stream only: the other files are still compared.
  CHECK_MESSAGE(got.size() == targets.size(), "seek printed " << got.size() << " frames for " << targets.size() << " targets");
  for (size_t i = 0; i < targets.size(); ++i) {
    ++stats.targets;
    if (i >= got.size()) continue;
    CHECK_MESSAGE(got[i] == expected[targets[i]], "frame " << targets[i]);
    if (!decode_lines.empty() && i < got_lines.size() && targets[i] < decode_lines.size())
      CHECK_MESSAGE(got_lines[i] == decode_lines[targets[i]], "frame " << targets[i]);
    if (got[i] == expected[targets[i]]) ++stats.same;
  }
  // One call per frame for two of them: a pass of its own, skipping on and off, 1 and 2 threads.
  const char* variants[] = {"--threads 1", "--no-skip --threads 2"};
  for (size_t k = 0; k < 2 && k < targets.size(); ++k) {
    for (const char* extra : {variants[k]}) {
      auto one = run(seek_bin() + " " + quote(file) + " --stream " + std::to_string(stream) + " --frame " +
                     std::to_string(targets[k]) + " --format framemd5 --quiet " + extra + " 2>&1");
      const auto l = size_md5_lines(one.out);
      ++stats.targets;
      CHECK_MESSAGE((l.size() == 1 && l[0] == expected[targets[k]]), "frame " << targets[k] << " " << extra);
      if (l.size() == 1 && l[0] == expected[targets[k]]) ++stats.same;
    }
  }
}

// Every frame of `file` (first video stream), one call per frame in `frames` (or all).
void check_every_frame(const std::string& file, Stats& stats) {
  StreamInfo v{0, "video", ""};
  for (const StreamInfo& s : ffprobe_streams(file))
    if (s.type == "video") { v = s; break; }
  const auto expected = ffmpeg_framemd5(file, v, 2);
  REQUIRE(!expected.empty());
  INFO(file << ": " << expected.size() << " frames");
  // All frames backward in one call.
  std::vector<uint64_t> all;
  for (uint64_t i = expected.size(); i-- > 0;) all.push_back(i);
  auto r = run(seek_bin() + " " + quote(file) + " --frame " + join(all) + " --format framemd5 --quiet 2>&1");
  const auto got = size_md5_lines(r.out);
  REQUIRE(got.size() == all.size());
  for (size_t i = 0; i < all.size(); ++i) {
    ++stats.targets;
    CHECK_MESSAGE(got[i] == expected[all[i]], "frame " << all[i]);
    stats.same += got[i] == expected[all[i]];
  }
  // Each frame alone: every leading picture and every frame right after a sync sample
  // gets a pass of its own.
  for (uint64_t i = 0; i < expected.size(); ++i) {
    auto one = run(seek_bin() + " " + quote(file) + " --frame " + std::to_string(i) + " --format framemd5 --quiet 2>&1");
    const auto l = size_md5_lines(one.out);
    ++stats.targets;
    CHECK_MESSAGE((l.size() == 1 && l[0] == expected[i]), "frame " << i << " alone");
    stats.same += l.size() == 1 && l[0] == expected[i];
  }
  ++stats.streams;
}

}  // namespace

TEST_CASE("seek: frames equal FFmpeg's framemd5 on every video stream (random and backward order)") {
  if (!have_ffprobe()) {
    MESSAGE("ffmpeg/ffprobe not installed: seek exactness skipped");
    return;
  }
  if (corpus_dir().empty()) MESSAGE("corpus not found (set MP4KIT_CORPUS): checking samples/ only");
  if (corpus2_dir().empty()) MESSAGE("corpus2 not found (set MP4KIT_CORPUS2): its files are skipped");
  Stats stats;
  std::vector<std::string> skipped;
  for (const std::string& file : media_files()) {
    const std::set<int> encrypted = encrypted_streams(file);
    for (const StreamInfo& s : ffprobe_streams(file)) {
      if (s.type != "video") continue;
      if (encrypted.count(s.index)) {
        skipped.push_back(std::filesystem::path(file).filename().string() + "#" + std::to_string(s.index) + " (encrypted)");
        continue;
      }
      // Targets lie in the first kSeekWindow frames: FFmpeg decodes only those (CI time;
      // the whole-stream comparison is framemd5_parity_test's), and "the last frame" is the
      // window's last.
      const auto expected = ffmpeg_framemd5(file, s, 2, "", kSeekWindow);
      // Cover art, or a stream FFmpeg shows no frame of (encrypted, truncated): nothing to seek.
      auto plan = run(seek_bin() + " " + quote(file) + " --stream " + std::to_string(s.index) + " --frame 0 --plan 2>&1");
      if (expected.empty() || plan.exit_code != 0) {
        skipped.push_back(std::filesystem::path(file).filename().string() + "#" + std::to_string(s.index) + " (" +
                          (expected.empty() ? "ffmpeg shows no frame" : "not seekable: " + plan.out.substr(0, 80)) + ")");
        continue;
      }
      // Whole lines against `decode --format framemd5` on the small files of samples/ (the
      // corpus costs a second full decode per stream; size and md5 are compared everywhere).
      const bool small = file.rfind(samples_dir(), 0) == 0;
      const auto decode = small ? mp4kit_framemd5(file, s.index, 2) : DecodeRun{};
      check_stream(file, s.index, expected, frame_lines(decode.out), stats);
      ++stats.streams;
    }
  }
  std::string skipped_text;
  for (const auto& s : skipped) skipped_text += "\n  " + s;
  MESSAGE("seek exactness: " << stats.streams << " video streams, " << stats.same << "/" << stats.targets
                             << " targets identical to ffmpeg; not seekable:" << skipped_text);
  CHECK(stats.streams >= 10);
}

TEST_CASE("seek: open GOPs and cuts inside a GOP (files made at test time), every frame") {
  if (!have_ffprobe()) return;
  const std::string dir = temp_dir();
  const std::string opengop = dir + "/seek_opengop264.mp4";
  const std::string opengop_cut = dir + "/seek_opengop264_cut.mp4";
  const std::string hevc_cut = dir + "/seek_hevc_cut.mp4";
  // x264 open GOP: non-IDR I sync samples with recovery points, B-frames before them in display order.
  auto made = run("ffmpeg -nostdin -loglevel error -y -f lavfi -i testsrc2=size=160x120:rate=24:duration=3 -c:v libx264 "
                  "-preset medium -crf 30 -pix_fmt yuv420p -bf 3 -g 24 -keyint_min 24 -sc_threshold 0 -x264-params "
                  "open-gop=1 " + quote(opengop) + " 2>&1");
  if (made.exit_code != 0) {
    MESSAGE("ffmpeg cannot encode with libx264 here: open-GOP H.264 case skipped (" << made.out << ")");
  } else {
    // Stream copies from inside a GOP: edit lists hide the frames before the cut.
    REQUIRE(run("ffmpeg -nostdin -loglevel error -y -ss 1.7 -i " + quote(opengop) + " -c copy " + quote(opengop_cut)).exit_code == 0);
  }
  REQUIRE(run("ffmpeg -nostdin -loglevel error -y -ss 1.3 -i " + quote(samples_dir() + "/hevc_aac.mp4") + " -c copy -an " +
              quote(hevc_cut)).exit_code == 0);
  Stats stats;
  for (const std::string& f : {opengop, opengop_cut, hevc_cut}) {
    if (!std::filesystem::exists(f)) continue;
    check_every_frame(f, stats);
  }
  MESSAGE("open GOP / cut files: " << stats.same << "/" << stats.targets << " targets identical to ffmpeg");
  CHECK(stats.same == stats.targets);
}

TEST_CASE("seek --time on VFR files: the frame shown at T, decoded, equals FFmpeg's") {
  if (!have_ffprobe()) return;
  std::vector<std::string> files = {samples_dir() + "/vfr.mp4"};
  if (!corpus_dir().empty()) files.push_back(corpus_dir() + "/mediabunny_cursed-vfr.mp4");
  for (const std::string& file : files) {
    CAPTURE(file);
    const auto expected = ffmpeg_framemd5(file, StreamInfo{0, "video", ""}, 2);
    // Frame pts (FFmpeg's, in seconds) from ffprobe, shown frames sorted.
    auto r = oracle("ffprobe -v quiet -select_streams v:0 -show_entries packet=pts_time,flags -of csv=p=0 " + quote(file));
    std::vector<double> pts;
    std::istringstream in(r.out);
    std::string line;
    while (std::getline(in, line))
      if (line.find('D') == std::string::npos && !line.empty()) pts.push_back(std::stod(line.substr(0, line.find(','))));
    std::sort(pts.begin(), pts.end());
    REQUIRE(pts.size() == expected.size());
    // Midpoints between frames name the earlier frame; the request order is shuffled.
    std::vector<std::pair<std::string, size_t>> reqs;
    for (size_t i = 0; i + 1 < pts.size(); i += std::max<size_t>(1, pts.size() / 9)) {
      char t[32];
      std::snprintf(t, sizeof t, "%.6f", (pts[i] + pts[i + 1]) / 2);
      reqs.emplace_back(t, i);
    }
    std::shuffle(reqs.begin(), reqs.end(), std::mt19937(5));
    std::string times;
    for (const auto& q : reqs) times += (times.empty() ? "" : ",") + q.first;
    auto got = run(seek_bin() + " " + quote(file) + " --time " + times + " --format framemd5 --quiet 2>&1");
    CHECK(got.exit_code == 0);
    const auto lines = size_md5_lines(got.out);
    REQUIRE(lines.size() == reqs.size());
    for (size_t k = 0; k < reqs.size(); ++k) CHECK_MESSAGE(lines[k] == expected[reqs[k].second], "time " << reqs[k].first);
  }
}

TEST_CASE("seek --verify audits the result against a linear decode") {
  const std::string f = quote(samples_dir() + "/h264_bframes_aac.mp4");
  auto r = run(seek_bin() + " " + f + " --frame 70,3,36,0 --format null --verify 2>&1");
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("verify: 4 of 4 frames identical to a linear decode (72 frames); sync samples: 3 checked, 0 not keyframes") !=
        std::string::npos);
  auto j = run(seek_bin() + " " + f + " --frames 0:72:7 --format null --verify --json 2>&1");
  CHECK(j.exit_code == 0);
  CHECK(j.out.find("\"mismatches\":0") != std::string::npos);
  CHECK(j.out.find("\"verified\":false") == std::string::npos);
  for (const char* key : {"\"requested\"", "\"frame\"", "\"pts\"", "\"time\"", "\"sync_packet\"", "\"decoded\"", "\"skipped\"",
                          "\"bytes\"", "\"ms\"", "\"md5\""})
    CHECK_MESSAGE(j.out.find(key) != std::string::npos, key);
}

TEST_CASE("seek outputs: png/ppm equal FFmpeg's RGB conversion, patterns, y4m and raw in request order") {
  if (!have_ffprobe()) return;
  namespace fs = std::filesystem;
  const std::string dir = temp_dir() + "/seek_out";
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::vector<std::string> files = {samples_dir() + "/h264_bframes_aac.mp4", samples_dir() + "/h264_10bit.mp4"};
  if (!corpus_dir().empty()) files.push_back(corpus_dir() + "/torchcodec_bt709_full_range.mp4");
  for (const std::string& file : files) {
    CAPTURE(file);
    const uint64_t frame = 5;
    auto r = run(seek_bin() + " " + quote(file) + " --frame " + std::to_string(frame) + ",2 --format ppm -o " +
                 quote(dir + "/f_%04d.ppm") + " --quiet 2>&1");
    REQUIRE(r.exit_code == 0);
    REQUIRE(fs::exists(dir + "/f_0005.ppm"));
    REQUIRE(fs::exists(dir + "/f_0002.ppm"));
    const std::string ppm = slurp_file(dir + "/f_0005.ppm");
    const size_t header_end = ppm.find("255\n") + 4;
    // FFmpeg's scale filter with the same flags, on the same frame (select by output number).
    // (-sws_flags is an output option: it reaches the scaler FFmpeg inserts before rgb24.)
    auto ff = run("ffmpeg -nostdin -loglevel error -i " + quote(file) + " -map 0:v:0 -vf 'select=eq(n\\," +
                  std::to_string(frame) + ")' -fps_mode passthrough -frames:v 1 -sws_flags " +
                  "bicubic+accurate_rnd+full_chroma_int+full_chroma_inp -pix_fmt rgb24 -f rawvideo - 2>/dev/null");
    CHECK(ff.out.size() == ppm.size() - header_end);
    CHECK_MESSAGE(ff.out == ppm.substr(header_end), "ppm pixels differ from ffmpeg's rgb24 of the same frame");
    // The PNG decodes to the same pixels.
    r = run(seek_bin() + " " + quote(file) + " --frame 5 --format png -o " + quote(dir + "/one.png") + " --quiet 2>&1");
    REQUIRE(r.exit_code == 0);
    auto png = run("ffmpeg -nostdin -loglevel error -i " + quote(dir + "/one.png") + " -pix_fmt rgb24 -f rawvideo - 2>/dev/null");
    CHECK(png.out == ppm.substr(header_end));
  }
  // y4m / raw: frames in request order, the header of `decode --format y4m`, each raw frame
  // the bytes FFmpeg's framemd5 hashes.
  const std::string f = samples_dir() + "/h264_bframes_aac.mp4";
  const auto expected = ffmpeg_framemd5(f, StreamInfo{0, "video", ""}, 2);
  REQUIRE(run(seek_bin() + " " + quote(f) + " --frame 40,1,17 --format y4m -o " + quote(dir + "/a.y4m") + " --quiet").exit_code == 0);
  REQUIRE(run(std::string(MP4KIT_BINARY) + " decode --quiet --format y4m -o " + quote(dir + "/all.y4m") + " " + quote(f)).exit_code == 0);
  const std::string all = slurp_file(dir + "/all.y4m");
  std::string manual = all.substr(0, all.find('\n') + 1);
  for (uint64_t k : {40, 1, 17}) {
    const std::string path = dir + "/" + std::to_string(k) + ".raw";
    REQUIRE(run(seek_bin() + " " + quote(f) + " --frame " + std::to_string(k) + " --format raw -o " + quote(path) + " --quiet").exit_code == 0);
    const std::string raw = slurp_file(path);
    uint8_t digest[16];
    av_md5_sum(digest, reinterpret_cast<const uint8_t*>(raw.data()), raw.size());
    std::string hex;
    for (uint8_t b : digest) hex += "0123456789abcdef"[b >> 4], hex += "0123456789abcdef"[b & 15];
    CHECK(std::to_string(raw.size()) + " " + hex == expected[k]);
    manual += "FRAME\n" + raw;
  }
  CHECK(slurp_file(dir + "/a.y4m") == manual);
  fs::remove_all(dir);
}

}  // namespace mp4kit::test
