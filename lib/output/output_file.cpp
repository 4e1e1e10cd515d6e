#include "output/output_file.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstring>
#include <mutex>

namespace mp4kit::output {
namespace {
constexpr size_t kBufferSize = 1 << 20;

// The temporary files that exist now, for the signal handler below. A fixed table (no
// allocation, nothing but atomics and unlink() in the handler: async-signal-safe). A slot is
// 0 free, 1 being filled, 2 holding a path. More than kSlots temporaries at once: the extra
// ones are not registered (a signal then leaves them behind).
constexpr int kSlots = 64;
struct TempSlot {
  std::atomic<int> state{0};
  char path[PATH_MAX];
};
TempSlot g_temps[kSlots];

// The signals after which a shell expects the command gone (SIGINT 130, SIGHUP 129, SIGPIPE
// 141, SIGTERM 143): temporary outputs are removed, then the signal's default action is
// taken, so the parent sees the process killed by that signal.
constexpr int kCleanupSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};

void remove_temporaries_and_die(int sig, siginfo_t* info, void*) {
  // SIGPIPE that our own write() raised (a reader that went away; the kernel sends it with
  // our pid) is no reason to stop: write() returns EPIPE, which OutputFile handles quietly.
  // A SIGPIPE sent by another process (kill -PIPE) is.
  if (sig == SIGPIPE && info && info->si_code == SI_USER && info->si_pid == getpid()) return;
  for (TempSlot& t : g_temps)
    if (t.state.load(std::memory_order_acquire) == 2) ::unlink(t.path);
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  sigaction(sig, &dfl, nullptr);
  raise(sig);  // pending until this handler returns (the signal is blocked in it), then fatal
}

void install_cleanup_handlers() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction sa {};
    sa.sa_sigaction = remove_temporaries_and_die;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    for (int sig : kCleanupSignals) sigaddset(&sa.sa_mask, sig);
    for (int sig : kCleanupSignals) {
      struct sigaction old {};
      sigaction(sig, nullptr, &old);
      // A signal the caller ignores stays ignored (nohup; SIGPIPE ignored so that writes
      // fail with EPIPE is kept as such: our handler ignores our own SIGPIPE the same way).
      if (old.sa_handler == SIG_IGN && sig != SIGPIPE) continue;
      sigaction(sig, &sa, nullptr);
    }
  });
}

// Signals blocked over a scope: a temporary is created and registered (or renamed and
// unregistered) with no handler running in between.
class BlockCleanupSignals {
 public:
  BlockCleanupSignals() {
    sigset_t set;
    sigemptyset(&set);
    for (int sig : kCleanupSignals) sigaddset(&set, sig);
    pthread_sigmask(SIG_BLOCK, &set, &old_);
  }
  ~BlockCleanupSignals() { pthread_sigmask(SIG_SETMASK, &old_, nullptr); }
 private:
  sigset_t old_;
};

int register_temporary(const std::string& path) {
  if (path.size() >= PATH_MAX) return -1;
  for (int i = 0; i < kSlots; ++i) {
    int free_state = 0;
    if (!g_temps[i].state.compare_exchange_strong(free_state, 1)) continue;
    std::memcpy(g_temps[i].path, path.c_str(), path.size() + 1);
    g_temps[i].state.store(2, std::memory_order_release);
    return i;
  }
  return -1;
}

void unregister_temporary(int slot) {
  if (slot >= 0) g_temps[slot].state.store(0, std::memory_order_release);
}

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
  // An existing path that is not a regular file (/dev/null, a FIFO, a terminal) is written
  // in place: a temporary renamed over it would replace the device node or the pipe with a
  // regular file (as root: /dev/null itself), and a directory beside /dev/null is not
  // writable for anyone else. What `ffmpeg ... -y /dev/null` and a shell redirection do.
  struct stat st{};
  if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    if (S_ISDIR(st.st_mode)) return make_error(ErrorCode::kCannotCreate, "", 0, "cannot write to '" + path + "': it is a directory");
    o.fd_ = ::open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY);  // a FIFO: waits for a reader
    if (o.fd_ < 0) {
      const int err = errno;
      return make_error(ErrorCode::kCannotCreate, "", 0, "cannot open '" + path + "' for writing: " + std::strerror(err));
    }
    o.in_place_ = true;
    return o;
  }
  o.temp_path_ = path + ".tmp-XXXXXX";
  std::vector<char> tmpl(o.temp_path_.begin(), o.temp_path_.end());
  tmpl.push_back('\0');
  install_cleanup_handlers();
  BlockCleanupSignals blocked;
  o.fd_ = mkostemp(tmpl.data(), O_CLOEXEC);
  if (o.fd_ >= 0) o.temp_slot_ = register_temporary(tmpl.data());
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
    : fd_(o.fd_), is_stdout_(o.is_stdout_), in_place_(o.in_place_), seekable_(o.seekable_), closed_by_reader_(o.closed_by_reader_),
      committed_(o.committed_), path_(std::move(o.path_)), temp_path_(std::move(o.temp_path_)),
      buffer_(std::move(o.buffer_)), written_(o.written_), temp_slot_(o.temp_slot_) {
  o.fd_ = -1;
  o.temp_path_.clear();
  o.temp_slot_ = -1;
}

OutputFile::~OutputFile() {
  if (fd_ >= 0 && !is_stdout_) ::close(fd_);
  BlockCleanupSignals blocked;
  if (!committed_ && !temp_path_.empty()) ::unlink(temp_path_.c_str());
  unregister_temporary(temp_slot_);
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
  if (in_place_) {
    committed_ = true;
    return Ok{};
  }
  BlockCleanupSignals blocked;
  if (::rename(temp_path_.c_str(), path_.c_str()) != 0) {
    const int err = errno;
    return make_error(ErrorCode::kCannotCreate, "", 0,
                      "cannot rename '" + temp_path_ + "' to '" + path_ + "': " + std::strerror(err));
  }
  committed_ = true;
  unregister_temporary(temp_slot_);
  temp_slot_ = -1;
  return Ok{};
}

}  // namespace mp4kit::output
