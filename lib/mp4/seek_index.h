// Random access over a SampleTable without materialising it: time -> sample by binary
// search over cumulative stts runs (and fragment runs), sample -> chunk -> offset through
// stsc/stco, and the nearest sync sample at or before a sample through stss.
//
// All times are decode times in track timescale ticks, as in Sample::dts (no edit list).
// Memory: none beyond the SampleTable's prefix tables. Lifetime: borrows the SampleTable.
#pragma once

#include <cstdint>
#include <optional>

#include "mp4/sample_table.h"

namespace mp4kit {

class SeekIndex {
 public:
  explicit SeekIndex(const SampleTable& table) : t_(&table) {}

  /// The last sample whose dts <= `dts` (ticks); nullopt if `dts` precedes the first sample
  /// or the track is empty. O(log stts entries) for moov samples, O(log runs + run length)
  /// in fragments.
  std::optional<uint64_t> sample_at_dts(int64_t dts) const;

  /// The nearest sync sample at or before `index` (stss binary search; O(log n)). For
  /// fragment samples the run flags are scanned backwards. nullopt when none exists.
  std::optional<uint64_t> sync_at_or_before(uint64_t index) const;

  /// The next sync sample strictly after `index`, or nullopt.
  std::optional<uint64_t> sync_after(uint64_t index) const;

  /// 0-based chunk index holding moov sample `index` (nullopt for fragment samples).
  std::optional<uint32_t> chunk_of(uint64_t index) const;

 private:
  const SampleTable* t_;
};

}  // namespace mp4kit
