// Files over 4 GiB without 5 GiB of disk: a sample file rewritten so that its media data
// lies past 5 GiB in a sparse file. Every top-level box after moov moves behind a 64-bit
// 'free' box (largesize, § 4.2) that spans the hole; moov's stco tables become co64 with
// the shifted offsets. The packet table must be the original's with every pos moved by
// the same 64-bit delta: nothing truncated to 32 bits anywhere on the way.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "child_process.h"
#include "damaged_file.h"
#include "test_util.h"

using namespace mp4kit::test;
using nlohmann::json;

namespace {

constexpr uint64_t kTarget = 5ull << 30;  // where the first box after moov lands (5 GiB)

uint32_t fcc(const char* s) { return walk_detail::fcc(s); }

void put_be(std::vector<uint8_t>& out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(uint8_t(v >> (8 * i)));
}

// Re-emits the box at [off, off+size) of `in`: containers with recomputed sizes, stco as
// co64 with `delta` added to every chunk_offset, anything else verbatim.
std::vector<uint8_t> rebuild(const std::vector<uint8_t>& in, uint64_t off, uint64_t delta) {
  const uint64_t size = walk_detail::be(in, off, 4);
  const uint32_t type = uint32_t(walk_detail::be(in, off + 4, 4));
  REQUIRE(size >= 8);  // the sample has no largesize boxes inside moov
  std::vector<uint8_t> out;
  if (type == fcc("moov") || type == fcc("trak") || type == fcc("mdia") || type == fcc("minf") || type == fcc("stbl")) {
    std::vector<uint8_t> body;
    for (uint64_t p = off + 8; p < off + size; p += walk_detail::be(in, p, 4)) {
      std::vector<uint8_t> child = rebuild(in, p, delta);
      body.insert(body.end(), child.begin(), child.end());
    }
    put_be(out, 8 + body.size(), 4);
    put_be(out, type, 4);
    out.insert(out.end(), body.begin(), body.end());
  } else if (type == fcc("stco")) {
    const uint64_t n = walk_detail::be(in, off + 12, 4);
    put_be(out, 16 + 8 * n, 4);
    put_be(out, fcc("co64"), 4);
    put_be(out, 0, 4);  // version 0, flags 0
    put_be(out, n, 4);
    for (uint64_t i = 0; i < n; ++i) put_be(out, walk_detail::be(in, off + 16 + 4 * i, 4) + delta, 8);
  } else {
    out.assign(in.begin() + long(off), in.begin() + long(off + size));
  }
  return out;
}

struct Huge {
  std::string path;
  uint64_t delta = 0;  ///< how far every byte after moov moved
};

Huge make_huge(const std::string& sample, const std::string& name) {
  const std::string s = slurp(sample);
  const std::vector<uint8_t> in(s.begin(), s.end());
  // Top level: everything up to and including moov stays in front; the rest moves.
  uint64_t p = 0, rest = 0;
  std::vector<uint8_t> head;
  for (; p + 8 <= in.size(); p += walk_detail::be(in, p, 4)) {
    const uint32_t type = uint32_t(walk_detail::be(in, p + 4, 4));
    REQUIRE(walk_detail::be(in, p, 4) >= 8);
    if (type == fcc("moov")) {
      rest = p + walk_detail::be(in, p, 4);
      break;
    }
    REQUIRE_MESSAGE(type != fcc("mdat"), sample << ": mdat before moov");
    head.insert(head.end(), in.begin() + long(p), in.begin() + long(p + walk_detail::be(in, p, 4)));
  }
  REQUIRE(rest > 0);
  Huge h;
  h.delta = kTarget - rest;
  std::vector<uint8_t> moov = rebuild(in, p, h.delta);
  head.insert(head.end(), moov.begin(), moov.end());
  // The 'free' box from here to kTarget, with a 64-bit largesize.
  const uint64_t free_size = kTarget - head.size();
  put_be(head, 1, 4);
  put_be(head, fcc("free"), 4);
  put_be(head, free_size, 8);

  h.path = scratch_dir() + "/" + name;
  int fd = open(h.path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  REQUIRE(fd >= 0);
  REQUIRE(pwrite(fd, head.data(), head.size(), 0) == ssize_t(head.size()));
  REQUIRE(pwrite(fd, in.data() + rest, in.size() - rest, off_t(kTarget)) == ssize_t(in.size() - rest));
  struct stat st {};
  REQUIRE(fstat(fd, &st) == 0);
  close(fd);
  REQUIRE(uint64_t(st.st_size) == kTarget + in.size() - rest);
  // A filesystem without holes would have written 5 GiB: say so rather than fill the disk silently.
  WARN_MESSAGE(uint64_t(st.st_blocks) * 512 < (64ull << 20), "the huge test file is not sparse here");
  return h;
}

json probe(const std::string& path, const char* what) {
  ChildSpec spec;
  spec.argv = {MP4KIT_BINARY, "probe", what, "--json", path};
  ChildResult r = run_child(spec);
  REQUIRE_MESSAGE(r.exit_code == 0, path << ": " << r.describe() << ": " << r.err);
  return json::parse(r.out);
}

void check_shifted(const std::string& sample, const Huge& huge) {
  json small = probe(sample, "--packets"), big = probe(huge.path, "--packets");
  REQUIRE(small["packets"].size() == big["packets"].size());
  REQUIRE(!small["packets"].empty());
  size_t moved = 0;
  for (size_t i = 0; i < small["packets"].size(); ++i) {
    json a = small["packets"][i], b = big["packets"][i];
    CAPTURE(i);
    const uint64_t pos = a["pos"].get<uint64_t>();
    CHECK(b["pos"].get<uint64_t>() == pos + huge.delta);
    moved += b["pos"].get<uint64_t>() > 0xFFFFFFFFull;
    a.erase("pos");
    b.erase("pos");
    CHECK(a.dump() == b.dump());
  }
  CHECK(moved == small["packets"].size());  // every sample really is past 4 GiB
  for (size_t i = 0; i < small["streams"].size(); ++i) {
    for (const char* key : {"codec_name", "nb_frames", "duration_ts", "start_pts", "width", "sample_rate"}) {
      if (small["streams"][i].contains(key)) CHECK(small["streams"][i][key] == big["streams"][i][key]);
    }
  }
  CHECK(big["format"]["size"].get<uint64_t>() > (5ull << 30));
}

}  // namespace

TEST_CASE("huge file: co64 chunk offsets and a largesize box past 4 GiB (sparse 5 GiB file)") {
  const std::string sample = samples_dir() + "/h264_bframes_aac.mp4";
  Huge huge = make_huge(sample, "huge-co64.mp4");
  check_shifted(sample, huge);

  // The box tree shows the 64-bit header and the boxes beyond it at their 64-bit offsets.
  json boxes = probe(huge.path, "--boxes")["boxes"];
  bool saw_free = false, saw_mdat = false;
  for (const json& b : boxes) {
    if (b["type"] == "free" && b["header_size"] == 16 && b["size"].get<uint64_t>() > (4ull << 30)) saw_free = true;
    if (b["type"] == "mdat" && b["offset"].get<uint64_t>() >= kTarget) saw_mdat = true;
  }
  CHECK(saw_free);
  CHECK(saw_mdat);
  std::filesystem::remove(huge.path);
}

TEST_CASE("huge file: movie fragments past 4 GiB (moof-relative data offsets on a 64-bit base)") {
  const std::string sample = samples_dir() + "/fragmented.mp4";
  Huge huge = make_huge(sample, "huge-fragmented.mp4");
  check_shifted(sample, huge);
  std::filesystem::remove(huge.path);
}
