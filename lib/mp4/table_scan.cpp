#include "mp4/table_scan.h"

#include <cstring>

// Compiled at -O3 (CMakeLists.txt) so that the loops vectorise; the AVX2 clone does 8
// entries per step (vpshufb for the byte swap), the baseline clone is the plain loop.
#if defined(__x86_64__) && defined(__has_attribute)
#if __has_attribute(target_clones)
#define MP4KIT_SCAN_CLONES __attribute__((target_clones("avx2", "default")))
#endif
#endif
#ifndef MP4KIT_SCAN_CLONES
#define MP4KIT_SCAN_CLONES
#endif

namespace mp4kit::table_scan {
namespace {

inline uint32_t be32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  return v;
#else
  return __builtin_bswap32(v);
#endif
}

}  // namespace

MP4KIT_SCAN_CLONES uint64_t sum_be32(const uint8_t* p, uint64_t n) {
  uint64_t total = 0;
  for (uint64_t i = 0; i < n; ++i) total += be32(p + i * 4);
  return total;
}

MP4KIT_SCAN_CLONES uint32_t max_be32(const uint8_t* p, uint64_t n) {
  uint32_t m = 0;
  for (uint64_t i = 0; i < n; ++i) {
    const uint32_t v = be32(p + i * 4);
    m = v > m ? v : m;
  }
  return m;
}

MP4KIT_SCAN_CLONES CttsMinima ctts_minima(const uint8_t* p, uint64_t n) {
  int32_t all = 0, counted = 0;
  for (uint64_t i = 0; i < n; ++i) {
    const int32_t count = static_cast<int32_t>(be32(p + i * 8));
    const int32_t offset = static_cast<int32_t>(be32(p + i * 8 + 4));
    const int32_t if_counted = count > 0 ? offset : 0;
    all = offset < all ? offset : all;
    counted = if_counted < counted ? if_counted : counted;
  }
  return {all, counted};
}

}  // namespace mp4kit::table_scan
