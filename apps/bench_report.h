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
};

/// Adds a warning for each side and cache state whose fps spread (max - min over the
/// median) exceeds 10%.
void add_spread_warnings(FileReport& r);

/// The JSON document of one file (schema mp4kit.bench/1).
nlohmann::ordered_json to_json(const FileReport& r);

/// The human table.
void print_table(std::FILE* out, const FileReport& r);

/// --min-fps: a one-line reason when a median fps of mp4kit is below `min_fps`.
std::optional<std::string> check_min_fps(const FileReport& r, double min_fps);

/// --baseline: compares mp4kit's median fps per cache state with the same file's entry
/// (same path, else the only entry) in `baseline` (the documents of a previous --json run).
/// Returns a one-line reason when one dropped by more than `max_regression_pct` percent;
/// an Error (kMalformed) when the baseline has no comparable entry.
Result<std::optional<std::string>> check_baseline(const FileReport& r, const std::vector<nlohmann::json>& baseline,
                                                  double max_regression_pct);

}  // namespace mp4kit::cli::bench
