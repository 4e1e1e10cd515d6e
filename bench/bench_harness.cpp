#include "bench/bench_harness.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <exception>
#include <type_traits>
#include <vector>

namespace mp4kit {
namespace {

static_assert(std::is_trivially_copyable_v<RunRecord>, "RunRecord crosses a pipe as bytes");

std::string percent(double f) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", 100.0 * f);
  return buf;
}

bool write_all(int fd, const void* p, size_t n) {
  const char* c = static_cast<const char*>(p);
  while (n) {
    const ssize_t w = write(fd, c, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    c += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

}  // namespace

// --- StorageWitness

StorageWitness StorageWitness::for_file(int fd) {
  StorageWitness w;
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    w.device_problem_ = std::string("fstat: ") + std::strerror(errno);
    w.requests_problem_ = w.device_problem_;
    return w;
  }
  auto dev = block_device_of(st.st_dev);
  if (!dev.ok()) {
    w.device_problem_ = dev.error().message;
    w.requests_problem_ = dev.error().message;
    return w;
  }
  if (auto s = read_block_stat(*dev); !s.ok()) {
    w.device_problem_ = s.error().message;
  } else {
    w.device_ = *dev;
  }
  auto counter = BlockRequestCounter::open(*dev);
  if (counter.ok()) w.counter_.emplace(std::move(counter.value()));
  else w.requests_problem_ = counter.error().message;
  return w;
}

std::string StorageWitness::calibrate_proc_io(int fd, uint64_t size) {
  const ProcIo probe = read_proc_io();
  if (!probe.available) return proc_io_verdict_ = "unavailable";
  const uint64_t page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  const uint64_t len = std::min<uint64_t>(size, uint64_t(1) << 20) / page * page;
  if (len == 0) return proc_io_verdict_ = "unknown";
  (void)fdatasync(fd);
  posix_fadvise(fd, 0, static_cast<off_t>(len), POSIX_FADV_DONTNEED);
  auto res = page_cache_residency(fd, len);
  if (!res.ok() || res->fraction() > 0.5) return proc_io_verdict_ = "unknown";
  const ProcIo io0 = read_proc_io();
  std::optional<BlockStat> s0;
  if (device_) if (auto s = read_block_stat(*device_); s.ok()) s0 = *s;
  std::vector<uint8_t> buf(static_cast<size_t>(len));
  uint64_t got = 0;
  while (got < len) {
    const ssize_t n = pread(fd, buf.data() + got, static_cast<size_t>(len - got), static_cast<off_t>(got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<uint64_t>(n);
  }
  const ProcIo io1 = read_proc_io();
  uint64_t device_delta = 0;
  if (device_ && s0) if (auto s = read_block_stat(*device_); s.ok()) device_delta = s->read_bytes() - s0->read_bytes();
  if (io1.read_bytes > io0.read_bytes) return proc_io_verdict_ = "yes";
  if (device_delta > 0) return proc_io_verdict_ = "no";
  return proc_io_verdict_ = "unknown";
}

std::string StorageWitness::storage_source() const {
  if (forced_source_ == "proc_io") return proc_io_verdict_ == "unavailable" ? "none" : "proc_io";
  if (forced_source_ == "block_device") return device_ ? "block_device" : "none";
  if (proc_io_verdict_ == "yes") return "proc_io";
  if ((proc_io_verdict_ == "no" || proc_io_verdict_ == "unavailable") && device_) return "block_device";
  if (proc_io_verdict_ == "unknown") {
    if (read_proc_io().available) return "proc_io";
    if (device_) return "block_device";
  }
  return "none";
}

std::optional<uint64_t> StorageWitness::storage_read_bytes(const RunMeasurement& m) const {
  const std::string src = storage_source();
  if (src == "proc_io" && m.proc_io_available) return m.proc_read_bytes;
  if (src == "block_device") return m.device_read_bytes;
  return std::nullopt;
}

void StorageWitness::begin() {
  stat0_ok_ = false;
  if (device_) {
    if (auto s = read_block_stat(*device_); s.ok()) {
      stat0_ = *s;
      stat0_ok_ = true;
    }
  }
  if (counter_) counter_->start();
}

void StorageWitness::end(RunMeasurement& m) {
  if (counter_) m.block_requests = counter_->stop();
  if (device_ && stat0_ok_) {
    if (auto s = read_block_stat(*device_); s.ok()) m.device_read_bytes = s->read_bytes() - stat0_.read_bytes();
  }
}

// --- cache preparation

CachePrep prepare_cache(int fd, uint64_t size, CacheState state, const FilesystemInfo& fs) {
  CachePrep p;
  if (!residency_trusted(fd)) {
    p.problem = "the kernel does not report page-cache residency of this file to this user (mincore needs ownership or write "
                "permission); residency cannot be verified";
    return p;
  }
  if (state == CacheState::kCold) {
    auto r = evict_from_page_cache(fd, size);
    if (!r.ok()) {
      p.problem = "eviction failed: " + r.error().message;
      return p;
    }
    p.residency = r->fraction();
    p.ok = p.residency <= 0.05;
    if (!p.ok) {
      p.problem = fs.memory_backed
                      ? "eviction impossible on " + fs.name + ": the page cache is the storage (" + percent(p.residency) +
                            " still resident after POSIX_FADV_DONTNEED)"
                      : "eviction impossible on " + fs.name + ": " + percent(p.residency) +
                            " of the file still resident after POSIX_FADV_DONTNEED (pages mapped by another process, "
                            "or a filesystem that ignores the advice)";
    }
    return p;
  }
  if (auto st = load_into_page_cache(fd, size); !st.ok()) {
    p.problem = "loading the file into the page cache failed: " + st.error().message;
    return p;
  }
  auto r = page_cache_residency(fd, size);
  if (!r.ok()) {
    p.problem = "residency check failed: " + r.error().message;
    return p;
  }
  p.residency = r->fraction();
  p.ok = p.residency >= 0.95;
  if (!p.ok)
    p.problem = "the file does not stay in the page cache (" + percent(p.residency) +
                " resident after reading it through: larger than the memory available for caching?)";
  return p;
}

// --- isolated runs

Result<RunRecord> run_isolated(const std::function<void(WorkFigures&)>& work, StorageWitness* witness) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return make_error(ErrorCode::kInternal, "", 0, std::string("pipe: ") + std::strerror(errno));
  std::fflush(nullptr);  // nothing buffered may be written twice
  if (witness) witness->begin();
  const pid_t pid = fork();
  if (pid < 0) {
    const int e = errno;
    close(fds[0]);
    close(fds[1]);
    if (witness) {
      RunMeasurement ignored;
      witness->end(ignored);
    }
    return make_error(ErrorCode::kInternal, "", 0, std::string("fork: ") + std::strerror(e));
  }
  if (pid == 0) {
    close(fds[0]);
    RunRecord rec{};
    const ResourceSnapshot r0 = resource_usage_self();
    const ProcIo io0 = read_proc_io();
    const double t0 = monotonic_seconds();
    try {
      work(rec.work);
    } catch (const std::exception& e) {
      rec.work.exit_code = static_cast<int32_t>(ErrorCode::kInternal);
      std::snprintf(rec.work.error, sizeof rec.work.error, "internal error: %s", e.what());
    }
    const double t1 = monotonic_seconds();
    const ResourceSnapshot r1 = resource_usage_self();
    const ProcIo io1 = read_proc_io();
    rec.m.wall_s = t1 - t0;
    rec.m.user_s = r1.user_s - r0.user_s;
    rec.m.sys_s = r1.sys_s - r0.sys_s;
    rec.m.major_faults = r1.major_faults - r0.major_faults;
    rec.m.minor_faults = r1.minor_faults - r0.minor_faults;
    rec.m.peak_rss_bytes = peak_rss_bytes_self();
    rec.m.proc_io_available = io0.available && io1.available;
    rec.m.proc_read_bytes = io1.read_bytes - io0.read_bytes;
    rec.m.requested_bytes = io1.rchar - io0.rchar;
    _exit(write_all(fds[1], &rec, sizeof rec) ? 0 : 3);
  }
  close(fds[1]);
  RunRecord rec{};
  size_t got = 0;
  auto* p = reinterpret_cast<char*>(&rec);
  while (got < sizeof rec) {
    const ssize_t n = read(fds[0], p + got, sizeof rec - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  RunMeasurement parent_side;
  if (witness) witness->end(parent_side);
  if (WIFSIGNALED(status))
    return make_error(ErrorCode::kInternal, "", 0,
                      std::string("a measured run died with signal ") + std::to_string(WTERMSIG(status)) + " (" + strsignal(WTERMSIG(status)) + ")");
  if (got != sizeof rec || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return make_error(ErrorCode::kInternal, "", 0, "a measured run exited without reporting its figures");
  rec.m.device_read_bytes = parent_side.device_read_bytes;
  rec.m.block_requests = parent_side.block_requests;
  return rec;
}

uint64_t parent_rss_bytes() {
  std::FILE* f = std::fopen("/proc/self/statm", "re");
  if (!f) return 0;
  unsigned long long size = 0, resident = 0;
  const int n = std::fscanf(f, "%llu %llu", &size, &resident);
  std::fclose(f);
  return n == 2 ? resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE)) : 0;
}

}  // namespace mp4kit
