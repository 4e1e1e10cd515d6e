#include "mp4/seek_index.h"

#include <algorithm>

namespace mp4kit {

std::optional<uint64_t> SeekIndex::sample_at_dts(int64_t dts) const {
  const SampleTable& t = *t_;
  if (t.sample_count() == 0) return std::nullopt;
  // Fragments first: runs are in file order with (usually) increasing dts.
  if (t.fragment_samples_ && !t.run_first_dts_.empty() && dts >= t.run_first_dts_.front()) {
    auto it = std::upper_bound(t.run_first_dts_.begin(), t.run_first_dts_.end(), dts);
    uint32_t r = static_cast<uint32_t>(it - t.run_first_dts_.begin()) - 1;
    while (r > 0 && t.track_->runs[r].sample_count == 0) --r;
    const TrackRun& run = t.track_->runs[r];
    int64_t cur = t.run_first_dts_[r];
    Sample s;
    uint32_t i = 0;
    for (; i + 1 < run.sample_count; ++i) {
      t.fill_fragment_sample(r, i, s);
      if (cur + static_cast<int64_t>(s.duration) > dts) break;
      cur += s.duration;
    }
    return t.run_first_sample_[r] + i;
  }
  if (t.moov_samples_ == 0 || t.stts_first_sample_.empty() || dts < 0) return std::nullopt;
  auto it = std::upper_bound(t.stts_first_dts_.begin(), t.stts_first_dts_.end(), dts);
  size_t e = static_cast<size_t>(it - t.stts_first_dts_.begin()) - 1;
  // Entries with delta 0 or count 0 share a first dts; upper_bound picked the last one.
  uint32_t delta = load_be32(t.track_->stbl.stts.data + e * 8 + 4);
  uint64_t idx = t.stts_first_sample_[e];
  if (delta) idx += static_cast<uint64_t>((dts - t.stts_first_dts_[e]) / delta);
  return std::min(idx, t.moov_samples_ - 1);
}

std::optional<uint64_t> SeekIndex::sync_at_or_before(uint64_t index) const {
  const SampleTable& t = *t_;
  if (index >= t.sample_count()) return std::nullopt;
  if (index >= t.moov_samples_) {
    for (uint64_t i = index + 1; i-- > t.moov_samples_;) {
      auto s = t.sample_at(i);
      if (s.ok() && s->is_sync) return i;
    }
    if (t.moov_samples_ == 0) return std::nullopt;
    index = t.moov_samples_ - 1;
  }
  const SampleTableBoxes& s = t.track_->stbl;
  if (!s.has_stss) return index;
  if (t.stss_usable_ == 0) return std::nullopt;
  const uint32_t key_off = load_be32(s.stss.data) > 0 ? 1 : 0;
  const uint64_t want = index + key_off;
  uint32_t lo = 0, hi = t.stss_usable_;  // first entry > want (the increasing prefix, see SampleTable::build)
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (load_be32(s.stss.data + uint64_t(mid) * 4) <= want) lo = mid + 1; else hi = mid;
  }
  if (lo == 0) return std::nullopt;
  return load_be32(s.stss.data + uint64_t(lo - 1) * 4) - key_off;
}

std::optional<uint64_t> SeekIndex::sync_after(uint64_t index) const {
  const SampleTable& t = *t_;
  const SampleTableBoxes& s = t.track_->stbl;
  if (index + 1 < t.moov_samples_) {
    if (!s.has_stss) return index + 1;
    if (t.stss_usable_) {
      const uint32_t key_off = load_be32(s.stss.data) > 0 ? 1 : 0;
      const uint64_t want = index + key_off;
      uint32_t lo = 0, hi = t.stss_usable_;
      while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (load_be32(s.stss.data + uint64_t(mid) * 4) <= want) lo = mid + 1; else hi = mid;
      }
      // stss may list sample numbers past the table's samples: those are not samples.
      if (lo < t.stss_usable_ && load_be32(s.stss.data + uint64_t(lo) * 4) - key_off < t.moov_samples_)
        return load_be32(s.stss.data + uint64_t(lo) * 4) - key_off;
    }
  }
  for (uint64_t i = std::max(index + 1, t.moov_samples_); i < t.sample_count(); ++i) {
    auto smp = t.sample_at(i);
    if (smp.ok() && smp->is_sync) return i;
  }
  return std::nullopt;
}

std::optional<uint32_t> SeekIndex::chunk_of(uint64_t index) const {
  const SampleTable& t = *t_;
  if (index >= t.moov_samples_ || !t.chunks_indexed_) return std::nullopt;
  auto it = std::upper_bound(t.stsc_first_sample_.begin(), t.stsc_first_sample_.end(), index);
  uint32_t e = static_cast<uint32_t>(it - t.stsc_first_sample_.begin()) - 1;
  uint32_t spc = t.stsc_samples_per_chunk(e);
  while (spc == 0 && e > 0) spc = t.stsc_samples_per_chunk(--e);
  if (spc == 0) return std::nullopt;
  return t.stsc_first_chunk(e) - 1 + static_cast<uint32_t>((index - t.stsc_first_sample_[e]) / spc);
}

}  // namespace mp4kit
