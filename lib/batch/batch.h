// `mp4kit batch`: one subcommand over many inputs, one record per input in a ledger
// (README "mp4kit batch", docs/scale-out.md). This is the engine; apps/batch_cmd.cpp only
// parses flags and prints progress.
//
// For each input of the streamed list, in order: inputs of other shards are passed over;
// with --resume, inputs the ledger records already (ok or skipped; any status without
// --retry-failed) are passed over; an input that exists but is not a regular file (a FIFO,
// a directory, a device: opening it could block) is recorded failed, exit code 66, without a
// child; an input whose output (-o, not a frame pattern) exists is recorded skipped unless
// `overwrite`; the directories of its outputs are created; then it runs in a child
// (batch/supervisor.h), grouped with others when the subcommand allows.
//
// Memory: the input list is streamed; the resume set costs 16 bytes per recorded input;
// a group holds its inputs' records until its child ends. Nothing else grows with the
// number of inputs.
//
// Errors: kUsage (records file already holding records without --resume or --overwrite,
// --resume without --records FILE, a bad command), kCannotOpen / kIo (the list, the
// ledger), kInternal (pipe, fork). A reader of standard output that goes away (records on
// stdout, `| head`) is no error: the run stops (children killed) with reader_gone set. An error after the first child started is returned
// once the running children have been waited for; the ledger holds every record made.
// Threads: call from the main thread only (the supervisor installs signal handlers).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "batch/input_list.h"
#include "batch/record.h"
#include "batch/shard.h"
#include "batch/supervisor.h"
#include "mp4kit/error.h"

namespace mp4kit::batch {

struct BatchOptions {
  InputListOptions inputs;
  std::vector<std::string> command;  ///< SUBCOMMAND OPTIONS... (placeholders allowed)
  std::string program;               ///< the mp4kit binary children run
  unsigned jobs = 1;
  double timeout_s = 0;
  double kill_after_s = 5;
  uint64_t max_memory_mb = 0;
  std::string records = "-";         ///< the ledger: a file, or "-" for standard output
  bool resume = false, retry_failed = false, overwrite = false;
  Shard shard;
  unsigned group = 0;                ///< inputs per child for groupable work; 0: 64
  FaultHook fault;                   ///< test-only (supervisor.h)
};

struct BatchProgress {
  uint64_t inputs = 0;            ///< inputs enumerated so far (every shard)
  uint64_t other_shards = 0;      ///< of which in other shards
  uint64_t already_recorded = 0;  ///< of which recorded by an earlier run (--resume)
  uint64_t recorded = 0;          ///< records written by this run
  std::array<uint64_t, 5> by_status{};  ///< records by RunStatus
  size_t running = 0;             ///< children running
  bool enumerated = false;        ///< the input list is exhausted
  double elapsed_s = 0;
  uint64_t failed() const { return recorded - by_status[size_t(RunStatus::kOk)] - by_status[size_t(RunStatus::kSkipped)]; }
};

struct BatchOutcome {
  BatchProgress totals;
  int stop_signal = 0;          ///< the signal that stopped the run, 0 if it ran to the end
  uint64_t torn_bytes = 0;      ///< --resume: bytes of a torn last line cut off the ledger
  uint64_t bad_lines = 0;       ///< --resume: ledger lines that are not records (kept, ignored)
  uint64_t resumed_records = 0; ///< --resume: records the ledger held
  bool reader_gone = false;     ///< records on stdout, whose reader went away (EPIPE): stopped early
};

using ProgressFn = std::function<void(const BatchProgress&)>;

Result<BatchOutcome> run_batch(const BatchOptions& options, const ProgressFn& progress);

}  // namespace mp4kit::batch
