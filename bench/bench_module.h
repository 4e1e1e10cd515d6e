// The C ABI between `mp4kit bench` (apps/bench_cmd.cpp) and the bench module
// (mp4kit_bench.so, next to the executable or $MP4KIT_BENCH_MODULE) for the benchmark work
// that needs libavcodec or libavformat: mp4kit's decode and every `--against libavformat`
// baseline. (mp4kit's seek runs in the executable, lib/pipeline/seek_job.h.) The decode
// work goes through the decode module's C ABI like `mp4kit decode`.
//
// A module of its own, apart from the decode module, so that the decoder ships no
// measurement code and the two interfaces version independently. The CLI runs each measured
// run in a forked child (bench/bench_harness.h); the child calls run() once and reports the
// figures through the parent.
//
// libavformat is only needed for the `--against libavformat` baseline: the module does not
// link it (that would add libavformat's long list of dependencies to every `mp4kit bench`
// start, with --against or not) but dlopen()s it in prepare(), which the CLI calls in the
// parent before forking, so that no measured run pays for loading it.
//
// Threads: prepare() and run() are called from one thread. The work itself may start
// libavcodec's decoder threads; they are joined before run() returns.
#pragma once

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MP4KIT_BENCH_ABI_VERSION 2u
#define MP4KIT_BENCH_ENTRY "mp4kit_bench_module_api"

/// The work of one measured run.
enum mp4kit_bench_work {
  MP4KIT_BENCH_DECODE = 0,       ///< mp4kit: parse, index, decode every packet of `stream` (mp4kit/decoder.h)
  /* 1 is unused: mp4kit's side of seek mode is the seek job itself (lib/pipeline/seek_job.h, format "null"). */
  MP4KIT_BENCH_LAVF_DEMUX = 2,   ///< libavformat: avformat_open_input + av_read_frame of every packet, bytes touched
  MP4KIT_BENCH_LAVF_DECODE = 3,  ///< libavformat demux + the same libavcodec settings, `stream` only
  MP4KIT_BENCH_LAVF_PROBE = 4,   ///< libavformat: avformat_open_input (the mov demuxer builds its index there)
  MP4KIT_BENCH_LAVF_SEEK = 5,    ///< libavformat: av_seek_frame(BACKWARD) + decode to each target frame
};

struct mp4kit_bench_request {
  uint32_t abi_version;          ///< MP4KIT_BENCH_ABI_VERSION
  const char* input_path;        ///< UTF-8 path or http(s):// URL, not null
  /// How a URL is opened: a `const mp4kit::SourceOptions*` (mp4kit/byte_source.h; the
  /// executable and this module are built together), or null for the defaults.
  const void* source_options;
  int32_t work;                  ///< enum mp4kit_bench_work
  int32_t stream;                ///< ffprobe stream index (resolved by the caller; >= 0 for decode/seek)
  int32_t threads;               ///< decoder threads; 0 = one per CPU (FFmpeg's "auto")
  /// seek: the target frames, chosen by the caller (so both sides of --against get the
  /// same set): frame numbers in presentation order after edit lists (seek_plan.h) and
  /// their pts in the stream's time base (ticks), `seek_count` of each.
  const uint64_t* seek_frames;
  const int64_t* seek_pts;
  uint32_t seek_count;
};

struct mp4kit_bench_result {
  int32_t exit_code;             ///< 0, or 64/65/66/70/74 (apps/commands.h)
  char error[1024];              ///< one line when exit_code != 0
  int32_t stream;                ///< the stream worked on, -1 for demux/probe of every stream
  char codec[32];                ///< libavcodec decoder name, empty when nothing was decoded
  uint64_t frames;               ///< frames output (decode), target frames found (seek), packets (demux, probe)
  uint64_t packets;              ///< packets read / sent to the decoder
  uint64_t payload_bytes;        ///< sample bytes read
  uint64_t checksum;             ///< of the bytes read (demux), of the frames' first plane line (decode)
  int64_t decode_errors;         ///< decoder calls that failed (damaged input)
  int32_t has_latency;           ///< 1: latency_* are set
  double latency_p50_ms;         ///< time from one output frame (or packet, for demux) to the next
  double latency_p95_ms;
  double latency_p99_ms;
  double latency_max_ms;
  int32_t has_pool;              ///< 1: the frame pool counters are set (mp4kit decode/seek)
  uint64_t pool_hits;
  uint64_t pool_misses;
  uint32_t seek_targets_missed;  ///< seek: targets whose exact frame did not come out (0 expected)
  int32_t has_fetch;             ///< 1: the input is a URL and fetched_* are set (mp4kit side)
  uint64_t fetched_bytes;        ///< bytes fetched from the server (ByteSource::stats)
  uint64_t fetch_requests;       ///< requests made to the server
};

struct mp4kit_bench_api {
  uint32_t abi_version;
  /// Loads what `work` needs (libavformat for the LAVF_* works). Returns 0, or 70 with a
  /// one-line reason in `error` (capacity `error_cap` bytes, NUL-terminated).
  int32_t (*prepare)(int32_t work, char* error, uint32_t error_cap);
  /// Runs the work once and fills `result`. Returns result->exit_code.
  int32_t (*run)(const struct mp4kit_bench_request* request, struct mp4kit_bench_result* result);
};

/// The bench module's entry point (MP4KIT_BENCH_ENTRY).
const struct mp4kit_bench_api* mp4kit_bench_module_api(void);

#ifdef __cplusplus
}
#endif
