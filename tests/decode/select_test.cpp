// Selectors and audio conversion against FFmpeg 5.1, run at test time (README "Selectors",
// "Audio"); ctest entries `select` and `select_audio` (LABELS select).
//  * --fps R: the size/md5 lines equal `ffmpeg -noautorotate -i F -map 0:N -vf fps=R -f
//    framemd5`, one R per stream (cycling 1, 2.5, 30000/1001, 7, 60: repeats and drops),
//    on every video stream of samples/ and of one corpus file in four (another one in four
//    gets --keyframes); the corpus compares the first kWindow selected frames (ffmpeg
//    -frames:v, our plan's first targets) to bound the time.
//  * --keyframes: equals `ffmpeg -skip_frame nokey ... -fps_mode passthrough` where the
//    decoder honours skip_frame; for VP9 and AV1 (FFmpeg 5.1's decoders ignore it and show
//    every frame) it equals the lines of ffmpeg's full decode whose pts is a K packet's
//    (ffprobe -show_packets). samples/: a full --keyframes run (sync samples only sent).
//  * --uniform K / --every N on six files of samples/: equal `-vf select='eq(n,a)+...'`, a..z from the
//    rule with N = the lines of ffmpeg's own full framemd5.
//  * decode --sample-rate/--channels/--sample-fmt/--start/--end: raw bytes equal `ffmpeg
//    -copyts -i F -map 0:a:N [-af atrim=...] -ar R -ac C -c:a pcm_* -f data`, WAV equal
//    ffmpeg's with -fflags +bitexact -map_metadata -1; the corpus: the first audio stream of
//    one file in four, its first 2 s.
// Streams FFmpeg itself decodes differently with 1 and 2 threads (damaged) are reported,
// not failed; so are the known differences listed in README "Selectors".
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "decode_test_util.h"

namespace mp4kit::test {
namespace {

constexpr size_t kWindow = 2;

std::string bin() { return std::string(MP4KIT_BINARY); }
std::string name_of(const std::string& f) { return std::filesystem::path(f).filename().string(); }
bool in_samples(const std::string& f) { return f.rfind(samples_dir(), 0) == 0; }

std::string ffmpeg_v(const std::string& file, int stream, const std::string& in_opts, const std::string& out_opts) {
  return run("ffmpeg -nostdin -hide_banner -loglevel quiet " + in_opts + " -noautorotate -i " + quote(file) + " -map 0:" +
             std::to_string(stream) + " " + out_opts + " -f framemd5 - 2>/dev/null")
      .out;
}

// (index, codec_type, codec_name) of every stream, one ffprobe call.
struct Probed {
  int index = 0;
  std::string type, codec;
};
std::vector<Probed> probe_streams(const std::string& file) {
  std::vector<Probed> out;
  std::istringstream in(run("ffprobe -v quiet -show_entries stream=index,codec_type,codec_name -of csv=p=0 " + quote(file)).out);
  for (std::string line; std::getline(in, line);) {
    std::istringstream l(line);
    std::string idx, a, b;
    std::getline(l, idx, ',');
    std::getline(l, a, ',');
    std::getline(l, b, ',');
    if (idx.empty() || idx[0] < '0' || idx[0] > '9') continue;
    // ffprobe prints the fields in its own order: codec_name, codec_type.
    out.push_back({std::stoi(idx), b, a});
  }
  return out;
}

// Frame indices of our plan for `selector` (seek --plan --json: no decoding).
std::vector<uint64_t> plan_frames(const std::string& file, int stream, const std::string& selector, int& rc) {
  auto r = run(bin() + " seek " + quote(file) + " --stream " + std::to_string(stream) + " " + selector + " --plan --json 2>/dev/null");
  rc = r.exit_code;
  std::vector<uint64_t> out;
  size_t pos = 0;
  while ((pos = r.out.find("\"frame\":", pos)) != std::string::npos) {
    pos += 8;
    out.push_back(std::stoull(r.out.substr(pos)));
  }
  return out;
}

std::string join(const std::vector<uint64_t>& v, const std::string& sep = ",") {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? sep : "") + std::to_string(v[i]);
  return s;
}

std::vector<std::string> seek_lines(const std::string& file, int stream, const std::string& args) {
  return size_md5_lines(run(bin() + " seek " + quote(file) + " --stream " + std::to_string(stream) + " " + args +
                            " --format framemd5 -o - --quiet 2>/dev/null")
                            .out);
}

struct Tally {
  int streams = 0, same = 0;
  std::vector<std::string> notes;
};

}  // namespace

TEST_SUITE("select") {
TEST_CASE("select: --fps and --keyframes equal FFmpeg on every video stream") {
  if (!have_ffprobe()) {
    MESSAGE("ffmpeg/ffprobe not installed: selector parity skipped");
    return;
  }
  const char* rates[] = {"1", "2.5", "30000/1001", "7", "60"};
  Tally fps, key;
  size_t file_no = 0;
  for (const std::string& file : media_files()) {
    ++file_no;
    for (const Probed& s : probe_streams(file)) {
      if (s.type != "video") continue;
      const bool small = in_samples(file);
      const std::string rate = rates[(file_no + s.index) % 5];
      const std::string limit = small ? "" : " -frames:v " + std::to_string(kWindow);
      // The corpus (CI time): one file in two, one selector each: --fps on files 1 mod 4,
      // --keyframes on files 3 mod 4.
      const bool do_fps = small || file_no % 4 == 1, do_key = small || file_no % 4 == 3;
      // --fps
      const auto want = do_fps ? size_md5_lines(ffmpeg_v(file, s.index, "-threads 2", "-vf fps=" + rate + limit))
                               : std::vector<std::string>{};
      int rc = 0;
      auto frames = do_fps ? plan_frames(file, s.index, "--fps " + rate, rc) : std::vector<uint64_t>{};
      const std::string where = name_of(file) + "#" + std::to_string(s.index);
      if (!do_fps) {
      } else if (want.empty()) {
        if (rc != 0) fps.notes.push_back(where + ": ffmpeg and mp4kit select nothing");
        else CHECK_MESSAGE(frames.empty(), where << ": ffmpeg selects nothing, mp4kit " << frames.size());
      } else {
        if (!small && frames.size() > kWindow) frames.resize(kWindow);
        const auto got = small ? seek_lines(file, s.index, "--threads 2 --fps " + rate)
                               : seek_lines(file, s.index, "--threads 2 --frame " + join(frames));
        ++fps.streams;
        if (got == want) {
          ++fps.same;
        } else if (size_md5_lines(ffmpeg_v(file, s.index, "-threads 1", "-vf fps=" + rate + limit)) != want) {
          fps.notes.push_back(where + ": ffmpeg's own output depends on its thread count (damaged stream)");
        } else {
          CHECK_MESSAGE(got == want, where << " --fps " << rate << ": " << got.size() << " lines, ffmpeg " << want.size());
        }
      }
      // --keyframes
      if (!do_key) continue;
      const std::string& codec = s.codec;
      std::vector<std::string> kwant;
      if (codec == "vp9" || codec == "av1") {  // skip_frame ignored: the K packets' frames of a full decode
        auto pk = run("ffprobe -v quiet -select_streams " + std::to_string(s.index) +
                      " -show_entries packet=pts,flags -of csv=p=0 " + quote(file));
        std::set<std::string> key_pts;
        std::istringstream in(pk.out);
        for (std::string line; std::getline(in, line);)
          if (line.find('K') != std::string::npos) key_pts.insert(line.substr(0, line.find(',')));
        std::istringstream fm(ffmpeg_v(file, s.index, "-threads 2", "-fps_mode passthrough" + std::string(small ? "" : " -frames:v 30")));
        for (std::string line; std::getline(fm, line);) {
          if (line.empty() || line[0] == '#') continue;
          auto l = size_md5_lines(line + "\n");
          std::string pts = line.substr(line.find(',', line.find(',') + 1) + 1);
          pts = pts.substr(pts.find_first_not_of(' '));
          pts = pts.substr(0, pts.find(','));
          if (key_pts.count(pts) && !l.empty()) kwant.push_back(l[0]);
        }
      } else {
        kwant = size_md5_lines(ffmpeg_v(file, s.index, "-threads 2 -skip_frame nokey", "-fps_mode passthrough" + limit));
      }
      if (kwant.empty()) continue;
      std::vector<std::string> kgot;
      if (small) {
        kgot = seek_lines(file, s.index, "--threads 2 --keyframes");
      } else {  // the first kWindow: the plan's frames, decoded by index
        auto kf = plan_frames(file, s.index, "--keyframes", rc);
        kf.resize(std::min({kf.size(), kWindow, kwant.size()}));
        kwant.resize(kf.size());
        if (!kf.empty()) kgot = seek_lines(file, s.index, "--threads 2 --frame " + join(kf));
      }
      ++key.streams;
      if (kgot == kwant) ++key.same;
      else if (codec == "h263" || codec == "mpeg4")  // stss that lists P pictures and leaves I pictures out
        key.notes.push_back(where + " (" + codec + "): " + std::to_string(kgot.size()) + " sync-sample pictures, ffmpeg's decoder keys " +
                            std::to_string(kwant.size()) + " I pictures");
      else CHECK_MESSAGE(kgot == kwant, where << " --keyframes: " << kgot.size() << " lines, ffmpeg " << kwant.size());
    }
  }
  std::string notes;
  for (const auto& n : fps.notes) notes += "\n  fps: " + n;
  for (const auto& n : key.notes) notes += "\n  keyframes: " + n;
  MESSAGE("selectors: --fps " << fps.same << "/" << fps.streams << " streams, --keyframes " << key.same << "/" << key.streams
                              << " streams identical to ffmpeg" << notes);
  CHECK(fps.streams >= 10);
  CHECK(key.streams >= 10);
}

TEST_CASE("select: --uniform and --every equal ffmpeg's select on six files of samples/") {
  if (!have_ffprobe()) return;
  int checked = 0;
  for (const char* name : {"h264_bframes_aac.mp4", "hevc_aac.mp4", "vfr.mp4", "editlist_cut.mp4", "av1.mp4", "fragmented.mp4"}) {
    const std::string file = samples_dir() + "/" + name;
    for (const StreamInfo& s : ffprobe_streams(file)) {
      if (s.type != "video") continue;
      const auto all = size_md5_lines(ffmpeg_v(file, s.index, "-threads 2", "-fps_mode passthrough"));
      if (all.empty()) continue;
      const uint64_t n = all.size();
      for (const auto& [flag, frames] : std::vector<std::pair<std::string, std::vector<uint64_t>>>{
               {"--uniform 5", [&] { std::vector<uint64_t> v; for (uint64_t i = 0; i < 5; ++i) v.push_back((2 * i + 1) * n / 10); return v; }()},
               {"--every 7", [&] { std::vector<uint64_t> v; for (uint64_t i = 0; i < n; i += 7) v.push_back(i); return v; }()}}) {
        if (frames.size() > n) continue;  // K > N repeats frames: select cannot, the unit test covers it
        std::string expr;
        for (uint64_t f : std::set<uint64_t>(frames.begin(), frames.end())) expr += (expr.empty() ? "" : "+") + std::string("eq(n\\,") + std::to_string(f) + ")";
        const auto want = size_md5_lines(ffmpeg_v(file, s.index, "-threads 2", "-vf \"select=" + expr + "\" -fps_mode passthrough"));
        const auto got = seek_lines(file, s.index, flag);
        CHECK_MESSAGE(got == want, name_of(file) << "#" << s.index << " " << flag);
        ++checked;
      }
    }
  }
  MESSAGE("selectors: --uniform/--every on " << checked << " stream x selector cases of samples/");
  CHECK(checked >= 10);
}

TEST_CASE("select: bad selectors exit 64 with what is valid") {
  const std::string f = quote(samples_dir() + "/h264_bframes_aac.mp4");
  for (const char* args : {"--uniform 0", "--uniform 1000001", "--uniform x", "--every 0", "--fps 0", "--fps -1", "--fps abc",
                           "--keyframes --frame 3"}) {
    auto r = run(bin() + " seek " + f + " " + args + " --plan 2>&1");
    CHECK_MESSAGE(r.exit_code == 64, args << ": " << r.out);
    CHECK_MESSAGE(std::count(r.out.begin(), r.out.end(), '\n') == 1, args << ": " << r.out);
  }
  // A rate whose first output tick is the end of the stream: ffmpeg's fps filter outputs nothing.
  auto one = run(bin() + " seek " + quote(samples_dir() + "/h264_bframes_aac.mp4") + " --fps 0.001 --plan 2>&1");
  CHECK(one.exit_code == 64);
}
}  // TEST_SUITE("select")

TEST_SUITE("select_audio") {
TEST_CASE("select_audio: decode's conversion and range equal ffmpeg byte for byte") {
  if (!have_ffprobe()) {
    MESSAGE("ffmpeg/ffprobe not installed: audio parity skipped");
    return;
  }
  const std::string dir = temp_dir();
  const std::string ours = dir + "/select_audio.raw", theirs = dir + "/select_audio_ff.raw";
  struct Case {
    std::string flags, ff_out, atrim;
  };
  int compared = 0, same = 0, sample_streams = 0, corpus_files = 0;
  std::vector<std::string> failures;
  for (const std::string& file : media_files()) {
    const bool small = in_samples(file);
    int n = -1;
    for (const StreamInfo& s : ffprobe_streams(file)) {
      if (s.type != "audio") continue;
      ++n;
      // samples/: whole streams, and a range on every other file; the corpus: the first
      // audio stream of each file, its first 2 s.
      std::vector<Case> cases = {{"--sample-rate 16000 --channels 1 --sample-fmt s16", "-ar 16000 -ac 1 -c:a pcm_s16le", ""}};
      if (small && ++sample_streams % 2)
        cases.push_back({"--start 0.3 --end 1.7 --sample-rate 44100 --channel-layout stereo --sample-fmt flt",
                         "-ar 44100 -ac 2 -c:a pcm_f32le", "atrim=start=0.3:end=1.7"});
      if (!small) {
        if (n > 0 || ++corpus_files % 4 != 1) continue;  // CI time: the first audio stream of one file in four
        cases = {{"--end 2 --sample-rate 22050 --channels 1 --sample-fmt s16", "-ar 22050 -ac 1 -c:a pcm_s16le", "atrim=end=2"}};
      }
      for (const Case& c : cases) {
        std::filesystem::remove(ours);
        std::filesystem::remove(theirs);
        auto me = run(bin() + " decode --quiet --stream " + std::to_string(s.index) + " --format raw " + c.flags + " -o " + quote(ours) +
                      " " + quote(file) + " 2>&1");
        auto ff = run("ffmpeg -nostdin -loglevel quiet -y -copyts -i " + quote(file) + " -map 0:a:" + std::to_string(n) +
                      (c.atrim.empty() ? "" : " -af " + c.atrim) + " " + c.ff_out + " -f data " + quote(theirs) + " 2>&1");
        if (ff.exit_code != 0) continue;  // a codec ffmpeg cannot decode (encrypted, no decoder)
        ++compared;
        std::ifstream a(ours, std::ios::binary), b(theirs, std::ios::binary);
        const std::string x((std::istreambuf_iterator<char>(a)), {}), y((std::istreambuf_iterator<char>(b)), {});
        if (me.exit_code == 0 && x == y) ++same;
        else failures.push_back(name_of(file) + "#" + std::to_string(s.index) + " [" + c.flags + "] exit " + std::to_string(me.exit_code) +
                                ", " + std::to_string(x.size()) + " bytes vs ffmpeg " + std::to_string(y.size()) + " " + me.out.substr(0, 120));
      }
    }
  }
  std::string text;
  for (const auto& f : failures) text += "\n  " + f;
  MESSAGE("audio conversion: " << same << "/" << compared << " stream x option cases identical to ffmpeg" << text);
  CHECK(failures.empty());
  CHECK(compared >= 10);
}

TEST_CASE("select_audio: WAV equals ffmpeg's, the first audio stream by default; bad options exit 64") {
  if (!have_ffprobe()) return;
  const std::string f = samples_dir() + "/h264_bframes_aac.mp4";
  const std::string dir = temp_dir();
  REQUIRE(run(bin() + " decode --quiet --sample-rate 16000 --channels 1 --sample-fmt s16 -o " + quote(dir + "/a.wav") + " " + quote(f)).exit_code == 0);
  REQUIRE(run("ffmpeg -nostdin -loglevel quiet -y -i " + quote(f) + " -map 0:a:0 -ar 16000 -ac 1 -c:a pcm_s16le -fflags +bitexact -map_metadata -1 " +
              quote(dir + "/b.wav")).exit_code == 0);
  CHECK(run("cmp -s " + quote(dir + "/a.wav") + " " + quote(dir + "/b.wav")).exit_code == 0);
  for (const char* args : {"--channel-layout 9.9", "--sample-rate 0", "--start 2 --end 1", "--start x", "--stream 0 --sample-rate 8000"}) {
    auto r = run(bin() + " decode --quiet --format wav -o " + quote(dir + "/c.wav") + " " + args + " " + quote(f) + " 2>&1");
    CHECK_MESSAGE(r.exit_code == 64, args << ": " << r.out);
  }
}
}  // TEST_SUITE("select_audio")

}  // namespace mp4kit::test
