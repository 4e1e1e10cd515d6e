// `probe --check`: a lint of the container. Each finding names the box path and offset.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "mp4/movie.h"
#include "mp4/sample_table.h"

namespace mp4kit {

struct Finding {
  enum class Severity { kWarning, kError } severity = Severity::kWarning;
  std::string box_path;
  uint64_t offset = 0;
  std::string message;
};

/// Lints `movie`: stsz count vs stts total, chunks/samples beyond the end of the file,
/// overlapping sample data, non-monotonic decode times across fragments, empty stss on
/// video, truncated mdat, plus the parser's own warnings. `tables[i]` belongs to
/// `movie.tracks[i]`. O(samples) time, O(chunks) memory.
std::vector<Finding> check_movie(const Movie& movie, const std::vector<SampleTable>& tables);

/// The first chunk of `movie.tracks[ti]` whose stco/co64 offset lies at or past the end of
/// the file, as an error finding (box path and offset of the table entry); none if all lie
/// inside. O(chunks).
std::optional<Finding> chunk_beyond_eof(const Movie& movie, size_t ti);

/// The error-severity findings of check_movie that need no walk over the samples: chunks
/// beyond the end of the file, per track (a truncated mdat is already among the parser's
/// warnings). Plain `probe` lists them in its warnings, so that a damaged file does not look
/// clean without --check. O(chunks).
std::vector<Finding> quick_findings(const Movie& movie);

}  // namespace mp4kit
