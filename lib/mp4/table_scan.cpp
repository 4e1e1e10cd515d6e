#include "mp4/table_scan.h"

#include <cstring>

// Compiled at -O3 (CMakeLists.txt) so that the loops vectorise; the AVX2 versions do 8
// entries per step (vpshufb for the byte swap), the baseline versions are SSE2.
#if defined(__x86_64__) && defined(__GNUC__) && defined(__has_include)
#if __has_include(<sys/platform/x86.h>)
// glibc's header is written for C (glibc 2.36 returns _Bool), which GCC's C++ accepts and
// Clang's does not; bool is the same type.
#define _Bool bool
#include <sys/platform/x86.h>
#undef _Bool
#define MP4KIT_SCAN_AVX2 1
#endif
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

// The loops, inlined into a baseline and an AVX2 function each.
inline uint64_t sum_loop(const uint8_t* p, uint64_t n) {
  uint64_t total = 0;
  for (uint64_t i = 0; i < n; ++i) total += be32(p + i * 4);
  return total;
}

inline uint32_t max_loop(const uint8_t* p, uint64_t n) {
  uint32_t m = 0;
  for (uint64_t i = 0; i < n; ++i) {
    const uint32_t v = be32(p + i * 4);
    m = v > m ? v : m;
  }
  return m;
}

inline CttsMinima minima_loop(const uint8_t* p, uint64_t n) {
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

#if MP4KIT_SCAN_AVX2
__attribute__((target("avx2"))) uint64_t sum_avx2(const uint8_t* p, uint64_t n) { return sum_loop(p, n); }
__attribute__((target("avx2"))) uint32_t max_avx2(const uint8_t* p, uint64_t n) { return max_loop(p, n); }
__attribute__((target("avx2"))) CttsMinima minima_avx2(const uint8_t* p, uint64_t n) { return minima_loop(p, n); }

// glibc's record of the CPU (filled by ld.so before main): no cpuid here.
bool use_avx2() {
  static const bool yes = CPU_FEATURE_ACTIVE(AVX2);
  return yes;
}
#endif

}  // namespace

uint64_t sum_be32(const uint8_t* p, uint64_t n) {
#if MP4KIT_SCAN_AVX2
  if (use_avx2()) return sum_avx2(p, n);
#endif
  return sum_loop(p, n);
}

uint32_t max_be32(const uint8_t* p, uint64_t n) {
#if MP4KIT_SCAN_AVX2
  if (use_avx2()) return max_avx2(p, n);
#endif
  return max_loop(p, n);
}

CttsMinima ctts_minima(const uint8_t* p, uint64_t n) {
#if MP4KIT_SCAN_AVX2
  if (use_avx2()) return minima_avx2(p, n);
#endif
  return minima_loop(p, n);
}

}  // namespace mp4kit::table_scan
