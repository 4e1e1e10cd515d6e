// Allocator for large, short-lived tables (packet indexes of long files).
//
// A 2-hour file has ~500,000 packets: tens of MB of index touched once, front to back.
// With 4 KiB pages that is ~20,000 page faults, which on virtual machines cost more than
// building the index. Allocations of 2 MiB or more are taken straight from mmap and
// marked MADV_HUGEPAGE so the kernel can back them with 2 MiB pages (transparent huge
// pages in "madvise" mode, the Debian default); smaller ones use operator new.
//
// Thread rules: stateless; any thread may allocate and free. Errors: throws std::bad_alloc
// like std::allocator when memory cannot be had.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <new>
#include <vector>

namespace mp4kit {

template <typename T>
struct LargeAllocator {
  using value_type = T;
  static constexpr std::size_t kThreshold = std::size_t(2) << 20;

  LargeAllocator() noexcept = default;
  template <typename U>
  LargeAllocator(const LargeAllocator<U>&) noexcept {}  // NOLINT(google-explicit-constructor)

  T* allocate(std::size_t n) {
    if (n > std::size_t(-1) / sizeof(T)) throw std::bad_alloc();
    const std::size_t bytes = n * sizeof(T);
    if (bytes < kThreshold) return static_cast<T*>(::operator new(bytes));
    void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    madvise(p, bytes, MADV_HUGEPAGE);
    return static_cast<T*>(p);
  }
  void deallocate(T* p, std::size_t n) noexcept {
    const std::size_t bytes = n * sizeof(T);
    if (bytes < kThreshold) ::operator delete(p);
    else munmap(p, bytes);
  }
  template <typename U>
  bool operator==(const LargeAllocator<U>&) const noexcept { return true; }
};

/// A vector whose storage comes from LargeAllocator.
template <typename T>
using LargeVector = std::vector<T, LargeAllocator<T>>;

}  // namespace mp4kit
