// Fragment offsets from 'sidx' and 'mfra' for ByteSource::prefetch (see mp4/moof_prefetch.h).
#include "mp4/moof_prefetch.h"

#include <algorithm>
#include <vector>

#include "mp4/box_reader.h"
#include "mp4/fourcc.h"

namespace mp4kit::detail {
namespace {

// Ranges per prefetch() call: bounds the work of one call on a file with many fragments.
constexpr size_t kWindow = 1024;
// A moof larger than this is not hinted beyond its header (the walk reads it as usual).
constexpr uint64_t kMaxMoofHintBytes = 16ull << 20;
// An mfra larger than this is not read for a hint (a tfra entry is at most 8+8+12 bytes).
constexpr uint64_t kMaxMfraBytes = 16ull << 20;

}  // namespace

// Two rounds per window: the box headers at the known offsets (one coalesced fetch), then
// each moof's whole box and the header after it (the mdat's), which is what the walk reads
// next: exact sizes, so a small block size fetches no guessed bytes.
void MoofPrefetcher::before_box(uint64_t pos) {
  if (!on_ || pos < hinted_until_) return;
  std::vector<ByteRange> heads;
  const uint64_t file_size = source_.size();
  for (auto it = offsets_.lower_bound(pos); it != offsets_.end() && heads.size() < kWindow; ++it)
    heads.push_back({*it, std::min(kMaxBoxHeaderSize, file_size - *it)});
  // One fragment ahead is the box the walk reads next anyway: nothing to batch.
  if (heads.size() < 2) return;
  const size_t covered = source_.prefetch(heads);
  std::vector<ByteRange> boxes;
  for (size_t i = 0; i < covered; ++i) {
    auto b = source_.read(heads[i].offset, heads[i].size);
    if (!b.ok() || b->size() != heads[i].size) break;
    auto h = parse_box_header(b->data(), heads[i].offset, file_size - heads[i].offset, "", true, true);
    if (!h.ok() || h->type != box::moof || h->size > kMaxMoofHintBytes) {
      boxes.push_back(heads[i]);
      continue;
    }
    boxes.push_back({h->offset, h->size + std::min(kMaxBoxHeaderSize, file_size - h->end())});
  }
  const size_t done = std::min(covered, source_.prefetch(boxes));
  // Resume after what was fetched; when nothing fit, give up on the first range (the walk
  // reads it as usual) rather than asking again at every box.
  const size_t resume = std::max<size_t>(done, 1);
  hinted_until_ = resume < heads.size() ? heads[resume].offset : heads.back().offset + 1;
}

void MoofPrefetcher::at_moof(uint64_t pos, uint64_t end) {
  if (!on_ || mfra_tried_) return;
  if (moofs_seen_++ == 0) first_moof_ = pos;
  if (moofs_seen_ < 2 || offsets_.upper_bound(pos) != offsets_.end()) return;
  const uint64_t walked = end - first_moof_, rest = source_.size() - std::min(end, source_.size());
  if (rest / 2 <= walked) return;
  mfra_tried_ = true;
  read_mfra();
}

// § 8.8.11 mfro (last box of the file): FullBox, size = the enclosing mfra's size. § 8.8.10
// tfra: FullBox, track_ID, 26 reserved bits and three 2-bit length_size_of_* fields,
// number_of_entry, then per entry time and moof_offset (64-bit in version 1, else 32) and
// the traf/trun/sample numbers. Anything that does not add up ends the hint silently.
void MoofPrefetcher::read_mfra() {
  const uint64_t file_size = source_.size();
  if (file_size < 16) return;
  auto tail = source_.read(file_size - 16, 16);
  if (!tail.ok() || tail->size() != 16) return;
  const uint8_t* t = tail->data();
  if (load_be32(t + 4) != box::mfro) return;
  const uint64_t mfra_size = load_be32(t + 12);
  if (mfra_size < 8 + 16 || mfra_size > file_size || mfra_size > kMaxMfraBytes) return;
  auto mfra = source_.read(file_size - mfra_size, mfra_size);
  if (!mfra.ok() || mfra->size() != mfra_size) return;
  BoxReader top(mfra->data(), mfra->size(), mfra->offset(), "");
  auto h = top.next_header();
  if (!h.ok() || h->type != box::mfra) return;
  BoxReader r = top.child(*h, "mfra");
  while (r.remaining() >= 8) {
    auto c = r.next_header();
    if (!c.ok()) return;
    if (c->type == box::tfra) {
      BoxReader f = r.child(*c, "mfra/tfra");
      if (f.remaining() < 16) return;
      uint8_t version;
      uint32_t flags;
      f.full_box(version, flags);
      f.skip(4);  // track_ID
      const uint32_t lengths = f.u32();
      const uint32_t count = f.u32();
      const uint64_t entry = (version == 1 ? 16 : 8) + ((lengths >> 4) & 3) + 1 + ((lengths >> 2) & 3) + 1 + (lengths & 3) + 1;
      if (!f.need_table(count, entry, "number_of_entry").ok()) return;
      for (uint32_t i = 0; i < count; ++i) {
        const uint8_t* e = f.cursor();
        const uint64_t moof_offset = version == 1 ? load_be64(e + 8) : load_be32(e + 4);
        if (moof_offset < file_size) offsets_.insert(moof_offset);
        f.skip(entry);
      }
    }
    r.skip_box(*c);
  }
}

}  // namespace mp4kit::detail
