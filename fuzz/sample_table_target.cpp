// Fuzz target (2): sample tables. For every track that parses: build the SampleTable,
// iterate every sample, look samples up by index, and build the FFmpeg-compatible packet
// timelines (`probe --packets`). Checks that the two ways of reaching a sample (sequential
// cursor, random access) agree, that decode times never go backwards where durations are
// summed (every sum is checked: lib/mp4/checked.h), and that packets point at real samples.
#include <cstdint>
#include <vector>

#include "targets.h"
#include "mp4/movie.h"
#include "mp4/sample_table.h"
#include "mp4/timeline.h"

using namespace mp4kit;

namespace {

bool same(const Sample& a, const Sample& b) {
  return a.index == b.index && a.offset == b.offset && a.size == b.size && a.dts == b.dts &&
         a.composition_offset == b.composition_offset && a.duration == b.duration && a.is_sync == b.is_sync &&
         a.sample_description_index == b.sample_description_index && a.in_fragment == b.in_fragment;
}

void exercise(const SampleTable& table) {
  const uint64_t n = table.sample_count();
  const uint64_t stride = n > 64 ? n / 32 : 1;
  SampleTable::Cursor cur = table.cursor();
  Sample s, prev;
  uint64_t count = 0;
  std::vector<Sample> picked;
  while (cur.next(s)) {
    FUZZ_CHECK(s.index == count, "cursor index %llu at position %llu", (unsigned long long)s.index, (unsigned long long)count);
    // Within the moov samples and within one run, dts = previous dts + previous duration.
    if (count > 0 && s.in_fragment == prev.in_fragment && s.run_index == prev.run_index)
      FUZZ_CHECK(s.dts == prev.dts + int64_t(prev.duration), "sample %llu dts %lld after dts %lld + duration %u",
                 (unsigned long long)count, (long long)s.dts, (long long)prev.dts, prev.duration);
    if (count < 16 || count % stride == 0 || count + 1 == n) picked.push_back(s);
    prev = s;
    ++count;
  }
  FUZZ_CHECK(count == n, "cursor gave %llu samples, table has %llu", (unsigned long long)count, (unsigned long long)n);

  for (const Sample& want : picked) {
    auto got = table.sample_at(want.index);
    FUZZ_CHECK(got.ok(), "sample_at(%llu) failed inside the table", (unsigned long long)want.index);
    FUZZ_CHECK(same(*got, want),
               "sample %llu: cursor offset=%llu size=%u dts=%lld cts=%d dur=%u sync=%d sdi=%u, sample_at offset=%llu size=%u "
               "dts=%lld cts=%d dur=%u sync=%d sdi=%u",
               (unsigned long long)want.index, (unsigned long long)want.offset, want.size, (long long)want.dts,
               want.composition_offset, want.duration, want.is_sync, want.sample_description_index,
               (unsigned long long)got->offset, got->size, (long long)got->dts, got->composition_offset, got->duration,
               got->is_sync, got->sample_description_index);
  }
  FUZZ_CHECK(!table.sample_at(n).ok(), "sample_at(sample_count) succeeded");
}

}  // namespace

int mp4kit::fuzz::sample_table(const uint8_t* data, size_t size) {
  const Limits limits = fuzz_limits();
  ByteSourcePtr file = memory_source(data, size, "fuzz.mp4");  // borrowed: no copy
  auto movie = parse_movie(file, limits);
  if (!movie.ok()) return 0;
  std::vector<SampleTable> tables;
  for (const Track& t : movie->tracks) {
    auto table = SampleTable::build(t, limits);
    if (!table.ok()) return 0;
    exercise(table.value());
    (void)table->total_bytes();
    (void)table->sync_sample_count();
    tables.push_back(std::move(table.value()));
  }
  for (bool edits : {true, false}) {
    TimelineOptions o;
    o.apply_edit_lists = edits;
    auto tl = build_timelines(*movie, tables, o, limits);
    if (!tl.ok()) return 0;
    FUZZ_CHECK(tl->size() == tables.size(), "%zu timelines for %zu tracks", tl->size(), tables.size());
    auto order = interleave_order(*movie, *tl);
    size_t total = 0;
    for (size_t i = 0; i < tl->size(); ++i) {
      total += (*tl)[i].packets.size();
      for (const Packet& p : (*tl)[i].packets) {
        if (!(*tl)[i].grouped_pcm)
          FUZZ_CHECK(p.sample_index < tables[i].sample_count(), "packet of sample %llu, track has %llu",
                     (unsigned long long)p.sample_index, (unsigned long long)tables[i].sample_count());
      }
    }
    FUZZ_CHECK(order.size() == total, "interleave order has %zu of %zu packets", order.size(), total);
  }
  return 0;
}
