// The records ledger: see ledger.h.
#include "batch/ledger.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
// xxHash compiled in (XXH_INLINE_ALL): no shared library to load at start-up.
#define XXH_INLINE_ALL
#include <xxhash.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

namespace mp4kit::batch {

PathKey path_key(std::string_view path) {
  const XXH128_hash_t h = XXH3_128bits(path.data(), path.size());
  return PathKey{h.low64, h.high64};
}

bool ResumeSet::contains(const std::vector<PathKey>& v, const PathKey& k) { return std::binary_search(v.begin(), v.end(), k); }

bool record_input_status(std::string_view line, std::string& input, std::string& status) {
  const nlohmann::json j = nlohmann::json::parse(line.begin(), line.end(), nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return false;
  const auto in = j.find("input");
  const auto st = j.find("status");
  if (in == j.end() || st == j.end() || !in->is_string() || !st->is_string()) return false;
  input = in->get<std::string>();
  status = st->get<std::string>();
  return true;
}

struct LedgerLoader {
  static void finish(ResumeSet& s) {
    auto sort_unique = [](std::vector<PathKey>& v) {
      std::sort(v.begin(), v.end());
      v.erase(std::unique(v.begin(), v.end()), v.end());
      v.shrink_to_fit();
    };
    sort_unique(s.done_);
    sort_unique(s.failed_);
  }
  static void add(ResumeSet& s, const PathKey& k, bool done) { (done ? s.done_ : s.failed_).push_back(k); }
};

Result<std::string> read_lines(int fd, const std::string& what, const std::function<void(std::string_view line)>& on_line) {
  std::vector<char> block(1 << 20);
  std::string line;
  uint64_t offset = 0;
  for (;;) {
    ssize_t n;
    do n = ::read(fd, block.data(), block.size());
    while (n < 0 && errno == EINTR);
    if (n < 0) return make_error(ErrorCode::kIo, "", offset, "reading " + what + ": " + std::strerror(errno));
    if (n == 0) return line;
    const char* p = block.data();
    const char* end = p + n;
    while (p < end) {
      const char* nl = static_cast<const char*>(std::memchr(p, '\n', size_t(end - p)));
      if (!nl) {
        line.append(p, end);
        break;
      }
      if (line.empty()) {
        on_line(std::string_view(p, size_t(nl - p)));  // the usual case: no copy
      } else {
        line.append(p, nl);
        on_line(line);
        line.clear();
      }
      p = nl + 1;
    }
    offset += uint64_t(n);
  }
}

Result<LedgerScan> load_ledger(const std::string& path, bool retry_failed) {
  LedgerScan scan;
  const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return scan;
    return make_error(ErrorCode::kCannotOpen, "", 0, "--records: cannot open '" + path + "': " + std::strerror(errno));
  }
  std::string input, status;
  uint64_t line_start = 0;  // where the line after the last complete one starts
  auto rest = read_lines(fd, "--records '" + path + "'", [&](std::string_view line) {
    line_start += line.size() + 1;
    if (record_input_status(line, input, status)) {
      ++scan.records;
      const bool final_status = status == "ok" || status == "skipped" || !retry_failed;
      LedgerLoader::add(scan.resume, path_key(input), final_status);
    } else if (!line.empty()) {
      ++scan.bad_lines;
    }
  });
  if (!rest.ok()) {
    ::close(fd);
    return rest.error();
  }
  const std::string& line = *rest;
  // Bytes after the last newline are a line cut short by a crash: no reader can use them,
  // and the next record would be glued to them. Cut them off.
  if (!line.empty()) {
    scan.torn_bytes = line.size();
    if (::ftruncate(fd, off_t(line_start)) != 0) {
      const int e = errno;
      ::close(fd);
      return make_error(ErrorCode::kIo, "", line_start,
                        "--records: cannot cut the torn last line of '" + path + "': " + std::strerror(e));
    }
  }
  ::close(fd);
  LedgerLoader::finish(scan.resume);
  return scan;
}

Result<Ledger> Ledger::open(const std::string& path, bool truncate) {
  if (path == "-") return Ledger(STDOUT_FILENO, false, path);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (truncate ? O_TRUNC : 0), 0644);
  if (fd < 0) return make_error(ErrorCode::kCannotOpen, "", 0, "--records: cannot create '" + path + "': " + std::strerror(errno));
  return Ledger(fd, true, path);
}

Ledger::~Ledger() {
  if (own_ && fd_ >= 0) ::close(fd_);
}

Status Ledger::append(std::string_view line) {
  while (!line.empty()) {
    const ssize_t n = ::write(fd_, line.data(), line.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      errno_ = n < 0 ? errno : EIO;
      return make_error(ErrorCode::kIo, "", 0, "--records: writing '" + path_ + "': " + std::strerror(errno_));
    }
    line.remove_prefix(size_t(n));
  }
  return Ok{};
}

}  // namespace mp4kit::batch
