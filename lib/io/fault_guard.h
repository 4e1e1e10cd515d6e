// Surviving an input file that shrinks while it is mapped (opt-in).
//
// The mmap source (io/mapped_file.h) reads its file through a read-only mapping. If
// another process truncates the file, the kernel answers any touch of a page past the new
// end with SIGBUS, which would kill the process in the middle of a parse or a decode. This
// module keeps that from happening without changing how the rest of the code reads bytes:
//
//  - A mapping opened with FileSourceOptions::fault_guard registers itself here
//    (`FaultRegion`). A process-wide SIGBUS handler, installed on the first registration
//    (never before: a program that does not ask for the guard keeps its own handler),
//    looks the faulting address up among the registered regions. When it lies in one, the
//    handler maps an anonymous zero page over the faulting page (mmap MAP_FIXED, one
//    system call, no locks, no allocation), records the region offset of the fault and
//    returns: the interrupted read resumes and sees zeros. Any thread, including
//    libavcodec's worker threads, is covered.
//  - A SIGBUS outside every registered region is passed on to the handler that was
//    installed before (a sanitizer's, the embedding program's, or the default action,
//    which kills the process).
//  - The code that read the bytes does not know they were replaced, so nothing it
//    computed since the fault can be trusted: callers check `ByteSource::check_intact()`
//    at the end of each stage and before emitting anything built from mapped bytes, and
//    return its kIo error (exit 74) instead of the stage's result.
//
// Who turns it on: the mp4kit CLI (apps/) and the decode module's entry points, wherever
// they open an input file. Library callers choose (include/mp4kit/byte_source.h).
//
// Why zero pages and not sigsetjmp/siglongjmp out of a guarded scope: a long jump out of
// C++ frames skips destructors (undefined behaviour when they are non-trivial), leaks
// whatever the parser had allocated (LeakSanitizer reports it) and can leave objects
// outside the scope half-modified. Reading zeros keeps every invariant of the bounded
// parser: it only ever sees "a file full of zeros", which it already handles.
//
// Thread rules: register/unregister from any thread; the handler is async-signal-safe
// (atomics and mmap only). At most kMaxRegions mappings are guarded at once; past that
// a registration fails (`FaultRegion::active()` is false) and that mapping is unguarded.
#pragma once

#include <cstddef>
#include <cstdint>

namespace mp4kit {

/// A registered mapping [base, base + size). Move-only; unregisters on destruction, which
/// must happen before the range is unmapped.
class FaultRegion {
 public:
  static constexpr int kMaxRegions = 256;
  static constexpr uint64_t kNoFault = UINT64_MAX;

  FaultRegion() = default;
  /// Registers the range (installing the SIGBUS handler on first use).
  FaultRegion(const void* base, uint64_t size);
  ~FaultRegion();
  FaultRegion(FaultRegion&& other) noexcept;
  FaultRegion& operator=(FaultRegion&& other) noexcept;
  FaultRegion(const FaultRegion&) = delete;
  FaultRegion& operator=(const FaultRegion&) = delete;

  /// True when the range is registered and its faults are absorbed.
  bool active() const { return slot_ >= 0; }
  /// Offset from `base` (bytes) of the lowest page that faulted so far, or kNoFault.
  uint64_t first_fault() const;
  /// Number of pages replaced by zero pages so far.
  uint64_t fault_count() const;

 private:
  int slot_ = -1;
};

}  // namespace mp4kit
