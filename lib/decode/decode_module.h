// The C ABI between the mp4kit CLI and the decode module (mp4kit_decode.so).
//
// Why a module: `mp4kit probe` must not load FFmpeg's libraries, so the executable links no
// libav*; the decode stage (libavcodec, libavutil) lives in a MODULE that apps/decode_cmd.cpp
// dlopen()s on first use and reaches through the single extern "C" entry point below. Only
// plain C types cross the boundary, so the module and the CLI may be built separately as
// long as MP4KIT_DECODE_ABI_VERSION matches.
//
// Threads: run() is called from one thread; the progress callback is called on that same
// thread, at most about 10 times a second.
#pragma once

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MP4KIT_DECODE_ABI_VERSION 2u
#define MP4KIT_DECODE_ENTRY "mp4kit_decode_module_api"

/// Which packets go to libavcodec as views into the mapping (see bench/BENCH-decode.md and
/// packet_source.h for the rule and its evidence).
enum mp4kit_packet_copy {
  MP4KIT_PACKET_COPY_AUTO = 0,   ///< zero-copy unless the padding rule says copy (default)
  MP4KIT_PACKET_COPY_ALWAYS = 1, ///< copy every packet into a pooled, zero-padded buffer
  MP4KIT_PACKET_COPY_NEVER = 2,  ///< zero-copy wherever the file has 64 bytes after the sample (diagnostics)
};

struct mp4kit_decode_request {
  uint32_t abi_version;          ///< MP4KIT_DECODE_ABI_VERSION
  const char* input_path;        ///< file to decode (UTF-8 path), not null
  int32_t stream;                ///< ffprobe stream index, or -1: first video, else first audio
  const char* format;            ///< "null", "y4m", "raw", "framemd5" or "wav"
  const char* output_path;       ///< null: no output ("null" only); "-": stdout; else a file
  int32_t threads;               ///< decoder threads; 0 = one per CPU (FFmpeg's "auto")
  int64_t max_frames;            ///< stop after this many output frames; < 0 = all
  int32_t apply_edits;           ///< 1: edit lists as FFmpeg applies them; 0: show every frame
  int32_t strict;                ///< 1: stop at the first decoder error (exit 65)
  int32_t packet_copy;           ///< enum mp4kit_packet_copy
  /// Called with (frames output so far, frames expected, elapsed seconds); may be null.
  void (*progress)(void* opaque, int64_t frames, int64_t expected_frames, double elapsed_s);
  void* progress_opaque;
};

struct mp4kit_decode_report {
  int32_t exit_code;             ///< 0, or 64/65/66/70/73/74 (apps/commands.h)
  char error[1024];              ///< one line, no newline; empty when exit_code == 0
  char error_file[512];          ///< the path the error is about (input or output); may be empty
  int32_t stream;                ///< the stream decoded
  char codec[32];                ///< libavcodec decoder name ("h264", "libdav1d", ...)
  int64_t packets;               ///< packets sent to the decoder
  int64_t frames;                ///< frames output (after edit lists)
  int64_t decode_errors;         ///< decoder calls that returned an error (damaged packets)
  int64_t concealed_frames;      ///< frames output with decode_error_flags set
  int64_t error_messages;        ///< error-level messages libavcodec logged (concealed damage too)
  int64_t packets_zero_copy;     ///< packets passed as views into the mapping
  int64_t packets_copied;        ///< packets copied into padded pooled buffers
  uint64_t pool_hits;            ///< frame buffers served from the pool's ring
  uint64_t pool_misses;          ///< frame buffers allocated (warm-up, overflow, or decoder without DR1)
  uint64_t pool_misses_after_warmup; ///< misses after the first 2 x pool capacity frames
  uint32_t pool_slots;           ///< frame buffers the pool holds at the end
  uint64_t output_bytes;         ///< bytes written to the output
  int32_t output_closed;         ///< 1 when stdout was closed by the reader (EPIPE): not an error
  double wall_s;                 ///< wall-clock seconds of the decode loop (open to flush)
  double cpu_s;                  ///< process CPU seconds (user + system, all threads) over the same span
};

struct mp4kit_decode_api {
  uint32_t abi_version;
  /// Decodes one stream as `request` says and fills `report`. Returns report->exit_code.
  int32_t (*run)(const struct mp4kit_decode_request* request, struct mp4kit_decode_report* report);
};

/// The module's only exported symbol.
const struct mp4kit_decode_api* mp4kit_decode_module_api(void);

#ifdef __cplusplus
}
#endif
