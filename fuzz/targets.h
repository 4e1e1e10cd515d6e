// The fuzz targets as plain functions: libFuzzer calls them through fuzz_main.cpp, and
// tests/regress_test.cpp replays tests/regress/ and the seeds through the same code in the
// normal and sanitizer builds. Each returns 0; a broken invariant aborts (FUZZ_CHECK).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "mp4kit/limits.h"

namespace mp4kit::fuzz {

/// Tighter than the CLI defaults so one input cannot spend seconds or gigabytes legally
/// (the defaults are sized for real multi-hour files); every limit still has its check
/// exercised, and a limit error is a clean result, not a finding.
inline Limits fuzz_limits() {
  Limits l;
  l.max_depth = 32;
  l.max_samples_per_track = 1u << 18;
  l.max_runs_per_track = 1u << 14;
  l.max_index_bytes = 64ull << 20;
  return l;
}

/// An invariant the fuzzer must never break: print it and abort (a libFuzzer crash).
#define FUZZ_CHECK(cond, ...)                                   \
  do {                                                          \
    if (!(cond)) {                                              \
      std::fprintf(stderr, "FUZZ_CHECK failed: %s: ", #cond);   \
      std::fprintf(stderr, __VA_ARGS__);                        \
      std::fprintf(stderr, "\n");                               \
      std::abort();                                             \
    }                                                           \
  } while (0)

/// (1) The box tree: parse_movie, build_box_tree, codec naming, SampleTable::build and
/// the container lint. Every error must be one line naming a box path.
int box_tree(const uint8_t* data, size_t size);

/// (2) Sample tables: every sample by cursor and by index (which must agree), decode
/// times that follow the durations without wrapping, packet timelines with and without
/// edit lists, and their interleaving.
int sample_table(const uint8_t* data, size_t size);

/// (3) The decode path for small inputs (fuzz_decode, built when lib/decode is): the
/// first packets of every track through lib/decode's Decoder into libavcodec.
int decode(const uint8_t* data, size_t size);

}  // namespace mp4kit::fuzz
