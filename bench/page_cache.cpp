#include "bench/page_cache.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace mp4kit {
namespace {

uint64_t page_size() { return static_cast<uint64_t>(sysconf(_SC_PAGESIZE)); }

Error io_error(const std::string& what) { return make_error(ErrorCode::kIo, "", 0, what + ": " + std::strerror(errno)); }

}  // namespace

Result<Residency> page_cache_residency(int fd, uint64_t size) {
  Residency r;
  const uint64_t page = page_size();
  r.total_pages = (size + page - 1) / page;
  if (size == 0) return r;
  // A fresh shared read-only mapping: mincore reports the page cache for file mappings
  // without touching (faulting in) any page.
  void* p = mmap(nullptr, static_cast<size_t>(size), PROT_READ, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) return io_error("mmap for mincore");
  constexpr uint64_t kWindowPages = uint64_t(1) << 18;  // 1 GiB of 4 KiB pages per call
  std::vector<unsigned char> vec(static_cast<size_t>(std::min(kWindowPages, r.total_pages)));
  for (uint64_t first = 0; first < r.total_pages; first += kWindowPages) {
    const uint64_t n = std::min(kWindowPages, r.total_pages - first);
    const uint64_t bytes = std::min(n * page, size - first * page);
    if (mincore(static_cast<uint8_t*>(p) + first * page, static_cast<size_t>(bytes), vec.data()) != 0) {
      Error e = io_error("mincore");
      munmap(p, static_cast<size_t>(size));
      return e;
    }
    for (uint64_t i = 0; i < n; ++i) r.resident_pages += vec[i] & 1u;
  }
  munmap(p, static_cast<size_t>(size));
  return r;
}

bool residency_trusted(int fd) {
  // Linux's can_do_mincore(): owner of the inode, or write permission, or CAP_FOWNER
  // (root has it). faccessat on /proc/self/fd/N checks write permission the same way.
  struct stat st {};
  if (fstat(fd, &st) != 0) return false;
  if (geteuid() == 0 || st.st_uid == geteuid()) return true;
  char path[64];
  std::snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  return access(path, W_OK) == 0;
}

FilesystemInfo filesystem_of(int fd) {
  FilesystemInfo info;
  struct statfs sf {};
  if (fstatfs(fd, &sf) != 0) {
    info.name = "unknown";
    return info;
  }
  info.magic = static_cast<uint64_t>(static_cast<uint32_t>(sf.f_type));
  struct Known {
    uint32_t magic;
    const char* name;
    bool memory;
  };
  static constexpr Known kKnown[] = {
      {0xEF53, "ext4", false},           {0x58465342, "xfs", false},     {0x9123683E, "btrfs", false},
      {0x01021994, "tmpfs", true},       {0x858458F6, "ramfs", true},    {0x794C7630, "overlay", false},
      {0x6969, "nfs", false},            {0x65735546, "fuse", false},    {0x2FC12FC1, "zfs", false},
      {0xF2F52010, "f2fs", false},       {0x01021997, "9p", false},      {0x73717368, "squashfs", false},
      {0x4D44, "vfat", false},           {0x5346544E, "ntfs", false},    {0xFF534D42, "cifs", false},
      {0x62656572, "sysfs", true},       {0x9FA0, "proc", true},
  };
  for (const Known& k : kKnown) {
    if (k.magic == info.magic) {
      info.name = k.name;
      info.memory_backed = k.memory;
      return info;
    }
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(info.magic));
  info.name = buf;
  return info;
}

Result<Residency> evict_from_page_cache(int fd, uint64_t size) {
  // Dirty pages (a file just written) are not dropped by DONTNEED: write them back first.
  // fdatasync on a read-only descriptor is allowed on Linux; a filesystem that refuses
  // (EINVAL: special files) has nothing dirty for us anyway.
  if (fdatasync(fd) != 0 && errno != EINVAL && errno != EROFS) return io_error("fdatasync before eviction");
  const int err = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  if (err != 0) {
    errno = err;
    return io_error("posix_fadvise(POSIX_FADV_DONTNEED)");
  }
  return page_cache_residency(fd, size);
}

Status load_into_page_cache(int fd, uint64_t size) {
  posix_fadvise(fd, 0, 0, POSIX_FADV_WILLNEED);  // asynchronous hint; the reads below make sure
  std::vector<uint8_t> buf(size_t(1) << 20);
  for (uint64_t off = 0; off < size;) {
    const ssize_t n = pread(fd, buf.data(), buf.size(), static_cast<off_t>(off));
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error("reading the file into the page cache");
    }
    if (n == 0) break;
    off += static_cast<uint64_t>(n);
  }
  return Ok{};
}

// --- DirectReader

Result<DirectReader> DirectReader::open(const std::string& path, uint64_t window_bytes) {
  DirectReader r;
  r.path_ = path;
  r.fd_ = ::open(path.c_str(), O_RDONLY | O_DIRECT | O_CLOEXEC);
  if (r.fd_ < 0) {
    if (errno == ENOENT || errno == EACCES || errno == ENOTDIR)
      return make_error(ErrorCode::kCannotOpen, "", 0, "cannot open '" + path + "': " + std::strerror(errno));
    return make_error(ErrorCode::kIo, "", 0,
                      "cannot open '" + path + "' with O_DIRECT (the filesystem may not support direct I/O): " + std::strerror(errno));
  }
  struct statx sx {};
  if (statx(r.fd_, "", AT_EMPTY_PATH, STATX_SIZE | STATX_DIOALIGN, &sx) != 0) return io_error("statx '" + path + "'");
  r.file_size_ = sx.stx_size;
  if (sx.stx_mask & STATX_DIOALIGN) {
    if (sx.stx_dio_offset_align == 0 || sx.stx_dio_mem_align == 0)
      return make_error(ErrorCode::kIo, "", 0, "'" + path + "': the filesystem does not support direct I/O on this file");
    r.align_ = std::max<uint32_t>({sx.stx_dio_offset_align, sx.stx_dio_mem_align, 512});
  }
  r.window_ = std::max<uint64_t>(window_bytes, r.align_);
  r.window_ = (r.window_ + r.align_ - 1) / r.align_ * r.align_;
  MP4KIT_TRY(r.reserve(r.window_));
  return r;
}

DirectReader::DirectReader(DirectReader&& o) noexcept
    : fd_(o.fd_), file_size_(o.file_size_), align_(o.align_), buf_(o.buf_), cap_(o.cap_), window_(o.window_),
      win_begin_(o.win_begin_), win_end_(o.win_end_), transferred_(o.transferred_), reads_(o.reads_), path_(std::move(o.path_)) {
  o.fd_ = -1;
  o.buf_ = nullptr;
}

DirectReader::~DirectReader() {
  std::free(buf_);
  if (fd_ >= 0) ::close(fd_);
}

Status DirectReader::reserve(uint64_t bytes) {
  if (bytes <= cap_) return Ok{};
  bytes = (bytes + align_ - 1) / align_ * align_;
  void* p = std::aligned_alloc(align_, static_cast<size_t>(bytes));
  if (!p) return make_error(ErrorCode::kInternal, "", 0, "out of memory for a " + std::to_string(bytes) + "-byte direct I/O buffer");
  std::free(buf_);
  buf_ = static_cast<uint8_t*>(p);
  cap_ = bytes;
  win_begin_ = win_end_ = 0;
  return Ok{};
}

Result<DirectReader::View> DirectReader::read(uint64_t offset, uint64_t size) {
  if (offset >= file_size_) return View{buf_, 0};
  size = std::min(size, file_size_ - offset);
  if (offset < win_begin_ || offset + size > win_end_) {
    const uint64_t begin = offset / align_ * align_;
    const uint64_t need = offset + size - begin;
    MP4KIT_TRY(reserve(std::max(window_, need + align_)));
    const uint64_t want = std::max(window_, (need + align_ - 1) / align_ * align_);
    uint64_t got = 0;
    while (got < want) {
      const ssize_t n = pread(fd_, buf_ + got, static_cast<size_t>(want - got), static_cast<off_t>(begin + got));
      if (n < 0) {
        if (errno == EINTR) continue;
        return io_error("O_DIRECT pread of '" + path_ + "' at " + std::to_string(begin + got));
      }
      ++reads_;
      transferred_ += static_cast<uint64_t>(n);
      if (n == 0) break;
      got += static_cast<uint64_t>(n);
      if (got % align_) break;  // a short, unaligned read only happens at the end of the file
    }
    win_begin_ = begin;
    win_end_ = begin + got;
    if (offset + size > win_end_) {
      return make_error(ErrorCode::kIo, "", offset,
                        "'" + path_ + "' ended at " + std::to_string(win_end_) + " bytes while reading " + std::to_string(size) +
                            " bytes at " + std::to_string(offset) + " (the file shrank?)");
    }
  }
  return View{buf_ + (offset - win_begin_), size};
}

}  // namespace mp4kit
