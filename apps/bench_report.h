// Output of `mp4kit bench`: per-run figures, min/median/max, the human table, the JSON
// document (schema "mp4kit.bench/1", bench/BENCH-schema.md) and the CI checks
// (--min-fps, --baseline/--max-regression).
#pragma once

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/bench_harness.h"

namespace mp4kit::cli::bench {

/// One figure of a run. `name` is its JSON key; nullopt means "not measured here" (JSON
/// null, "-" in the table); `integer` figures are printed without decimals.
struct Figure {
  std::string name;
  std::optional<double> value;
  bool integer = false;
};
/// The figures of one run, always the same keys in the same order.
using Figures = std::vector<Figure>;

/// Derives a run's figures from what the harness measured. `seek`: seek_targets_missed
/// applies.
Figures figures_of(int run, const RunRecord& rec, const StorageWitness& witness, bool seek);

/// Per-figure min, median (mean of the middle two for an even count) and max over
/// `runs`, ignoring null values; the "run" key is left out.
struct Summary {
  Figures min, median, max;
};
Summary summarize(const std::vector<Figures>& runs);
std::optional<double> figure(const Figures& f, const std::string& name);

/// One side (mp4kit, or the --against baseline) in one cache state.
struct SideRuns {
  std::string name;               ///< "mp4kit" or "libavformat"
  std::vector<Figures> runs;
};

/// One cache state. Not `available` when the state could not be reached (eviction
/// impossible): then `reason` says why and there are no runs.
struct CacheOutcome {
  bool requested = false;
  bool available = true;
  std::string reason;
  std::vector<SideRuns> sides;    ///< [0] mp4kit, [1] the baseline with --against
};

/// One CI gate (--min-fps, --max-regression) for one cache state of one file. A gate that
/// could not be measured (the state was not reached, no baseline entry for this file)
/// fails: a gate never passes by default.
struct Gate {
  std::string name;                     ///< "min_fps" or "max_regression"
  std::string state;                    ///< "cold" or "warm"
  double threshold = 0;                 ///< fps (min_fps) or percent (max_regression)
  std::optional<double> measured;       ///< mp4kit's median fps now
  std::optional<double> baseline_fps;   ///< max_regression: the baseline's median fps
  std::string outcome;                  ///< "pass", "fail" or "unmeasured"
  std::string reason;                   ///< one line, for fail and unmeasured
};

struct FileReport {
  std::string path;
  uint64_t size = 0;
  std::string filesystem;
  std::string block_device;       ///< "vda" or empty
  std::string block_device_note;  ///< why there is none
  std::string mode;               ///< decode|demux|probe|seek
  int stream = -1;                ///< decode/seek
  std::string stream_type, codec;
  int threads = 0;
  bool direct = false;
  int runs = 0, warmup = 0;
  uint32_t seek_targets = 0;
  uint64_t seek_seed = 0;
  std::string storage_source;     ///< proc_io | block_device | none
  std::string proc_io_read_bytes; ///< calibration verdict: yes | no | unavailable | unknown
  std::string block_requests;     ///< "counted" or why not
  uint64_t parent_rss_bytes = 0;
  std::string against;            ///< "" or "libavformat"
  CacheOutcome cold, warm;
  std::vector<std::string> warnings;
  std::vector<Gate> gates;        ///< in JSON as "gates"
};

/// Adds a warning for each side and cache state whose fps spread (max - min over the
/// median) exceeds 10%.
void add_spread_warnings(FileReport& r);

/// The JSON document of one file (schema mp4kit.bench/1).
nlohmann::ordered_json to_json(const FileReport& r);

/// The human table.
void print_table(std::FILE* out, const FileReport& r);

/// --min-fps: one gate per cache state measured or requested: mp4kit's median fps >= min_fps.
void add_min_fps_gates(FileReport& r, double min_fps);

/// --baseline: one gate per cache state requested: mp4kit's median fps has not dropped by
/// more than `max_regression_pct` percent below the baseline entry of the same file. The
/// entry is found by file identity (schema mp4kit.bench/1, same path, same size in bytes,
/// same mode); without one, or without a median fps for the state, the gate is unmeasured.
void add_baseline_gates(FileReport& r, const std::vector<nlohmann::json>& baseline, double max_regression_pct);

}  // namespace mp4kit::cli::bench
