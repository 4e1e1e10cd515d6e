// The C ABI between the mp4kit CLI (apps/seek_cmd.cpp) and the seek half of the decode
// module (mp4kit_decode.so, lib/decode/seek_job.cpp): exact frame extraction.
//
// Why a second entry point: the decode ABI (decode_module.h) stays as it is; `mp4kit seek`
// finds this table with dlsym(MP4KIT_SEEK_ENTRY) in the same module. Only plain C types
// cross the boundary, so the module and the CLI may be built separately as long as
// MP4KIT_SEEK_ABI_VERSION matches.
//
// Semantics (README "seek"): frame N is the N-th frame in presentation order after edit
// lists, the N-th line of `ffmpeg -noautorotate -i FILE -map 0:v:0 -fps_mode passthrough
// -f framemd5 -`. The CLI resolves times to frame numbers and validates ranges before it
// loads the module; the module plans (lib/mp4/seek_plan.h), decodes one forward pass per
// start sync sample, and writes the frames in the order requested.
//
// Ownership: every pointer in a request is owned by the caller and must stay valid for the
// duration of run(); the module writes only into `targets[i]` (the out fields) and the report.
// Threads: run() is called from one thread and calls back (progress) on that thread.
#pragma once

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MP4KIT_SEEK_ABI_VERSION 1u
#define MP4KIT_SEEK_ENTRY "mp4kit_seek_module_api"

/// One requested frame: `frame` is filled by the caller, everything else by the module.
struct mp4kit_seek_target {
  int64_t frame;            ///< in: frame index (0-based, presentation order after edit lists)
  int64_t pts;              ///< ticks of the stream time base (1/timescale)
  uint32_t packet;          ///< its packet: decode-order index in the stream's timeline (probe --packets row)
  uint32_t sync_packet;     ///< the sync sample its pass started from (same numbering)
  int64_t sync_pts;         ///< that sync sample's pts, ticks
  int32_t pass;             ///< which decode pass produced it (passes share decoding)
  int32_t fallback;         ///< 0: as planned; 1: pass redone without skipping; 2: redone from packet 0
  int64_t decoded;          ///< packets sent to the decoder for this target (since the previous target of its pass)
  int64_t skipped;          ///< non-reference packets left out, same span
  uint64_t bytes;           ///< sample bytes read for the packets sent, same span
  double ms;                ///< wall milliseconds, same span (decode + conversion + write)
  char md5[33];             ///< md5 of the packed frame (the framemd5 hash), lowercase hex
  int32_t size;             ///< bytes of the packed frame (the framemd5 size)
  char output[512];         ///< file written for this target; "" for stdout, a shared file or none
  int32_t verified;         ///< --verify: 0 not checked, 1 identical, 2 different
  char verify_md5[33];      ///< --verify: md5 of the same frame from a linear decode
};

struct mp4kit_seek_request {
  uint32_t abi_version;          ///< MP4KIT_SEEK_ABI_VERSION
  const char* input_path;        ///< file (UTF-8 path), not null
  int32_t stream;                ///< ffprobe stream index of a video stream, or -1: first video stream
  const char* format;            ///< "png", "ppm", "y4m", "raw", "framemd5" or "null"
  /// Output: "-" stdout (y4m/raw/framemd5); a pattern with one printf-style %d (e.g.
  /// "frame_%06d.png", expanded with the frame index): one file per target; any other
  /// path: one file for all targets (png/ppm: only with one target). Null for "null".
  const char* output;
  int32_t threads;               ///< decoder threads; 0 = one per CPU (FFmpeg's "auto")
  int32_t skip_non_reference;    ///< 1: leave provably non-reference packets out; 0: send every packet of a pass
  int32_t verify;                ///< 1: also decode linearly and compare (see the report's verify_* fields)
  uint64_t target_count;         ///< number of entries in `targets` (>= 1)
  struct mp4kit_seek_target* targets;  ///< in request order; results are written in place
  /// Called after each target is written with (targets done, target count, elapsed s); may be null.
  void (*progress)(void* opaque, int64_t done, int64_t total, double elapsed_s);
  void* progress_opaque;
};

struct mp4kit_seek_report {
  int32_t exit_code;             ///< 0, or 64/65/66/70/73/74 (apps/commands.h)
  char error[1024];              ///< one line, no newline; empty when exit_code == 0
  char error_file[512];          ///< the path the error is about (input or output); may be empty
  int32_t stream;                ///< the stream decoded
  char codec[32];                ///< libavcodec decoder name
  int32_t threads;               ///< decoder threads in effect
  int64_t frame_count;           ///< frames in the stream (valid indices are 0..frame_count-1)
  int64_t passes;                ///< decode passes run (fallback passes included)
  int64_t fallbacks;             ///< passes redone because a target did not come out as planned
  int64_t decoded;               ///< packets sent to the decoder, all passes
  int64_t skipped;               ///< packets left out as non-reference, all passes
  uint64_t bytes;                ///< sample bytes of the packets sent
  int64_t decode_errors;         ///< decoder calls that returned an error
  double wall_s;                 ///< wall seconds from opening the file to the last output
  /// --verify: linear decode of the whole stream with a fresh decoder.
  int64_t verify_frames;         ///< targets compared
  int64_t verify_mismatches;     ///< targets whose md5 differs (or that the linear decode never output)
  int64_t verify_sync_samples;   ///< sync samples whose frame was shown and checked
  int64_t verify_sync_not_key;   ///< ... of which decoded as neither a keyframe nor an I picture
  int64_t verify_sync_hidden;    ///< sync samples not shown (edit list discard), not checkable
  int64_t verify_linear_frames;  ///< frames the linear decode output
  char verify_detail[1024];      ///< first problems, one line ("" when none)
};

struct mp4kit_seek_api {
  uint32_t abi_version;
  /// Extracts the targets of `request` and fills them and `report`. Returns report->exit_code.
  int32_t (*run)(const struct mp4kit_seek_request* request, struct mp4kit_seek_report* report);
};

/// The module's seek entry point (exported beside mp4kit_decode_module_api).
const struct mp4kit_seek_api* mp4kit_seek_module_api(void);

#ifdef __cplusplus
}
#endif
