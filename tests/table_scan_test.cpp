// The vectorised table reductions (lib/mp4/table_scan.h) against the plain per-entry loops
// they replaced: on edge-case arrays of every length across the vector widths, and on the
// stsz, stco and ctts tables of every file in samples/ and the corpora.
#include <doctest/doctest.h>

#include <algorithm>
#include <vector>

#include "mp4/movie.h"
#include "mp4/table_scan.h"
#include "test_util.h"

using namespace mp4kit;

namespace {

// The reference loops, one entry at a time with load_be32 (box_reader.h).
uint64_t ref_sum(const uint8_t* p, uint64_t n) {
  uint64_t t = 0;
  for (uint64_t i = 0; i < n; ++i) t += load_be32(p + i * 4);
  return t;
}
uint32_t ref_max(const uint8_t* p, uint64_t n) {
  uint32_t m = 0;
  for (uint64_t i = 0; i < n; ++i) m = std::max(m, load_be32(p + i * 4));
  return m;
}
table_scan::CttsMinima ref_minima(const uint8_t* p, uint64_t n) {
  table_scan::CttsMinima m;
  for (uint64_t i = 0; i < n; ++i) {
    const int32_t count = static_cast<int32_t>(load_be32(p + i * 8)), d = static_cast<int32_t>(load_be32(p + i * 8 + 4));
    m.all = std::min(m.all, d);
    if (count > 0) m.counted = std::min(m.counted, d);
  }
  return m;
}

void check_all(const std::vector<uint8_t>& b, uint64_t n4, uint64_t n8) {
  CHECK(table_scan::sum_be32(b.data(), n4) == ref_sum(b.data(), n4));
  CHECK(table_scan::max_be32(b.data(), n4) == ref_max(b.data(), n4));
  const auto got = table_scan::ctts_minima(b.data(), n8), want = ref_minima(b.data(), n8);
  CHECK(got.all == want.all);
  CHECK(got.counted == want.counted);
}

}  // namespace

TEST_CASE("table_scan: every length 0..70 over extreme and mixed values, unaligned starts") {
  // Byte patterns that stress the byte swap and the signed/unsigned comparisons:
  // 0xFFFFFFFF, 0x80000000, 0x7FFFFFFF, 0, and a scrambled sequence.
  std::vector<uint8_t> bytes(8 * 72 + 1);
  uint32_t x = 0x9E3779B9u;
  for (size_t i = 0; i < bytes.size(); ++i) {
    x = x * 1664525u + 1013904223u;
    bytes[i] = static_cast<uint8_t>(x >> 24);
  }
  for (size_t i = 0; i < 8; ++i) bytes[40 + i] = 0xFF;            // count -1, offset -1
  bytes[80] = 0x80; bytes[81] = bytes[82] = bytes[83] = 0;         // INT32_MIN / 2^31
  bytes[84] = 0x80; bytes[85] = bytes[86] = bytes[87] = 0;
  bytes[120] = 0x7F; bytes[121] = bytes[122] = bytes[123] = 0xFF;  // INT32_MAX
  for (int shift = 0; shift < 2; ++shift) {  // an unaligned start as well (tables sit anywhere in moov)
    std::vector<uint8_t> b(bytes.begin() + shift, bytes.end());
    for (uint64_t n = 0; n <= 70; ++n) {
      CAPTURE(n);
      CAPTURE(shift);
      check_all(b, n, n);
    }
  }
  std::vector<uint8_t> zeros(8 * 40, 0);
  check_all(zeros, 80, 40);
  CHECK(table_scan::max_be32(zeros.data(), 80) == 0);
  CHECK(table_scan::ctts_minima(zeros.data(), 40).all == 0);
}

TEST_CASE("table_scan: stsz, stco and ctts of every sample and corpus file equal the per-entry loops") {
  size_t tables = 0;
  for (const std::string& path : test::media_files()) {
    auto src = open_file(path);
    if (!src.ok()) continue;
    auto movie = parse_movie(*src);
    if (!movie.ok()) continue;  // files that do not demux are covered by their own tests
    for (const Track& t : movie->tracks) {
      CAPTURE(path);
      const SampleTableBoxes& s = t.stbl;
      if (s.sample_size == 0 && s.field_size == 32 && s.stsz.data) {
        const uint64_t n = std::min<uint64_t>(s.sample_count, s.stsz.size / 4);
        CHECK(table_scan::sum_be32(s.stsz.data, n) == ref_sum(s.stsz.data, n));
        ++tables;
      }
      if (s.chunk_offset_size == 4 && s.stco.data) {
        CHECK(table_scan::max_be32(s.stco.data, s.chunk_count) == ref_max(s.stco.data, s.chunk_count));
        ++tables;
      }
      if (s.ctts.data) {
        const auto got = table_scan::ctts_minima(s.ctts.data, s.ctts_count), want = ref_minima(s.ctts.data, s.ctts_count);
        CHECK(got.all == want.all);
        CHECK(got.counted == want.counted);
        ++tables;
      }
    }
  }
  MESSAGE("table_scan: compared " << tables << " stsz/stco/ctts tables");
  CHECK(tables > 20);
}
