// Deterministic shards of an input list (issue 12): `--shard K/N` keeps the inputs whose
// stable path hash falls in shard K of N, so N shards are disjoint and together cover every
// input, whatever machine or order they run in. `--shard auto` reads K and N from the
// environment of the engine that scheduled this process.
//
// Errors: Result with ErrorCode::kUsage and a message that names the flag or the variable.
// Threads: plain functions, no shared state.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "mp4kit/error.h"

namespace mp4kit::batch {

/// Shard `index` (0-based) of `count` (>= 1). {0, 1} keeps every input.
struct Shard {
  uint32_t index = 0;
  uint32_t count = 1;
};

/// Looks up an environment variable; nullptr when unset (std::getenv in production, a map
/// in tests).
using EnvLookup = std::function<const char*(const char*)>;

/// The documented count variable for Kubernetes Indexed Jobs: Kubernetes sets
/// JOB_COMPLETION_INDEX but not the number of completions, so the manifest passes
/// `spec.completions` in this variable (deploy/k8s-indexed-job.yaml).
inline constexpr const char* kShardCountEnv = "MP4KIT_SHARD_COUNT";

/// Parses "K/N" (0 <= K < N <= 2^20) or "auto". For "auto", in this order:
///   Slurm job array: SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT, K = task id minus
///     SLURM_ARRAY_TASK_MIN (0 when unset), so `--array=1-8` gives shards 0..7 of 8;
///   Kubernetes Indexed Job: JOB_COMPLETION_INDEX and MP4KIT_SHARD_COUNT;
/// and a usage error naming both sets of variables when neither is complete.
Result<Shard> parse_shard(std::string_view spec, const EnvLookup& env);

/// The stable 64-bit hash of an input path (XXH3-64 of its bytes, seed 0: the same on
/// every machine and in every release, since xxHash 0.8 fixed its output).
uint64_t path_hash(std::string_view path);

/// True when `path` belongs to `shard`: path_hash(path) % count == index.
inline bool in_shard(std::string_view path, const Shard& shard) {
  return shard.count <= 1 || path_hash(path) % shard.count == shard.index;
}

/// "K/N".
inline std::string to_string(const Shard& s) { return std::to_string(s.index) + "/" + std::to_string(s.count); }

}  // namespace mp4kit::batch
