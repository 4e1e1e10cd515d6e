// Shards: see shard.h.
#include "batch/shard.h"

// xxHash compiled in (XXH_INLINE_ALL): no shared library to load at start-up.
#define XXH_INLINE_ALL
#include <xxhash.h>

#include <charconv>

namespace mp4kit::batch {

namespace {

constexpr uint32_t kMaxShards = 1u << 20;

// A decimal number in [0, 2^32) with nothing else around it.
bool parse_u32(std::string_view s, uint32_t& out) {
  if (s.empty()) return false;
  const char* end = s.data() + s.size();
  auto [p, ec] = std::from_chars(s.data(), end, out);
  return ec == std::errc{} && p == end;
}

Error usage(std::string message) { return make_error(ErrorCode::kUsage, "", 0, std::move(message)); }

Result<Shard> checked(uint32_t k, uint32_t n, const std::string& where) {
  if (n == 0 || n > kMaxShards)
    return usage(where + ": the shard count must be 1.." + std::to_string(kMaxShards) + ", got " + std::to_string(n));
  if (k >= n)
    return usage(where + ": shard index " + std::to_string(k) + " is not below the count " + std::to_string(n) +
                 " (shards are numbered from 0)");
  return Shard{k, n};
}

Result<Shard> from_env(const EnvLookup& env) {
  const char* slurm_id = env("SLURM_ARRAY_TASK_ID");
  const char* slurm_count = env("SLURM_ARRAY_TASK_COUNT");
  if (slurm_id && slurm_count) {
    uint32_t id = 0, count = 0, min = 0;
    const char* slurm_min = env("SLURM_ARRAY_TASK_MIN");
    if (!parse_u32(slurm_id, id) || !parse_u32(slurm_count, count) || (slurm_min && !parse_u32(slurm_min, min)))
      return usage(std::string("--shard auto: SLURM_ARRAY_TASK_ID='") + slurm_id + "', SLURM_ARRAY_TASK_COUNT='" +
                   slurm_count + "'" + (slurm_min ? std::string(", SLURM_ARRAY_TASK_MIN='") + slurm_min + "'" : "") +
                   " are not all numbers");
    if (id < min) return usage("--shard auto: SLURM_ARRAY_TASK_ID " + std::to_string(id) + " is below SLURM_ARRAY_TASK_MIN " + std::to_string(min));
    // A stepped array (--array=0-15:4) has ids that are not consecutive: refuse it rather
    // than leave shards empty and others unrun.
    if (const char* step = env("SLURM_ARRAY_TASK_STEP"); step && std::string_view(step) != "1")
      return usage(std::string("--shard auto: SLURM_ARRAY_TASK_STEP is ") + step +
                   "; use a job array with consecutive ids (--array=0-N) or pass --shard K/N");
    return checked(id - min, count, "--shard auto (Slurm: SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN, SLURM_ARRAY_TASK_COUNT)");
  }
  const char* k8s_index = env("JOB_COMPLETION_INDEX");
  const char* k8s_count = env(kShardCountEnv);
  if (k8s_index && k8s_count) {
    uint32_t k = 0, n = 0;
    if (!parse_u32(k8s_index, k) || !parse_u32(k8s_count, n))
      return usage(std::string("--shard auto: JOB_COMPLETION_INDEX='") + k8s_index + "', " + kShardCountEnv + "='" +
                   k8s_count + "' are not both numbers");
    return checked(k, n, std::string("--shard auto (Kubernetes: JOB_COMPLETION_INDEX, ") + kShardCountEnv + ")");
  }
  std::string found;
  for (const char* v : {"SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT", "JOB_COMPLETION_INDEX", kShardCountEnv})
    if (env(v)) found += std::string(found.empty() ? "" : ", ") + v;
  return usage(std::string("--shard auto: no engine found in the environment: it needs SLURM_ARRAY_TASK_ID and "
                           "SLURM_ARRAY_TASK_COUNT (a Slurm job array), or JOB_COMPLETION_INDEX and ") +
               kShardCountEnv + " (a Kubernetes Indexed Job; set it to spec.completions)" +
               (found.empty() ? std::string("; none is set") : "; only " + found + " is set") +
               ". Elsewhere pass --shard K/N");
}

}  // namespace

Result<Shard> parse_shard(std::string_view spec, const EnvLookup& env) {
  if (spec == "auto") return from_env(env);
  const size_t slash = spec.find('/');
  uint32_t k = 0, n = 0;
  if (slash == std::string_view::npos || !parse_u32(spec.substr(0, slash), k) || !parse_u32(spec.substr(slash + 1), n))
    return usage("--shard: expected K/N (shard K of N, K from 0) or auto, got '" + std::string(spec) + "'");
  return checked(k, n, "--shard " + std::string(spec));
}

uint64_t path_hash(std::string_view path) { return XXH3_64bits(path.data(), path.size()); }

}  // namespace mp4kit::batch
