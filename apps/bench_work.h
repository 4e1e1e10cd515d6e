// The work of one `mp4kit bench` run, executed in the forked child of
// bench/bench_harness.h: demux and probe run here in the executable (no FFmpeg library);
// decode and every libavformat baseline in the bench module (bench/bench_module.h), seek
// through lib/pipeline/seek_job.h (the decode module).
#pragma once

#include "mp4kit/limits.h"

#include <cstdint>
#include <string>
#include <vector>

#include "bench/bench_harness.h"
#include "bench/bench_module.h"
#include "mp4kit/byte_source.h"
#include "mp4kit/error.h"

namespace mp4kit::cli::bench {

enum class BenchMode { kDecode, kDemux, kProbe, kSeek };

/// What the parent resolved once before the runs (so every run and both sides of
/// --against work on the same stream and the same seek targets).
struct BenchPlan {
  BenchMode mode = BenchMode::kDecode;
  std::string path;
  int stream = -1;                   ///< decode/seek: the stream (ffprobe numbering)
  std::string stream_type;           ///< "video" / "audio"
  int threads = 0;
  bool direct = false;               ///< demux: read with O_DIRECT
  std::vector<uint64_t> seek_frames; ///< seek: target frames (presentation order)
  std::vector<int64_t> seek_pts;     ///< seek: their pts, ticks
  uint64_t frame_count = 0;          ///< seek: frames in the stream
  const mp4kit_bench_api* bench_api = nullptr;  ///< decode, --against
  Limits limits;                     ///< --max-depth/--max-samples/--max-runs/--max-index-mb (CLI-side parse)
  SourceOptions source;              ///< how a URL input is opened (--http-* flags); files are mapped
};

/// Parses the file in the parent (no mapping kept afterwards): picks the default stream
/// (first video, else first audio) and, for seek, `seek_count` distinct pseudo-random
/// frames from `seed` (splitmix64; same seed and file, same frames). Errors: the parser's,
/// kUsage for a stream that does not exist or cannot be decoded/sought.
Status resolve_plan(BenchPlan& plan, uint32_t seek_count, uint64_t seed);

/// mp4kit's demux: parse, index every track, then read every packet's bytes in FFmpeg's
/// interleaved order from the mapping (MADV_SEQUENTIAL; pages behind the read position are
/// given back as PacketSource does) or, with `direct`, through an O_DIRECT window; a URL
/// through the HTTP source's read() (its sequential read-ahead). Every work on a URL
/// reports what it fetched (WorkFigures::has_fetch).
void demux_work(const BenchPlan& plan, WorkFigures& out);
/// mp4kit's probe: parse_movie + SampleTable::build + build_timelines of every track.
void probe_work(const BenchPlan& plan, WorkFigures& out);
/// A module work (decode, or a libavformat baseline).
void module_work(const BenchPlan& plan, int32_t work, WorkFigures& out);
/// mp4kit's seek: the seek job (lib/pipeline/seek_job.h) with format "null".
void seek_work(const BenchPlan& plan, WorkFigures& out);

}  // namespace mp4kit::cli::bench
