// Internals of the bench module (bench_module.h), shared by bench_job.cpp (entry, mp4kit
// decode) and lavf_baseline.cpp (libavformat side).
#pragma once

extern "C" {
#include <libavutil/frame.h>
}

#include <cstdint>
#include <string>

#include "bench/bench_module.h"
#include "bench/latency_histogram.h"
#include "mp4kit/error.h"

namespace mp4kit::bench {

void bench_copy_string(char* dst, size_t cap, const std::string& s);
/// Fills exit_code and error from `e`; returns exit_code.
int bench_fail(mp4kit_bench_result* r, const Error& e);
/// Copies the histogram's p50/p95/p99/max into `r` (nothing when it is empty).
void bench_latency(const LatencyHistogram& h, mp4kit_bench_result* r);
/// A few bytes of the frame's first plane, folded.
uint64_t frame_checksum(const uint8_t* first_plane, int linesize);
uint64_t frame_checksum(const AVFrame* f);

}  // namespace mp4kit::bench
