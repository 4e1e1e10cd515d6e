// Where the 'moof' boxes of a fragmented file start, learned before the top-level walk
// reaches them, so that a remote source fetches their headers in a few coalesced requests
// (ByteSource::prefetch) instead of one round trip per fragment (issue 13).
//
// Two indexes give the offsets: a 'sidx' (§ 8.16.3: each reference's referenced_size
// chains the offsets of the moofs it points at) and an 'mfra' at the end of the file
// (§ 8.8.9-8.8.11: 'mfro' gives its size; each 'tfra' entry has a moof_offset). They are
// only hints: the walk still reads, checks and parses every box itself, so a lying index
// costs a wasted fetch and nothing else. Used only when the source batches_reads() (a
// URL); a mapped file never pays for the extra tail read.
#pragma once

#include <cstdint>
#include <set>

#include "mp4kit/byte_source.h"

namespace mp4kit::detail {

class MoofPrefetcher {
 public:
  explicit MoofPrefetcher(const ByteSource& source) : source_(source), on_(source.batches_reads()) {}

  /// Notes moof offsets (e.g. the keys of FragmentIndexState::sidx_pts after a sidx).
  template <typename Map>
  void add_offsets_of(const Map& by_offset) {
    if (!on_) return;
    for (const auto& kv : by_offset)
      if (kv.first < source_.size()) offsets_.insert(kv.first);
  }
  /// Before the walk reads the box header at `pos`: when two or more known offsets at and
  /// after `pos` are not yet hinted, prefetches the next window of them (their headers,
  /// then each moof and the header after it: two coalesced rounds).
  void before_box(uint64_t pos);
  /// The walk met a moof [pos, end): when no known offset lies past it, looks for an
  /// 'mfra' once (one read of the file's last bytes, one of the mfra) and notes its tfra
  /// offsets. Only from the second moof on, and while the rest of the file is more than
  /// twice what the fragments so far took: a file of one or two fragments does not pay
  /// the extra request for an index it cannot use.
  void at_moof(uint64_t pos, uint64_t end);

 private:
  void read_mfra();

  const ByteSource& source_;
  const bool on_;
  bool mfra_tried_ = false;
  uint32_t moofs_seen_ = 0;
  uint64_t first_moof_ = 0;
  std::set<uint64_t> offsets_;
  uint64_t hinted_until_ = 0;  // offsets below this were hinted (or given up on)
};

}  // namespace mp4kit::detail
