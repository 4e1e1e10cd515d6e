// `mp4kit bench [--mode decode|demux|probe|seek] [--cache cold|warm|both] [--runs N]
//  [--warmup N] [--threads N] [--stream N] [--json] [--direct] [--min-fps X]
//  [--baseline PREV.json --max-regression PCT] [--against libavformat] FILE...`
//
// Benchmark numbers that say what they measured: each run's page-cache state is prepared
// and verified (bench/page_cache.h), each run executes in its own forked process with
// its CPU time, faults, peak RSS and storage reads measured around it
// (bench/bench_harness.h), and a state that cannot be reached (eviction on tmpfs) is
// reported as such instead of as a number. demux and probe run in the executable; decode
// and the libavformat baseline in the bench module (bench/bench_module.h), seek in the
// decode module (lib/decode/seek_module.h).
// Output: a table, or --json (schema mp4kit.bench/1, bench/BENCH-schema.md).
#include <fcntl.h>
#include <fmt/core.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "bench_report.h"
#include "bench_work.h"
#include "commands.h"
#include "module_loader.h"

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
  bool direct = false;
  double min_fps = -1;
  std::string baseline;
  double max_regression = 10;
  bool max_regression_given = false;
  std::string against;
  std::string io_source = "auto";
  uint32_t seeks = 16;
  uint64_t seed = 1;
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

// Benchmarks one file: fills `r`, or returns a non-zero exit code after printing one line.
int bench_file(const BenchOptions& o, const std::string& path, BenchPlan plan, FileReport& r) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return report_error(path, make_error(ErrorCode::kCannotOpen, "", 0, std::string("cannot open: ") + std::strerror(errno)));
  struct FdCloser {
    int fd;
    ~FdCloser() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0)
    return report_error(path, make_error(ErrorCode::kCannotOpen, "", 0, "not a regular, non-empty file"));
  const uint64_t size = static_cast<uint64_t>(st.st_size);

  r.path = path;
  r.size = size;
  r.mode = o.mode;
  r.threads = o.threads;
  r.direct = o.direct;
  r.runs = o.runs;
  r.warmup = o.warmup;
  r.against = o.against;
  const FilesystemInfo fs = filesystem_of(fd);
  r.filesystem = fs.name;
  StorageWitness witness = StorageWitness::for_file(fd);
  if (witness.device()) r.block_device = witness.device()->name;
  else r.block_device_note = witness.device_problem();
  r.proc_io_read_bytes = witness.calibrate_proc_io(fd, size);
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

  plan.path = path;
  if (auto st2 = resolve_plan(plan, o.seeks, o.seed); !st2.ok()) return report_error(path, st2.error());
  r.stream = plan.mode == BenchMode::kDecode || plan.mode == BenchMode::kSeek ? plan.stream : -1;
  r.stream_type = plan.stream_type;
  r.seek_targets = static_cast<uint32_t>(plan.seek_frames.size());
  r.seek_seed = o.seed;
  r.parent_rss_bytes = parent_rss_bytes();
  if (o.direct && o.cache != "cold")
    r.warnings.push_back("--direct reads sample bytes around the page cache: warm runs read them from storage too");

  const bool seek = plan.mode == BenchMode::kSeek;
  std::vector<std::pair<std::string, std::function<void(WorkFigures&)>>> sides;
  sides.emplace_back("mp4kit", [&plan](WorkFigures& out) {
    switch (plan.mode) {
      case BenchMode::kDemux: return demux_work(plan, out);
      case BenchMode::kProbe: return probe_work(plan, out);
      case BenchMode::kSeek: return seek_work(plan, out);
      case BenchMode::kDecode: return module_work(plan, MP4KIT_BENCH_DECODE, out);
    }
  });
  if (!o.against.empty())
    sides.emplace_back(o.against, [&plan](WorkFigures& out) { module_work(plan, lavf_work_of(plan.mode), out); });

  // One measured (or warm-up) run of side `s`; prints the work's error and returns its code.
  auto run_one = [&](size_t s, StorageWitness* w, RunRecord& rec) -> int {
    auto res = run_isolated(sides[s].second, w);
    if (!res.ok()) return report_error(path, res.error());
    rec = *res;
    if (rec.work.exit_code != 0) {
      if (isatty(STDERR_FILENO)) fmt::print(stderr, "\r\033[K");
      fmt::print(stderr, "mp4kit: {}: {}{}\n", path, s ? sides[s].first + ": " : "", rec.work.error);
      return rec.work.exit_code;
    }
    if (r.codec.empty() && s == 0) r.codec = rec.work.codec;
    return 0;
  };

  auto run_state = [&](CacheOutcome& c, CacheState state) -> int {
    const char* name = state == CacheState::kCold ? "cold" : "warm";
    c.requested = true;
    for (auto& s : sides) c.sides.push_back(SideRuns{s.first, {}});
    const bool trusted = residency_trusted(fd);
    if (state == CacheState::kWarm) {
      const CachePrep prep = prepare_cache(fd, size, state, fs);
      if (!prep.ok) r.warnings.push_back(std::string("warm: ") + prep.problem);
      for (int i = 0; i < o.warmup; ++i) {
        for (size_t s = 0; s < sides.size(); ++s) {
          progress(fmt::format("bench: {}: warm-up {}/{} {}", path, i + 1, o.warmup, sides[s].first));
          RunRecord rec;
          if (int rc = run_one(s, nullptr, rec)) return rc;
        }
      }
    }
    bool warned = false;
    for (int i = 1; i <= o.runs; ++i) {
      for (size_t s = 0; s < sides.size(); ++s) {
        progress(fmt::format("bench: {}: {} run {}/{} {}", path, name, i, o.runs, sides[s].first));
        double residency = NAN;
        if (state == CacheState::kCold) {
          const CachePrep prep = prepare_cache(fd, size, state, fs);
          if (!prep.ok) {
            if (i == 1 && s == 0) {  // the state cannot be reached: say so, report no number
              c.available = false;
              c.reason = prep.problem;
              return 0;
            }
            r.warnings.push_back(fmt::format("cold run {} ({}): {}", i, sides[s].first, prep.problem));
          }
          residency = prep.residency;
        } else if (trusted) {
          if (auto res = page_cache_residency(fd, size); res.ok()) residency = res->fraction();
          if (!(residency >= 0.95) && !warned) {
            warned = true;
            r.warnings.push_back(fmt::format("warm run {} ({}): only {:.1f}% of the file was in the page cache before the run", i,
                                             sides[s].first, 100 * residency));
          }
        }
        RunRecord rec;
        if (int rc = run_one(s, &witness, rec)) return rc;
        rec.m.residency_before = residency;
        c.sides[s].runs.push_back(figures_of(i, rec, witness, seek));
      }
    }
    return 0;
  };

  if (o.cache == "cold" || o.cache == "both")
    if (int rc = run_state(r.cold, CacheState::kCold)) return rc;
  if (o.cache == "warm" || o.cache == "both")
    if (int rc = run_state(r.warm, CacheState::kWarm)) return rc;
  if (isatty(STDERR_FILENO)) fmt::print(stderr, "\r\033[K");

  // The two sides must have done the same work.
  for (const CacheOutcome* c : {&r.cold, &r.warm}) {
    if (c->sides.size() < 2 || c->sides[0].runs.empty() || c->sides[1].runs.empty()) continue;
    const auto a = figure(c->sides[0].runs[0], "frames"), b = figure(c->sides[1].runs[0], "frames");
    if (a && b && *a != *b)
      r.warnings.push_back(fmt::format("mp4kit produced {:.0f} frames, {} {:.0f}: the two sides did not do the same work", *a,
                                       c->sides[1].name, *b));
  }
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
  std::string why;
  if (mode == BenchMode::kDecode || !o.against.empty()) {
    proto.bench_api = module_api<mp4kit_bench_api>(kBenchModule, MP4KIT_BENCH_ENTRY, MP4KIT_BENCH_ABI_VERSION, "bench", why);
    if (!proto.bench_api) return report_error("", make_error(ErrorCode::kInternal, "", 0, why));
  }
  if (mode == BenchMode::kSeek) {
    proto.seek_api = module_api<mp4kit_seek_api>(kDecodeModule, MP4KIT_SEEK_ENTRY, MP4KIT_SEEK_ABI_VERSION, "seek", why);
    if (!proto.seek_api)
      return report_error("", make_error(ErrorCode::kInternal, "", 0, "seek mode needs the seek module: " + why));
  }
  if (!o.against.empty()) {
    // Loaded here, in the parent, so that no measured run pays for loading libavformat.
    char err[512] = {};
    if (proto.bench_api->prepare(lavf_work_of(mode), err, sizeof err) != 0)
      return report_error("", make_error(ErrorCode::kInternal, "", 0, err));
  }

  std::vector<std::string> failures;
  for (const std::string& path : o.files) {
    FileReport r;
    if (int rc = bench_file(o, path, proto, r)) return rc;
    if (o.json) {
      fmt::print("{}\n", to_json(r).dump(o.files.size() > 1 ? -1 : 2));
    } else {
      print_table(stdout, r);
      if (o.files.size() > 1) fmt::print("\n");
    }
    std::fflush(stdout);
    if (o.min_fps >= 0)
      if (auto f = check_min_fps(r, o.min_fps)) failures.push_back(*f);
    if (!baseline.empty()) {
      auto b = check_baseline(r, baseline, o.max_regression);
      if (!b.ok()) return report_error(o.baseline, b.error());
      if (*b) failures.push_back(**b);
    }
  }
  if (!failures.empty()) {
    std::string line = failures.front();
    if (failures.size() > 1) line += fmt::format(" (and {} more)", failures.size() - 1);
    fmt::print(stderr, "mp4kit: bench: {}\n", line);
    return kExitThreshold;
  }
  return kExitOk;
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
  cmd->add_option("--stream", o->stream, "decode/seek: stream index as ffprobe numbers it (default: first video, else first audio)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--seeks", o->seeks, "seek: number of target frames, default 16")->check(CLI::Range(1, 100000));
  cmd->add_option("--seed", o->seed, "seek: seed of the pseudo-random target frames, default 1");
  cmd->add_flag("--json", o->json, "JSON (schema mp4kit.bench/1); several files: JSON Lines");
  cmd->add_flag("--direct", o->direct, "demux: read sample bytes with O_DIRECT into aligned buffers, bypassing the page cache");
  cmd->add_option("--min-fps", o->min_fps, "exit 1 when a median fps of mp4kit is below X")->check(CLI::NonNegativeNumber);
  cmd->add_option("--baseline", o->baseline, "an earlier --json output to compare median fps with");
  cmd->add_option("--max-regression", o->max_regression, "with --baseline: exit 1 when median fps dropped by more than PCT percent (default 10)")
      ->check(CLI::Range(0.0, 100.0))
      ->each([o](const std::string&) { o->max_regression_given = true; });
  cmd->add_option("--io-source", o->io_source, "storage bytes from auto (default), proc_io or block_device (diagnostics)")
      ->check(CLI::IsMember({"auto", "proc_io", "block_device"}))
      ->group("");
  cmd->add_option("--against", o->against, "also run the same work through FFmpeg's demuxer, alternating runs: libavformat")
      ->check(CLI::IsMember({"libavformat"}));
  run = [o] { return run_bench(*o); };
}

}  // namespace mp4kit::cli
