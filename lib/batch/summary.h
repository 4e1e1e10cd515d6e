// `mp4kit batch --summary RECORDS...`: merges the records files of many shards or runs.
// An input's outcome is its last record (files in the order given, lines in file order);
// an input with more than one record that is not a --retry-failed retry ("retry": true) is
// recorded twice: two shards or two runs both did it, which a correct set of shards never
// does.
//
// Memory: about 64 bytes per distinct input (a hash map keyed by the 128-bit path hash),
// plus the failures and duplicates listed. Two passes over the files (the second collects
// the names of failed and duplicated inputs), so the files must be re-readable.
// Errors: kCannotOpen / kIo naming the file. Threads: plain function.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "batch/record.h"
#include "mp4kit/error.h"

namespace mp4kit::batch {

struct SummaryFailure {
  std::string input, status, error, file;
};

struct Summary {
  uint64_t records = 0;                 ///< record lines read
  uint64_t inputs = 0;                  ///< distinct inputs
  std::array<uint64_t, 5> by_status{};  ///< inputs by their final status (RunStatus order)
  uint64_t retries = 0;                 ///< records marked "retry"
  uint64_t duplicated = 0;              ///< inputs recorded twice (or more)
  uint64_t bad_lines = 0;               ///< lines that are not records (a torn last line included)
  double wall_s = 0, cpu_s = 0;         ///< sums over the final records (a grouped record's cpu_s / group_size)
  uint64_t max_rss_kb = 0;              ///< largest over the final records
  std::vector<SummaryFailure> failures; ///< inputs whose final status is not ok/skipped
  std::vector<std::string> duplicates;  ///< inputs recorded twice, first 1,000
};

Result<Summary> summarize(const std::vector<std::string>& files);

/// The summary as one JSON object (schema mp4kit.batch-summary/1), compact, no newline.
std::string summary_json(const Summary& s);

}  // namespace mp4kit::batch
