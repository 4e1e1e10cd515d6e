// io/large_allocator.h: large blocks come back 2 MiB-aligned, hold what was asked for, and
// are unmapped whole when released; small ones come from operator new.
#include <doctest/doctest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <vector>

#include "io/large_allocator.h"

namespace {

constexpr std::size_t kHuge = std::size_t(2) << 20;

bool mapped(const void* p, std::size_t length) {
  std::vector<unsigned char> vec((length + 4095) / 4096);
  errno = 0;
  return mincore(const_cast<void*>(p), length, vec.data()) == 0;
}

}  // namespace

TEST_CASE("LargeAllocator: a large block is 2 MiB-aligned, whole, and unmapped on release") {
  mp4kit::LargeAllocator<uint8_t> alloc;
  // The HTTP source's receive buffer for the 2-hour bench file's tail: not a multiple of 2 MiB.
  const std::size_t n = 5145228;
  uint8_t* p = alloc.allocate(n);
  REQUIRE(p != nullptr);
  CHECK(reinterpret_cast<std::uintptr_t>(p) % kHuge == 0);
  for (std::size_t i = 0; i < n; ++i) p[i] = static_cast<uint8_t>(i * 7);
  bool same = true;
  for (std::size_t i = 0; i < n; ++i) same = same && p[i] == static_cast<uint8_t>(i * 7);
  CHECK(same);
  const std::size_t length = (n + kHuge - 1) / kHuge * kHuge;  // 6 MiB
  CHECK(mapped(p, length));
  alloc.deallocate(p, n);
  CHECK_FALSE(mapped(p, length));
  CHECK(errno == ENOMEM);
}

TEST_CASE("LargeAllocator: small blocks and a growing LargeVector") {
  mp4kit::LargeAllocator<uint64_t> alloc;
  uint64_t* small = alloc.allocate(100);
  small[0] = 1;
  small[99] = 2;
  CHECK(small[0] + small[99] == 3);
  alloc.deallocate(small, 100);
  // Growth crosses the threshold (operator new, then mmap) several times.
  mp4kit::LargeVector<uint64_t> v;
  for (uint64_t i = 0; i < 3000000; ++i) v.push_back(i * 3);
  bool same = true;
  for (uint64_t i = 0; i < v.size(); ++i) same = same && v[i] == i * 3;
  CHECK(same);
  CHECK(reinterpret_cast<std::uintptr_t>(v.data()) % kHuge == 0);
  CHECK_THROWS_AS(alloc.allocate(std::size_t(-1) / 8), std::bad_alloc);
}
