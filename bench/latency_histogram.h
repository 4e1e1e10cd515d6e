// A fixed-size histogram of per-frame latencies for `mp4kit bench` (p50/p95/p99/max).
//
// Why a histogram and not a vector of samples: a long file has millions of packets; the
// recorder must not allocate or grow in the measured loop (it would show up in the run's
// peak RSS and page faults). Layout as in HdrHistogram: values below 64 ns are exact, above
// that each power of two is split into 64 buckets, so a quantile is within 1/64 (1.6%) of
// the true value; the maximum is exact. Range: up to 2^47 ns (39 hours); larger values
// land in the last bucket. 2,752 counters, 11 KiB, no allocation.
//
// Thread rules: one thread records; copy it to read from another.
#pragma once

#include <time.h>

#include <array>
#include <cstdint>

namespace mp4kit {

class LatencyHistogram {
 public:
  static constexpr int kSubBits = 6;                 // 64 buckets per power of two
  static constexpr int kSub = 1 << kSubBits;
  static constexpr int kMaxExponent = 47;
  static constexpr int kBuckets = (kMaxExponent - kSubBits + 2) * kSub;  // exact range + one row per exponent

  /// CLOCK_MONOTONIC in nanoseconds (vDSO: ~20 ns per call).
  static uint64_t now_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return uint64_t(ts.tv_sec) * 1000000000u + uint64_t(ts.tv_nsec);
  }

  void add_ns(uint64_t ns) {
    ++counts_[static_cast<size_t>(index_of(ns))];
    ++count_;
    if (ns > max_ns_) max_ns_ = ns;
  }

  uint64_t count() const { return count_; }
  double max_ms() const { return double(max_ns_) / 1e6; }

  /// The q-quantile (0 < q <= 1) in milliseconds: the midpoint of the bucket holding the
  /// ceil(q * count)-th smallest value, capped at the exact maximum. 0 when empty.
  double quantile_ms(double q) const {
    if (count_ == 0) return 0;
    uint64_t rank = static_cast<uint64_t>(q * double(count_));
    if (double(rank) < q * double(count_)) ++rank;
    if (rank == 0) rank = 1;
    uint64_t seen = 0;
    for (int i = 0; i < kBuckets; ++i) {
      seen += counts_[static_cast<size_t>(i)];
      if (seen >= rank) {
        uint64_t low = 0, width = 1;
        bounds_of(i, low, width);
        const double mid = double(low) + double(width - 1) / 2.0;
        return (mid > double(max_ns_) ? double(max_ns_) : mid) / 1e6;
      }
    }
    return max_ms();
  }

 private:
  static int index_of(uint64_t v) {
    if (v < kSub) return static_cast<int>(v);
    int e = 63 - __builtin_clzll(v);  // floor(log2 v) >= kSubBits
    if (e > kMaxExponent) return kBuckets - 1;
    const int sub = static_cast<int>((v >> (e - kSubBits)) & (kSub - 1));
    return (e - kSubBits + 1) * kSub + sub;
  }
  static void bounds_of(int i, uint64_t& low, uint64_t& width) {
    if (i < kSub) {
      low = static_cast<uint64_t>(i);
      width = 1;
      return;
    }
    const int e = i / kSub + kSubBits - 1;
    const int sub = i % kSub;
    width = uint64_t(1) << (e - kSubBits);
    low = (uint64_t(kSub) + uint64_t(sub)) * width;
  }

  std::array<uint32_t, kBuckets> counts_{};
  uint64_t count_ = 0;
  uint64_t max_ns_ = 0;
};

}  // namespace mp4kit
