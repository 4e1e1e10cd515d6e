// Whole-table reductions over the packed big-endian arrays of stsz, stco and ctts
// (ISO/IEC 14496-12 § 8.7.3, 8.7.5, 8.6.1.3), for what plain probe computes on every file:
// the stream size (stsz), a chunk past the end of the file (stco), FFmpeg's dts_shift (ctts).
//
// A two-hour file has ~5 * 10^5 entries per table (4.3 MB of its 5.1 MB moov), so these
// passes are most of plain probe's work. Two things make them cheap:
// - Each is a branch-free reduction with no early exit, so the compiler vectorises it; on
//   x86-64 an AVX2 version is chosen on the first call from the CPU features glibc's
//   dynamic loader has already read (<sys/platform/x86.h>), not with GCC's target_clones,
//   whose load-time resolver runs libgcc's CPU probe: ~15 more cpuid instructions, each a
//   trap to the hypervisor on a virtual machine (~4 us apiece measured, 2% of a plain probe).
// - The span overloads read a table of a mapped local file with ByteSource::copy_to
//   (pread into one 64 KiB buffer) instead of through the mapping: mapping a page-cache page
//   into the process and unmapping it at exit costs more than copying it (on the two-hour
//   file's moov: 0.97 ms for a process that preads it against 1.14 ms for one that touches
//   the mapping, of which 0.69 ms is the process itself; perf stat -r 200, this VM).
//
// Inputs: `p` points at the first entry of a table whose `n` entries were bounds-checked
// against the box when it was parsed; nothing is read outside [p, p + n * entry size).
// Pure functions of their input (the span overloads: of the bytes of the file); safe from
// any thread.
#pragma once

#include <cstdint>

#include "mp4/box_reader.h"

namespace mp4kit {
class ByteSource;
}

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

/// Tables smaller than this are scanned in place even for a mapped file: a few page faults
/// cost less than the buffer and the system calls. Bytes.
inline constexpr uint64_t kCopyScanMin = 256 * 1024;
/// The pread size of a copied scan (a multiple of every entry size). Bytes.
inline constexpr uint64_t kCopyScanChunk = 64 * 1024;

/// The same reductions over the first `n` entries of `table` (a view whose bytes
/// [data, data + n * entry size) were bounds-checked at parse time). `mapped` = the mapped
/// source the view points into (SampleTableBoxes::mapped_source), or null to read the view.
/// With a source and a table of at least kCopyScanMin bytes the bytes are read with
/// copy_to() in kCopyScanChunk pieces; if a read comes back short (the file shrank), the
/// rest is read from the view, which then behaves as any mapped read does (fault guard).
/// Same results as the pointer versions.
uint64_t sum_be32(const ByteSpan& table, uint64_t n, const ByteSource* mapped);
uint32_t max_be32(const ByteSpan& table, uint64_t n, const ByteSource* mapped);
CttsMinima ctts_minima(const ByteSpan& table, uint64_t n, const ByteSource* mapped);

}  // namespace mp4kit::table_scan
