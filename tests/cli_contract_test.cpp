// The contracts of README "JSON output" and "Exit codes" that scripts rely on, through the
// real binary as a shell script runs it: one compact JSON record per input and per line
// (failures included), whole lines under parallel writers, the largest exit code of several
// inputs, --check / bench gates that fail instead of passing by default.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "child_process.h"
#include "fixture_movie.h"
#include "test_util.h"

using namespace mp4kit::test;
using nlohmann::json;

namespace {

std::string bin() { return MP4KIT_BINARY; }
std::string sample(const char* name) { return samples_dir() + "/" + name; }

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// A file whose stsz claims more entries than it holds: exit 65 with a box path.
std::string malformed_file() {
  FixtureTables t;
  t.stsz_count_override = 1000000;
  return fixture_movie(t).to_file("contract65.mp4");
}

}  // namespace

TEST_CASE("probe --json: one compact record per input and per line, whole lines under xargs -P4, failures included") {
  const std::string dir = scratch_dir();
  const std::string list = dir + "/inputs.txt", out = dir + "/all.jsonl";
  std::vector<std::string> inputs;
  for (int round = 0; round < 3; ++round)
    for (const char* name : {"h264_bframes_aac.mp4", "hevc_aac.mp4", "fragmented.mp4", "vfr.mp4", "opus_flac.mp4", "av1.mp4"})
      inputs.push_back(sample(name));
  const std::string missing = dir + "/no such file.mp4", bad = malformed_file();
  inputs.push_back(missing);
  inputs.push_back(bad);
  {
    std::ofstream l(list);
    for (const std::string& i : inputs) l << i << '\n';
  }
  std::filesystem::remove(out);
  // --packets makes records of 10-100 KB, far above a pipe's or stdio's block size.
  run("xargs -d '\\n' -P4 -n1 " + quote(bin()) + " probe --json --packets < " + quote(list) + " > " + quote(out) + " 2>/dev/null");
  const std::vector<std::string> lines = lines_of(slurp(out));
  CHECK(lines.size() == inputs.size());
  std::map<std::string, int> seen;
  for (const std::string& line : lines) {
    json j = json::parse(line, nullptr, false);
    REQUIRE_MESSAGE(!j.is_discarded(), "torn or invalid line: " << line.substr(0, 200));
    if (j.contains("error")) {
      const std::string f = j["filename"];
      ++seen[f];
      const json& e = j["error"];
      if (f == missing) {
        CHECK(e["exit_code"] == 66);
        CHECK(e["code"] == "cannot_open");
      } else {
        CHECK(f == bad);
        CHECK(e["exit_code"] == 65);
        CHECK(e["code"] == "malformed");
        CHECK(e["box_path"] == "moov/trak[0]/mdia/minf/stbl/stsz");
        CHECK(e["offset"].get<uint64_t>() > 0);
        CHECK(e["message"].get<std::string>().find("sample_count 1000000") != std::string::npos);
      }
    } else {
      ++seen[j["format"]["filename"].get<std::string>()];
      CHECK(j["packets"].size() > 0);
    }
  }
  for (const std::string& i : inputs) CHECK_MESSAGE(seen[i] > 0, "no record for " << i);
}

TEST_CASE("probe --json: the same layout for one input and several; --pretty indents the same object") {
  const std::string a = sample("h264_bframes_aac.mp4"), b = sample("vp9.mp4");
  const auto one = run(quote(bin()) + " probe --json " + quote(a));
  const auto two = run(quote(bin()) + " probe --json " + quote(a) + " " + quote(b));
  REQUIRE(one.exit_code == 0);
  REQUIRE(lines_of(one.out).size() == 1);
  REQUIRE(lines_of(two.out).size() == 2);
  CHECK(lines_of(two.out)[0] == lines_of(one.out)[0]);
  const auto pretty = run(quote(bin()) + " probe --pretty --packets " + quote(a));
  REQUIRE(pretty.exit_code == 0);
  CHECK(lines_of(pretty.out).size() > 100);
  const auto compact = run(quote(bin()) + " probe --json --packets " + quote(a));
  CHECK(json::parse(pretty.out) == json::parse(compact.out));
}

TEST_CASE("several inputs: every input gets its output; the exit code is the largest of the inputs'") {
  const std::string good = sample("h264_bframes_aac.mp4"), bad = malformed_file();
  const std::string missing = scratch_dir() + "/missing.mp4";
  ChildSpec spec;
  spec.argv = {bin(), "probe", missing, bad, good};
  ChildResult r = run_child(spec);
  CHECK(r.describe() == "exit 66");
  CHECK(r.out.find(good) != std::string::npos);  // the good file after two bad ones is still probed
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 2);
  spec.argv = {bin(), "probe", "--json", bad, good};
  r = run_child(spec);
  CHECK(r.describe() == "exit 65");
  const auto lines = lines_of(r.out);
  REQUIRE(lines.size() == 2);
  CHECK(json::parse(lines[0])["error"]["exit_code"] == 65);
  CHECK(json::parse(lines[1])["format"]["filename"] == good);
}

TEST_CASE("probe --check: an error-severity finding is exit 65 with one line; the findings are still printed") {
  FixtureTables t;
  t.mdat_payload = 40;  // the samples' 310 bytes end past the end of the file
  const std::string path = fixture_movie(t).to_file("check65.mp4");
  ChildSpec spec;
  spec.argv = {bin(), "probe", "--check", path};
  ChildResult r = run_child(spec);
  CHECK(r.describe() == "exit 65");
  CHECK(r.out.find("  error: ") != std::string::npos);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  CHECK(r.err.find("check: ") != std::string::npos);
  spec.argv = {bin(), "probe", "--check", "--json", path};
  r = run_child(spec);
  CHECK(r.describe() == "exit 65");
  json j = json::parse(r.out);
  REQUIRE(j["check"].size() > 0);
  CHECK(j["check"][0]["severity"] == "error");
  // A clean file: no finding, exit 0.
  spec.argv = {bin(), "probe", "--check", sample("h264_bframes_aac.mp4")};
  CHECK(run_child(spec).describe() == "exit 0");
}

TEST_CASE("no stream of the kind needed: 65 when the user named none, 64 for a stream the user named") {
  ChildSpec spec;
  spec.argv = {bin(), "seek", sample("audio_only_pcm.mov"), "--frame", "0", "--plan"};
  ChildResult r = run_child(spec);
  CHECK(r.describe() == "exit 65");
  CHECK(r.err.find("no video stream") != std::string::npos);
  spec.argv = {bin(), "seek", sample("audio_only_pcm.mov"), "--stream", "0", "--frame", "0", "--plan"};
  CHECK(run_child(spec).describe() == "exit 64");
  spec.argv = {bin(), "seek", sample("h264_bframes_aac.mp4"), "--stream", "9", "--frame", "0", "--plan"};
  CHECK(run_child(spec).describe() == "exit 64");
}

TEST_CASE("- as an input is refused with a plain message (exit 66) and a record") {
  ChildSpec spec;
  spec.argv = {bin(), "probe", "--json", "-"};
  ChildResult r = run_child(spec);
  CHECK(r.describe() == "exit 66");
  CHECK(r.err.find("seekable file") != std::string::npos);
  CHECK(json::parse(r.out)["error"]["code"] == "cannot_open");
}

TEST_CASE("bench: gates in the JSON; an unmeasurable gate fails; a baseline entry is matched by path and size; "
          "a missing input gets a record while the others run") {
  const std::string file = sample("h264_bframes_aac.mp4");
  const std::string base = scratch_dir() + "/baseline.jsonl";
  const std::string common = " bench --mode probe --cache warm --runs 1 --warmup 0 --json ";
  auto r = run(quote(bin()) + common + quote(file));
  REQUIRE(r.exit_code == 0);
  json doc = json::parse(r.out);
  CHECK(doc["gates"].empty());
  doc["cache"]["warm"]["median"]["fps"] = 1e-3;  // easy to beat
  doc["file"]["size"] = doc["file"]["size"].get<uint64_t>() + 1;  // ... but another file of the same name
  std::ofstream(base) << doc.dump() << "\n";
  r = run(quote(bin()) + common + "--baseline " + quote(base) + " --min-fps 0 " + quote(file) + " 2>/dev/null");
  CHECK(r.exit_code == 1);
  json j = json::parse(r.out);
  REQUIRE(j["gates"].size() == 2);
  CHECK(j["gates"][0]["gate"] == "min_fps");
  CHECK(j["gates"][0]["outcome"] == "pass");
  CHECK(j["gates"][0]["threshold"] == 0);
  CHECK(j["gates"][0]["measured"].get<double>() > 0);
  CHECK(j["gates"][1]["gate"] == "max_regression");
  CHECK(j["gates"][1]["outcome"] == "unmeasured");
  CHECK(j["gates"][1]["baseline"].is_null());
  // The same file (path and size): measured and passed.
  doc["file"]["size"] = doc["file"]["size"].get<uint64_t>() - 1;
  std::ofstream(base) << doc.dump() << "\n";
  r = run(quote(bin()) + common + "--baseline " + quote(base) + " " + quote(file));
  CHECK(r.exit_code == 0);
  j = json::parse(r.out);
  REQUIRE(j["gates"].size() == 1);
  CHECK(j["gates"][0]["outcome"] == "pass");
  CHECK(j["gates"][0]["baseline"] == 1e-3);
  // A missing input among others: its record, the others still measured, exit 66.
  r = run(quote(bin()) + common + "/nonexistent.mp4 " + quote(file) + " 2>/dev/null");
  CHECK(r.exit_code == 66);
  const auto lines = lines_of(r.out);
  REQUIRE(lines.size() == 2);
  CHECK(json::parse(lines[0])["error"]["exit_code"] == 66);
  CHECK(json::parse(lines[1])["schema"] == "mp4kit.bench/1");
}
