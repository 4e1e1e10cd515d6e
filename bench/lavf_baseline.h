// The `--against libavformat` side of `mp4kit bench`: the same work through FFmpeg's own
// demuxer (avformat_open_input, av_read_frame, av_seek_frame) and the same libavcodec
// settings (decoder, thread count, packet time base; libavcodec's default frame
// allocator, as in ffmpeg). libavformat is dlopen()ed by lavf_load(), not linked (see
// bench_module.h), and must be the build's major version.
//
// Threads: lavf_load() once from the main thread before any work; then one thread.
#pragma once

#include <string>

#include "bench/bench_module.h"

namespace mp4kit::bench {

/// Loads libavformat.so.<major> and its entry points. False with `why` (one line) when
/// it is missing or of another major version.
bool lavf_load(std::string& why);

/// Each fills `rp` like the mp4kit work of the same name and returns rp->exit_code.
int lavf_demux(const mp4kit_bench_request* rq, mp4kit_bench_result* rp);
int lavf_decode(const mp4kit_bench_request* rq, mp4kit_bench_result* rp);
int lavf_probe(const mp4kit_bench_request* rq, mp4kit_bench_result* rp);
int lavf_seek(const mp4kit_bench_request* rq, mp4kit_bench_result* rp);

}  // namespace mp4kit::bench
