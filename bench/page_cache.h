// Page-cache control for benchmark runs (`mp4kit bench --cache cold|warm`): how much of a
// file is in the page cache, dropping it from there, and reading around it (O_DIRECT).
//
// Why: a second read of a file is served from the page cache and measures memory, not
// storage. A "cold" run must start with the file's pages gone, and the bench must check
// that they really are gone instead of trusting the request; a "warm" run must start with
// them all present.
//
// Eviction: posix_fadvise(POSIX_FADV_DONTNEED) after fdatasync (dirty pages cannot be
// dropped). It needs no privilege, drops only this file's clean pages and only those no
// process has mapped (a page still mapped somewhere stays: the bench maps the file in
// child processes that have exited by then). It does nothing on memory-backed
// filesystems (tmpfs, ramfs) and may do nothing on some stacked ones; callers measure
// residency afterwards and say "eviction impossible" instead of reporting a cold number.
//
// Residency: mincore(2) over a fresh read-only mapping of the file, which faults nothing
// in. The kernel reports page-cache residency of a file mapping only to a caller that
// owns the file or may write it (or has CAP_DAC_OVERRIDE/CAP_FOWNER); for anyone else it
// reports only pages mapped into the caller itself, i.e. always ~0. `residency_trusted`
// says which case applies.
//
// Thread rules: stateless free functions, any thread. DirectReader is used by one thread.
#pragma once

#include <cstdint>
#include <string>

#include "mp4kit/error.h"

namespace mp4kit {

/// Pages of a file in the page cache.
struct Residency {
  uint64_t resident_pages = 0;
  uint64_t total_pages = 0;
  /// resident_pages / total_pages in 0..1 (1 for an empty range).
  double fraction() const { return total_pages ? double(resident_pages) / double(total_pages) : 1.0; }
};

/// Residency of bytes [0, size) of the file open at `fd` (mmap PROT_READ, mincore in 1 GiB
/// windows, munmap). Errors: kIo when mmap or mincore fail (message has errno text).
Result<Residency> page_cache_residency(int fd, uint64_t size);

/// Whether the kernel reports page-cache residency of `fd` to this process (see above):
/// the caller owns the file, may write it, or is privileged.
bool residency_trusted(int fd);

/// The filesystem holding `fd`, from fstatfs f_type.
struct FilesystemInfo {
  uint64_t magic = 0;        ///< statfs f_type
  std::string name;          ///< "ext4", "xfs", "btrfs", "tmpfs", "overlay", ... or "0x<magic>"
  bool memory_backed = false;///< tmpfs/ramfs: the page cache is the storage, nothing to evict
};
FilesystemInfo filesystem_of(int fd);

/// Asks the kernel to drop the file's pages: fdatasync(fd) (so dirty pages become clean),
/// then posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED). Returns the residency measured right
/// after, so the caller can see whether it worked. Errors: kIo if fadvise or the residency
/// check fail. A residency that stays high is not an error here; the caller decides.
Result<Residency> evict_from_page_cache(int fd, uint64_t size);

/// Asks the kernel to read the whole file into the page cache (POSIX_FADV_WILLNEED) and
/// reads it through once, so that a "warm" run finds it resident. Errors: kIo.
Status load_into_page_cache(int fd, uint64_t size);

/// Reads a file with O_DIRECT, bypassing the page cache entirely, through an aligned
/// window: read(offset, size) returns a view of the bytes, reloading the window (one
/// pread of `window_bytes`, aligned down to the device's direct-I/O alignment) when they
/// are not in it. Sequential access therefore costs one large read per window; a sample
/// larger than the window grows it.
///
/// Alignment: statx(STATX_DIOALIGN) where the kernel reports it (Linux >= 6.1), else 4096
/// bytes for both the offset and the buffer address.
/// Errors: open() returns kCannotOpen for a missing file and kIo when the filesystem does
/// not support O_DIRECT (tmpfs before Linux 6.6, some FUSE filesystems) with errno text.
class DirectReader {
 public:
  static Result<DirectReader> open(const std::string& path, uint64_t window_bytes = uint64_t(4) << 20);
  DirectReader(DirectReader&& other) noexcept;
  DirectReader& operator=(DirectReader&&) = delete;
  DirectReader(const DirectReader&) = delete;
  ~DirectReader();

  /// View of file bytes [offset, offset + size), valid until the next read() call. A
  /// range past the end of the file is cut at the end (the view's size says how much).
  /// Errors: kIo when pread fails (errno text) or returns fewer bytes than the file has.
  struct View {
    const uint8_t* data = nullptr;
    uint64_t size = 0;
  };
  Result<View> read(uint64_t offset, uint64_t size);

  uint64_t file_size() const { return file_size_; }
  uint32_t alignment() const { return align_; }
  /// Bytes transferred by pread so far (whole windows, aligned).
  uint64_t bytes_transferred() const { return transferred_; }
  /// pread calls so far.
  uint64_t reads() const { return reads_; }

 private:
  DirectReader() = default;
  Status reserve(uint64_t bytes);
  int fd_ = -1;
  uint64_t file_size_ = 0;
  uint32_t align_ = 4096;
  uint8_t* buf_ = nullptr;     // aligned_alloc(align_, cap_)
  uint64_t cap_ = 0;
  uint64_t window_ = 0;        // preferred read size
  uint64_t win_begin_ = 0, win_end_ = 0;  // file range now in buf_
  uint64_t transferred_ = 0, reads_ = 0;
  std::string path_;
};

}  // namespace mp4kit
