// I/O and resource accounting for benchmark runs (`mp4kit bench`): what a run asked for,
// what storage actually delivered, and what it cost the process.
//
// Three witnesses of storage reads, from the most to the least precise:
//  1. /proc/self/io `read_bytes`: bytes this process caused to be fetched from storage
//     (counted when the block I/O is submitted, readahead included; page-cache hits are
//     not counted). Needs CONFIG_TASK_IO_ACCOUNTING; on some systems (network and FUSE
//     filesystems, some virtual disks) it stays 0 even for reads that went to storage, so
//     callers check it against witness 2 before trusting a 0 (see bench_harness.h).
//  2. The block device's /sys/dev/block/MAJ:MIN/stat "sectors read" (always 512-byte
//     units): device-wide, so other processes' reads count too.
//  3. The `block:block_rq_issue` tracepoint counted with perf_event_open(2) on every CPU,
//     filtered to the device and to reads: block-layer requests issued. Needs tracefs
//     (for the tracepoint id) and CAP_PERFMON or perf_event_paranoid <= -1; otherwise it
//     reports why it is unavailable.
// `rchar` (bytes requested through read-like system calls, cache hits included) tells what
// the program asked for; pages of a mapping are not counted there but as page faults.
//
// Thread rules: read_* functions may be called from any thread. A BlockRequestCounter is
// used from one thread.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "mp4kit/error.h"

namespace mp4kit {

/// /proc/self/io. `available` is false when the file is missing (no task I/O accounting).
struct ProcIo {
  bool available = false;
  uint64_t rchar = 0, wchar = 0, syscr = 0, syscw = 0;
  uint64_t read_bytes = 0, write_bytes = 0, cancelled_write_bytes = 0;
};
ProcIo read_proc_io();

/// The block device a filesystem lives on, found from a file's st_dev.
struct BlockDevice {
  std::string name;          ///< "vda", "sda1", "nvme0n1p2", "dm-0"
  std::string disk;          ///< the whole disk: "vda", "sda", "nvme0n1", "dm-0"
  std::string stat_path;     ///< /sys/dev/block/MAJ:MIN/stat of `name` (partitions have their own)
  bool partition = false;
  /// Kernel dev_t values (MKDEV: major << 20 | minor) of the disks whose requests carry
  /// this filesystem's I/O: the disk, or for a stacked device (dm, md) the disks under it.
  std::vector<uint64_t> request_devs;
};

/// Finds the block device for `st_dev`: /sys/dev/block/MAJ:MIN, a partition's parent disk
/// from sysfs; for an anonymous device (major 0: btrfs, overlay, NFS, tmpfs) the mount's
/// source from /proc/self/mountinfo when it is a /dev node. Errors: kIo with the reason
/// ("no block device: tmpfs"), which callers print as is.
Result<BlockDevice> block_device_of(dev_t st_dev);

/// The counters of a block device's stat file (Documentation/block/stat.rst).
struct BlockStat {
  uint64_t read_ios = 0, read_merges = 0, read_sectors = 0;
  uint64_t write_ios = 0, write_sectors = 0;
  uint64_t read_bytes() const { return read_sectors * 512; }
};
Result<BlockStat> read_block_stat(const BlockDevice& device);

/// Counts block-layer read requests issued to `device` (tracepoint block:block_rq_issue,
/// every online CPU, filtered to the device's request_devs and rwbs containing 'R').
class BlockRequestCounter {
 public:
  /// Errors: kIo with "not permitted (perf_event_paranoid=2; needs CAP_PERFMON)" or
  /// "unsupported (tracefs is not mounted: no id for block:block_rq_issue)" and the like.
  static Result<BlockRequestCounter> open(const BlockDevice& device);
  BlockRequestCounter(BlockRequestCounter&& other) noexcept;
  BlockRequestCounter& operator=(BlockRequestCounter&&) = delete;
  BlockRequestCounter(const BlockRequestCounter&) = delete;
  ~BlockRequestCounter();

  /// Zeroes and enables the counters.
  void start();
  /// Disables the counters and returns the requests counted since start().
  uint64_t stop();
  /// True when the rwbs filter was refused and writes are counted too.
  bool counts_writes() const { return counts_writes_; }

 private:
  BlockRequestCounter() = default;
  std::vector<int> fds_;
  bool counts_writes_ = false;
};

/// CPU time and page faults of this process (getrusage RUSAGE_SELF: all threads).
struct ResourceSnapshot {
  double user_s = 0, sys_s = 0;
  uint64_t major_faults = 0, minor_faults = 0;
};
ResourceSnapshot resource_usage_self();

/// Peak resident set size of this process in bytes (/proc/self/status VmHWM), 0 if unknown.
/// The peak cannot be reset: it covers the whole life of the process.
uint64_t peak_rss_bytes_self();

/// CLOCK_MONOTONIC in seconds.
double monotonic_seconds();

}  // namespace mp4kit
