#include "memory/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace mp4kit {

Result<std::shared_ptr<const MappedFile>> MappedFile::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
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
  std::shared_ptr<MappedFile> f(new MappedFile());
  f->data_ = static_cast<const uint8_t*>(p);
  f->size_ = static_cast<uint64_t>(st.st_size);
  f->fd_ = fd;
  f->path_ = path;
  f->fault_region_ = FaultRegion(p, f->size_);
  return std::shared_ptr<const MappedFile>(std::move(f));
}

std::shared_ptr<const MappedFile> MappedFile::borrow(const uint8_t* data, uint64_t size, std::string name) {
  std::shared_ptr<MappedFile> f(new MappedFile());
  f->data_ = data;
  f->size_ = size;
  f->owned_ = false;
  f->path_ = std::move(name);
  return f;
}

MappedFile::~MappedFile() {
  fault_region_ = FaultRegion();  // unregister before the range goes away
  if (data_ && owned_) munmap(const_cast<uint8_t*>(data_), static_cast<size_t>(size_));
  if (fd_ >= 0) ::close(fd_);
}

void MappedFile::advise(Advice advice, uint64_t offset, uint64_t length) const {
  if (!owned_ || offset >= size_) return;  // never madvise memory we did not map
  const uint64_t page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  uint64_t begin = offset & ~(page - 1);
  uint64_t end = length > size_ - offset ? size_ : offset + length;
  int how = MADV_NORMAL;
  switch (advice) {
    case Advice::kNormal: how = MADV_NORMAL; break;
    case Advice::kSequential: how = MADV_SEQUENTIAL; break;
    case Advice::kRandom: how = MADV_RANDOM; break;
    case Advice::kWillNeed: how = MADV_WILLNEED; break;
    case Advice::kDontNeed: how = MADV_DONTNEED; break;
  }
  madvise(const_cast<uint8_t*>(data_) + begin, static_cast<size_t>(end - begin), how);
}

bool MappedFile::still_complete() const {
  if (fd_ < 0) return !owned_;  // a borrowed buffer cannot shrink
  struct stat st {};
  if (fstat(fd_, &st) != 0) return false;
  return static_cast<uint64_t>(st.st_size) >= size_;
}

}  // namespace mp4kit

namespace mp4kit {

Status MappedFile::check_intact() const {
  const uint64_t fault = fault_region_.first_fault();
  if (fault == FaultRegion::kNoFault) return Ok{};
  std::string now = "fewer";
  struct stat st {};
  if (fd_ >= 0 && fstat(fd_, &st) == 0) now = std::to_string(st.st_size);
  // Reported like a parse error ("file at 0x...: ..."), at the first offset that failed.
  return make_error(ErrorCode::kIo, "file", fault,
                    "the file shrank to " + now + " bytes (from " + std::to_string(size_) +
                        ") while it was being read; reads past the new end failed");
}

}  // namespace mp4kit
