// `mp4kit bench [--mode decode|demux|probe|seek] [--cache cold|warm|both] [--runs N]
//  [--warmup N] [--threads N] [--stream N] [--json] [--direct] [--min-fps X]
//  [--baseline PREV.json --max-regression PCT] [--against libavformat] FILE...`
//
// Benchmark numbers that say what they measured: each run's page-cache state is prepared
// and verified (bench/page_cache.h), each run executes in its own forked process with
// its CPU time, faults, peak RSS and storage reads measured around it
// (bench/bench_harness.h), and a state that cannot be reached (eviction on tmpfs) is
// reported as such instead of as a number. demux and probe run in the executable; decode
// and the libavformat baseline in the bench module (bench/bench_module.h), seek through
// lib/pipeline/seek_job.h (the decode module).
// Output: a table, or --json (schema mp4kit.bench/1, bench/BENCH-schema.md).
#include <fcntl.h>
#include <fmt/core.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "bench_report.h"
#include "bench_work.h"
#include "commands.h"
#include "json_record.h"
#include "limit_flags.h"
#include "mp4kit/decoder.h"
#include "pipeline/module_loader.h"
#include "source_flags.h"

namespace mp4kit::cli {
namespace {

// Every bench type lives in cli::bench: probe_report.h has its own cli::FileReport.
using namespace bench;

struct BenchOptions {
  std::vector<std::string> files;
  std::string mode = "decode";
  std::string cache = "both";
  int runs = 3;
  int warmup = 1;
  int threads = 0;
  int stream = -1;
  bool json = false;
  bool pretty = false;
  bool direct = false;
  double min_fps = -1;
  std::string baseline;
  double max_regression = 10;
  bool max_regression_given = false;
  std::string against;
  std::string io_source = "auto";
  uint32_t seeks = 16;
  uint64_t seed = 1;
  LimitFlags limits;
  SourceFlags source;
};

BenchMode mode_of(const std::string& m) {
  return m == "demux" ? BenchMode::kDemux : m == "probe" ? BenchMode::kProbe : m == "seek" ? BenchMode::kSeek : BenchMode::kDecode;
}

int32_t lavf_work_of(BenchMode m) {
  switch (m) {
    case BenchMode::kDemux: return MP4KIT_BENCH_LAVF_DEMUX;
    case BenchMode::kProbe: return MP4KIT_BENCH_LAVF_PROBE;
    case BenchMode::kSeek: return MP4KIT_BENCH_LAVF_SEEK;
    case BenchMode::kDecode: break;
  }
  return MP4KIT_BENCH_LAVF_DECODE;
}

int usage(const std::string& message) {
  fmt::print(stderr, "mp4kit: bench: {}\n", message);
  return kExitUsage;
}

void clear_progress();

// The error of the input being benchmarked, for its --json record (README "JSON output").
Error g_file_error;

// One line on stderr for `path`, remembered as the input's error; returns its exit code.
int file_error(const std::string& path, const Error& e) {
  clear_progress();
  g_file_error = e;
  return report_error(path, e);
}

// A previous --json output: one document, or JSON Lines (one per file).
Result<std::vector<nlohmann::json>> load_baseline(const std::string& path) {
  std::ifstream in(path);
  if (!in) return make_error(ErrorCode::kCannotOpen, "", 0, "cannot open the baseline '" + path + "'");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  std::vector<nlohmann::json> docs;
  auto whole = nlohmann::json::parse(text, nullptr, false);
  if (!whole.is_discarded()) {
    docs.push_back(std::move(whole));
    return docs;
  }
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto doc = nlohmann::json::parse(line, nullptr, false);
    if (doc.is_discarded()) return make_error(ErrorCode::kMalformed, "", 0, "the baseline '" + path + "' is not JSON or JSON Lines");
    docs.push_back(std::move(doc));
  }
  if (docs.empty()) return make_error(ErrorCode::kMalformed, "", 0, "the baseline '" + path + "' is empty");
  return docs;
}

void progress(const std::string& line) {
  if (!isatty(STDERR_FILENO)) return;
  fmt::print(stderr, "\r\033[K{}", line);
  std::fflush(stderr);
}

// Erases the progress line (before an error line, and when the runs are done).
void clear_progress() {
  if (isatty(STDERR_FILENO)) fmt::print(stderr, "\r\033[K");
}

// The file a bench works on, open read-only for the page-cache preparation and checks
// (the runs themselves open it again).
struct InputFile {
  int fd = -1;
  uint64_t size = 0;
  InputFile() = default;
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;
  ~InputFile() {
    if (fd >= 0) ::close(fd);
  }
};

// Opens `path` into `in`: 0, or exit 66 after printing one line.
int open_input(const std::string& path, InputFile& in) {
  if (Status st = refuse_stdin_input(path); !st.ok()) return file_error(path, st.error());
  in.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (in.fd < 0) return file_error(path, make_error(ErrorCode::kCannotOpen, "", 0, std::strerror(errno)));
  struct stat st {};
  if (fstat(in.fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0)
    return file_error(path, make_error(ErrorCode::kCannotOpen, "", 0, "not a regular, non-empty file"));
  in.size = static_cast<uint64_t>(st.st_size);
  return 0;
}

// The report's description of what is measured: the options, the file and its filesystem.
void describe_setup(const BenchOptions& o, const std::string& path, uint64_t size, const FilesystemInfo& fs, FileReport& r) {
  r.path = path;
  r.size = size;
  r.mode = o.mode;
  r.threads = o.threads;
  r.direct = o.direct;
  r.runs = o.runs;
  r.warmup = o.warmup;
  r.against = o.against;
  r.filesystem = fs.name;
}

// How storage reads are witnessed for this file (calibrated now, before the runs), into the
// report with a warning when the witness is device-wide or missing.
void describe_storage(const BenchOptions& o, const InputFile& in, StorageWitness& witness, FileReport& r) {
  if (witness.device()) r.block_device = witness.device()->name;
  else r.block_device_note = witness.device_problem();
  r.proc_io_read_bytes = witness.calibrate_proc_io(in.fd, in.size);
  if (o.io_source != "auto") witness.force_source(o.io_source);
  r.storage_source = witness.storage_source();
  r.block_requests = witness.has_requests() ? (witness.requests_count_writes() ? "counted (reads and writes)" : "counted")
                                            : witness.requests_problem();
  if (r.storage_source == "block_device")
    r.warnings.push_back("storage_read_bytes is the block device's delta (/proc/self/io read_bytes " +
                         std::string(o.io_source == "block_device" ? "not used: --io-source block_device"
                                     : r.proc_io_read_bytes == "no" ? "stays 0 here"
                                                                    : "is unavailable") +
                         "): device-wide, other processes' reads count too");
  if (r.storage_source == "none") r.warnings.push_back("storage reads cannot be measured here: " + witness.device_problem());
}

// Resolves the stream and seek targets of `plan` for `path` (same for every run and both
// sides) into the report: 0, or the parser's exit code after printing one line.
int resolve_into(const BenchOptions& o, const std::string& path, BenchPlan& plan, FileReport& r) {
  plan.path = path;
  plan.limits = o.limits.limits();
  if (auto st = resolve_plan(plan, o.seeks, o.seed); !st.ok()) return file_error(path, st.error());
  r.stream = plan.mode == BenchMode::kDecode || plan.mode == BenchMode::kSeek ? plan.stream : -1;
  r.stream_type = plan.stream_type;
  r.seek_targets = static_cast<uint32_t>(plan.seek_frames.size());
  r.seek_seed = o.seed;
  r.parent_rss_bytes = parent_rss_bytes();
  if (o.direct && o.cache != "cold")
    r.warnings.push_back("--direct reads sample bytes around the page cache: warm runs read them from storage too");
  return 0;
}

// One side of the comparison: "mp4kit", or the --against baseline, and the work of one run.
struct Side {
  std::string name;
  std::function<void(WorkFigures&)> work;
};

// mp4kit, then the --against baseline if any. The works refer to `plan`, which must outlive them.
std::vector<Side> sides_of(const BenchOptions& o, const BenchPlan& plan) {
  std::vector<Side> sides;
  sides.push_back({"mp4kit", [&plan](WorkFigures& out) {
                     switch (plan.mode) {
                       case BenchMode::kDemux: return demux_work(plan, out);
                       case BenchMode::kProbe: return probe_work(plan, out);
                       case BenchMode::kSeek: return seek_work(plan, out);
                       case BenchMode::kDecode: return module_work(plan, MP4KIT_BENCH_DECODE, out);
                     }
                   }});
  if (!o.against.empty())
    sides.push_back({o.against, [&plan](WorkFigures& out) { module_work(plan, lavf_work_of(plan.mode), out); }});
  return sides;
}

// What the runs of one file share; each function below fills `r`, or prints one line and
// returns a non-zero exit code.
struct FileRuns {
  const BenchOptions& o;
  const std::string& path;
  const InputFile& in;
  const FilesystemInfo& fs;
  StorageWitness& witness;
  std::vector<Side> sides;
  bool seek;                      ///< seek mode (figures_of reports missed targets)
  FileReport& r;
  bool warned_residency = false;  ///< the warm "only N% in the page cache" warning is given once
  bool remote = false;            ///< a URL: no page cache to prepare, no storage witness
};

// One measured (or warm-up, `w` null) run of side `s`; prints the work's error and returns its code.
int run_one(FileRuns& f, size_t s, StorageWitness* w, RunRecord& rec) {
  auto res = run_isolated(f.sides[s].work, f.remote ? nullptr : w);
  if (!res.ok()) return file_error(f.path, res.error());
  rec = *res;
  if (rec.work.exit_code != 0) {
    clear_progress();
    fmt::print(stderr, "mp4kit: {}: {}{}\n", f.path, s ? f.sides[s].name + ": " : "", rec.work.error);
    g_file_error = make_error(static_cast<ErrorCode>(rec.work.exit_code), "", 0, (s ? f.sides[s].name + ": " : "") + rec.work.error);
    return rec.work.exit_code;
  }
  if (f.r.codec.empty() && s == 0) f.r.codec = rec.work.codec;
  return 0;
}

// Loads the file into the page cache, then the --warmup unmeasured runs of every side.
int warm_up(FileRuns& f) {
  const CachePrep prep = prepare_cache(f.in.fd, f.in.size, CacheState::kWarm, f.fs);
  if (!prep.ok) f.r.warnings.push_back(std::string("warm: ") + prep.problem);
  for (int i = 0; i < f.o.warmup; ++i) {
    for (size_t s = 0; s < f.sides.size(); ++s) {
      progress(fmt::format("bench: {}: warm-up {}/{} {}", f.path, i + 1, f.o.warmup, f.sides[s].name));
      RunRecord rec;
      if (int rc = run_one(f, s, nullptr, rec)) return rc;
    }
  }
  return 0;
}

// Before cold run `i` of side `s`: evicts the file and returns the residency measured
// after, or nullopt when the state cannot be reached on the very first run (then `c` says
// why and reports no number; later failures are warnings).
std::optional<double> evict_before(FileRuns& f, CacheOutcome& c, int i, size_t s) {
  const CachePrep prep = prepare_cache(f.in.fd, f.in.size, CacheState::kCold, f.fs);
  if (!prep.ok) {
    if (i == 1 && s == 0) {
      c.available = false;
      c.reason = prep.problem;
      return std::nullopt;
    }
    f.r.warnings.push_back(fmt::format("cold run {} ({}): {}", i, f.sides[s].name, prep.problem));
  }
  return prep.residency;
}

// Before warm run `i` of side `s`: the file's residency (NaN where the kernel does not report
// it to us), with one warning the first time it is below 95%.
double warm_residency(FileRuns& f, int i, size_t s, bool trusted) {
  double residency = NAN;
  if (!trusted) return residency;
  if (auto res = page_cache_residency(f.in.fd, f.in.size); res.ok()) residency = res->fraction();
  if (!(residency >= 0.95) && !f.warned_residency) {
    f.warned_residency = true;
    f.r.warnings.push_back(fmt::format("warm run {} ({}): only {:.1f}% of the file was in the page cache before the run", i,
                                       f.sides[s].name, 100 * residency));
  }
  return residency;
}

// The runs of one cache state into `c`: --runs rounds, each side once per round.
int run_state(FileRuns& f, CacheOutcome& c, CacheState state) {
  const char* name = state == CacheState::kCold ? "cold" : "warm";
  c.requested = true;
  for (const Side& s : f.sides) c.sides.push_back(SideRuns{s.name, {}});
  const bool trusted = !f.remote && residency_trusted(f.in.fd);
  if (state == CacheState::kWarm)
    if (int rc = warm_up(f)) return rc;
  for (int i = 1; i <= f.o.runs; ++i) {
    for (size_t s = 0; s < f.sides.size(); ++s) {
      progress(fmt::format("bench: {}: {} run {}/{} {}", f.path, name, i, f.o.runs, f.sides[s].name));
      double residency = NAN;
      if (f.remote) {
        // Nothing to prepare: each run is a fresh process with an empty block cache.
      } else if (state == CacheState::kCold) {
        const std::optional<double> evicted = evict_before(f, c, i, s);
        if (!evicted) return 0;
        residency = *evicted;
      } else {
        residency = warm_residency(f, i, s, trusted);
      }
      RunRecord rec;
      if (int rc = run_one(f, s, &f.witness, rec)) return rc;
      rec.m.residency_before = residency;
      c.sides[s].runs.push_back(figures_of(i, rec, f.witness, f.seek));
    }
  }
  return 0;
}

// With --against: the two sides must have done the same work (a warning otherwise).
void check_same_work(FileReport& r) {
  for (const CacheOutcome* c : {&r.cold, &r.warm}) {
    if (c->sides.size() < 2 || c->sides[0].runs.empty() || c->sides[1].runs.empty()) continue;
    const auto a = figure(c->sides[0].runs[0], "frames"), b = figure(c->sides[1].runs[0], "frames");
    if (a && b && *a != *b)
      r.warnings.push_back(fmt::format("mp4kit produced {:.0f} frames, {} {:.0f}: the two sides did not do the same work", *a,
                                       c->sides[1].name, *b));
  }
}

// Benchmarks a URL: no page cache and no storage counters (the file is on the server), so
// one state is run, reported as "cold" (each run is a fresh process that fetches what it
// reads: nothing is cached between runs), with the bytes and requests each run fetched
// (figures bytes_read, requests). Fills `r`, or returns an exit code after one line.
int bench_url(const BenchOptions& o, const std::string& path, BenchPlan plan, FileReport& r) {
  if (o.direct) return file_error(path, make_error(ErrorCode::kUsage, "", 0, "--direct reads local files only"));
  auto source = open_source(path, plan.source);  // fails early (66 for a 404) and gives the size
  if (!source.ok()) return file_error(path, source.error());
  const std::string shown = display_name(path);
  const FilesystemInfo fs{0, "http", false};
  describe_setup(o, shown, (*source)->size(), fs, r);
  source->reset();
  r.storage_source = "none";
  r.block_requests = "not applicable (remote input)";
  r.proc_io_read_bytes = "unknown";
  r.warnings.push_back("remote input: no page cache to prepare; every run is a fresh process that fetches what it reads "
                       "(reported as cold; --cache is ignored)");
  if (int rc = resolve_into(o, path, plan, r)) return rc;
  r.path = shown;
  InputFile none;
  StorageWitness witness;
  FileRuns f{o, shown, none, fs, witness, sides_of(o, plan), plan.mode == BenchMode::kSeek, r};
  f.remote = true;
  if (int rc = run_state(f, r.cold, CacheState::kCold)) return rc;
  clear_progress();
  check_same_work(r);
  add_spread_warnings(r);
  return 0;
}

// Benchmarks one file: fills `r`, or returns a non-zero exit code after printing one line.
int bench_file(const BenchOptions& o, const std::string& path, BenchPlan plan, FileReport& r) {
  // bench measures storage and the page cache of a local file (cold/warm runs, block-layer
  // counters): a URL has neither; scripts/bench-http.sh measures remote inputs.
  if (is_url(path)) return bench_url(o, path, std::move(plan), r);
  InputFile in;
  if (int rc = open_input(path, in)) return rc;
  const FilesystemInfo fs = filesystem_of(in.fd);
  describe_setup(o, path, in.size, fs, r);
  StorageWitness witness = StorageWitness::for_file(in.fd);
  describe_storage(o, in, witness, r);
  if (int rc = resolve_into(o, path, plan, r)) return rc;

  FileRuns f{o, path, in, fs, witness, sides_of(o, plan), plan.mode == BenchMode::kSeek, r};
  if (o.cache == "cold" || o.cache == "both")
    if (int rc = run_state(f, r.cold, CacheState::kCold)) return rc;
  if (o.cache == "warm" || o.cache == "both")
    if (int rc = run_state(f, r.warm, CacheState::kWarm)) return rc;
  clear_progress();
  check_same_work(r);
  add_spread_warnings(r);
  return 0;
}

int run_bench(const BenchOptions& o) {
  const BenchMode mode = mode_of(o.mode);
  if (o.direct && mode != BenchMode::kDemux) return usage("--direct applies to --mode demux only");
  if (o.direct && !o.against.empty()) return usage("--direct cannot be combined with --against (libavformat reads through the page cache)");
  if (o.max_regression_given && o.baseline.empty()) return usage("--max-regression needs --baseline PREV.json");
  if (o.seeks == 0) return usage("--seeks must be at least 1");

  std::vector<nlohmann::json> baseline;
  if (!o.baseline.empty()) {
    auto b = load_baseline(o.baseline);
    if (!b.ok()) return report_error(o.baseline, b.error());
    baseline = std::move(b.value());
  }

  BenchPlan proto;
  proto.mode = mode;
  proto.stream = o.stream;
  proto.threads = o.threads;
  proto.direct = o.direct;
  proto.source = o.source.options();
  if (mode == BenchMode::kDecode || !o.against.empty()) {
    constexpr pipeline::ModuleSpec kBenchModule{"mp4kit_bench.so", "MP4KIT_BENCH_MODULE", "bench module"};
    auto api = pipeline::module_table<mp4kit_bench_api>(kBenchModule, MP4KIT_BENCH_ENTRY, MP4KIT_BENCH_ABI_VERSION);
    if (!api.ok()) return report_error("", api.error());
    proto.bench_api = *api;
  }
  if (mode == BenchMode::kDecode || mode == BenchMode::kSeek) {
    // Loaded here, in the parent: the forked runs inherit it and do not pay for loading it
    // (the bench module's decode opens the same file: dlopen finds it loaded).
    if (auto m = DecodeModule::load(); !m.ok())
      return report_error("", make_error(ErrorCode::kInternal, "", 0,
                                         std::string(mode == BenchMode::kSeek ? "seek" : "decode") +
                                             " mode needs the decode module: " + m.error().message));
  }
  if (!o.against.empty()) {
    // Loaded here, in the parent, so that no measured run pays for loading libavformat.
    char err[512] = {};
    if (proto.bench_api->prepare(lavf_work_of(mode), err, sizeof err) != 0)
      return report_error("", make_error(ErrorCode::kInternal, "", 0, err));
  }

  int rc = kExitOk;
  std::vector<std::string> failures;
  for (const std::string& path : o.files) {
    FileReport r;
    if (int file_rc = bench_file(o, path, proto, r)) {
      // Reported like probe's failed inputs; the other inputs still run.
      rc = worse_exit(rc, file_rc);
      if (o.json) write_record(error_record(path, g_file_error), o.pretty);
      continue;
    }
    if (o.min_fps >= 0) add_min_fps_gates(r, o.min_fps);
    if (!baseline.empty()) add_baseline_gates(r, baseline, o.max_regression);
    for (const Gate& g : r.gates)
      if (g.outcome != "pass") failures.push_back(g.reason);
    if (o.json) {
      write_record(to_json(r), o.pretty);
    } else {
      print_table(stdout, r);
      if (o.files.size() > 1) fmt::print("\n");
      std::fflush(stdout);
    }
  }
  if (!failures.empty()) {
    std::string line = failures.front();
    if (failures.size() > 1) line += fmt::format(" (and {} more)", failures.size() - 1);
    fmt::print(stderr, "mp4kit: bench: {}\n", line);
    rc = worse_exit(rc, kExitThreshold);
  }
  return rc;
}

}  // namespace

void register_bench(CLI::App& app, std::function<int()>& run) {
  auto o = std::make_shared<BenchOptions>();
  CLI::App* cmd = app.add_subcommand("bench", "Benchmark decode/demux/probe/seek with verified cold or warm page cache, one process per run");
  cmd->add_option("FILE", o->files, "MP4 / QuickTime / fragmented MP4 files")->required();
  cmd->add_option("--mode", o->mode, "decode (default): decode one stream; demux: read every packet's bytes; probe: open + index; "
                                     "seek: decode a fixed pseudo-random set of exact frames")
      ->check(CLI::IsMember({"decode", "demux", "probe", "seek"}));
  cmd->add_option("--cache", o->cache, "cold: evict the file before each run and verify; warm: load it and verify; both (default)")
      ->check(CLI::IsMember({"cold", "warm", "both"}));
  cmd->add_option("--runs", o->runs, "measured runs per cache state (and per side with --against), default 3")->check(CLI::Range(1, 1000));
  cmd->add_option("--warmup", o->warmup, "unmeasured runs before the warm runs, default 1")->check(CLI::Range(0, 100));
  cmd->add_option("--threads", o->threads, "decoder threads (0 = one per CPU, FFmpeg's default)")->check(CLI::Range(0, 64));
  add_limit_flags(*cmd, o->limits);
  add_source_flags(*cmd, o->source);
  cmd->add_option("--stream", o->stream, "decode/seek: stream index as ffprobe numbers it (default: first video, else first audio)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--seeks", o->seeks, "seek: number of target frames, default 16")->check(CLI::Range(1, 100000));
  cmd->add_option("--seed", o->seed, "seek: seed of the pseudo-random target frames, default 1");
  cmd->add_flag("--json", o->json, "one JSON line per file on stdout (schema mp4kit.bench/1)");
  cmd->add_flag("--pretty", o->pretty, "JSON indented for people (implies --json)");
  cmd->add_flag("--direct", o->direct, "demux: read sample bytes with O_DIRECT into aligned buffers, bypassing the page cache");
  cmd->add_option("--min-fps", o->min_fps, "exit 1 when a median fps of mp4kit is below X, or cannot be measured")->check(CLI::NonNegativeNumber);
  cmd->add_option("--baseline", o->baseline, "an earlier --json output to compare median fps with");
  cmd->add_option("--max-regression", o->max_regression, "with --baseline: exit 1 when median fps dropped by more than PCT percent (default 10), or the baseline has no entry for the file (same path and size)")
      ->check(CLI::Range(0.0, 100.0))
      ->each([o](const std::string&) { o->max_regression_given = true; });
  cmd->add_option("--io-source", o->io_source, "storage bytes from auto (default), proc_io or block_device (diagnostics)")
      ->check(CLI::IsMember({"auto", "proc_io", "block_device"}))
      ->group("");
  cmd->add_option("--against", o->against, "also run the same work through FFmpeg's demuxer, alternating runs: libavformat")
      ->check(CLI::IsMember({"libavformat"}));
  run = [o] {
    o->json = o->json || o->pretty;
    return run_bench(*o);
  };
}

}  // namespace mp4kit::cli
