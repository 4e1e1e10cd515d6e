// Streamed input enumeration: see input_list.h.
#include "batch/input_list.h"

#include <fcntl.h>
#include <fnmatch.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>

namespace mp4kit::batch {

namespace {
constexpr size_t kBlock = 64 * 1024;
}

InputList::InputList(InputListOptions options) : o_(std::move(options)) {}

InputList::~InputList() {
  if (fd_ > STDIN_FILENO) ::close(fd_);
}

Result<bool> InputList::next(std::string& path) {
  if (arg_at_ < o_.paths.size()) {
    path = o_.paths[arg_at_++];
    return true;
  }
  if (!o_.files_from.empty() && !file_done_) {
    auto r = next_from_file(path);
    if (!r.ok() || *r) return r;
  }
  return next_from_walk(path);
}

Result<bool> InputList::next_from_file(std::string& path) {
  const std::string& name = o_.files_from;
  if (!file_open_) {
    file_open_ = true;
    fd_ = name == "-" ? STDIN_FILENO : ::open(name.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) {
      file_done_ = true;
      return make_error(ErrorCode::kCannotOpen, "", 0, "--files-from: cannot open '" + name + "': " + std::strerror(errno));
    }
    buf_.resize(kBlock);
  }
  const char sep = o_.nul_separated ? '\0' : '\n';
  path.clear();
  for (;;) {
    if (buf_at_ == buf_len_) {
      ssize_t n;
      do n = ::read(fd_, buf_.data(), buf_.size());
      while (n < 0 && errno == EINTR);
      if (n < 0) return make_error(ErrorCode::kIo, "", 0, "--files-from: reading '" + name + "': " + std::strerror(errno));
      buf_at_ = 0;
      buf_len_ = size_t(n);
      if (n == 0) {
        file_done_ = true;
        if (!path.empty()) break;  // a last path without its separator is still an input
        return false;
      }
    }
    const char* begin = buf_.data() + buf_at_;
    const void* hit = std::memchr(begin, sep, buf_len_ - buf_at_);
    const size_t take = hit ? size_t(static_cast<const char*>(hit) - begin) : buf_len_ - buf_at_;
    if (path.size() + take > PATH_MAX)
      return make_error(ErrorCode::kUsage, "", 0,
                        "--files-from '" + name + "' entry " + std::to_string(line_ + 1) + " is longer than PATH_MAX (" +
                            std::to_string(PATH_MAX) + " bytes)" + (o_.nul_separated ? "" : "; is it NUL-separated (-0)?"));
    path.append(begin, take);
    buf_at_ += take;
    if (!hit) continue;
    ++buf_at_;  // the separator
    ++line_;
    if (!o_.nul_separated) {
      if (!path.empty() && path.back() == '\r') path.pop_back();
      if (path.empty()) continue;  // blank lines are not inputs
    } else if (path.empty()) {
      return make_error(ErrorCode::kUsage, "", 0,
                        "--files-from '" + name + "' entry " + std::to_string(line_) + " is empty (two NULs in a row)");
    }
    return true;
  }
  ++line_;
  return true;
}

Result<bool> InputList::next_from_walk(std::string& path) {
  namespace fs = std::filesystem;
  for (;;) {
    if (!it_) {
      if (walk_at_ >= o_.walk.size()) return false;
      std::error_code ec;
      const std::string& dir = o_.walk[walk_at_++];
      it_.emplace(dir, fs::directory_options::skip_permission_denied, ec);
      if (ec) {
        it_.reset();
        return make_error(ErrorCode::kCannotOpen, "", 0, "--walk: cannot open directory '" + dir + "': " + ec.message());
      }
    }
    std::error_code ec;
    while (*it_ != fs::recursive_directory_iterator()) {
      const fs::directory_entry& e = **it_;
      const bool candidate = !e.is_directory(ec) &&
                             fnmatch(o_.glob.c_str(), e.path().filename().c_str(), FNM_PERIOD) == 0;
      if (candidate) path = e.path().string();
      it_->increment(ec);
      if (ec) {
        it_.reset();
        return make_error(ErrorCode::kIo, "", 0, "--walk: " + ec.message());
      }
      if (candidate) return true;
    }
    it_.reset();
  }
}

}  // namespace mp4kit::batch
