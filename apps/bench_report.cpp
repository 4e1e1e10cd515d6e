// Figures, summaries, table, JSON and CI checks of `mp4kit bench` (see bench_report.h).
#include "bench_report.h"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>

namespace mp4kit::cli::bench {
namespace {

constexpr double kNoisySpread = 0.10;  // min..max over median, fps

std::optional<double> opt(bool has, double v) { return has ? std::optional<double>(v) : std::nullopt; }
std::optional<double> opt_u(const std::optional<uint64_t>& v) {
  return v ? std::optional<double>(static_cast<double>(*v)) : std::nullopt;
}

nlohmann::ordered_json value_json(const Figure& f) {
  if (!f.value) return nullptr;
  const double v = *f.value;
  if (f.integer && std::floor(v) == v && std::fabs(v) < 9.0e15) return static_cast<int64_t>(v);
  return v;
}

nlohmann::ordered_json figures_json(const Figures& fs) {
  nlohmann::ordered_json o = nlohmann::ordered_json::object();
  for (const Figure& f : fs) o[f.name] = value_json(f);
  return o;
}

std::string cell(const std::optional<double>& v, int decimals, double scale = 1.0) {
  if (!v) return "-";
  return fmt::format("{:.{}f}", *v / scale, decimals);
}

// Latencies span 0.0002 ms (a packet read) to seconds: four significant digits, no exponent.
std::string ms_cell(const std::optional<double>& v) {
  if (!v) return "-";
  if (*v <= 0) return "0";
  const int decimals = std::clamp(3 - static_cast<int>(std::floor(std::log10(*v))), 0, 6);
  return fmt::format("{:.{}f}", *v, decimals);
}

const SideRuns* side(const CacheOutcome& c, size_t i) { return i < c.sides.size() ? &c.sides[i] : nullptr; }

}  // namespace

std::optional<double> figure(const Figures& fs, const std::string& name) {
  for (const Figure& f : fs)
    if (f.name == name) return f.value;
  return std::nullopt;
}

Figures figures_of(int run, const RunRecord& rec, const StorageWitness& witness, bool seek) {
  const WorkFigures& w = rec.work;
  const RunMeasurement& m = rec.m;
  const double frames = static_cast<double>(w.frames);
  const double cpu = m.user_s + m.sys_s;
  Figures f;
  f.push_back({"run", double(run), true});
  f.push_back({"frames", frames, true});
  f.push_back({"fps", m.wall_s > 0 ? std::optional<double>(frames / m.wall_s) : std::nullopt, false});
  f.push_back({"wall_s", m.wall_s, false});
  f.push_back({"user_s", m.user_s, false});
  f.push_back({"sys_s", m.sys_s, false});
  f.push_back({"cpu_utilization", m.wall_s > 0 ? std::optional<double>(cpu / m.wall_s) : std::nullopt, false});
  f.push_back({"storage_read_bytes", opt_u(witness.storage_read_bytes(m)), true});
  f.push_back({"requested_bytes", m.proc_io_available ? std::optional<double>(double(m.requested_bytes)) : std::nullopt, true});
  f.push_back({"major_faults", double(m.major_faults), true});
  f.push_back({"minor_faults", double(m.minor_faults), true});
  f.push_back({"peak_rss_bytes", m.peak_rss_bytes ? std::optional<double>(double(m.peak_rss_bytes)) : std::nullopt, true});
  f.push_back({"residency_before", std::isnan(m.residency_before) ? std::nullopt : std::optional<double>(m.residency_before), false});
  f.push_back({"latency_p50_ms", opt(w.has_latency, w.latency_p50_ms), false});
  f.push_back({"latency_p95_ms", opt(w.has_latency, w.latency_p95_ms), false});
  f.push_back({"latency_p99_ms", opt(w.has_latency, w.latency_p99_ms), false});
  f.push_back({"latency_max_ms", opt(w.has_latency, w.latency_max_ms), false});
  f.push_back({"pool_misses_per_frame",
               w.has_pool && w.frames ? std::optional<double>(double(w.pool_misses) / frames) : std::nullopt, false});
  f.push_back({"packets", double(w.packets), true});
  f.push_back({"payload_bytes", double(w.payload_bytes), true});
  f.push_back({"proc_read_bytes", m.proc_io_available ? std::optional<double>(double(m.proc_read_bytes)) : std::nullopt, true});
  f.push_back({"device_read_bytes", opt_u(m.device_read_bytes), true});
  f.push_back({"block_requests", opt_u(m.block_requests), true});
  f.push_back({"decode_errors", double(w.decode_errors), true});
  f.push_back({"seek_targets_missed", seek ? std::optional<double>(double(w.seek_targets_missed)) : std::nullopt, true});
  f.push_back({"bytes_read", w.has_fetch ? std::optional<double>(double(w.fetched_bytes)) : std::nullopt, true});
  f.push_back({"requests", w.has_fetch ? std::optional<double>(double(w.fetch_requests)) : std::nullopt, true});
  return f;
}

Summary summarize(const std::vector<Figures>& runs) {
  Summary s;
  if (runs.empty()) return s;
  for (size_t k = 0; k < runs.front().size(); ++k) {
    const Figure& proto = runs.front()[k];
    if (proto.name == "run") continue;
    std::vector<double> v;
    for (const Figures& r : runs)
      if (k < r.size() && r[k].value) v.push_back(*r[k].value);
    Figure lo{proto.name, std::nullopt, proto.integer}, mid = lo, hi = lo;
    if (!v.empty()) {
      std::sort(v.begin(), v.end());
      lo.value = v.front();
      hi.value = v.back();
      const size_t n = v.size();
      mid.value = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
    }
    s.min.push_back(lo);
    s.median.push_back(mid);
    s.max.push_back(hi);
  }
  return s;
}

void add_spread_warnings(FileReport& r) {
  for (const CacheOutcome* c : {&r.cold, &r.warm}) {
    const char* state = c == &r.cold ? "cold" : "warm";
    for (const SideRuns& s : c->sides) {
      if (s.runs.size() < 2) continue;
      const Summary sum = summarize(s.runs);
      const auto lo = figure(sum.min, "fps"), mid = figure(sum.median, "fps"), hi = figure(sum.max, "fps");
      if (!lo || !mid || !hi || *mid <= 0) continue;
      const double spread = (*hi - *lo) / *mid;
      if (spread > kNoisySpread)
        r.warnings.push_back(fmt::format("{} {}: fps spread {:.1f}% (max - min over the median) exceeds {:.0f}%: noisy machine; "
                                         "more --runs or a quieter machine give better numbers",
                                         state, s.name, 100 * spread, 100 * kNoisySpread));
    }
  }
}

nlohmann::ordered_json to_json(const FileReport& r) {
  using J = nlohmann::ordered_json;
  J j;
  j["schema"] = "mp4kit.bench/1";
  j["file"] = {{"path", r.path},
               {"size", r.size},
               {"filesystem", r.filesystem},
               {"block_device", r.block_device.empty() ? J(nullptr) : J(r.block_device)}};
  j["mode"] = r.mode;
  j["stream"] = r.stream >= 0 ? J(r.stream) : J(nullptr);
  j["codec"] = r.codec.empty() ? J(nullptr) : J(r.codec);
  j["threads"] = r.threads;
  j["direct"] = r.direct;
  j["runs"] = r.runs;
  j["warmup"] = r.warmup;
  if (r.mode == "seek") j["seek"] = {{"targets", r.seek_targets}, {"seed", r.seek_seed}};
  j["isolation"] = {{"process_per_run", true}, {"parent_rss_bytes", r.parent_rss_bytes}};
  j["io"] = {{"storage_read_source", r.storage_source},
             {"device_wide", r.storage_source == "block_device"},
             {"proc_io_read_bytes", r.proc_io_read_bytes},
             {"block_requests", r.block_requests}};
  if (!r.block_device_note.empty()) j["io"]["block_device_note"] = r.block_device_note;

  auto cache_json = [&](const CacheOutcome& c, size_t side_index) {
    J o;
    o["available"] = c.available;
    if (!c.available) {
      o["reason"] = c.reason;
      return o;
    }
    const SideRuns* s = side(c, side_index);
    J runs = J::array();
    if (s)
      for (const Figures& f : s->runs) runs.push_back(figures_json(f));
    o["runs"] = runs;
    const Summary sum = summarize(s ? s->runs : std::vector<Figures>{});
    o["min"] = figures_json(sum.min);
    o["median"] = figures_json(sum.median);
    o["max"] = figures_json(sum.max);
    return o;
  };
  J cache = J::object();
  if (r.cold.requested) cache["cold"] = cache_json(r.cold, 0);
  if (r.warm.requested) cache["warm"] = cache_json(r.warm, 0);
  j["cache"] = cache;
  if (!r.against.empty()) {
    J a;
    a["name"] = r.against;
    J bc = J::object();
    if (r.cold.requested) bc["cold"] = cache_json(r.cold, 1);
    if (r.warm.requested) bc["warm"] = cache_json(r.warm, 1);
    a["cache"] = bc;
    // mp4kit / baseline of the medians: fps > 1 means mp4kit is faster; wall_s and cpu_s
    // (user + sys) < 1 mean it took less time.
    J ratio = J::object();
    for (const CacheOutcome* c : {&r.cold, &r.warm}) {
      if (!c->requested || !c->available || c->sides.size() < 2) continue;
      const Summary a0 = summarize(c->sides[0].runs), b0 = summarize(c->sides[1].runs);
      auto div = [](std::optional<double> x, std::optional<double> y) -> J {
        return x && y && *y > 0 ? J(*x / *y) : J(nullptr);
      };
      auto cpu = [](const Summary& s) -> std::optional<double> {
        auto u = figure(s.median, "user_s"), sy = figure(s.median, "sys_s");
        return u && sy ? std::optional<double>(*u + *sy) : std::nullopt;
      };
      ratio[c == &r.cold ? "cold" : "warm"] = {{"fps", div(figure(a0.median, "fps"), figure(b0.median, "fps"))},
                                               {"wall_s", div(figure(a0.median, "wall_s"), figure(b0.median, "wall_s"))},
                                               {"cpu_s", div(cpu(a0), cpu(b0))}};
    }
    a["ratio"] = ratio;
    j["against"] = a;
  } else {
    j["against"] = nullptr;
  }
  j["warnings"] = r.warnings;
  J gates = J::array();
  for (const Gate& g : r.gates)
    gates.push_back({{"gate", g.name}, {"state", g.state}, {"threshold", g.threshold},
                     {"measured", g.measured ? J(*g.measured) : J(nullptr)},
                     {"baseline", g.baseline_fps ? J(*g.baseline_fps) : J(nullptr)}, {"outcome", g.outcome},
                     {"reason", g.reason}});
  j["gates"] = gates;
  return j;
}

void print_table(std::FILE* out, const FileReport& r) {
  std::string head = fmt::format("bench {}: {} ({:.1f} MB on {}", r.mode, r.path, double(r.size) / 1e6, r.filesystem);
  if (!r.block_device.empty()) head += ", /dev/" + r.block_device;
  head += ")";
  if (r.stream >= 0) head += fmt::format(", stream {} ({}{})", r.stream, r.stream_type, r.codec.empty() ? "" : " " + r.codec);
  if (r.mode == "decode" || r.mode == "seek") head += r.threads ? fmt::format(", {} threads", r.threads) : ", threads auto";
  if (r.mode == "seek") head += fmt::format(", {} target frames (seed {})", r.seek_targets, r.seek_seed);
  if (r.direct) head += ", O_DIRECT";
  fmt::print(out, "{}\n", head);
  const std::string storage = r.storage_source == "proc_io"        ? "/proc/self/io read_bytes (this run's process only)"
                              : r.storage_source == "block_device" ? "/dev/" + r.block_device +
                                                                         " sectors read (device-wide: other processes count too)"
                                                                   : "not measurable here";
  fmt::print(out, "  {} measured runs per cache state, {} warm-up, each run in its own process; storage bytes: {}; block requests: {}\n",
             r.runs, r.warmup, storage, r.block_requests);
  // A URL: what each run fetched from the server (bytes_read, requests) in two more columns.
  const bool remote = r.filesystem == "http";
  fmt::print(out, "  {:<5} {:<11} {:>6} {:>9} {:>9} {:>8} {:>7} {:>7} {:>5} {:>9} {:>9} {:>7} {:>8} {:>7} {:>6} {:>7} {:>7} {:>7} {:>8} {:>7}{}\n",
             "cache", "side", "run", "frames", "fps", "wall s", "user s", "sys s", "cpu%", "stor. MB", "req. MB", "majflt",
             "minflt", "RSS MB", "resid%", "p50 ms", "p95 ms", "p99 ms", "max ms", "miss/f",
             remote ? fmt::format(" {:>9} {:>8}", "fetch MB", "requests") : std::string());
  auto row = [&](const char* state, const std::string& who, const std::string& label, const Figures& f) {
    auto g = [&](const char* k) { return figure(f, k); };
    fmt::print(out, "  {:<5} {:<11} {:>6} {:>9} {:>9} {:>8} {:>7} {:>7} {:>5} {:>9} {:>9} {:>7} {:>8} {:>7} {:>6} {:>7} {:>7} {:>7} {:>8} {:>7}{}\n",
               state, who, label, cell(g("frames"), 0), cell(g("fps"), 1), cell(g("wall_s"), 3), cell(g("user_s"), 3),
               cell(g("sys_s"), 3), cell(g("cpu_utilization") ? std::optional<double>(*g("cpu_utilization") * 100) : std::nullopt, 0),
               cell(g("storage_read_bytes"), 1, 1e6), cell(g("requested_bytes"), 1, 1e6), cell(g("major_faults"), 0),
               cell(g("minor_faults"), 0), cell(g("peak_rss_bytes"), 1, 1e6),
               cell(g("residency_before") ? std::optional<double>(*g("residency_before") * 100) : std::nullopt, 1),
               ms_cell(g("latency_p50_ms")), ms_cell(g("latency_p95_ms")), ms_cell(g("latency_p99_ms")), ms_cell(g("latency_max_ms")),
               cell(g("pool_misses_per_frame"), 3),
               remote ? fmt::format(" {:>9} {:>8}", cell(g("bytes_read"), 3, 1e6), cell(g("requests"), 0)) : std::string());
  };
  for (const CacheOutcome* c : {&r.cold, &r.warm}) {
    if (!c->requested) continue;
    const char* state = c == &r.cold ? "cold" : "warm";
    if (!c->available) {
      fmt::print(out, "  {:<5} no {} number: {}\n", state, state, c->reason);
      continue;
    }
    for (const SideRuns& s : c->sides) {
      for (const Figures& f : s.runs) row(state, s.name, cell(figure(f, "run"), 0), f);
      if (s.runs.size() > 1) {
        const Summary sum = summarize(s.runs);
        row(state, s.name, "min", sum.min);
        row(state, s.name, "median", sum.median);
        row(state, s.name, "max", sum.max);
      }
    }
    if (c->sides.size() > 1) {
      const Summary a = summarize(c->sides[0].runs), b = summarize(c->sides[1].runs);
      const auto fa = figure(a.median, "fps"), fb = figure(b.median, "fps");
      const auto ca = figure(a.median, "user_s"), cb = figure(b.median, "user_s");
      const auto sa = figure(a.median, "sys_s"), sb = figure(b.median, "sys_s");
      if (fa && fb && *fb > 0)
        fmt::print(out, "  {:<5} ratio mp4kit/{} (medians): fps {:.2f}x{}\n", state, c->sides[1].name, *fa / *fb,
                   ca && cb && sa && sb && (*cb + *sb) > 0 ? fmt::format(", CPU time {:.2f}x", (*ca + *sa) / (*cb + *sb)) : "");
    }
  }
  for (const std::string& w : r.warnings) fmt::print(out, "  warning: {}\n", w);
}

namespace {

const char* state_name(const FileReport& r, const CacheOutcome* c) { return c == &r.cold ? "cold" : "warm"; }

// mp4kit's median fps in state `c`, or why there is none.
std::optional<double> median_fps(const CacheOutcome& c, std::string& why) {
  if (!c.available) {
    why = "the cache state could not be reached: " + c.reason;
    return std::nullopt;
  }
  std::optional<double> fps = c.sides.empty() ? std::nullopt : figure(summarize(c.sides[0].runs).median, "fps");
  if (!fps) why = "no fps was measured";
  return fps;
}

}  // namespace

void add_min_fps_gates(FileReport& r, double min_fps) {
  for (const CacheOutcome* c : {&r.cold, &r.warm}) {
    if (!c->requested) continue;
    Gate g{"min_fps", state_name(r, c), min_fps, std::nullopt, std::nullopt, "", ""};
    g.measured = median_fps(*c, g.reason);
    if (!g.measured) {
      g.outcome = "unmeasured";
      g.reason = fmt::format("{}: {} {}: --min-fps {} cannot be checked: {}", r.path, g.state, r.mode, min_fps, g.reason);
    } else if (*g.measured < min_fps) {
      g.outcome = "fail";
      g.reason = fmt::format("{}: {} {} median {:.1f} fps is below --min-fps {}", r.path, g.state, r.mode, *g.measured, min_fps);
    } else {
      g.outcome = "pass";
    }
    r.gates.push_back(std::move(g));
  }
}

void add_baseline_gates(FileReport& r, const std::vector<nlohmann::json>& baseline, double max_regression_pct) {
  const nlohmann::json* match = nullptr;
  for (const nlohmann::json& doc : baseline)
    if (doc.is_object() && doc.value("schema", "") == "mp4kit.bench/1" && doc.contains("file") && doc["file"].is_object() &&
        doc["file"].value("path", "") == r.path && doc["file"].value("size", uint64_t(0)) == r.size &&
        doc.value("mode", "") == r.mode)
      match = &doc;
  for (const CacheOutcome* c : {&r.cold, &r.warm}) {
    if (!c->requested) continue;
    Gate g{"max_regression", state_name(r, c), max_regression_pct, std::nullopt, std::nullopt, "", ""};
    std::string why;
    g.measured = median_fps(*c, why);
    if (match && match->contains("cache") && (*match)["cache"].is_object() && (*match)["cache"].contains(g.state)) {
      const nlohmann::json& prev = (*match)["cache"][g.state];
      if (prev.is_object() && prev.contains("median") && prev["median"].is_object() && prev["median"].contains("fps") &&
          prev["median"]["fps"].is_number() && prev["median"]["fps"].get<double>() > 0)
        g.baseline_fps = prev["median"]["fps"].get<double>();
    }
    if (!match) why = fmt::format("the baseline has no mp4kit.bench/1 entry for this file ({} bytes) in mode {}", r.size, r.mode);
    else if (!g.baseline_fps) why = "the baseline entry has no median fps for " + g.state;
    if (!g.measured || !g.baseline_fps) {
      g.outcome = "unmeasured";
      g.reason = fmt::format("{}: {} {}: --max-regression {} cannot be checked: {}", r.path, g.state, r.mode, max_regression_pct, why);
    } else {
      const double drop = 100.0 * (*g.baseline_fps - *g.measured) / *g.baseline_fps;
      g.outcome = drop > max_regression_pct ? "fail" : "pass";
      if (g.outcome == "fail")
        g.reason = fmt::format("{}: {} {} median {:.1f} fps is {:.1f}% below the baseline's {:.1f} fps (--max-regression {})", r.path,
                               g.state, r.mode, *g.measured, drop, *g.baseline_fps, max_regression_pct);
    }
    r.gates.push_back(std::move(g));
  }
}

}  // namespace mp4kit::cli::bench
