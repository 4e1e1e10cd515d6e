// Checked 64-bit arithmetic for sizes, offsets and timestamps: the one helper lib/mp4 uses
// wherever a value read from the file is summed or scaled (STYLE.md § 6), so that no
// crafted file reaches a signed overflow (undefined behaviour) or a silently wrapped value.
//
// Which helper where (FFmpeg's mov demuxer does plain, wrapping 64-bit arithmetic in these
// places; mp4kit does not copy the wrap):
//  * Decode times and byte offsets the container states (stts/trun sums, tfdt, tfhd/trun
//    data offsets, a run's end): checked_* and the value is refused as kMalformed, naming
//    the box path and offset, when it does not fit. A decode time or an offset beyond 64
//    bits describes no sample that could be read.
//  * Offsets found lazily by walking a table (chunk_offset + the sizes before a sample):
//    sat_add_u64, so a sample past 2^64 lies past the end of the file, where reading stops
//    (timeline.h), instead of wrapping to bytes inside the file.
//  * Presentation arithmetic over decode times already checked (pts = dts + dts_shift +
//    composition offset, edit-list windows, packet durations): sat_add64 / sat_sub64, as
//    FFmpeg itself uses av_sat_add64 for pts. Valid files never reach the saturation.
#pragma once

#include <cstdint>
#include <optional>

namespace mp4kit {

/// The exact a + b, a - b or a * b as an R (any integer types in and out); nullopt when it
/// does not fit. The named helpers below are these for the types lib/mp4 uses.
template <typename R, typename A, typename B>
std::optional<R> exact_add(A a, B b) {
  R r;
  if (__builtin_add_overflow(a, b, &r)) return std::nullopt;
  return r;
}
template <typename R, typename A, typename B>
std::optional<R> exact_sub(A a, B b) {
  R r;
  if (__builtin_sub_overflow(a, b, &r)) return std::nullopt;
  return r;
}
template <typename R, typename A, typename B>
std::optional<R> exact_mul(A a, B b) {
  R r;
  if (__builtin_mul_overflow(a, b, &r)) return std::nullopt;
  return r;
}

/// a + b for unsigned byte counts/offsets; nullopt on overflow.
inline std::optional<uint64_t> checked_add(uint64_t a, uint64_t b) { return exact_add<uint64_t>(a, b); }
/// a * b for unsigned byte counts; nullopt on overflow.
inline std::optional<uint64_t> checked_mul(uint64_t a, uint64_t b) { return exact_mul<uint64_t>(a, b); }
/// base + delta for a byte offset moved by a signed amount (trun data_offset on a tfhd
/// base_data_offset); nullopt unless the exact result lies in [0, 2^64).
inline std::optional<uint64_t> checked_add_offset(uint64_t base, int64_t delta) { return exact_add<uint64_t>(base, delta); }
/// a + b saturating at UINT64_MAX (offsets found lazily; see the rules above).
inline uint64_t sat_add_u64(uint64_t a, uint64_t b) { return checked_add(a, b).value_or(UINT64_MAX); }
/// Signed tick arithmetic (timestamps in track timescale units); nullopt on overflow.
inline std::optional<int64_t> checked_add_ticks(int64_t a, int64_t b) { return exact_add<int64_t>(a, b); }
inline std::optional<int64_t> checked_sub_ticks(int64_t a, int64_t b) { return exact_sub<int64_t>(a, b); }
/// count * delta ticks added to `start` (a run of equal durations): nullopt when the span
/// or the sum does not fit in int64.
inline std::optional<int64_t> checked_add_span(int64_t start, uint64_t count, uint64_t delta) {
  const auto span = exact_mul<int64_t>(count, delta);
  return span ? checked_add_ticks(start, *span) : std::nullopt;
}
/// Saturating signed add, as FFmpeg's av_sat_add64 (used where FFmpeg saturates).
inline int64_t sat_add64(int64_t a, int64_t b) { return checked_add_ticks(a, b).value_or(b > 0 ? INT64_MAX : INT64_MIN); }
/// Saturating signed a - b, as FFmpeg's av_sat_sub64.
inline int64_t sat_sub64(int64_t a, int64_t b) { return checked_sub_ticks(a, b).value_or(b < 0 ? INT64_MAX : INT64_MIN); }

/// a * b / c with round-to-nearest (ties away from zero), as FFmpeg's av_rescale.
/// Exact for all int64 inputs via 128-bit intermediates; c must be > 0.
/// Returns INT64_MIN (FFmpeg's AV_NOPTS_VALUE) when c <= 0 or the result does not fit.
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
