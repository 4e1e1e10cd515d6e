#include "output/output_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace mp4kit::output {
namespace {
constexpr size_t kBufferSize = 1 << 20;
}  // namespace

Result<OutputFile> OutputFile::open(const std::string& path) {
  OutputFile o;
  o.path_ = path;
  o.buffer_.reserve(kBufferSize);
  if (path == "-") {
    o.fd_ = STDOUT_FILENO;
    o.is_stdout_ = true;
    struct stat st{};
    o.seekable_ = fstat(o.fd_, &st) == 0 && S_ISREG(st.st_mode) && lseek(o.fd_, 0, SEEK_CUR) == 0;
    return o;
  }
  o.temp_path_ = path + ".tmp-XXXXXX";
  std::vector<char> tmpl(o.temp_path_.begin(), o.temp_path_.end());
  tmpl.push_back('\0');
  o.fd_ = mkostemp(tmpl.data(), O_CLOEXEC);
  if (o.fd_ < 0) {
    const int err = errno;
    return make_error(ErrorCode::kCannotCreate, "", 0,
                      "cannot create a temporary file next to '" + path + "': " + std::strerror(err));
  }
  o.temp_path_ = tmpl.data();
  // mkostemp creates the file 0600; give it the mode a plain open(O_CREAT, 0666) would
  // (umask read and restored before any decoder thread exists).
  const mode_t mask = umask(0);
  umask(mask);
  fchmod(o.fd_, 0666 & ~mask);
  o.seekable_ = true;
  return o;
}

OutputFile::OutputFile(OutputFile&& o) noexcept
    : fd_(o.fd_), is_stdout_(o.is_stdout_), seekable_(o.seekable_), closed_by_reader_(o.closed_by_reader_),
      committed_(o.committed_), path_(std::move(o.path_)), temp_path_(std::move(o.temp_path_)),
      buffer_(std::move(o.buffer_)), written_(o.written_) {
  o.fd_ = -1;
  o.temp_path_.clear();
}

OutputFile::~OutputFile() {
  if (fd_ >= 0 && !is_stdout_) ::close(fd_);
  if (!committed_ && !temp_path_.empty()) ::unlink(temp_path_.c_str());
}

Error OutputFile::io_error(const std::string& what, int err) {
  return make_error(ErrorCode::kIo, "", 0,
                    what + " '" + (is_stdout_ ? std::string("stdout") : path_) + "' after " + std::to_string(written_) +
                        " bytes: " + std::strerror(err));
}

Status OutputFile::write_fully(const void* data, size_t size) {
  const auto* p = static_cast<const uint8_t*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd_, p, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EPIPE) closed_by_reader_ = true;
      return io_error("cannot write", errno);
    }
    p += n;
    size -= static_cast<size_t>(n);
    written_ += static_cast<uint64_t>(n);
  }
  return Ok{};
}

Status OutputFile::flush() {
  if (buffer_.empty()) return Ok{};
  Status s = write_fully(buffer_.data(), buffer_.size());
  buffer_.clear();
  return s;
}

Status OutputFile::write(const void* data, size_t size) {
  if (closed_by_reader_) return io_error("cannot write", EPIPE);
  if (size >= kBufferSize / 4) {
    MP4KIT_TRY(flush());
    return write_fully(data, size);
  }
  if (buffer_.size() + size > kBufferSize) MP4KIT_TRY(flush());
  const auto* p = static_cast<const uint8_t*>(data);
  buffer_.insert(buffer_.end(), p, p + size);
  return Ok{};
}

Status OutputFile::write_at(uint64_t offset, const void* data, size_t size) {
  MP4KIT_TRY(flush());
  if (!seekable_) return make_error(ErrorCode::kInternal, "", 0, "write_at on a non-seekable output");
  if (::pwrite(fd_, data, size, static_cast<off_t>(offset)) != static_cast<ssize_t>(size)) return io_error("cannot update", errno);
  return Ok{};
}

Status OutputFile::commit() {
  MP4KIT_TRY(flush());
  if (is_stdout_) {
    committed_ = true;
    return Ok{};
  }
  if (::close(fd_) != 0) {
    fd_ = -1;
    return io_error("cannot close", errno);
  }
  fd_ = -1;
  if (::rename(temp_path_.c_str(), path_.c_str()) != 0) {
    const int err = errno;
    return make_error(ErrorCode::kCannotCreate, "", 0,
                      "cannot rename '" + temp_path_ + "' to '" + path_ + "': " + std::strerror(err));
  }
  committed_ = true;
  return Ok{};
}

}  // namespace mp4kit::output
