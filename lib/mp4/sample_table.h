// Per-track sample table: the samples of a track in decode order, decoded on demand from
// the views in SampleTableBoxes (moov) and the TrackRuns (fragments, appended in file
// order). Memory is O(stts/ctts/stsc entries + runs), never O(samples), until a caller
// asks for a full table (`all()`).
//
// Source: ISO/IEC 14496-12:2022 § 8.6.1.2 (stts), § 8.6.1.3 (ctts), § 8.6.2 (stss),
// § 8.7.3-8.7.5 (stsz/stz2, stsc, stco/co64), § 8.8.8 (trun), § 8.8.3.1 (sample flags).
//
// Lifetime: a SampleTable points at the Track it was built from, and through it into the
// MappedFile: the Movie holding that Track must outlive the table, and its `tracks` vector
// must not be resized meanwhile. Moving the Movie is fine (its tracks stay in place);
// copying either is impossible (both are move-only), so a table cannot end up pointing
// into a copy that dies first. Thread rules: a built table is immutable except for the
// total_bytes() cache, so use one table from one thread at a time.
#pragma once

#include <cstdint>
#include <vector>

#include "mp4/movie.h"

namespace mp4kit {

/// One sample, as the container describes it (no edit list applied).
struct Sample {
  uint64_t index = 0;          ///< decode-order position in the track, 0-based
  uint64_t offset = 0;         ///< absolute file offset of the first byte, bytes
  uint32_t size = 0;           ///< bytes
  int64_t dts = 0;             ///< decode time, track timescale ticks (moov samples start at 0)
  int32_t composition_offset = 0;  ///< cts - dts in ticks (ctts / trun; signed)
  uint32_t duration = 0;       ///< ticks (stts / trun / tfhd / trex)
  bool is_sync = false;        ///< sync sample (stss; all if stss absent; trun flags)
  uint32_t sample_description_index = 1;  ///< 1-based stsd entry
  uint8_t sdtp = 0;            ///< sdtp byte (§ 8.6.4): is_leading, depends_on, is_depended_on, has_redundancy
  bool in_fragment = false;    ///< came from a trun
  uint32_t run_index = 0;      ///< which TrackRun (fragments only)
};

class SampleTable {
 public:
  SampleTable(const SampleTable&) = delete;
  SampleTable& operator=(const SampleTable&) = delete;
  SampleTable(SampleTable&&) noexcept = default;
  SampleTable& operator=(SampleTable&&) noexcept = default;

  /// Validates the tables of `track` and prepares the run indexes. Errors (kMalformed)
  /// name the box path and offset: missing mandatory boxes with samples present, chunk
  /// indexes out of order, sample sizes running past the chunk table. A too-large track
  /// is kInternal (Limits::max_samples_per_track).
  ///
  /// `index_chunks = false` skips reading stsc (O(stsc entries), ~100k entries for a
  /// 2-hour interleaved file): the samples then count as stsz declares, iteration stops
  /// where the chunk table ends, and random access (sample_at) is unavailable. Plain `probe` uses it; everything that reads samples indexes chunks.
  static Result<SampleTable> build(const Track& track, const Limits& limits = Limits{}, bool index_chunks = true);

  /// Samples in the moov tables plus all fragments.
  uint64_t sample_count() const { return moov_samples_ + fragment_samples_; }
  uint64_t moov_sample_count() const { return moov_samples_; }
  uint64_t fragment_sample_count() const { return fragment_samples_; }
  /// Number of sync samples (stss entries, or all samples when stss is absent).
  uint64_t sync_sample_count() const;
  /// Sum of sample sizes in bytes. O(samples) on first call (reads all of stsz), cached.
  uint64_t total_bytes() const;
  /// Sum of durations in ticks.
  int64_t total_duration() const { return total_duration_; }
  const Track& track() const { return *track_; }
  /// Non-fatal findings made while building (e.g. stts shorter than stsz).
  const std::vector<std::string>& warnings() const { return warnings_; }

  /// Forward iterator in decode order. Cheap to copy; O(1) amortised per sample.
  class Cursor {
   public:
    /// Fills `out` with the next sample and returns true, or returns false at the end.
    bool next(Sample& out);
   private:
    friend class SampleTable;
    const SampleTable* t_ = nullptr;
    uint64_t index_ = 0;
    // moov state
    uint32_t stts_i_ = 0, stts_left_ = 0, ctts_i_ = 0, ctts_left_ = 0, stsc_i_ = 0, stss_i_ = 0;
    uint32_t chunk_ = 0, chunk_left_ = 0;
    uint64_t offset_ = 0;
    int64_t dts_ = 0;
    // fragment state
    uint32_t run_ = 0, in_run_ = 0;
    int64_t frag_dts_ = 0;
    uint64_t frag_offset_ = 0;
  };
  Cursor cursor() const;

  /// Sample by decode-order index in O(log entries + samples per chunk/run).
  Result<Sample> sample_at(uint64_t index) const;
  /// Every sample, materialised: O(samples) memory, and sample_count() is within
  /// Limits::max_samples_per_track (checked by build()).
  Result<std::vector<Sample>> all() const;

 private:
  SampleTable() = default;  ///< only build() makes tables
  friend class Cursor;
  const Track* track_ = nullptr;
  uint64_t moov_samples_ = 0;
  bool chunks_indexed_ = false;
  uint32_t stss_usable_ = 0;  ///< leading stss entries in strictly increasing order (see build())
  uint64_t fragment_samples_ = 0;
  mutable uint64_t total_bytes_ = 0;
  mutable bool total_bytes_known_ = false;
  int64_t total_duration_ = 0;
  std::vector<std::string> warnings_;
  // Prefix tables, one entry per stts entry / stsc entry / run.
  std::vector<uint64_t> stts_first_sample_;
  std::vector<int64_t> stts_first_dts_;
  std::vector<uint64_t> stsc_first_sample_;   ///< first sample of the stsc entry's first chunk
  std::vector<uint64_t> run_first_sample_;    ///< global index of each run's first sample
  std::vector<int64_t> run_first_dts_;        ///< dts of each run's first sample (ticks)

  // build() in steps, each over one table (see sample_table.cpp).
  Status count_moov_samples(bool index_chunks);
  Result<uint64_t> index_stsc();
  void find_usable_stss();
  Status index_stts();
  Status index_runs(const Limits& limits);

  uint32_t sample_size(uint64_t index) const;  ///< moov samples only
  uint64_t chunk_offset(uint32_t chunk) const;
  uint32_t stsc_first_chunk(uint32_t i) const;      ///< 1-based
  uint32_t stsc_samples_per_chunk(uint32_t i) const;
  uint32_t stsc_description(uint32_t i) const;
  /// stss numbers samples from 1; some muxers write 0-based tables (FFmpeg's key_off):
  /// the value to add to a 0-based index to compare it with the entries. stss_count > 0.
  uint32_t stss_key_offset() const { return track_->stbl.stss_sample_number(0) > 0 ? 1 : 0; }
  void fill_fragment_sample(uint32_t run, uint32_t in_run, Sample& s) const;
};

/// Sample-flag bits of § 8.8.3.1 used to decide sync samples in fragments.
inline bool fragment_sample_is_sync(uint32_t sample_flags) {
  const bool non_sync = sample_flags & 0x00010000u;           // sample_is_non_sync_sample
  const bool depends_yes = ((sample_flags >> 24) & 3) == 1;   // sample_depends_on == 1
  return !non_sync && !depends_yes;
}

}  // namespace mp4kit
