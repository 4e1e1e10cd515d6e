// The contracts of README "JSON output" and "Exit codes" that scripts rely on, through the
// real binary as a shell script runs it: one compact JSON record per input and per line
// (failures included), whole lines under parallel writers, the largest exit code of several
// inputs, --check / bench gates that fail instead of passing by default, damage findings in
// plain probe's warnings.
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

TEST_CASE("plain probe of a cut file: the check's chunk and mdat findings are in warnings, exit 0") {
  // The first 30,000 of the sample's 97,589 bytes: both tracks' last chunks start past the end.
  const std::string cut = scratch_dir() + "/cut_30000.mp4";
  {
    std::ifstream in(sample("h264_bframes_aac.mp4"), std::ios::binary);
    std::string bytes(30000, '\0');
    REQUIRE(in.read(bytes.data(), std::streamsize(bytes.size())));
    std::ofstream(cut, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
  }
  ChildSpec spec;
  spec.argv = {bin(), "probe", "--json", cut};
  ChildResult r = run_child(spec);
  CHECK(r.describe() == "exit 0");
  const json w = json::parse(r.out)["mp4kit"]["warnings"];
  size_t chunk_findings = 0, mdat_findings = 0;
  for (const json& x : w) {
    const std::string s = x.get<std::string>();
    chunk_findings += s.find("/stbl/stco at 0x") != std::string::npos && s.find("is beyond the end of the file (30000 bytes)") != std::string::npos;
    mdat_findings += s.rfind("mdat at 0x", 0) == 0 && s.find("past the end of the file") != std::string::npos;
  }
  CHECK(chunk_findings == 2);  // one per track
  CHECK(mdat_findings == 1);
  // The same findings are --check's errors: exit 65.
  spec.argv = {bin(), "probe", "--check", cut};
  CHECK(run_child(spec).describe() == "exit 65");
  // The intact file has none.
  spec.argv = {bin(), "probe", "--json", sample("h264_bframes_aac.mp4")};
  CHECK(json::parse(run_child(spec).out)["mp4kit"]["warnings"].empty());
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

TEST_CASE("seek: every frame time ffprobe prints (6 decimals) names that frame under both rules; --pts and rationals are exact") {
  if (!have_ffprobe()) {
    MESSAGE("ffprobe not installed: printed times skipped");
    return;
  }
  for (const char* name : {"h264_bframes_aac.mp4", "vfr.mp4", "gst_qtmux.mov"}) {
    INFO(name);
    const std::string f = sample(name);
    std::vector<std::string> printed;  // one line per frame; empty lines for side data
    for (const std::string& t : lines_of(oracle("ffprobe -v quiet -select_streams v:0 -show_entries frame=pts_time -of csv=p=0 " + quote(f)).out))
      if (!t.empty()) printed.push_back(t.substr(0, t.find(',')));  // "0.000000," when a frame has side data
    REQUIRE(!printed.empty());
    std::string times;
    for (const std::string& t : printed) times += (times.empty() ? "" : ",") + t;
    for (const char* rule : {"shown", "next"}) {
      INFO(rule);
      auto r = run(quote(bin()) + " seek " + quote(f) + " --plan --json --time-rule " + rule + " --times " + times);
      REQUIRE(r.exit_code == 0);
      const json j = json::parse(r.out);
      REQUIRE(j["targets"].size() == printed.size());
      for (size_t i = 0; i < printed.size(); ++i) {
        CAPTURE(printed[i]);
        CHECK(j["targets"][i]["frame"] == i);
      }
    }
  }
  // h264_bframes_aac.mp4: 24 fps in 1/12288, frame 1 at pts 512 = 1/24 s.
  const std::string f = quote(sample("h264_bframes_aac.mp4"));
  auto r = run(quote(bin()) + " seek " + f + " --plan --json --pts 512 --time 1/24 --time 0.0416666666666666666667 --time 0.04 --time 0.040000");
  REQUIRE(r.exit_code == 0);
  const json j = json::parse(r.out);
  CHECK(j["targets"][0]["frame"] == 1);
  CHECK(j["targets"][0]["requested"]["pts"] == 512);
  CHECK(j["targets"][1]["frame"] == 1);
  CHECK(j["targets"][2]["frame"] == 1);
  CHECK(j["targets"][3]["frame"] == 1);  // "0.04" is 0.035..0.045 s: frame 1 (0.041667 s) prints as 0.04 too
  CHECK(j["targets"][4]["frame"] == 0);  // "0.040000" is 0.0399995..0.0400005 s: frame 0 is shown then
  auto next = run(quote(bin()) + " seek " + f + " --plan --json --time-rule next --time 0.02 --pts 511");
  REQUIRE(next.exit_code == 0);
  CHECK(json::parse(next.out)["targets"][0]["frame"] == 1);
  CHECK(json::parse(next.out)["targets"][1]["frame"] == 1);
  CHECK(run(quote(bin()) + " seek " + f + " --plan --pts 99999999 2>/dev/null").exit_code == 64);
}

TEST_CASE("seek --plan: per-target counts equal what the run reports") {
  const std::string f = quote(sample("h264_bframes_aac.mp4"));
  const std::string frames = " --frame 10,40,41,70 --frames 20:30:3 ";
  auto plan = run(quote(bin()) + " seek " + f + frames + "--plan --json");
  auto ran = run(quote(bin()) + " seek " + f + frames + "--format null --threads 2 --json");
  REQUIRE(plan.exit_code == 0);
  REQUIRE(ran.exit_code == 0);
  const json p = json::parse(plan.out), r = json::parse(ran.out);
  REQUIRE(p["targets"].size() == r["targets"].size());
  for (size_t i = 0; i < p["targets"].size(); ++i) {
    CAPTURE(i);
    CHECK(p["targets"][i]["frame"] == r["targets"][i]["frame"]);
    CHECK(p["targets"][i]["decoded"] == r["targets"][i]["decoded"]);
    CHECK(p["targets"][i]["skipped"] == r["targets"][i]["skipped"]);
    CHECK(p["targets"][i]["bytes"] == r["targets"][i]["bytes"]);
  }
}

TEST_CASE("CLI: help, --version on every subcommand, unknown names with the nearest one, one-line messages") {
  ChildSpec spec;
  const auto mp4kit = [&](std::vector<std::string> args) {
    spec.argv = {bin()};
    spec.argv.insert(spec.argv.end(), args.begin(), args.end());
    return run_child(spec);
  };
  ChildResult r = mp4kit({"help"});
  CHECK(r.describe() == "exit 0");
  for (const char* sub : {"probe", "decode", "seek", "bench"}) {
    CHECK(r.out.find(sub) != std::string::npos);
    ChildResult h = mp4kit({"help", sub});
    CHECK(h.describe() == "exit 0");
    CHECK(h.out.find("--max-samples") != std::string::npos);
    ChildResult v = mp4kit({sub, "--version"});
    CHECK(v.describe() == "exit 0");
    CHECK(v.out.rfind("mp4kit ", 0) == 0);
  }
  r = mp4kit({"prbe", sample("vfr.mp4")});
  CHECK(r.describe() == "exit 64");
  CHECK(r.err.find("unknown subcommand 'prbe'. Did you mean 'probe'?") != std::string::npos);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  r = mp4kit({"seek", sample("vfr.mp4"), "--frmae", "3"});
  CHECK(r.describe() == "exit 64");
  CHECK(r.err.find("unknown option '--frmae'. Did you mean '--frame'?") != std::string::npos);
  r = mp4kit({"help", "nope"});
  CHECK(r.describe() == "exit 64");
  r = mp4kit({"probe", "--csv", sample("vfr.mp4")});
  CHECK(r.describe() == "exit 64");
  CHECK(r.err.find("--packets") != std::string::npos);
  r = mp4kit({"probe", "--packets", "--csv", "--json", sample("vfr.mp4")});
  CHECK(r.describe() == "exit 64");
  r = mp4kit({"seek", sample("vfr.mp4"), "--frames", "10:5", "--plan"});
  CHECK(r.describe() == "exit 64");
  CHECK(r.err.find("is empty") != std::string::npos);
  // A missing file is named once.
  const std::string missing = scratch_dir() + "/gone.mp4";
  r = mp4kit({"probe", missing});
  CHECK(r.err.find(missing) == r.err.rfind(missing));
  // Singular: one target, one pass.
  r = mp4kit({"seek", sample("vfr.mp4"), "--frame", "3", "--plan"});
  CHECK(r.out.find("total: 1 target, 1 pass, ") != std::string::npos);
}

TEST_CASE("bench: --min-fps on a cache state that cannot be reached (cold on tmpfs) fails instead of passing") {
  const std::string shm = "/dev/shm";
  if (run("stat -f -c %T " + shm + " 2>/dev/null").out != "tmpfs\n") {
    MESSAGE("/dev/shm is not tmpfs here: skipped");
    return;
  }
  const std::string copy = shm + "/mp4kit-contract-" + std::to_string(getpid()) + ".mp4";
  std::filesystem::copy_file(sample("h264_bframes_aac.mp4"), copy, std::filesystem::copy_options::overwrite_existing);
  auto r = run(quote(bin()) + " bench --mode probe --cache cold --runs 1 --min-fps 0 --json " + quote(copy) + " 2>/dev/null");
  std::filesystem::remove(copy);
  CHECK(r.exit_code == 1);
  const json j = json::parse(r.out);
  CHECK(j["cache"]["cold"]["available"] == false);
  REQUIRE(j["gates"].size() == 1);
  CHECK(j["gates"][0]["outcome"] == "unmeasured");
  CHECK(j["gates"][0]["measured"].is_null());
}
