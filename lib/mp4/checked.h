// Checked 64-bit arithmetic for sizes, offsets and timestamps.
// One helper for all of lib/mp4 so overflow handling is uniform (STYLE.md § 6).
#pragma once

#include <cstdint>
#include <optional>

namespace mp4kit {

/// a + b for unsigned byte counts/offsets; nullopt on overflow.
inline std::optional<uint64_t> checked_add(uint64_t a, uint64_t b) {
  uint64_t r;
  if (__builtin_add_overflow(a, b, &r)) return std::nullopt;
  return r;
}
/// a * b for unsigned byte counts; nullopt on overflow.
inline std::optional<uint64_t> checked_mul(uint64_t a, uint64_t b) {
  uint64_t r;
  if (__builtin_mul_overflow(a, b, &r)) return std::nullopt;
  return r;
}
/// Signed tick arithmetic (timestamps in track timescale units); nullopt on overflow.
inline std::optional<int64_t> checked_add_ticks(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_add_overflow(a, b, &r)) return std::nullopt;
  return r;
}
/// Saturating signed add, as FFmpeg's av_sat_add64 (used where FFmpeg saturates).
inline int64_t sat_add64(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_add_overflow(a, b, &r)) return b > 0 ? INT64_MAX : INT64_MIN;
  return r;
}

/// a * b / c with round-to-nearest (ties away from zero), as FFmpeg's av_rescale.
/// Exact for all int64 inputs via 128-bit intermediates; c must be > 0.
__extension__ typedef __int128 int128_t;

inline int64_t rescale(int64_t a, int64_t b, int64_t c) {
  if (c <= 0) return INT64_MIN;
  int128_t p = static_cast<int128_t>(a) * b;
  int128_t r = c / 2;
  int128_t q = p >= 0 ? (p + r) / c : -((-p + r) / c);
  if (q > INT64_MAX || q < INT64_MIN) return INT64_MIN;
  return static_cast<int64_t>(q);
}

}  // namespace mp4kit
