// `probe --check`: a lint of the container. Each finding names the box path and offset.
#pragma once

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

}  // namespace mp4kit
