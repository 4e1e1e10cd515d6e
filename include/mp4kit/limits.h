// Limits that bound what mp4kit will allocate or recurse into for one file.
// Exceeding one is an error (kInternal, exit 70) that names the limit and the CLI flag
// that raises it; no limit silently truncates output.
#pragma once

#include <cstdint>

namespace mp4kit {

struct Limits {
  /// Maximum box nesting depth (moov/trak/mdia/minf/stbl/stsd/avc1/... is 8).
  uint32_t max_depth = 32;                 // --max-depth
  /// Maximum samples per track (moov tables plus fragments).
  uint64_t max_samples_per_track = 1u << 27;  // --max-samples (134M)
  /// Maximum track runs (trun boxes) per track in a fragmented file.
  uint64_t max_runs_per_track = 1u << 22;  // --max-runs
  /// Maximum bytes a full packet table may take in memory (probe --packets, decode).
  uint64_t max_index_bytes = 4ull << 30;   // --max-index-mb
};

}  // namespace mp4kit
