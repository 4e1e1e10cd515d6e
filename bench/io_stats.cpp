#include "bench/io_stats.h"

#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace mp4kit {
namespace {

namespace fs = std::filesystem;

std::string read_small_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return {};
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

uint64_t kernel_devt(unsigned major_no, unsigned minor_no) { return (uint64_t(major_no) << 20) | minor_no; }

// "8:0" -> kernel dev_t; false if unparsable.
bool parse_dev(const std::string& text, uint64_t& out) {
  unsigned ma = 0, mi = 0;
  if (std::sscanf(text.c_str(), "%u:%u", &ma, &mi) != 2) return false;
  out = kernel_devt(ma, mi);
  return true;
}

// The disks whose request queues carry I/O for `disk_dir` (/sys/.../block/<disk>): the
// disk itself when it has a request queue, else (dm, md) the disks listed in slaves/.
void collect_request_devs(const fs::path& disk_dir, std::vector<uint64_t>& out, int depth) {
  std::error_code ec;
  const fs::path slaves = disk_dir / "slaves";
  bool any = false;
  if (depth < 4 && fs::is_directory(slaves, ec)) {
    for (const auto& e : fs::directory_iterator(slaves, ec)) {
      fs::path target = fs::canonical(e.path(), ec);
      if (ec) continue;
      // A slave may be a partition: its requests are issued on the parent disk.
      if (fs::exists(target / "partition", ec)) target = target.parent_path();
      collect_request_devs(target, out, depth + 1);
      any = true;
    }
  }
  if (any) return;
  uint64_t dev = 0;
  if (parse_dev(trim(read_small_file((disk_dir / "dev").string())), dev)) out.push_back(dev);
}

Result<BlockDevice> from_sysfs(unsigned ma, unsigned mi) {
  std::error_code ec;
  const std::string link = "/sys/dev/block/" + std::to_string(ma) + ":" + std::to_string(mi);
  const fs::path dir = fs::canonical(link, ec);
  if (ec) return make_error(ErrorCode::kIo, "", 0, "no block device: " + link + " does not exist");
  BlockDevice d;
  d.name = dir.filename().string();
  d.stat_path = (dir / "stat").string();
  d.partition = fs::exists(dir / "partition", ec);
  const fs::path disk_dir = d.partition ? dir.parent_path() : dir;
  d.disk = disk_dir.filename().string();
  collect_request_devs(disk_dir, d.request_devs, 0);
  return d;
}

int read_paranoid() {
  const std::string s = trim(read_small_file("/proc/sys/kernel/perf_event_paranoid"));
  return s.empty() ? 99 : std::atoi(s.c_str());
}

long perf_event_open(perf_event_attr* attr, pid_t pid, int cpu, int group_fd, unsigned long flags) {
  return syscall(SYS_perf_event_open, attr, pid, cpu, group_fd, flags);
}

}  // namespace

ProcIo read_proc_io() {
  ProcIo io;
  std::FILE* f = std::fopen("/proc/self/io", "re");
  if (!f) return io;
  char key[64];
  unsigned long long v = 0;
  while (std::fscanf(f, "%63[^:]: %llu\n", key, &v) == 2) {
    const std::string k = key;
    if (k == "rchar") io.rchar = v;
    else if (k == "wchar") io.wchar = v;
    else if (k == "syscr") io.syscr = v;
    else if (k == "syscw") io.syscw = v;
    else if (k == "read_bytes") io.read_bytes = v, io.available = true;
    else if (k == "write_bytes") io.write_bytes = v;
    else if (k == "cancelled_write_bytes") io.cancelled_write_bytes = v;
  }
  std::fclose(f);
  return io;
}

Result<BlockDevice> block_device_of(dev_t st_dev) {
  const unsigned ma = major(st_dev), mi = minor(st_dev);
  if (ma != 0) return from_sysfs(ma, mi);
  // An anonymous device (btrfs subvolumes, overlay, NFS, tmpfs): the mount's source, when
  // it is a device node, is the block device.
  std::ifstream in("/proc/self/mountinfo");
  const std::string want = "0:" + std::to_string(mi);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string id, parent, devno;
    ls >> id >> parent >> devno;
    if (devno != want) continue;
    const size_t dash = line.find(" - ");
    if (dash == std::string::npos) continue;
    std::istringstream tail(line.substr(dash + 3));
    std::string fstype, source;
    tail >> fstype >> source;
    struct stat st {};
    if (source.rfind("/dev/", 0) == 0 && stat(source.c_str(), &st) == 0 && S_ISBLK(st.st_mode))
      return from_sysfs(major(st.st_rdev), minor(st.st_rdev));
    return make_error(ErrorCode::kIo, "", 0, "no block device: the file is on " + fstype + " (source '" + source + "')");
  }
  return make_error(ErrorCode::kIo, "", 0, "no block device: device " + want + " is not in /proc/self/mountinfo");
}

Result<BlockStat> read_block_stat(const BlockDevice& device) {
  const std::string text = read_small_file(device.stat_path);
  BlockStat s;
  unsigned long long v[7] = {};
  if (std::sscanf(text.c_str(), "%llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6]) != 7)
    return make_error(ErrorCode::kIo, "", 0, "cannot read " + device.stat_path);
  s.read_ios = v[0];
  s.read_merges = v[1];
  s.read_sectors = v[2];
  s.write_ios = v[4];
  s.write_sectors = v[6];
  return s;
}

// --- BlockRequestCounter

Result<BlockRequestCounter> BlockRequestCounter::open(const BlockDevice& device) {
  if (device.request_devs.empty())
    return make_error(ErrorCode::kIo, "", 0, "unsupported (no request queue found for " + device.disk + ")");
  std::string id_text;
  for (const char* root : {"/sys/kernel/tracing", "/sys/kernel/debug/tracing"}) {
    id_text = trim(read_small_file(std::string(root) + "/events/block/block_rq_issue/id"));
    if (!id_text.empty()) break;
  }
  if (id_text.empty())
    return make_error(ErrorCode::kIo, "", 0,
                      "unsupported (tracefs is not mounted or not readable: no id for block:block_rq_issue; "
                      "`mount -t tracefs nodev /sys/kernel/tracing` as root enables it)");
  perf_event_attr attr{};
  attr.type = PERF_TYPE_TRACEPOINT;
  attr.size = sizeof attr;
  attr.config = std::strtoull(id_text.c_str(), nullptr, 10);
  attr.disabled = 1;

  std::string devs;
  for (uint64_t d : device.request_devs) devs += (devs.empty() ? "" : " || ") + std::string("dev == ") + std::to_string(d);
  const std::string with_rwbs = "(" + devs + ") && rwbs ~ \"*R*\"";

  BlockRequestCounter c;
  const long cpus = sysconf(_SC_NPROCESSORS_CONF);
  for (int cpu = 0; cpu < cpus; ++cpu) {
    const long fd = perf_event_open(&attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
    if (fd < 0) {
      if (errno == ENODEV || errno == ENXIO) continue;  // CPU offline
      const int e = errno;
      if (e == EACCES || e == EPERM)
        return make_error(ErrorCode::kIo, "", 0,
                          "not permitted (perf_event_paranoid=" + std::to_string(read_paranoid()) +
                              "; counting a tracepoint on every CPU needs CAP_PERFMON or perf_event_paranoid <= -1)");
      return make_error(ErrorCode::kIo, "", 0, std::string("unsupported (perf_event_open: ") + std::strerror(e) + ")");
    }
    c.fds_.push_back(static_cast<int>(fd));
    if (ioctl(static_cast<int>(fd), PERF_EVENT_IOC_SET_FILTER, with_rwbs.c_str()) != 0) {
      c.counts_writes_ = true;
      if (ioctl(static_cast<int>(fd), PERF_EVENT_IOC_SET_FILTER, devs.c_str()) != 0)
        return make_error(ErrorCode::kIo, "", 0, std::string("unsupported (tracepoint filter refused: ") + std::strerror(errno) + ")");
    }
  }
  if (c.fds_.empty()) return make_error(ErrorCode::kIo, "", 0, "unsupported (no online CPU accepted the event)");
  return c;
}

BlockRequestCounter::BlockRequestCounter(BlockRequestCounter&& o) noexcept
    : fds_(std::move(o.fds_)), counts_writes_(o.counts_writes_) {
  o.fds_.clear();
}

BlockRequestCounter::~BlockRequestCounter() {
  for (int fd : fds_) close(fd);
}

void BlockRequestCounter::start() {
  for (int fd : fds_) {
    ioctl(fd, PERF_EVENT_IOC_RESET, 0);
    ioctl(fd, PERF_EVENT_IOC_ENABLE, 0);
  }
}

uint64_t BlockRequestCounter::stop() {
  uint64_t total = 0;
  for (int fd : fds_) {
    ioctl(fd, PERF_EVENT_IOC_DISABLE, 0);
    uint64_t v = 0;
    if (read(fd, &v, sizeof v) == static_cast<ssize_t>(sizeof v)) total += v;
  }
  return total;
}

// --- process resources

ResourceSnapshot resource_usage_self() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  ResourceSnapshot s;
  s.user_s = double(ru.ru_utime.tv_sec) + double(ru.ru_utime.tv_usec) / 1e6;
  s.sys_s = double(ru.ru_stime.tv_sec) + double(ru.ru_stime.tv_usec) / 1e6;
  s.major_faults = static_cast<uint64_t>(ru.ru_majflt);
  s.minor_faults = static_cast<uint64_t>(ru.ru_minflt);
  return s;
}

uint64_t peak_rss_bytes_self() {
  std::FILE* f = std::fopen("/proc/self/status", "re");
  if (!f) return 0;
  char line[256];
  uint64_t kb = 0;
  while (std::fgets(line, sizeof line, f)) {
    unsigned long long v = 0;
    if (std::sscanf(line, "VmHWM: %llu kB", &v) == 1) {
      kb = v;
      break;
    }
  }
  std::fclose(f);
  return kb * 1024;
}

double monotonic_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) / 1e9;
}

}  // namespace mp4kit
