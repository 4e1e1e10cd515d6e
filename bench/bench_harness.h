// The measurement harness behind `mp4kit bench`: one measured run = cache preparation,
// then the work in a fresh child process, with every figure taken around it.
//
// Why a child process per run (fork, no exec): peak RSS (VmHWM) cannot be reset within a
// process, page-fault and CPU counters would carry the previous run's allocator state, and
// a process that already touched the file keeps some of it mapped, which pins its pages in
// the page cache (POSIX_FADV_DONTNEED skips mapped pages). A forked child starts from the
// parent's small image: its RSS (and so its VmHWM) starts with the parent's anonymous pages
// copied at fork; pages of shared libraries and other file mappings count only once the
// child touches them (the parent's whole RSS is reported as `parent_rss_bytes`, an upper
// bound of what a run inherits). It gets its own counters and unmaps everything when it
// exits, before the next run's eviction. The parent stays single-threaded and maps nothing
// of the input.
//
// Timing: `wall_s`, CPU times and faults are measured inside the child around the work
// alone (fork, exit and teardown excluded). Storage witnesses that are device-wide (block
// stat, block-layer requests) are read by the parent around the whole child.
//
// Thread rules: call from the main thread of a single-threaded parent.
#pragma once

#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <string>

#include "bench/io_stats.h"
#include "bench/page_cache.h"
#include "mp4kit/error.h"

namespace mp4kit {

/// What the work itself reports (filled in the child). Plain data: crosses a pipe.
struct WorkFigures {
  int32_t exit_code = 0;         ///< 0, or an ErrorCode value
  char error[1024] = {};         ///< one line when exit_code != 0
  int32_t stream = -1;           ///< stream worked on (-1: all)
  char codec[32] = {};           ///< decoder name, empty for demux/probe
  uint64_t frames = 0;           ///< frames decoded / packets read / packets indexed / targets found
  uint64_t packets = 0;          ///< packets handled
  uint64_t payload_bytes = 0;    ///< sample bytes touched
  uint64_t checksum = 0;         ///< of the bytes touched (keeps the compiler from dropping reads)
  int64_t decode_errors = 0;
  int32_t has_latency = 0;       ///< per-frame latencies recorded
  double latency_p50_ms = 0, latency_p95_ms = 0, latency_p99_ms = 0, latency_max_ms = 0;
  int32_t has_pool = 0;          ///< frame pool counters valid (decode, seek)
  uint64_t pool_hits = 0, pool_misses = 0;
  uint32_t seek_targets_missed = 0;  ///< seek: targets whose exact frame did not come out
  int32_t has_fetch = 0;         ///< a URL input: fetched_bytes and fetch_requests are set
  uint64_t fetched_bytes = 0;    ///< bytes fetched from the server
  uint64_t fetch_requests = 0;   ///< requests made to the server
};

/// Figures taken around the work. Units: seconds, bytes, counts; residency 0..1.
struct RunMeasurement {
  double wall_s = 0, user_s = 0, sys_s = 0;
  uint64_t major_faults = 0, minor_faults = 0;
  uint64_t peak_rss_bytes = 0;         ///< child's VmHWM at the end of the work
  bool proc_io_available = false;
  uint64_t proc_read_bytes = 0;        ///< /proc/self/io read_bytes delta (child)
  uint64_t requested_bytes = 0;        ///< /proc/self/io rchar delta (child)
  std::optional<uint64_t> device_read_bytes;   ///< block stat sectors-read delta x 512 (device-wide)
  std::optional<uint64_t> block_requests;      ///< block:block_rq_issue reads (device-wide)
  double residency_before = 0;         ///< page-cache residency of the file right before the run
};

struct RunRecord {
  WorkFigures work;
  RunMeasurement m;
};

/// How storage reads are witnessed for one file (decided once, before the runs).
class StorageWitness {
 public:
  /// Discovers the file's block device and opens the request counter; never fails: what
  /// is unavailable is recorded with its reason.
  static StorageWitness for_file(int fd);

  const std::optional<BlockDevice>& device() const { return device_; }
  const std::string& device_problem() const { return device_problem_; }
  bool has_requests() const { return counter_.has_value(); }
  const std::string& requests_problem() const { return requests_problem_; }
  bool requests_count_writes() const { return counter_ && counter_->counts_writes(); }

  /// Whether /proc/self/io read_bytes counts this file's storage reads: evicts the first
  /// MiB of the file, reads it back with pread and compares read_bytes with the device.
  /// "yes", "no" (the device read and read_bytes stayed 0), "unavailable" (no
  /// /proc/self/io), or "unknown" (eviction had no effect: nothing was read from storage).
  std::string calibrate_proc_io(int fd, uint64_t size);
  const std::string& proc_io_verdict() const { return proc_io_verdict_; }

  /// Source of `storage_read_bytes` after calibration: "proc_io" (per process, exact),
  /// "block_device" (device-wide delta), or "none".
  std::string storage_source() const;
  /// Forces the source ("proc_io" or "block_device"; "" = decide as above), for diagnostics
  /// and for testing the fallback on machines where /proc/self/io works. A forced source
  /// that is unavailable here gives "none".
  void force_source(const std::string& source) { forced_source_ = source; }
  /// The per-run storage_read_bytes chosen from the run's witnesses (nullopt: unknown).
  std::optional<uint64_t> storage_read_bytes(const RunMeasurement& m) const;

  void begin();
  void end(RunMeasurement& m);

 private:
  std::optional<BlockDevice> device_;
  std::string device_problem_;
  std::optional<BlockRequestCounter> counter_;
  std::string requests_problem_;
  std::string proc_io_verdict_ = "unknown";
  std::string forced_source_;
  BlockStat stat0_;
  bool stat0_ok_ = false;
};

/// Cache preparation before a run.
enum class CacheState { kCold, kWarm };
struct CachePrep {
  bool ok = false;            ///< the requested state was reached (cold: <= 5% resident; warm: >= 95%)
  double residency = 0;       ///< measured right after preparing, 0..1
  std::string problem;        ///< why not, one line
};
/// Cold: evict_from_page_cache and check; warm: load_into_page_cache and check.
/// `fs` explains failures ("eviction impossible on tmpfs: the page cache is the storage").
CachePrep prepare_cache(int fd, uint64_t size, CacheState state, const FilesystemInfo& fs);

/// Runs `work` in a forked child and measures it. The child fills WorkFigures (an error
/// there is reported through exit_code, not here). `witness` (may be null) is read
/// around the child. Errors: kInternal when fork/pipe fail or the child dies (the
/// message names the signal).
Result<RunRecord> run_isolated(const std::function<void(WorkFigures&)>& work, StorageWitness* witness);

/// Reads every byte of [data, data + size) into a cheap checksum (64-bit word sum, which
/// the compiler vectorises): the demux benchmarks call it so that no read can be optimised
/// away and every page of the payload is really touched. Same function on both sides of
/// `--against libavformat`.
inline uint64_t touch_bytes(const uint8_t* data, size_t size, uint64_t sum = 0) {
  size_t i = 0;
  for (; i + 8 <= size; i += 8) {
    uint64_t w;
    std::memcpy(&w, data + i, 8);
    sum += w;
  }
  for (; i < size; ++i) sum += data[i];
  return sum;
}

/// This process's current RSS in bytes (/proc/self/statm), the floor of every child's peak.
uint64_t parent_rss_bytes();

}  // namespace mp4kit
