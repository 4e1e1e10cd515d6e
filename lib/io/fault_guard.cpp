#include "io/fault_guard.h"

#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <mutex>

namespace mp4kit {
namespace {

// One registered mapping. `state` is written last on registration (release) and first on
// unregistration, so the handler (acquire) never matches a half-written slot.
struct Slot {
  std::atomic<int> state{0};  // 0 free, 1 being set up or torn down, 2 active
  std::atomic<uintptr_t> begin{0}, end{0};
  std::atomic<uint64_t> first_fault{FaultRegion::kNoFault};
  std::atomic<uint64_t> count{0};
};

Slot g_slots[FaultRegion::kMaxRegions];
struct sigaction g_previous {};
uintptr_t g_page_size = 4096;
std::once_flag g_install_once;

static_assert(std::atomic<uintptr_t>::is_always_lock_free && std::atomic<uint64_t>::is_always_lock_free &&
                  std::atomic<int>::is_always_lock_free,
              "the SIGBUS handler needs lock-free atomics to stay async-signal-safe");

// Hands a SIGBUS that is not ours to whoever handled it before us.
void pass_on(int sig, siginfo_t* info, void* context) {
  if (g_previous.sa_flags & SA_SIGINFO) {
    if (g_previous.sa_sigaction) {
      g_previous.sa_sigaction(sig, info, context);
      return;
    }
  } else if (g_previous.sa_handler != SIG_DFL && g_previous.sa_handler != SIG_IGN) {
    g_previous.sa_handler(sig);
    return;
  }
  // Default action. For a real fault, returning re-executes the access, which faults again
  // and now kills the process as SIGBUS would have. A SIGBUS sent by kill/raise is re-sent
  // (it stays blocked until this handler returns).
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  sigaction(SIGBUS, &dfl, nullptr);
  if (info->si_code <= 0) raise(SIGBUS);
}

void on_sigbus(int sig, siginfo_t* info, void* context) {
  const int saved_errno = errno;
  const uintptr_t addr = reinterpret_cast<uintptr_t>(info->si_addr);
  if (info->si_code > 0) {  // raised by the kernel for an access, not sent by a process
    for (Slot& s : g_slots) {
      if (s.state.load(std::memory_order_acquire) != 2) continue;
      const uintptr_t begin = s.begin.load(std::memory_order_relaxed);
      const uintptr_t end = s.end.load(std::memory_order_relaxed);
      if (addr < begin || addr >= end) continue;
      void* page = reinterpret_cast<void*>(addr & ~(g_page_size - 1));
      void* p = mmap(page, g_page_size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
      if (p == MAP_FAILED) break;  // cannot absorb it: let it kill the process
      const uint64_t offset = addr - begin;
      uint64_t seen = s.first_fault.load(std::memory_order_relaxed);
      while (offset < seen && !s.first_fault.compare_exchange_weak(seen, offset, std::memory_order_release)) {
      }
      s.count.fetch_add(1, std::memory_order_release);
      errno = saved_errno;
      return;
    }
  }
  errno = saved_errno;
  pass_on(sig, info, context);
}

void install_handler() {
  long page = sysconf(_SC_PAGESIZE);
  if (page > 0) g_page_size = static_cast<uintptr_t>(page);
  struct sigaction sa {};
  sa.sa_sigaction = on_sigbus;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGBUS, &sa, &g_previous);
}

}  // namespace

FaultRegion::FaultRegion(const void* base, uint64_t size) {
  std::call_once(g_install_once, install_handler);
  for (int i = 0; i < kMaxRegions; ++i) {
    int expected = 0;
    if (!g_slots[i].state.compare_exchange_strong(expected, 1, std::memory_order_acquire)) continue;
    const uintptr_t b = reinterpret_cast<uintptr_t>(base);
    g_slots[i].begin.store(b, std::memory_order_relaxed);
    g_slots[i].end.store(b + size, std::memory_order_relaxed);
    g_slots[i].first_fault.store(kNoFault, std::memory_order_relaxed);
    g_slots[i].count.store(0, std::memory_order_relaxed);
    g_slots[i].state.store(2, std::memory_order_release);
    slot_ = i;
    return;
  }
}

FaultRegion::~FaultRegion() {
  if (slot_ < 0) return;
  g_slots[slot_].state.store(1, std::memory_order_release);
  g_slots[slot_].begin.store(0, std::memory_order_relaxed);
  g_slots[slot_].end.store(0, std::memory_order_relaxed);
  g_slots[slot_].state.store(0, std::memory_order_release);
}

FaultRegion::FaultRegion(FaultRegion&& other) noexcept : slot_(other.slot_) { other.slot_ = -1; }

FaultRegion& FaultRegion::operator=(FaultRegion&& other) noexcept {
  if (this != &other) {
    FaultRegion old(std::move(*this));
    slot_ = other.slot_;
    other.slot_ = -1;
  }
  return *this;
}

uint64_t FaultRegion::first_fault() const {
  return slot_ < 0 ? kNoFault : g_slots[slot_].first_fault.load(std::memory_order_acquire);
}

uint64_t FaultRegion::fault_count() const {
  return slot_ < 0 ? 0 : g_slots[slot_].count.load(std::memory_order_acquire);
}

}  // namespace mp4kit
