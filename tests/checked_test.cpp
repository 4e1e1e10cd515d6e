// lib/mp4/checked.h: exact results, or nullopt / saturation at the 64-bit edges, for the
// operand ranges the parsers feed it (offsets, signed data offsets, tick spans).
#include <doctest/doctest.h>

#include "mp4/checked.h"

using namespace mp4kit;

TEST_CASE("checked.h: offsets moved by a signed amount stay exact from 0 up to 2^64 - 1") {
  CHECK(checked_add_offset(0x7FFFFFFFFFFFFFF0ull, 0x100) == 0x80000000000000F0ull);  // past INT64_MAX is fine
  CHECK(checked_add_offset(0xFFFFFFFFFFFFFF00ull, 0xFF) == UINT64_MAX);
  CHECK_FALSE(checked_add_offset(0xFFFFFFFFFFFFFF00ull, 0x100));  // 2^64
  CHECK(checked_add_offset(5, -5) == 0u);
  CHECK_FALSE(checked_add_offset(5, -6));
  CHECK(checked_add_offset(UINT64_MAX, INT64_MIN) == uint64_t(INT64_MAX));
  CHECK(sat_add_u64(UINT64_MAX - 1, 1) == UINT64_MAX);
  CHECK(sat_add_u64(UINT64_MAX - 1, 2) == UINT64_MAX);
}

TEST_CASE("checked.h: tick spans and sums") {
  CHECK(checked_add_span(0, 1ull << 31, 1ull << 31) == int64_t(1) << 62);
  CHECK_FALSE(checked_add_span(0, 1ull << 32, 1ull << 31));               // 2^63: one past INT64_MAX
  CHECK_FALSE(checked_add_span(0, 0xFFFFFFFFull, 0xFFFFFFFFull * 4));      // > 2^64 as a product
  CHECK(checked_add_span(-10, 2, 5) == 0);
  CHECK_FALSE(checked_add_span(INT64_MAX - 9, 2, 5));
  CHECK(checked_add_ticks(INT64_MAX - 1, 1) == INT64_MAX);
  CHECK_FALSE(checked_add_ticks(INT64_MAX, 1));
  CHECK_FALSE(checked_sub_ticks(INT64_MIN, 1));
  CHECK(sat_add64(INT64_MAX, 1) == INT64_MAX);
  CHECK(sat_add64(INT64_MIN, -1) == INT64_MIN);
  CHECK(sat_sub64(INT64_MIN, 1) == INT64_MIN);
  CHECK(sat_sub64(INT64_MAX, -1) == INT64_MAX);
  CHECK(sat_sub64(3, 5) == -2);
  CHECK(rescale(3, 12288, 1000) == 37);  // 36.864 rounds to nearest
  CHECK(rescale(INT64_MAX, 2, 1) == INT64_MIN);  // does not fit: FFmpeg's AV_NOPTS_VALUE
}
