// One input's record in the ledger (schema mp4kit.batch/1, README "mp4kit batch").
// Threads: plain values and functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mp4kit::batch {

enum class RunStatus : uint8_t { kOk, kFailed, kTimeout, kCrashed, kSkipped };

/// "ok", "failed", "timeout", "crashed", "skipped".
const char* status_name(RunStatus s);

struct InputRecord {
  std::string input;
  RunStatus status = RunStatus::kOk;
  uint64_t index = 0;                ///< the input's position in the whole input list, from 0
  std::optional<int> exit_code;      ///< the child's exit status; none when a signal ended it
  int signal = 0;                    ///< the signal that ended the child, 0 if none
  double wall_s = 0;                 ///< elapsed time of this input (of the child, or its share of a group)
  double cpu_s = 0;                  ///< user + system CPU seconds of the child (of the group)
  uint64_t max_rss_kb = 0;           ///< peak resident set of the child, KiB (wait4 ru_maxrss)
  uint32_t group_size = 1;           ///< inputs the child ran; cpu_s and max_rss_kb are the group's
  bool retry = false;                ///< --retry-failed ran it again after a failed record
  std::vector<std::string> outputs;  ///< the output paths given to the subcommand (-o, expanded)
  std::string error;                 ///< one line: why it is not ok ("" when ok)
  std::string result;                ///< the subcommand's own JSON record, compact, or ""
};

/// The record as one JSON line ending in '\n'. `result` is spliced in as it is (the caller
/// checked that it is one compact JSON value).
std::string format_record(const InputRecord& r);

/// "SIGSEGV" for 11 (sigabbrev_np), "SIG<n>" for numbers it does not know.
std::string signal_name(int sig);

/// The subcommand's standard output made into one compact JSON value when it is one
/// (a --pretty object is re-serialized), or "" when it is empty or not exactly one JSON
/// value (text output is not embedded).
std::string embeddable_json(std::string_view stdout_text);

/// The stderr line of a failed mp4kit run made into the record's error: the first line,
/// without "mp4kit: " and without "INPUT: " (the record names the input), cut to 1,000 bytes.
std::string error_line(std::string_view stderr_text, std::string_view input);

}  // namespace mp4kit::batch
