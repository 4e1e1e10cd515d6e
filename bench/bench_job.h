// Internals of the bench module (bench_module.h), shared by bench_job.cpp (entry, mp4kit
// decode) and lavf_baseline.cpp (libavformat side).
#pragma once

extern "C" {
#include <libavutil/frame.h>
}

#include <memory>
#include <string>
#include <vector>

#include "bench/bench_module.h"
#include "bench/latency_histogram.h"
#include "io/mapped_file.h"
#include "mp4/movie.h"
#include "mp4kit/error.h"
#include "mp4/sample_table.h"
#include "mp4/timeline.h"

namespace mp4kit::bench {

/// A parsed file with the sample tables and timelines of every track, and which track
/// is the requested stream. The Movie is heap-held so the tables' pointers stay valid.
struct OpenedStream {
  io::MappedFileSourcePtr file;  ///< the input (also movie->source), for its fstat check
  std::unique_ptr<Movie> movie;
  std::vector<SampleTable> tables;
  std::vector<StreamTimeline> timelines;
  size_t track_index = 0;
};
/// Errors: those of io::MappedFileSource::open, parse_movie, SampleTable::build, build_timelines;
/// kUsage when `stream` is not a track.
Result<OpenedStream> open_stream(const std::string& path, int stream);

void bench_copy_string(char* dst, size_t cap, const std::string& s);
/// Fills exit_code and error from `e`; returns exit_code.
int bench_fail(mp4kit_bench_result* r, const Error& e);
/// Copies the histogram's p50/p95/p99/max into `r` (nothing when it is empty).
void bench_latency(const LatencyHistogram& h, mp4kit_bench_result* r);
/// A few bytes of the frame's first plane, folded.
uint64_t frame_checksum(const AVFrame* f);

}  // namespace mp4kit::bench
