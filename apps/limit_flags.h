// The Limits flags every subcommand takes (--max-depth, --max-samples, --max-runs,
// --max-index-mb): the library's errors name these flags when a limit is exceeded (exit
// 70), so each must exist wherever a file is parsed.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>

#include "mp4kit/limits.h"

namespace mp4kit::cli {

struct LimitFlags {
  Limits base;
  uint64_t max_index_mb = Limits{}.max_index_bytes >> 20;

  Limits limits() const {
    Limits l = base;
    l.max_index_bytes = max_index_mb << 20;
    return l;
  }
};

inline void add_limit_flags(CLI::App& sub, LimitFlags& f) {
  auto* g = "Limits (raise for legitimate giant files)";
  sub.add_option("--max-depth", f.base.max_depth, "Box nesting limit")->capture_default_str()->group(g);
  sub.add_option("--max-samples", f.base.max_samples_per_track, "Samples per track limit")->capture_default_str()->group(g);
  sub.add_option("--max-runs", f.base.max_runs_per_track, "Track runs (trun boxes) per track limit")->capture_default_str()->group(g);
  sub.add_option("--max-index-mb", f.max_index_mb, "Packet table memory limit in MiB")->capture_default_str()->group(g);
}

}  // namespace mp4kit::cli
