// The vectorised table reductions (lib/mp4/table_scan.h) against the plain per-entry loops
// they replaced: on edge-case arrays of every length across the vector widths, and on the
// stsz, stco and ctts tables of every file in samples/ and the corpora.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <vector>

#include "mp4/movie.h"
#include "mp4/table_scan.h"
#include "test_util.h"

using namespace mp4kit;

namespace {

// The reference loops, one entry at a time with load_be32 (box_reader.h).
uint64_t ref_sum(const uint8_t* p, uint64_t n) {
  uint64_t t = 0;
  for (uint64_t i = 0; i < n; ++i) t += load_be32(p + i * 4);
  return t;
}
uint32_t ref_max(const uint8_t* p, uint64_t n) {
  uint32_t m = 0;
  for (uint64_t i = 0; i < n; ++i) m = std::max(m, load_be32(p + i * 4));
  return m;
}
table_scan::CttsMinima ref_minima(const uint8_t* p, uint64_t n) {
  table_scan::CttsMinima m;
  for (uint64_t i = 0; i < n; ++i) {
    const int32_t count = static_cast<int32_t>(load_be32(p + i * 8)), d = static_cast<int32_t>(load_be32(p + i * 8 + 4));
    m.all = std::min(m.all, d);
    if (count > 0) m.counted = std::min(m.counted, d);
  }
  return m;
}

void check_all(const std::vector<uint8_t>& b, uint64_t n4, uint64_t n8) {
  CHECK(table_scan::sum_be32(b.data(), n4) == ref_sum(b.data(), n4));
  CHECK(table_scan::max_be32(b.data(), n4) == ref_max(b.data(), n4));
  const auto got = table_scan::ctts_minima(b.data(), n8), want = ref_minima(b.data(), n8);
  CHECK(got.all == want.all);
  CHECK(got.counted == want.counted);
}

}  // namespace

TEST_CASE("table_scan: every length 0..70 over extreme and mixed values, unaligned starts") {
  // Byte patterns that stress the byte swap and the signed/unsigned comparisons:
  // 0xFFFFFFFF, 0x80000000, 0x7FFFFFFF, 0, and a scrambled sequence.
  std::vector<uint8_t> bytes(8 * 72 + 1);
  uint32_t x = 0x9E3779B9u;
  for (size_t i = 0; i < bytes.size(); ++i) {
    x = x * 1664525u + 1013904223u;
    bytes[i] = static_cast<uint8_t>(x >> 24);
  }
  for (size_t i = 0; i < 8; ++i) bytes[40 + i] = 0xFF;            // count -1, offset -1
  bytes[80] = 0x80; bytes[81] = bytes[82] = bytes[83] = 0;         // INT32_MIN / 2^31
  bytes[84] = 0x80; bytes[85] = bytes[86] = bytes[87] = 0;
  bytes[120] = 0x7F; bytes[121] = bytes[122] = bytes[123] = 0xFF;  // INT32_MAX
  for (int shift = 0; shift < 2; ++shift) {  // an unaligned start as well (tables sit anywhere in moov)
    std::vector<uint8_t> b(bytes.begin() + shift, bytes.end());
    for (uint64_t n = 0; n <= 70; ++n) {
      CAPTURE(n);
      CAPTURE(shift);
      check_all(b, n, n);
    }
  }
  std::vector<uint8_t> zeros(8 * 40, 0);
  check_all(zeros, 80, 40);
  CHECK(table_scan::max_be32(zeros.data(), 80) == 0);
  CHECK(table_scan::ctts_minima(zeros.data(), 40).all == 0);
}

TEST_CASE("table_scan: stsz, stco and ctts of every sample and corpus file equal the per-entry loops") {
  size_t tables = 0;
  for (const std::string& path : test::media_files()) {
    auto src = open_file(path);
    if (!src.ok()) continue;
    auto movie = parse_movie(*src);
    if (!movie.ok()) continue;  // files that do not demux are covered by their own tests
    for (const Track& t : movie->tracks) {
      CAPTURE(path);
      const SampleTableBoxes& s = t.stbl;
      if (s.sample_size == 0 && s.field_size == 32 && s.stsz.data) {
        const uint64_t n = std::min<uint64_t>(s.sample_count, s.stsz.size / 4);
        CHECK(table_scan::sum_be32(s.stsz.data, n) == ref_sum(s.stsz.data, n));
        ++tables;
      }
      if (s.chunk_offset_size == 4 && s.stco.data) {
        CHECK(table_scan::max_be32(s.stco.data, s.chunk_count) == ref_max(s.stco.data, s.chunk_count));
        ++tables;
      }
      if (s.ctts.data) {
        const auto got = table_scan::ctts_minima(s.ctts.data, s.ctts_count), want = ref_minima(s.ctts.data, s.ctts_count);
        CHECK(got.all == want.all);
        CHECK(got.counted == want.counted);
        ++tables;
      }
    }
  }
  MESSAGE("table_scan: compared " << tables << " stsz/stco/ctts tables");
  CHECK(tables > 20);
}

namespace {

// A mapped file whose copy_to() stops at byte `stop` (as after the file shrank): the span
// scans must finish the table from the view.
class ShortCopySource final : public ByteSource {
 public:
  ShortCopySource(ByteSourcePtr inner, uint64_t stop) : inner_(std::move(inner)), stop_(stop) {}
  const std::string& name() const override { return inner_->name(); }
  uint64_t size() const override { return inner_->size(); }
  Result<Buffer> read(uint64_t offset, uint64_t size) const override { return inner_->read(offset, size); }
  bool is_mapped() const override { return true; }
  bool prefers_copy_scans() const override { return true; }
  uint64_t copy_to(uint64_t offset, uint64_t size, uint8_t* dst) const override {
    if (offset >= stop_) return 0;
    return inner_->copy_to(offset, std::min(size, stop_ - offset), dst);
  }

 private:
  ByteSourcePtr inner_;
  uint64_t stop_;
};

}  // namespace

TEST_CASE("table_scan: span scans of a mapped file read by copy_to equal the in-place scans") {
  // A 1 MiB + 12 byte "table" at an odd offset of a real file: above kCopyScanMin, so the
  // bytes are pread in kCopyScanChunk pieces, and not a multiple of the piece size.
  const uint64_t lead = 4099, bytes = (1 << 20) + 12;
  std::vector<uint8_t> data(lead + bytes);
  uint32_t x = 12345;
  for (auto& b : data) {
    x = x * 1103515245u + 12345u;
    b = static_cast<uint8_t>(x >> 23);
  }
  const auto dir = std::filesystem::temp_directory_path() / "mp4kit-tests";
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "table_scan_copy.bin").string();
  {
    FILE* f = std::fopen(path.c_str(), "wb");
    REQUIRE(f);
    REQUIRE(std::fwrite(data.data(), 1, data.size(), f) == data.size());
    std::fclose(f);
  }
  auto src = open_file(path);
  REQUIRE(src.ok());
  REQUIRE((*src)->prefers_copy_scans());
  auto view = (*src)->read(lead, bytes);
  REQUIRE(view.ok());
  const ByteSpan span{view->data(), view->size(), view->offset()};
  REQUIRE(bytes >= table_scan::kCopyScanMin);
  const uint64_t n4 = bytes / 4, n8 = bytes / 8;
  const ShortCopySource short_copy(*src, lead + 300000);  // mid-piece, mid-entry
  for (const ByteSource* via : {static_cast<const ByteSource*>(src->get()), static_cast<const ByteSource*>(&short_copy),
                                static_cast<const ByteSource*>(nullptr)}) {
    CAPTURE(via == nullptr ? "in place" : via == &short_copy ? "short copy" : "copy");
    CHECK(table_scan::sum_be32(span, n4, via) == ref_sum(span.data, n4));
    CHECK(table_scan::max_be32(span, n4, via) == ref_max(span.data, n4));
    const auto got = table_scan::ctts_minima(span, n8, via), want = ref_minima(span.data, n8);
    CHECK(got.all == want.all);
    CHECK(got.counted == want.counted);
  }
  // parse_movie hands the mapped source to the tables (SampleTableBoxes::copy_source) and
  // nothing for memory.
  const std::string mp4 = test::samples_dir() + "/h264_bframes_aac.mp4";
  auto file = open_file(mp4);
  REQUIRE(file.ok());
  auto movie = parse_movie(*file);
  REQUIRE(movie.ok());
  REQUIRE(!movie->tracks.empty());
  CHECK(movie->tracks[0].stbl.copy_source == file->get());
  auto whole = (*file)->read(0, (*file)->size());
  REQUIRE(whole.ok());
  auto mem = parse_movie(memory_source(whole->data(), whole->size(), mp4));
  REQUIRE(mem.ok());
  CHECK(mem->tracks[0].stbl.copy_source == nullptr);
  std::filesystem::remove(path);
}
