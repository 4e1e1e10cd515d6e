// ffprobe's *_time values: a tick count times av_q2d(time_base), printed with "%f" (six
// decimals of the double, correctly rounded, as glibc's printf does). A packet table of a
// 2-hour file has three of them per row, 1.5 million in all, so they get a fast path.
//
// Source: ffprobe.c print_time() -> writer_print_time(): `d = ts * av_q2d(*time_base)`,
// then the value printed with "%f".
#pragma once

#include <fmt/compile.h>
#include <fmt/format.h>

#include <cmath>
#include <cstdint>

namespace mp4kit::cli {

/// Appends `x` as printf("%f", x) would (e.g. "-0.040000", "7325.013333"), where x is the
/// double `ticks * seconds_per_tick` (seconds_per_tick = av_q2d(time_base), i.e.
/// 1.0 / timescale). Thread rules: none (pure).
///
/// Exactness: x * 1e6 is formed in long double (64-bit mantissa); for |x| < 2^20 s its
/// error is below 2^-24, so when the fraction is farther than 2^-20 from one half the
/// rounded value is certain. Otherwise (ties, near-ties, huge or non-finite values) the
/// digits come from fmt's correctly rounded {:.6f}, the same digits as printf.
template <typename OutputIt>
OutputIt format_seconds_6(OutputIt out, int64_t ticks, double seconds_per_tick) {
  const double x = static_cast<double>(ticks) * seconds_per_tick;
  const double ax = std::fabs(x);
  if (!(ax < 1048576.0)) return fmt::format_to(out, FMT_COMPILE("{:.6f}"), x);
  const long double y = static_cast<long double>(ax) * 1000000.0L;
  const long double whole = std::floor(y);
  const long double frac = y - whole;
  if (std::fabs(frac - 0.5L) <= 0x1p-20L) return fmt::format_to(out, FMT_COMPILE("{:.6f}"), x);
  const uint64_t micros = static_cast<uint64_t>(whole) + (frac > 0.5L ? 1 : 0);
  if (std::signbit(x)) *out++ = '-';
  return fmt::format_to(out, FMT_COMPILE("{}.{:06}"), micros / 1000000, micros % 1000000);
}

}  // namespace mp4kit::cli
