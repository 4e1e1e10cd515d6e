// Plain `mp4kit probe --json` (no --packets) against `ffprobe -show_streams -show_format
// -of json`, run at test time, for every file of test::media_files() (samples, corpus,
// corpus2): the format's duration, start_time, bit_rate, format_long_name, nb_programs and
// probe_score, and every stream's duration, duration_ts, start_pts, start_time, nb_frames,
// r_frame_rate, avg_frame_rate, time_base, bit_rate, sample_aspect_ratio and
// display_aspect_ratio must be equal — present in both with the same value at ffprobe's
// printed precision (times: six decimals), or absent in both. mp4kit prints numbers
// where ffprobe prints strings (README, JSON schema); the values are compared.
// The accepted differences are listed exactly in kKnownDifferences, each with the reason.
// Cost: one ffprobe and one mp4kit run per file, run a few files at a time.
#include <doctest/doctest.h>

#include <fmt/core.h>

#include <algorithm>
#include <future>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "test_util.h"

using nlohmann::json;

namespace {

const char* const kFormatKeys[] = {"duration", "start_time", "bit_rate", "format_long_name", "nb_programs", "probe_score"};
const char* const kStreamKeys[] = {"duration", "duration_ts", "start_pts", "start_time", "nb_frames", "r_frame_rate",
                                   "avg_frame_rate", "time_base", "bit_rate", "sample_aspect_ratio", "display_aspect_ratio"};
// Keys ffprobe prints as a time (print_time: "%f").
bool is_time_key(const std::string& k) { return k == "duration" || k == "start_time"; }

// file -> the exact mismatch lines expected (any other line, or one of these missing, fails).
const std::map<std::string, std::set<std::string>> kKnownDifferences = {
};

// A value as text at ffprobe's precision: times with six decimals, other numbers as
// integers, strings as they are; "" when absent.
std::string text_of(const json& obj, const std::string& key) {
  if (!obj.is_object() || !obj.contains(key)) return "";
  const json& v = obj[key];
  if (v.is_string()) {
    if (is_time_key(key)) return fmt::format("{:.6f}", std::stod(v.get<std::string>()));
    return v.get<std::string>();
  }
  if (v.is_number_float()) return fmt::format("{:.6f}", v.get<double>());
  if (v.is_number_integer()) return is_time_key(key) ? fmt::format("{:.6f}", v.get<double>()) : std::to_string(v.get<int64_t>());
  return v.dump();
}

struct Outputs {
  mp4kit::test::CommandResult ff, mk;
};

std::set<std::string> compare(const json& ff, const json& mk) {
  std::set<std::string> diffs;
  const auto check = [&](const std::string& where, const json& a, const json& b, const std::string& key) {
    std::string x = text_of(a, key), y = text_of(b, key);
    if (x != y) diffs.insert(where + " " + key + " ff=" + (x.empty() ? "none" : x) + " mk=" + (y.empty() ? "none" : y));
  };
  for (const char* k : kFormatKeys) check("format", ff["format"], mk["format"], k);
  std::map<int, json> ours;
  if (mk.contains("streams"))
    for (const json& s : mk["streams"]) ours[s["index"].get<int>()] = s;
  for (const json& s : ff["streams"]) {
    const int index = s["index"].get<int>();
    const std::string where = "s" + std::to_string(index);
    if (!ours.count(index)) {
      diffs.insert(where + " missing");
      continue;
    }
    for (const char* k : kStreamKeys) check(where, s, ours[index], k);
  }
  return diffs;
}

}  // namespace

TEST_CASE("plain probe fields equal ffprobe -show_streams -show_format on every file") {
  if (!mp4kit::test::have_ffprobe()) {
    MESSAGE("ffprobe not found: skipped");
    return;
  }
  const std::vector<std::string> files = mp4kit::test::media_files();
  // ffprobe costs ~0.1 s a file (it decodes the first frames): a few at a time.
  std::vector<Outputs> out(files.size());
  const size_t workers = std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 8);
  std::atomic<size_t> next{0};
  std::vector<std::thread> pool;
  for (size_t w = 0; w < workers; ++w) {
    pool.emplace_back([&] {
      for (size_t i; (i = next++) < files.size();) {
        const std::string q = mp4kit::test::quote(files[i]);
        out[i].ff = mp4kit::test::run("ffprobe -v quiet -show_streams -show_format -of json " + q);
        out[i].mk = mp4kit::test::run(std::string(MP4KIT_BINARY) + " probe --json " + q + " 2>/dev/null");
      }
    });
  }
  for (std::thread& t : pool) t.join();

  int compared = 0, identical = 0;
  std::set<std::string> seen_known;
  for (size_t i = 0; i < files.size(); ++i) {
    const std::string name = std::filesystem::path(files[i]).filename().string();
    if (out[i].ff.exit_code != 0) continue;  // FFmpeg cannot open it: nothing to compare
    CAPTURE(name);
    REQUIRE_MESSAGE(out[i].mk.exit_code == 0, name << ": mp4kit probe failed where ffprobe did not");
    const std::set<std::string> diffs = compare(json::parse(out[i].ff.out), json::parse(out[i].mk.out));
    ++compared;
    identical += diffs.empty();
    const auto known = kKnownDifferences.find(name);
    const std::set<std::string> expected = known == kKnownDifferences.end() ? std::set<std::string>{} : known->second;
    if (known != kKnownDifferences.end()) seen_known.insert(name);
    for (const std::string& d : diffs)
      CHECK_MESSAGE(expected.count(d), name << ": " << d);
    for (const std::string& e : expected)
      CHECK_MESSAGE(diffs.count(e), name << ": known difference no longer seen: " << e);
  }
  MESSAGE(compared << " files compared, " << identical << " identical on every field");
  CHECK(compared > 0);
}
