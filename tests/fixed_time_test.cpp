// format_seconds_6 (apps/fixed_time.h) against the C library's printf("%f"): the oracle
// ffprobe itself prints with.
#include <doctest/doctest.h>

#include <cstdio>
#include <iterator>
#include <random>
#include <string>

#include "fixed_time.h"

namespace {

std::string ours(int64_t ticks, uint32_t timescale) {
  std::string s;
  mp4kit::cli::format_seconds_6(std::back_inserter(s), ticks, 1.0 / timescale);
  return s;
}

std::string printf_f(int64_t ticks, uint32_t timescale) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%f", static_cast<double>(ticks) * (1.0 / timescale));
  return buf;
}

}  // namespace

TEST_CASE("*_time values: format_seconds_6 prints what printf(\"%f\") prints") {
  SUBCASE("exact ties and near-ties (binary time bases, 1/3 steps, half microseconds)") {
    // 1/2^k time bases put exact halves at the seventh decimal; 1/3 and 1/7 give values
    // that are not representable; 2,000,000 gives x.xxxxxx5 in decimal.
    for (uint32_t ts : {2u, 64u, 128u, 1024u, 2048u, 65536u, 1u << 21, 3u, 7u, 2000000u, 90000u, 48000u,
                        44100u, 30000u, 24000u, 1000u, 600u, 1u, 4294967295u})
      for (int64_t t = -3000; t <= 3000; ++t) REQUIRE_MESSAGE(ours(t, ts) == printf_f(t, ts), "ticks " << t << " / " << ts);
  }
  SUBCASE("random ticks over the whole range, including past the fast path's 2^20 s") {
    std::mt19937_64 rng(20261202);
    for (int i = 0; i < 200000; ++i) {
      const uint32_t ts = static_cast<uint32_t>(rng() % 200000 + 1);
      const int shift = static_cast<int>(rng() % 63);
      const int64_t t = static_cast<int64_t>(rng() >> 1) >> shift;
      const int64_t ticks = (rng() & 1) ? -t : t;
      REQUIRE_MESSAGE(ours(ticks, ts) == printf_f(ticks, ts), "ticks " << ticks << " / " << ts);
    }
  }
}
