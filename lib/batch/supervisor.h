// The child supervisor of `mp4kit batch`: runs `PROGRAM SUBCOMMAND OPTIONS... INPUT...` in
// child processes (fork + exec of the mp4kit binary itself; the parent never loads libav*),
// up to `jobs` at once, and turns each child's end into one InputRecord per input.
//
// - Isolation: a child gets /dev/null as stdin, pipes for stdout and stderr, RLIMIT_DATA of
//   max_memory_mb (heap and private writable mappings: the read-only mapping of a large
//   input does not count), PR_SET_PDEATHSIG SIGKILL (a batch killed with -9 takes its
//   children with it) and the default signal dispositions.
// - Timeout: when a child has made no progress for timeout_s (a solo child: since it
//   started; a group: since its last record), it gets SIGTERM, then SIGKILL kill_after_s
//   later; its input is recorded "timeout".
// - Groups: a unit of several inputs (probe --json) writes one record line per input in
//   order; each line is matched to its input by the record's filename. When a group child
//   dies or stops early, the inputs it did not report are run again one per child, so
//   only the input that kills a child is recorded as failed, crashed or timed out.
// - Signals: while run() runs, SIGINT, SIGTERM and SIGHUP stop it: no new child starts,
//   the signal is forwarded to every child, and inputs whose child the signal ended get no
//   record (they were in flight: a resumed run does them again). A second signal sends
//   SIGKILL. SIGCHLD is handled for the duration; the previous handlers are restored.
//
// Errors: run() returns kInternal when a pipe or fork fails (the message names the call
// and errno); the children already running are waited for first.
// Threads: one Supervisor per process, run() on one thread (it installs signal handlers).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "batch/record.h"
#include "mp4kit/error.h"

namespace mp4kit::batch {

struct WorkItem {
  std::string input;                 ///< as listed (what the child opens)
  std::string shown;                 ///< as records show it (batch/command.h shown_input)
  uint64_t index = 0;
  std::vector<std::string> args;     ///< solo: SUBCOMMAND OPTIONS... INPUT (expanded)
  std::vector<std::string> outputs;
  bool retry = false;
};

/// Inputs for one child: one WorkItem, or several with `group_args` set (SUBCOMMAND
/// OPTIONS..., the inputs appended).
struct WorkUnit {
  std::vector<WorkItem> items;
  std::vector<std::string> group_args;
};

/// Test-only fault injection (tests/batch_test.cpp): a child whose inputs include one that
/// contains `crash_marker` raises SIGSEGV before exec; one with `hang_marker` ignores
/// SIGTERM and sleeps (only SIGKILL ends it); one with `alloc_marker` allocates and touches
/// memory 1 MiB at a time until malloc fails, then aborts (a runaway allocation, for
/// --max-memory). Read from MP4KIT_TEST_BATCH_FAULT ("crash=SUBSTRING,hang=SUBSTRING,
/// alloc=SUBSTRING") by fault_hook_from_env(); empty markers: none.
struct FaultHook {
  std::string crash_marker, hang_marker, alloc_marker;
};
FaultHook fault_hook_from_env();

struct SupervisorOptions {
  std::string program;          ///< the mp4kit binary (absolute path)
  unsigned jobs = 1;            ///< children at once, >= 1
  double timeout_s = 0;         ///< 0: no timeout
  double kill_after_s = 5;      ///< SIGTERM -> SIGKILL grace
  uint64_t max_memory_mb = 0;   ///< 0: no limit
  FaultHook fault;
};

class Supervisor {
 public:
  /// Fills `unit` with the next work and returns true, or returns false when there is none.
  using NextUnit = std::function<bool(WorkUnit& unit)>;
  /// Receives each finished input's record. Returning an error stops the run (as a signal
  /// does, without forwarding one) and run() returns that error.
  using OnRecord = std::function<Status(InputRecord&& record)>;
  /// Called about every 250 ms, and when a child ends, with the number of children running.
  using OnTick = std::function<void(size_t running)>;

  explicit Supervisor(SupervisorOptions options) : o_(std::move(options)) {}

  /// Runs every unit next() gives. Returns the signal that stopped the run, or 0.
  Result<int> run(const NextUnit& next, const OnRecord& on_record, const OnTick& on_tick);

 private:
  SupervisorOptions o_;
};

}  // namespace mp4kit::batch
