#include "mp4/sample_table.h"

#include <algorithm>

#include "mp4/checked.h"
#include "mp4/table_scan.h"

namespace mp4kit {

namespace {
std::string stbl_path(const Track& t, const char* box) {
  return "moov/trak[" + std::to_string(t.index) + "]/mdia/minf/stbl/" + box;
}
}  // namespace

// § 8.7.4.3: the first entry's first_chunk "shall be 1". When it is not, FFmpeg's
// mov_build_index still applies the first entry to every chunk before the second entry's
// first_chunk, and so does the cursor; answering 1 here makes build() and sample_at()
// count the same chunks as the cursor.
uint32_t SampleTable::stsc_first_chunk(uint32_t i) const {
  return i == 0 ? 1 : track_->stbl.stsc_first_chunk(i);
}
uint32_t SampleTable::stsc_samples_per_chunk(uint32_t i) const {
  return track_->stbl.stsc_samples_per_chunk(i);
}
uint32_t SampleTable::stsc_description(uint32_t i) const { return track_->stbl.stsc_sample_description_index(i); }

uint64_t SampleTable::chunk_offset(uint32_t chunk) const {
  return track_->stbl.chunk_offset(chunk);
}

uint32_t SampleTable::sample_size(uint64_t index) const {
  const SampleTableBoxes& s = track_->stbl;
  if (s.sample_size != 0) return s.sample_size;
  switch (s.field_size) {
    case 32: return load_be32(s.stsz.data + index * 4);
    case 16: return load_be16(s.stsz.data + index * 2);
    case 8: return s.stsz.data[index];
    default: {  // 4: two samples per byte, high nibble first (§ 8.7.3.3)
      uint8_t b = s.stsz.data[index / 2];
      return (index & 1) ? (b & 0x0F) : (b >> 4);
    }
  }
}

Result<SampleTable> SampleTable::build(const Track& track, const Limits& limits, bool index_chunks) {
  SampleTable t;
  t.track_ = &track;
  MP4KIT_TRY(t.count_moov_samples(index_chunks));
  t.find_usable_stss();
  MP4KIT_TRY(t.index_stts());
  MP4KIT_TRY(t.index_runs(limits));
  return t;
}

// Moov samples: chunk capacity from stsc, clamped to stsz sample_count (as FFmpeg's
// mov_build_index, which stops at whichever runs out first).
Status SampleTable::count_moov_samples(bool index_chunks) {
  const Track& track = *track_;
  const SampleTableBoxes& s = track.stbl;
  uint64_t capacity = 0;
  if (s.sample_count > 0) {
    if (s.chunk_count == 0 || s.stsc_count == 0) {
      warnings_.push_back(stbl_path(track, "stsz") + ": " + std::to_string(s.sample_count) + " samples declared but " +
                          (s.chunk_count == 0 ? "no chunk offsets" : "no stsc entries") + "; track has no readable samples");
    } else if (!index_chunks) {
      capacity = s.sample_count;  // trusted lazily; the cursor stops at the chunk table's end
    } else {
      auto c = index_stsc();
      if (!c.ok()) return c.error();
      capacity = *c;
    }
    if (s.stts_count == 0 && capacity > 0) {
      return make_error(ErrorCode::kMalformed, stbl_path(track, "stts"), s.offset,
                        std::to_string(s.sample_count) + " samples but no stts entries (decode times unknown)");
    }
  }
  moov_samples_ = std::min<uint64_t>(s.sample_count, capacity);
  return Ok{};
}

// The first sample of each stsc entry (for sample_at), and how many samples the chunks hold.
Result<uint64_t> SampleTable::index_stsc() {
  const Track& track = *track_;
  const SampleTableBoxes& s = track.stbl;
  chunks_indexed_ = true;
  stsc_first_sample_.resize(s.stsc_count);
  uint64_t first_sample = 0;
  for (uint32_t i = 0; i < s.stsc_count; ++i) {
    uint32_t fc = stsc_first_chunk(i);
    if (fc == 0 || (i > 0 && fc <= stsc_first_chunk(i - 1))) {
      return make_error(ErrorCode::kMalformed, stbl_path(track, "stsc"), s.stsc.offset + uint64_t(i) * 12,
                        "entry " + std::to_string(i) + " first_chunk " + std::to_string(fc) +
                            " is not greater than the previous entry's");
    }
    if (i > 0) {
      uint64_t chunks = std::min<uint64_t>(fc, s.chunk_count + 1ull) - std::min<uint64_t>(stsc_first_chunk(i - 1), s.chunk_count + 1ull);
      first_sample += chunks * stsc_samples_per_chunk(i - 1);  // chunks sum to <= 2^32: < 2^64
    }
    stsc_first_sample_[i] = first_sample;
  }
  uint32_t last = s.stsc_count - 1;
  uint64_t last_fc = stsc_first_chunk(last);
  const uint64_t capacity =
      first_sample + (last_fc <= s.chunk_count ? (s.chunk_count - last_fc + 1) * uint64_t(stsc_samples_per_chunk(last)) : 0);
  if (capacity < s.sample_count) {
    warnings_.push_back(stbl_path(track, "stsc") + ": chunks hold " + std::to_string(capacity) + " samples but stsz declares " +
                        std::to_string(s.sample_count) + "; the rest are ignored");
  }
  return capacity;
}

// stss (§ 8.6.2): sample numbers "in strictly increasing order". The cursor matches them
// sequentially, as FFmpeg's mov_build_index does, so its match stops for good at the
// first entry that is not greater than the one before. sample_at() binary-searches the
// same strictly increasing prefix, so both agree on any table.
void SampleTable::find_usable_stss() {
  const SampleTableBoxes& s = track_->stbl;
  if (!s.stss_count) return;
  uint32_t prev = s.stss_sample_number(0);
  stss_usable_ = 1;
  while (stss_usable_ < s.stss_count && s.stss_sample_number(stss_usable_) > prev) prev = s.stss_sample_number(stss_usable_++);
  if (stss_usable_ < s.stss_count) {
    warnings_.push_back(stbl_path(*track_, "stss") + ": entry " + std::to_string(stss_usable_) +
                        " is not greater than the one before; it and the " +
                        std::to_string(s.stss_count - stss_usable_ - 1) + " entries after it are ignored");
  }
}

// stts prefix sums (one entry per stts entry), and the decode time at the end of the moov
// samples (total_duration_ until fragments extend it).
Status SampleTable::index_stts() {
  const SampleTableBoxes& s = track_->stbl;
  const auto overflow = [&] {
    return make_error(ErrorCode::kMalformed, stbl_path(*track_, "stts"), s.stts.offset, "decode time overflows 64 bits");
  };
  stts_first_sample_.reserve(s.stts_count);
  stts_first_dts_.reserve(s.stts_count);
  uint64_t n = 0;
  int64_t dts = 0;
  for (uint32_t i = 0; i < s.stts_count; ++i) {
    stts_first_sample_.push_back(n);
    stts_first_dts_.push_back(dts);
    const uint32_t count = s.stts_sample_count(i), delta = s.stts_sample_delta(i);
    n += count;
    // count * delta always fits in 64 unsigned bits, not always in int64_t: checked
    // before the signed add, or a wrapped (negative) span would pass the overflow check.
    auto d = checked_add_span(dts, count, delta);
    if (!d) return overflow();
    dts = *d;
  }
  if (n < moov_samples_ && s.stts_count > 0) {
    warnings_.push_back(stbl_path(*track_, "stts") + ": covers " + std::to_string(n) + " of " + std::to_string(moov_samples_) +
                        " samples; the last sample_delta is repeated");
  }
  // End of the moov samples' decode time: sum of the durations actually used. The last
  // delta repeats for samples stts does not cover, so this can exceed the stts total:
  // checked too. Every partial sum the cursor or sample_at computes is below this end.
  dts = 0;
  uint64_t remaining = moov_samples_;
  for (uint32_t i = 0; i < s.stts_count && remaining; ++i) {
    uint64_t c = std::min<uint64_t>(s.stts_sample_count(i), remaining);
    if (i + 1 == s.stts_count) c = remaining;
    auto d = checked_add_span(dts, c, s.stts_sample_delta(i));
    if (!d) return overflow();
    dts = *d;
    remaining -= c;
  }
  total_duration_ = dts;
  return Ok{};
}

// Fragments: the limit on samples, then each run's first sample and decode time, with
// every run's end checked (so no per-sample sum the cursor or sample_at does can overflow).
Status SampleTable::index_runs(const Limits& limits) {
  const Track& track = *track_;
  // The sample limit is checked before any per-sample work: a trun without per-sample
  // fields declares up to 2^32-1 samples in 20 bytes of file. (O(runs); runs are limited
  // to max_runs_per_track, so the sum cannot overflow.)
  uint64_t total = moov_samples_;
  for (const TrackRun& run : track.runs) total += run.sample_count;
  if (total > limits.max_samples_per_track) {
    return make_error(ErrorCode::kInternal, "moov/trak[" + std::to_string(track.index) + "]", track.offset,
                      std::to_string(total) + " samples exceed the limit of " + std::to_string(limits.max_samples_per_track) +
                          " per track (raise with --max-samples)");
  }
  total = moov_samples_;
  int64_t dts = total_duration_;
  run_first_sample_.reserve(track.runs.size());
  run_first_dts_.reserve(track.runs.size());
  for (const TrackRun& run : track.runs) {
    // The container's own decode times: a run restarts at its tfdt or sidx time (RunStart),
    // else continues; the edit list's offset and FFmpeg's running end are the timeline's.
    if (run.start == RunStart::kTfdt) dts = static_cast<int64_t>(*run.tfdt);
    if (run.start == RunStart::kSidx) dts = run.sidx_pts;
    run_first_sample_.push_back(total);
    run_first_dts_.push_back(dts);
    std::optional<int64_t> end = dts;
    if (run.flags & trun_flags::kDuration) {  // per-sample durations: present in the file, so bounded by its size
      for (uint32_t i = 0; i < run.sample_count && end; ++i) end = checked_add_ticks(*end, run.sample_duration(i));
    } else {  // the default duration for every sample: one multiplication (< 2^64, maybe > INT64_MAX)
      end = checked_add_span(dts, run.sample_count, run.default_sample_duration);
    }
    if (!end) return make_error(ErrorCode::kMalformed, "moof", run.trun_offset, "decode time overflows 64 bits");
    dts = *end;
    total += run.sample_count;
    fragment_samples_ += run.sample_count;
  }
  if (!track.runs.empty()) total_duration_ = dts;
  return Ok{};
}

namespace {

// The sum of stsz's entry_size fields of samples [0, n) (§ 8.7.3.2/8.7.3.3: field_size 32,
// 16, 8 or 4 bits), one pass over the packed entries; n <= the entries stsz holds (checked
// when stsz was parsed). No overflow: at most 2^32 samples of at most 2^32 - 1 bytes.
uint64_t sum_sample_sizes(const SampleTableBoxes& s, uint64_t n) {
  const uint8_t* p = s.stsz.data;
  uint64_t total = 0;
  switch (s.field_size) {
    case 32:
      total = table_scan::sum_be32(p, n);
      break;
    case 16:
      for (uint64_t i = 0; i < n; ++i) total += load_be16(p + i * 2);
      break;
    case 8:
      for (uint64_t i = 0; i < n; ++i) total += p[i];
      break;
    default:  // 4: two samples per byte, high nibble first
      for (uint64_t i = 0; i < n / 2; ++i) total += (p[i] >> 4) + (p[i] & 0x0F);
      if (n & 1) total += p[n / 2] >> 4;
      break;
  }
  return total;
}

}  // namespace

uint64_t SampleTable::total_bytes() const {
  if (total_bytes_known_) return total_bytes_;
  const SampleTableBoxes& s = track_->stbl;
  uint64_t total = 0;
  if (s.sample_size != 0) {
    total = uint64_t(s.sample_size) * moov_samples_;
  } else {
    total = sum_sample_sizes(s, moov_samples_);
  }
  for (const TrackRun& run : track_->runs) {
    if (run.flags & trun_flags::kSize) {
      for (uint32_t i = 0; i < run.sample_count; ++i) total = sat_add_u64(total, run.sample_size(i));
    } else {
      total = sat_add_u64(total, uint64_t(run.default_sample_size) * run.sample_count);
    }
  }
  total_bytes_ = total;
  total_bytes_known_ = true;
  return total;
}

uint64_t SampleTable::sync_sample_count() const {
  const SampleTableBoxes& s = track_->stbl;
  uint64_t n = s.has_stss ? std::min<uint64_t>(s.stss_count, moov_samples_) : moov_samples_;
  for (const TrackRun& run : track_->runs)
    for (uint32_t i = 0; i < run.sample_count; ++i) n += fragment_sample_is_sync(run.sample_flags(i));
  return n;
}

SampleTable::Cursor SampleTable::cursor() const {
  Cursor c;
  c.t_ = this;
  const SampleTableBoxes& s = track_->stbl;
  if (s.stts_count) c.stts_left_ = s.stts_sample_count(0);
  if (s.ctts_count) c.ctts_left_ = s.ctts_sample_count(0);
  c.chunk_ = UINT32_MAX;  // before the first chunk
  return c;
}

void SampleTable::fill_fragment_sample(uint32_t r, uint32_t i, Sample& s) const {
  const TrackRun& run = track_->runs[r];
  s.duration = run.sample_duration(i);
  s.size = run.sample_size(i);
  s.composition_offset = run.sample_composition_offset(i);
  const uint32_t flags = run.sample_flags(i);
  s.is_sync = fragment_sample_is_sync(flags);
  s.sdtp = static_cast<uint8_t>((flags >> 20) & 0xFF);  // is_leading..has_redundancy (§ 8.8.3.1)
  s.sample_description_index = run.sample_description_index;
  s.in_fragment = true;
  s.run_index = r;
}

bool SampleTable::Cursor::next(Sample& out) {
  const SampleTable& t = *t_;
  if (index_ >= t.sample_count()) return false;
  const SampleTableBoxes& s = t.track_->stbl;
  out = Sample{};
  out.index = index_;
  if (index_ < t.moov_samples_) {
    // Advance to the next non-empty chunk when the current one is used up.
    while (chunk_left_ == 0) {
      chunk_ = chunk_ == UINT32_MAX ? 0 : chunk_ + 1;
      if (chunk_ >= s.chunk_count) {  // only reachable when the chunk index was not built
        index_ = t.sample_count();
        return false;
      }
      while (stsc_i_ + 1 < s.stsc_count && t.stsc_first_chunk(stsc_i_ + 1) <= chunk_ + 1) ++stsc_i_;
      chunk_left_ = t.stsc_samples_per_chunk(stsc_i_);
      offset_ = t.chunk_offset(chunk_);
    }
    out.offset = offset_;
    out.size = t.sample_size(index_);
    out.sample_description_index = t.stsc_description(stsc_i_);
    offset_ = sat_add_u64(offset_, out.size);  // a chunk running past 2^64 lies past the end of the file
    --chunk_left_;
    // stts: the last entry's delta repeats if the table is short.
    while (stts_left_ == 0 && stts_i_ + 1 < s.stts_count) stts_left_ = s.stts_sample_count(++stts_i_);
    out.duration = s.stts_count ? s.stts_sample_delta(stts_i_) : 0;
    if (stts_left_) --stts_left_;
    out.dts = dts_;
    dts_ += out.duration;  // below SampleTable::build's checked end of the moov samples
    // ctts (signed in practice for both versions; FFmpeg reads it as int32).
    while (ctts_left_ == 0 && ctts_i_ + 1 < s.ctts_count) ctts_left_ = s.ctts_sample_count(++ctts_i_);
    if (ctts_left_) {
      out.composition_offset = s.ctts_sample_offset(ctts_i_);
      --ctts_left_;
    }
    // stss: sample numbers are 1-based; some muxers write 0-based tables (FFmpeg's key_off).
    if (!s.has_stss) {
      out.is_sync = true;
    } else if (s.stss_count) {
      if (stss_i_ < t.stss_usable_ && index_ + t.stss_key_offset() == s.stss_sample_number(stss_i_)) {
        out.is_sync = true;
        ++stss_i_;
      }
    }
    if (index_ < s.sdtp.size) out.sdtp = s.sdtp.data[index_];
  } else {
    // Runs with no samples hold nothing to read (their entries view is empty): step over
    // them, including before the very first fragment sample when moov has no samples.
    // index_ < sample_count() guarantees a non-empty run at or after run_.
    while (in_run_ == 0 && t.track_->runs[run_].sample_count == 0) ++run_;
    const TrackRun& run = t.track_->runs[run_];
    if (in_run_ == 0) {
      frag_dts_ = t.run_first_dts_[run_];
      frag_offset_ = run.data_offset;
    }
    t.fill_fragment_sample(run_, in_run_, out);
    out.offset = frag_offset_;
    out.dts = frag_dts_;
    frag_offset_ += out.size;   // below the run's end, checked by parse_trun
    frag_dts_ += out.duration;  // below the run's end, checked by SampleTable::build
    if (++in_run_ >= run.sample_count) {
      in_run_ = 0;
      ++run_;
      while (run_ < t.track_->runs.size() && t.track_->runs[run_].sample_count == 0) ++run_;
    }
  }
  ++index_;
  // Skip empty leading runs before the first fragment sample.
  if (index_ == t.moov_samples_) {
    while (run_ < t.track_->runs.size() && t.track_->runs[run_].sample_count == 0) ++run_;
  }
  return true;
}

Result<Sample> SampleTable::sample_at(uint64_t index) const {
  if (index >= sample_count()) {
    return make_error(ErrorCode::kUsage, "moov/trak[" + std::to_string(track_->index) + "]", track_->offset,
                      "sample " + std::to_string(index) + " out of range (track has " + std::to_string(sample_count()) + ")");
  }
  Sample out;
  out.index = index;
  const SampleTableBoxes& s = track_->stbl;
  if (index < moov_samples_) {
    if (!chunks_indexed_) {
      return make_error(ErrorCode::kInternal, stbl_path(*track_, "stsc"), track_->stbl.stsc.offset,
                        "random access needs the chunk index (SampleTable built with index_chunks=false)");
    }
    auto it = std::upper_bound(stsc_first_sample_.begin(), stsc_first_sample_.end(), index);
    uint32_t e = static_cast<uint32_t>(it - stsc_first_sample_.begin()) - 1;
    // Entries whose chunk run is empty share a first_sample; take the last such entry with samples.
    uint32_t spc = stsc_samples_per_chunk(e);
    while (spc == 0 && e > 0) spc = stsc_samples_per_chunk(--e);
    uint64_t rel = index - stsc_first_sample_[e];
    uint32_t chunk = stsc_first_chunk(e) - 1 + static_cast<uint32_t>(rel / spc);
    uint64_t first_in_chunk = index - rel % spc;
    uint64_t off = chunk_offset(chunk);
    for (uint64_t i = first_in_chunk; i < index; ++i) off = sat_add_u64(off, sample_size(i));  // as the cursor
    out.offset = off;
    out.size = sample_size(index);
    out.sample_description_index = stsc_description(e);
    auto st = std::upper_bound(stts_first_sample_.begin(), stts_first_sample_.end(), index);
    size_t si = static_cast<size_t>(st - stts_first_sample_.begin()) - 1;
    const uint32_t delta = s.stts_sample_delta(si);
    out.duration = delta;
    // Within the span build() checked (the last delta repeats up to the checked moov end).
    out.dts = stts_first_dts_[si] + static_cast<int64_t>((index - stts_first_sample_[si]) * delta);
    // ctts: linear over entries (entries are few compared with samples; runs of 1 are common
    // though, so walk with a running count).
    uint64_t n = 0;
    for (uint32_t i = 0; i < s.ctts_count; ++i) {
      const uint32_t c = s.ctts_sample_count(i);
      if (index < n + c) {
        out.composition_offset = s.ctts_sample_offset(i);
        break;
      }
      n += c;
    }
    if (!s.has_stss) {
      out.is_sync = true;
    } else if (s.stss_count) {
      // Binary search over the strictly increasing prefix (see build()).
      const uint64_t want = index + stss_key_offset();
      uint32_t lo = 0, hi = stss_usable_;
      while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (s.stss_sample_number(mid) < want) lo = mid + 1; else hi = mid;
      }
      out.is_sync = lo < stss_usable_ && s.stss_sample_number(lo) == want;
    }
    if (index < s.sdtp.size) out.sdtp = s.sdtp.data[index];
    return out;
  }
  auto it = std::upper_bound(run_first_sample_.begin(), run_first_sample_.end(), index);
  uint32_t r = static_cast<uint32_t>(it - run_first_sample_.begin()) - 1;
  while (track_->runs[r].sample_count == 0) --r;
  uint32_t in_run = static_cast<uint32_t>(index - run_first_sample_[r]);
  uint64_t off = track_->runs[r].data_offset;
  int64_t dts = run_first_dts_[r];
  const TrackRun& run = track_->runs[r];
  for (uint32_t i = 0; i < in_run; ++i) {
    off += run.sample_size(i);      // below the run's end (parse_trun)
    dts += run.sample_duration(i);  // below the run's end (build)
  }
  fill_fragment_sample(r, in_run, out);
  out.offset = off;
  out.dts = dts;
  return out;
}

Result<std::vector<Sample>> SampleTable::all() const {
  std::vector<Sample> v;
  v.reserve(sample_count());
  Cursor c = cursor();
  Sample s;
  while (c.next(s)) v.push_back(s);
  return v;
}

}  // namespace mp4kit
