// Read-only memory mapping of a whole input file.
//
// Ownership and lifetime: `MappedFile::open` returns a `std::shared_ptr<const MappedFile>`.
// Every view into the mapping (BoxReader, SampleTable spans, AVPacket data held by an
// AVBufferRef in lib/decode) must be backed by a live reference: the mapping is unmapped
// when the last shared_ptr is released. Views never own the bytes.
//
// Thread rules: the object is immutable after open; any thread may read `data()` and may
// release its shared_ptr.
//
// Faults: if another process truncates the file while it is mapped, touching a page past
// the new end raises SIGBUS. The mapping is registered with memory/fault_guard.h, whose
// handler turns such a fault into a zero page and records it, so the process survives;
// every stage that read mapped bytes must then call `check_intact()` before it trusts or
// emits what it computed, and return its kIo error (exit 74) if there was a fault.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "memory/fault_guard.h"
#include "mp4kit/error.h"

namespace mp4kit {

class MappedFile {
 public:
  /// Access pattern hint passed to madvise(2).
  enum class Advice { kNormal, kSequential, kRandom, kWillNeed, kDontNeed };

  /// Maps `path` read-only (MAP_PRIVATE). Errors: kCannotOpen for a missing, unreadable,
  /// non-regular or empty file (message names the path and errno text); kIo if mmap fails.
  static Result<std::shared_ptr<const MappedFile>> open(const std::string& path);

  /// Wraps `size` bytes at `data` that the caller owns (fuzz targets, tests) without
  /// copying or mapping anything. The buffer must outlive the returned object and every
  /// view into it. `name` is reported as the path. fd() is -1; check_intact() is always Ok.
  static std::shared_ptr<const MappedFile> borrow(const uint8_t* data, uint64_t size, std::string name);

  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  /// First byte of the mapping; valid for size() bytes while this object lives.
  const uint8_t* data() const { return data_; }
  /// File size in bytes at open time (the mapping length).
  uint64_t size() const { return size_; }
  const std::string& path() const { return path_; }
  /// Open file descriptor (read-only), valid while this object lives; for fadvise/pread.
  int fd() const { return fd_; }

  /// madvise over [offset, offset+length) clamped to the mapping; best effort, no error.
  void advise(Advice advice, uint64_t offset = 0, uint64_t length = UINT64_MAX) const;

  /// True when the file on disk is still at least size() bytes long (fstat). A false
  /// answer means reads past the new end fault (see check_intact()).
  bool still_complete() const;

  /// Ok while every read of the mapping saw the file's own bytes. After a read faulted
  /// because the file was truncated underneath (and got zeros instead, see fault_guard.h),
  /// returns kIo naming the path, the offset of the first failed read and the new size.
  /// Cheap (two atomic loads while there is no fault); call it at the end of each stage.
  Status check_intact() const;

 private:
  MappedFile() = default;
  const uint8_t* data_ = nullptr;
  uint64_t size_ = 0;
  int fd_ = -1;
  bool owned_ = true;  ///< false for borrow(): nothing to unmap
  std::string path_;
  FaultRegion fault_region_;
};

using MappedFilePtr = std::shared_ptr<const MappedFile>;

}  // namespace mp4kit
