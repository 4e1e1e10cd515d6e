// Whole-table reductions over the packed big-endian arrays of stsz, stco and ctts
// (ISO/IEC 14496-12 § 8.7.3, 8.7.5, 8.6.1.3), for what plain probe computes on every file:
// the stream size (stsz), a chunk past the end of the file (stco), FFmpeg's dts_shift (ctts).
//
// A two-hour file has ~5 * 10^5 entries per table (4.3 MB of its 5.1 MB moov), so these
// passes were most of plain probe's instructions. Each is a branch-free reduction with no
// early exit, so the compiler vectorises it. On x86-64 an AVX2 version is chosen on the
// first call from the CPU features glibc's dynamic loader has already read
// (<sys/platform/x86.h>), not with GCC's target_clones, whose load-time resolver runs
// libgcc's CPU probe: ~15 more cpuid instructions, each a trap to the hypervisor on a
// virtual machine (4 us apiece measured here; 36 us of wall time per process, comparing
// `int main(){}` with and without __builtin_cpu_supports under perf stat -r 300).
//
// Inputs: `p` points at the first entry of a table whose `n` entries were bounds-checked
// against the box when it was parsed; nothing is read outside [p, p + n * entry size).
// Pure functions of their input; safe from any thread.
#pragma once

#include <cstdint>

namespace mp4kit::table_scan {

/// The sum of `n` big-endian uint32 (stsz entry_size with field_size 32). No overflow for
/// n < 2^32.
uint64_t sum_be32(const uint8_t* p, uint64_t n);

/// The largest of `n` big-endian uint32 (stco chunk_offset); 0 when n == 0.
uint32_t max_be32(const uint8_t* p, uint64_t n);

/// Over `n` ctts entries (sample_count, sample_offset), both read as int32 the way FFmpeg's
/// mov_read_ctts does: the smallest sample_offset of all entries (`all`), and of the entries
/// whose sample_count is > 0 (`counted`). Each is 0 when no entry is negative.
struct CttsMinima {
  int32_t all = 0;
  int32_t counted = 0;
};
CttsMinima ctts_minima(const uint8_t* p, uint64_t n);

}  // namespace mp4kit::table_scan
