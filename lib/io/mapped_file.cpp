#include "io/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace mp4kit::io {

// The mapping itself, shared by the source and by every Buffer read from it: the last
// reference unregisters the fault region, unmaps and closes, in that order.
struct MappedFileSource::Mapping {
  const uint8_t* data = nullptr;
  uint64_t size = 0;
  int fd = -1;
  FaultRegion fault_region;  ///< inactive unless FileSourceOptions::fault_guard

  Mapping() = default;
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  ~Mapping() {
    fault_region = FaultRegion();  // unregister before the range goes away
    if (data) munmap(const_cast<uint8_t*>(data), static_cast<size_t>(size));
    if (fd >= 0) ::close(fd);
  }
};

Result<std::shared_ptr<const MappedFileSource>> MappedFileSource::open(const std::string& path,
                                                                       const FileSourceOptions& options) {
  // O_NONBLOCK: a FIFO named like a video opens at once (and is refused below as not a
  // regular file) instead of blocking until a writer appears. No effect on regular files.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    return make_error(ErrorCode::kCannotOpen, "", 0, "cannot open '" + path + "': " + std::strerror(errno));
  }
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    int e = errno;
    ::close(fd);
    return make_error(ErrorCode::kCannotOpen, "", 0, "cannot stat '" + path + "': " + std::strerror(e));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return make_error(ErrorCode::kCannotOpen, "", 0, "'" + path + "' is not a regular file");
  }
  if (st.st_size <= 0) {
    ::close(fd);
    return make_error(ErrorCode::kCannotOpen, "", 0, "'" + path + "' is empty");
  }
  void* p = mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
  if (p == MAP_FAILED) {
    int e = errno;
    ::close(fd);
    return make_error(ErrorCode::kIo, "", 0, "cannot map '" + path + "': " + std::strerror(e));
  }
  auto m = std::make_shared<Mapping>();
  m->data = static_cast<const uint8_t*>(p);
  m->size = static_cast<uint64_t>(st.st_size);
  m->fd = fd;
  if (options.fault_guard) m->fault_region = FaultRegion(p, m->size);
  return std::shared_ptr<const MappedFileSource>(new MappedFileSource(std::move(m), path));
}

uint64_t MappedFileSource::size() const { return mapping_->size; }
int MappedFileSource::fd() const { return mapping_->fd; }
bool MappedFileSource::guarded() const { return mapping_->fault_region.active(); }

Result<Buffer> MappedFileSource::read(uint64_t offset, uint64_t size) const {
  requests_.fetch_add(1, std::memory_order_relaxed);
  const uint64_t total = mapping_->size;
  if (offset > total) offset = total;
  const uint64_t n = size < total - offset ? size : total - offset;
  return Buffer(mapping_->data + offset, n, offset, mapping_, total - offset - n);
}

ReadStats MappedFileSource::stats() const { return ReadStats{0, requests_.load(std::memory_order_relaxed)}; }

namespace {

// True when 8 pages spread evenly over the page-aligned range [p, p + length) are all in the
// page cache (mincore, one page per call): the file is warm, and MADV_WILLNEED would only
// cost a page-cache lookup per page (~75 us for the 5 MB moov of a two-hour file, measured)
// to start no I/O. Ranges under 32 pages are never sampled: their readahead call is cheap.
bool resident_sample(const uint8_t* p, uint64_t length, uint64_t page) {
  const uint64_t pages = (length + page - 1) / page;
  if (pages < 32) return false;
  constexpr uint64_t kSamples = 8;
  for (uint64_t k = 0; k < kSamples; ++k) {
    const uint64_t at = (pages - 1) * k / (kSamples - 1);
    unsigned char vec = 0;
    if (mincore(const_cast<uint8_t*>(p) + at * page, page, &vec) != 0 || !(vec & 1)) return false;
  }
  return true;
}

}  // namespace

void MappedFileSource::advise(Access access, uint64_t offset, uint64_t length) const {
  const uint64_t total = mapping_->size;
  if (offset >= total) return;
  const uint64_t page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  uint64_t begin = offset & ~(page - 1);
  uint64_t end = length > total - offset ? total : offset + length;
  if (access == Access::kWillNeed && resident_sample(mapping_->data + begin, end - begin, page)) return;
  int how = MADV_NORMAL;
  switch (access) {
    case Access::kNormal: how = MADV_NORMAL; break;
    case Access::kSequential: how = MADV_SEQUENTIAL; break;
    case Access::kRandom: how = MADV_RANDOM; break;
    case Access::kWillNeed: how = MADV_WILLNEED; break;
    case Access::kDontNeed: how = MADV_DONTNEED; break;
  }
  madvise(const_cast<uint8_t*>(mapping_->data) + begin, static_cast<size_t>(end - begin), how);
}

bool MappedFileSource::still_complete() const {
  struct stat st {};
  if (fstat(mapping_->fd, &st) != 0) return false;
  return static_cast<uint64_t>(st.st_size) >= mapping_->size;
}

Status MappedFileSource::check_intact() const {
  const uint64_t fault = mapping_->fault_region.first_fault();
  if (fault == FaultRegion::kNoFault) return Ok{};
  std::string now = "fewer";
  struct stat st {};
  if (fstat(mapping_->fd, &st) == 0) now = std::to_string(st.st_size);
  // Reported like a parse error ("file at 0x...: ..."), at the first offset that failed.
  return make_error(ErrorCode::kIo, "file", fault,
                    "the file shrank to " + now + " bytes (from " + std::to_string(mapping_->size) +
                        ") while it was being read; reads past the new end failed");
}

}  // namespace mp4kit::io
