// mp4kit batch (issue 12): the engine's parts (shards, input lists, the ledger, command
// templates, the summary) and the CLI over a fault mix. The fault mix uses the test-only
// hook MP4KIT_TEST_BATCH_FAULT ("crash=SUBSTRING,hang=SUBSTRING,alloc=SUBSTRING", lib/batch/supervisor.h):
// a child whose input contains the substring raises SIGSEGV, ignores SIGTERM and sleeps, or
// allocates without end.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "batch/command.h"
#include "batch/input_list.h"
#include "batch/ledger.h"
#include "batch/shard.h"
#include "batch/summary.h"
#include "test_util.h"

namespace fs = std::filesystem;
using namespace mp4kit;
using namespace mp4kit::batch;

namespace {

std::string scratch(const std::string& name) {
  fs::path p = fs::temp_directory_path() / ("mp4kit-batch-" + std::to_string(getpid())) / name;
  fs::remove_all(p);
  fs::create_directories(p);
  return p.string();
}

void write_file(const std::string& path, const std::string& bytes) { std::ofstream(path, std::ios::binary) << bytes; }

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

std::vector<std::string> drain(InputList& list) {
  std::vector<std::string> out;
  std::string p;
  for (;;) {
    auto r = list.next(p);
    REQUIRE(r.ok());
    if (!*r) break;
    out.push_back(p);
  }
  return out;
}

// input -> list of statuses, from a records file; every line must be a record.
std::map<std::string, std::vector<std::string>> records_of(const std::string& path) {
  std::map<std::string, std::vector<std::string>> m;
  std::ifstream f(path);
  std::string line;
  while (std::getline(f, line)) {
    const auto j = nlohmann::json::parse(line, nullptr, false);
    REQUIRE_MESSAGE(j.is_object(), "not a record: " << line);
    m[j.at("input").get<std::string>()].push_back(j.at("status").get<std::string>());
  }
  return m;
}

std::string mp4kit_bin() { return MP4KIT_BINARY; }

// The fault mix: good samples, a damaged (cut) copy, a missing file, a FIFO named like a
// video, a hang and a crash (hook), and a list file naming them all.
struct Mix {
  std::string dir, list;
  std::vector<std::string> good;
  std::map<std::string, std::string> expect;  // input -> status
};

Mix make_mix(const std::string& name) {
  Mix m;
  m.dir = scratch(name);
  for (const std::string& f : test::media_files(false)) {
    m.good.push_back(f);
    m.expect[f] = "ok";
  }
  REQUIRE(m.good.size() >= 4);
  const std::string cut = m.dir + "/damaged_cut.mp4";
  write_file(cut, read_file(m.good[0]).substr(0, 3000));
  m.expect[cut] = "failed";
  m.expect[m.dir + "/missing.mp4"] = "failed";
  const std::string fifo = m.dir + "/fifo.mp4";
  REQUIRE(mkfifo(fifo.c_str(), 0644) == 0);
  m.expect[fifo] = "failed";
  const std::string hang = m.dir + "/HANGME.mp4", crash = m.dir + "/CRASHME.mp4";
  fs::copy_file(m.good[1], hang);
  fs::copy_file(m.good[2], crash);
  m.expect[hang] = "timeout";
  m.expect[crash] = "crashed";
  m.list = m.dir + "/list.txt";
  std::string text;
  for (auto& [k, v] : m.expect) text += k + "\n";
  write_file(m.list, text);
  return m;
}

const char* kFault = "MP4KIT_TEST_BATCH_FAULT=crash=CRASHME,hang=HANGME ";

}  // namespace

TEST_CASE("batch: --shard K/N parses, refuses nonsense, and shards are disjoint and cover every input") {
  auto none = [](const char*) -> const char* { return nullptr; };
  auto s = parse_shard("3/8", none);
  REQUIRE(s.ok());
  CHECK(s->index == 3);
  CHECK(s->count == 8);
  for (const char* bad : {"8/8", "1/0", "x/2", "1/", "/2", "1-2", "-1/2"}) {
    auto r = parse_shard(bad, none);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == ErrorCode::kUsage);
  }
  std::vector<uint32_t> hits(5);
  for (int i = 0; i < 5000; ++i) {
    const std::string p = "/data/set/" + std::to_string(i) + ".mp4";
    int owners = 0;
    for (uint32_t k = 0; k < 5; ++k)
      if (in_shard(p, Shard{k, 5})) ++owners, ++hits[k];
    CHECK(owners == 1);
  }
  for (uint32_t h : hits) CHECK(h > 800);  // a stable hash spreads evenly (expected 1000)
  // Stable across builds and machines: XXH3-64 of the bytes.
  CHECK(path_hash("a.mp4") == path_hash(std::string("a.mp4")));
}

TEST_CASE("batch: --shard auto reads Slurm and Kubernetes variables and says what is missing") {
  std::map<std::string, std::string> env;
  auto lookup = [&](const char* n) -> const char* {
    auto it = env.find(n);
    return it == env.end() ? nullptr : it->second.c_str();
  };
  auto r = parse_shard("auto", lookup);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("SLURM_ARRAY_TASK_ID") != std::string::npos);
  CHECK(r.error().message.find("JOB_COMPLETION_INDEX") != std::string::npos);
  CHECK(r.error().message.find(kShardCountEnv) != std::string::npos);
  env = {{"JOB_COMPLETION_INDEX", "2"}};
  r = parse_shard("auto", lookup);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("only JOB_COMPLETION_INDEX is set") != std::string::npos);
  env[kShardCountEnv] = "4";
  r = parse_shard("auto", lookup);
  REQUIRE(r.ok());
  CHECK(r->index == 2);
  CHECK(r->count == 4);
  env = {{"SLURM_ARRAY_TASK_ID", "5"}, {"SLURM_ARRAY_TASK_COUNT", "8"}, {"SLURM_ARRAY_TASK_MIN", "1"}};
  r = parse_shard("auto", lookup);
  REQUIRE(r.ok());
  CHECK(r->index == 4);
  CHECK(r->count == 8);
  env["SLURM_ARRAY_TASK_ID"] = "9";  // beyond the count
  CHECK_FALSE(parse_shard("auto", lookup).ok());
}

TEST_CASE("batch: input lists are streamed from args, lines (CRLF, no final newline) and NUL lists") {
  const std::string dir = scratch("lists");
  write_file(dir + "/lines.txt", "a.mp4\r\n\nb c.mp4\nlast.mp4");
  write_file(dir + "/nul.txt", std::string("x\ny.mp4\0z.mp4\0", 14));
  InputListOptions o;
  o.paths = {"first.mp4"};
  o.files_from = dir + "/lines.txt";
  InputList lines(o);
  CHECK(drain(lines) == std::vector<std::string>{"first.mp4", "a.mp4", "b c.mp4", "last.mp4"});
  InputListOptions n;
  n.files_from = dir + "/nul.txt";
  n.nul_separated = true;
  InputList nul(n);
  CHECK(drain(nul) == std::vector<std::string>{"x\ny.mp4", "z.mp4"});
  InputListOptions w;
  fs::create_directories(dir + "/tree/sub");
  write_file(dir + "/tree/sub/v.mp4", "");
  write_file(dir + "/tree/notes.txt", "");
  w.walk = {dir + "/tree"};
  w.glob = "*.mp4";
  InputList walk(w);
  CHECK(drain(walk) == std::vector<std::string>{dir + "/tree/sub/v.mp4"});
  InputListOptions missing;
  missing.files_from = dir + "/nope.txt";
  InputList m(missing);
  std::string p;
  auto r = m.next(p);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ErrorCode::kCannotOpen);
}

TEST_CASE("batch: the ledger cuts a torn last line and builds the resume set") {
  const std::string dir = scratch("ledger");
  const std::string path = dir + "/r.jsonl";
  write_file(path,
             "{\"input\":\"a.mp4\",\"status\":\"ok\"}\n"
             "{\"input\":\"b.mp4\",\"status\":\"crashed\"}\n"
             "not a record\n"
             "{\"input\":\"c.mp4\",\"sta");
  auto scan = load_ledger(path, /*retry_failed=*/true);
  REQUIRE(scan.ok());
  CHECK(scan->records == 2);
  CHECK(scan->bad_lines == 1);
  CHECK(scan->torn_bytes == 21);
  CHECK(read_file(path).back() == '\n');
  CHECK(scan->resume.done("a.mp4"));
  CHECK_FALSE(scan->resume.done("b.mp4"));
  CHECK(scan->resume.failed_before("b.mp4"));
  CHECK_FALSE(scan->resume.done("c.mp4"));
  auto again = load_ledger(path, /*retry_failed=*/false);
  REQUIRE(again.ok());
  CHECK(again->torn_bytes == 0);
  CHECK(again->resume.done("b.mp4"));  // without --retry-failed a failure is final
}

TEST_CASE("batch: command templates expand {stem} {name} {dir} {index} and refuse shared outputs") {
  auto t = make_command({"decode", "--json", "-o", "out/{dir}/{stem}-{index}.y4m"}, true);
  REQUIRE(t.ok());
  auto e = expand_command(*t, "clips/a.b.mp4", 7);
  CHECK(e.args == std::vector<std::string>{"decode", "--json", "-o", "out/clips/a.b-7.y4m", "clips/a.b.mp4"});
  CHECK(e.outputs == std::vector<std::string>{"out/clips/a.b-7.y4m"});
  CHECK_FALSE(t->groupable);
  auto shared = make_command({"decode", "-o", "all.y4m"}, true);
  REQUIRE_FALSE(shared.ok());
  CHECK(shared.error().message.find("{stem}") != std::string::npos);
  CHECK_FALSE(make_command({"decode", "-o", "{nope}.y4m"}, true).ok());
  CHECK_FALSE(make_command({"batch"}, true).ok());
  auto probe = make_command({"probe", "--json"}, true);
  REQUIRE(probe.ok());
  CHECK(probe->groupable);
  CHECK(is_frame_pattern("out/%06d.png"));
  CHECK_FALSE(is_frame_pattern("out/100%.png"));
}

TEST_CASE("batch: a fault mix gives every input exactly one record with the right status") {
  Mix m = make_mix("mix");
  const std::string rec = m.dir + "/r.jsonl";
  // Grouped probe (the default): the crash and the hang each take a group down; its other
  // inputs are run again one per child, so only the culprit is recorded crashed / timeout.
  auto r = test::run(std::string(kFault) + test::quote(mp4kit_bin()) + " batch --jobs 2 --timeout 1 --kill-after 0.3 --files-from " +
                     test::quote(m.list) + " --records " + test::quote(rec) + " -- probe --json 2>&1");
  CHECK_MESSAGE(r.exit_code == 1, r.out);
  const auto got = records_of(rec);
  CHECK(got.size() == m.expect.size());
  for (auto& [input, status] : m.expect) {
    auto it = got.find(input);
    REQUIRE_MESSAGE(it != got.end(), "no record for " << input);
    CHECK_MESSAGE(it->second == std::vector<std::string>{status}, input);
  }
  CHECK(r.out.find("crashed") != std::string::npos);  // the summary line
  // Each record embeds probe's own record, or carries the one-line error.
  std::ifstream f(rec);
  std::string line;
  while (std::getline(f, line)) {
    const auto j = nlohmann::json::parse(line);
    if (j["status"] == "ok") CHECK(j["result"]["format"]["filename"] == j["input"]);
    else CHECK_FALSE(j["error"].get<std::string>().empty());
    if (j["status"] == "crashed") CHECK(j["signal"] == "SIGSEGV");
    if (j["status"] == "timeout") CHECK(j["signal"] == "SIGKILL");  // the hang ignores SIGTERM
    if (j["input"] == m.dir + "/missing.mp4") CHECK(j["exit_code"] == 66);
  }
  // The summary of that ledger: counts per status and the failures.
  auto s = summarize({rec});
  REQUIRE(s.ok());
  CHECK(s->inputs == m.expect.size());
  CHECK(s->by_status[size_t(RunStatus::kCrashed)] == 1);
  CHECK(s->by_status[size_t(RunStatus::kTimeout)] == 1);
  CHECK(s->failures.size() == 5);
  CHECK(s->duplicated == 0);
  auto twice = summarize({rec, rec});
  REQUIRE(twice.ok());
  CHECK(twice->duplicated == m.expect.size());
  // A second run over the same ledger without --resume would record inputs twice: refused.
  auto again = test::run(test::quote(mp4kit_bin()) + " batch --files-from " + test::quote(m.list) + " --records " +
                         test::quote(rec) + " -- probe --json 2>&1");
  CHECK(again.exit_code == 64);
  // --resume --retry-failed runs the failures again (without the hook: the hang and the
  // crash now succeed) and marks them as retries, which the summary does not count twice.
  auto retry = test::run(test::quote(mp4kit_bin()) + " batch --resume --retry-failed --files-from " + test::quote(m.list) +
                         " --records " + test::quote(rec) + " -- probe --json 2>&1");
  CHECK_MESSAGE(retry.exit_code == 1, retry.out);  // the missing, cut and FIFO inputs still fail
  auto after = summarize({rec});
  REQUIRE(after.ok());
  CHECK(after->duplicated == 0);
  CHECK(after->retries == 5);
  CHECK(after->failures.size() == 3);
}

TEST_CASE("batch: kill -9 midway, then --resume, gives the records of an uninterrupted run") {
  const std::string dir = scratch("resume");
  std::string list;
  std::set<std::string> inputs;
  const auto files = test::media_files(false);
  for (int copy = 0; copy < 4; ++copy)
    for (const std::string& f : files) {
      const std::string link = dir + "/" + std::to_string(copy) + "-" + fs::path(f).filename().string();
      fs::create_symlink(f, link);
      list += link + "\n";
      inputs.insert(link);
    }
  // An input that hangs, a third of the way in: the batch is killed while it runs.
  const std::string hang = dir + "/HANGME-" + fs::path(files[0]).filename().string();
  fs::create_symlink(files[0], hang);
  list = list.substr(0, list.find('\n', list.size() / 3) + 1) + hang + "\n" + list.substr(list.find('\n', list.size() / 3) + 1);
  inputs.insert(hang);
  write_file(dir + "/list.txt", list);
  const std::string bin = test::quote(mp4kit_bin());
  const std::string common = " --group 1 --jobs 2 --files-from " + test::quote(dir + "/list.txt");
  auto full = test::run(bin + " batch" + common + " --records " + test::quote(dir + "/full.jsonl") + " -- probe --json 2>&1");
  REQUIRE_MESSAGE(full.exit_code == 0, full.out);
  const std::string rec = dir + "/cut.jsonl";
  // Killed with -9 once the hang holds a child: a record may be half written at that moment
  // only in theory (one write(2) each); the inputs in flight have none.
  auto killed = test::run(std::string(kFault) + bin + " batch" + common + " --records " + test::quote(rec) +
                          " -- probe --json 2>/dev/null & pid=$!; for i in $(seq 1 200); do "
                          "[ -s " + test::quote(rec) + " ] && [ $(wc -l < " + test::quote(rec) + ") -ge " +
                          std::to_string(inputs.size() / 3 - 2) + " ] && break; sleep 0.05; done; kill -9 $pid; wait $pid; echo $?");
  CHECK(killed.out == "137\n");
  const auto partial = records_of(rec);
  CHECK(partial.size() < inputs.size());
  CHECK(partial.size() > 0);
  // The children died with the batch (PR_SET_PDEATHSIG): the hanging one never exec'd, so
  // its command line is the batch's, which names this test's records file.
  CHECK(test::run("sleep 0.2; pgrep -f " + test::quote(dir + "/cu[t].jsonl") + " | wc -l").out == "0\n");
  auto resumed = test::run(bin + " batch --resume" + common + " --records " + test::quote(rec) + " -- probe --json 2>&1");
  CHECK_MESSAGE(resumed.exit_code == 0, resumed.out);
  const auto a = records_of(dir + "/full.jsonl");
  const auto b = records_of(rec);
  CHECK(a.size() == inputs.size());
  CHECK(a == b);  // same inputs, one record each, same statuses
}

TEST_CASE("batch: two shards merged equal one unsharded run, and --shard auto takes Slurm and Kubernetes variables") {
  Mix m = make_mix("shards");
  const std::string bin = test::quote(mp4kit_bin());
  const std::string base = std::string(kFault) + bin + " batch --timeout 1 --kill-after 0.3 --files-from " + test::quote(m.list);
  auto one = test::run(base + " --records " + test::quote(m.dir + "/all.jsonl") + " -- probe --json 2>&1");
  CHECK(one.exit_code == 1);
  for (int k = 0; k < 2; ++k)
    test::run(base + " --shard " + std::to_string(k) + "/2 --records " + test::quote(m.dir + "/s" + std::to_string(k) + ".jsonl") +
              " -- probe --json 2>&1");
  const auto all = records_of(m.dir + "/all.jsonl");
  auto s0 = records_of(m.dir + "/s0.jsonl");
  const auto s1 = records_of(m.dir + "/s1.jsonl");
  CHECK(s0.size() > 0);
  CHECK(s1.size() > 0);
  for (auto& [k, v] : s1) CHECK_MESSAGE(s0.emplace(k, v).second, "in both shards: " << k);
  CHECK(s0 == all);
  auto merged = summarize({m.dir + "/s0.jsonl", m.dir + "/s1.jsonl"});
  REQUIRE(merged.ok());
  CHECK(merged->inputs == m.expect.size());
  CHECK(merged->duplicated == 0);
  // --shard auto: shard 1 of 2 from each engine's environment gives s1's inputs.
  for (const std::string env : {"SLURM_ARRAY_TASK_ID=2 SLURM_ARRAY_TASK_MIN=1 SLURM_ARRAY_TASK_COUNT=2",
                                "JOB_COMPLETION_INDEX=1 MP4KIT_SHARD_COUNT=2"}) {
    const std::string rec = m.dir + "/auto.jsonl";
    fs::remove(rec);
    test::run(env + " " + base + " --shard auto --records " + test::quote(rec) + " -- probe --json 2>&1");
    CHECK_MESSAGE(records_of(rec) == s1, env);
  }
  auto neither = test::run("env -u SLURM_ARRAY_TASK_ID -u JOB_COMPLETION_INDEX " + bin + " batch --shard auto a.mp4 -- probe --json 2>&1");
  CHECK(neither.exit_code == 64);
  CHECK(neither.out.find("no engine found") != std::string::npos);
}

TEST_CASE("batch: usage errors exit 64") {
  const std::string bin = test::quote(mp4kit_bin());
  for (const std::string args : {"a.mp4", "a.mp4 -- nosuch", "-- probe", "a.mp4 --retry-failed -- probe",
                                 "a.mp4 --resume -- probe", "a.mp4 b.mp4 -- decode -o same.y4m", "--jobs 0 a.mp4 -- probe"}) {
    auto r = test::run(bin + " batch " + args + " 2>&1");
    CHECK_MESSAGE(r.exit_code == 64, args << ": " << r.out);
    CHECK_MESSAGE(std::count(r.out.begin(), r.out.end(), '\n') == 1, args << ": " << r.out);
  }
}

TEST_CASE("batch: the Slurm job-array script runs its shard with Slurm's variables") {
  const std::string dir = scratch("slurm");
  std::string list;
  for (const std::string& f : test::media_files(false)) list += f + "\n";
  write_file(dir + "/list.txt", list);
  const std::string bin_dir = fs::path(mp4kit_bin()).parent_path().string();
  const std::string records = dir + "/records/shard-";
  size_t total = 0;
  for (int id = 3; id <= 4; ++id) {  // --array=3-4: shards 0 and 1 of 2
    auto r = test::run("cd " + test::quote(dir) + " && env -u JOB_COMPLETION_INDEX PATH=" + test::quote(bin_dir) +
                       ":$PATH DATA=" + test::quote(dir) + " SLURM_ARRAY_TASK_ID=" + std::to_string(id) +
                       " SLURM_ARRAY_TASK_MIN=3 SLURM_ARRAY_TASK_COUNT=2 SLURM_CPUS_PER_TASK=2 bash " +
                       test::quote(std::string(MP4KIT_SOURCE_DIR) + "/deploy/slurm-array.sh") + " 2>&1");
    CHECK_MESSAGE(r.exit_code == 0, r.out);
    total += records_of(records + std::to_string(id) + ".jsonl").size();
  }
  CHECK(total == test::media_files(false).size());
  auto s = summarize({records + "3.jsonl", records + "4.jsonl"});
  REQUIRE(s.ok());
  CHECK(s->duplicated == 0);
  CHECK(s->inputs == total);
}

TEST_CASE("batch: the Kubernetes manifest is an Indexed Job whose shard count matches its completions") {
  const std::string y = read_file(std::string(MP4KIT_SOURCE_DIR) + "/deploy/k8s-indexed-job.yaml");
  CHECK(y.find("completionMode: Indexed") != std::string::npos);
  CHECK(y.find("mp4kit batch --shard auto") != std::string::npos);
  const auto number_after = [&](const std::string& key) {
    const size_t at = y.find(key);
    REQUIRE(at != std::string::npos);
    size_t i = at + key.size();
    while (i < y.size() && !std::isdigit(static_cast<unsigned char>(y[i]))) ++i;
    return std::stoi(y.substr(i));
  };
  CHECK(number_after("completions:") == number_after("- name: MP4KIT_SHARD_COUNT"));
}

TEST_CASE("batch: SIGTERM stops the batch cleanly: children stopped, no record for the interrupted input, exit 143") {
  const std::string dir = scratch("sigterm");
  const auto files = test::media_files(false);
  std::string list;
  for (size_t i = 0; i < 3; ++i) list += files[i] + "\n";
  const std::string hang = dir + "/HANGME.mp4";
  fs::create_symlink(files[0], hang);
  list += hang + "\n";
  write_file(dir + "/list.txt", list);
  const std::string rec = dir + "/r.jsonl";
  // The hang ignores SIGTERM: the batch forwards it, then sends SIGKILL after --kill-after.
  auto r = test::run(std::string(kFault) + test::quote(mp4kit_bin()) + " batch --jobs 1 --group 1 --kill-after 0.3 --files-from " +
                     test::quote(dir + "/list.txt") + " --records " + test::quote(rec) +
                     " -- probe --json 2>/dev/null & pid=$!; for i in $(seq 1 200); do [ -s " + test::quote(rec) + " ] && [ $(wc -l < " +
                     test::quote(rec) + ") -ge 3 ] && break; sleep 0.05; done; sleep 0.1; kill -TERM $pid; wait $pid; echo $?");
  CHECK(r.out == "143\n");
  const auto got = records_of(rec);
  CHECK(got.size() == 3);
  CHECK(got.count(hang) == 0);
  CHECK(test::run("pgrep -f " + test::quote(dir + "/[r].jsonl") + " | wc -l").out == "0\n");
}

TEST_CASE("batch: records on stdout to a reader that goes away (| head) is not an error") {
  const std::string err = scratch("pipe") + "/err";
  std::string inputs;
  for (const std::string& f : test::media_files(false)) inputs += " " + f;
  const std::string script = "'" + mp4kit_bin() + "' batch --group 1 --jobs 1" + inputs + inputs + " -- probe --json 2>'" + err +
                             "' | head -c 10 >/dev/null; echo ${PIPESTATUS[0]}";
  auto r = test::run("bash -c " + test::quote(script));
  CHECK(r.out == "0\n");
  CHECK_MESSAGE(read_file(err).find("Broken pipe") == std::string::npos, read_file(err));
}

TEST_CASE("batch: --max-memory stops a runaway allocation in its child only") {
#if defined(MP4KIT_SANITIZED)
  MESSAGE("skipped under sanitizers: their allocators reserve more address space than the limit allows");
#else
  const std::string dir = scratch("memory");
  const auto files = test::media_files(false);
  const std::string runaway = dir + "/ALLOCME.mp4";
  fs::create_symlink(files[0], runaway);
  const std::string rec = dir + "/r.jsonl";
  auto r = test::run("MP4KIT_TEST_BATCH_FAULT=alloc=ALLOCME " + test::quote(mp4kit_bin()) + " batch --max-memory 64 --group 1 " +
                     test::quote(files[0]) + " " + test::quote(runaway) + " --records " + test::quote(rec) + " -- probe --json 2>&1");
  CHECK_MESSAGE(r.exit_code == 1, r.out);
  std::ifstream f(rec);
  std::string line;
  int seen = 0;
  while (std::getline(f, line)) {
    const auto j = nlohmann::json::parse(line);
    ++seen;
    if (j["input"] == runaway) {
      CHECK(j["status"] == "crashed");
      CHECK(j["signal"] == "SIGABRT");
      CHECK(j["max_rss_kb"].get<uint64_t>() < 100 * 1024);  // stopped near the 64 MiB limit
    } else {
      CHECK(j["status"] == "ok");
    }
  }
  CHECK(seen == 2);
#endif
}
