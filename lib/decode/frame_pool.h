// A ring-buffer pool of decoded-frame buffers for libavcodec's get_buffer2 callback.
//
// Model: dav1d's picture pool (reference-counted buffers with a free callback and a memory
// pool behind them) and FFmpeg 5.1's own avcodec_default_get_buffer2 / update_frame_pool
// (libavcodec/get_buffer.c), whose plane geometry we reproduce so that decoders see the
// same strides, heights and padding as under the default allocator.
//
// Shape: one *slot* is one zero-initialised, 64-byte-aligned allocation holding every plane
// of one frame (video: up to 4 planes; audio: 1 packed plane or one per channel, at most
// AV_NUM_DATA_POINTERS). Each plane is handed to the AVFrame as its own AVBufferRef
// (frame->buf[i]) whose free callback drops one reference on the slot; when the last
// plane of a slot is released the slot goes back to the free ring.
//
// Sizing: the ring holds at most `Config::max_slots` slots. Slots are allocated lazily, on
// the first request that finds the ring empty (a *miss*); once the working set is reached
// (decoder reference frames + reorder delay + one frame per frame-thread + the consumer's
// queue) every request is served from the ring (a *hit*) and the pool allocates nothing.
// When all max_slots slots are out, a request still succeeds: it gets a one-off buffer
// (counted as a miss and as `overflow`) that is freed, not pooled, on release.
// A geometry change (new size, pixel or sample format) retires every slot: free ones are
// freed at once, outstanding ones when released; the ring then refills lazily.
//
// Allocations: a hit allocates no frame memory. libavutil offers no way to create an
// AVBufferRef in caller-provided storage, so av_buffer_create() still mallocs a small
// handle (AVBuffer + AVBufferRef, ~80 bytes) per plane per frame; those come from the
// C library's thread cache and are not counted here.
//
// Threads: get_buffer2 is called from libavcodec's frame/slice worker threads and the
// releases come from any thread that drops the last reference to a frame (decoder
// threads, the consumer thread, a writer thread). Every entry point is thread-safe (one
// mutex, held for O(1) ring operations only). The FramePool object must outlive every
// frame it would count: the destructor frees the slots that are back in the ring; a slot
// still out (a frame the caller kept) is freed by its last release, and the shared state
// lives until that release, so releasing a frame after the FramePool is gone is safe.
#pragma once

extern "C" {
#include <libavcodec/avcodec.h>
}

#include <cstdint>

#include "decode/codec_hooks.h"

namespace mp4kit::decode {

struct FramePoolStats {
  uint64_t hits = 0;        ///< requests served from the ring (no allocation)
  uint64_t misses = 0;      ///< requests that allocated (new slot, overflow, or not pooled)
  uint64_t overflow = 0;    ///< misses beyond max_slots (one-off buffers)
  uint64_t unpooled = 0;    ///< requests passed to avcodec_default_get_buffer2 (hwaccel, >8 planes)
  uint64_t reconfigures = 0;///< geometry changes (each retires the pooled slots)
  uint32_t slots = 0;       ///< slots currently allocated (in the ring or out)
  uint32_t peak_out = 0;    ///< most slots out at the same time
  uint64_t slot_bytes = 0;  ///< bytes of one slot in the current geometry
};

class FramePool {
 public:
  struct Config {
    /// Upper bound on pooled slots. Suggested: threads + reorder delay + 16 (max H.264/HEVC
    /// DPB) + consumer queue; see suggested_max_slots().
    uint32_t max_slots = 48;
  };

  explicit FramePool(Config config);
  ~FramePool();
  FramePool(const FramePool&) = delete;
  FramePool& operator=(const FramePool&) = delete;

  /// The ring capacity for a decoder with `threads` frame threads, a reorder delay of
  /// `reorder` frames and a consumer that holds up to `queue` frames.
  static uint32_t suggested_max_slots(int threads, int reorder, int queue);

  /// Installs this pool on `ctx`: ctx->get_buffer2, and ctx->opaque = &hooks with
  /// hooks.pool = this (codec_hooks.h: how frame-thread copies find the pool). `hooks`
  /// must outlive the context. Call before avcodec_open2. Decoders without
  /// AV_CODEC_CAP_DR1 never call get_buffer2: the caller reports their frames with
  /// count_foreign_frame().
  void attach(AVCodecContext* ctx, CodecHooks& hooks);

  /// Whether `frame`'s first buffer came from this pool (O(1), no dereference of foreign
  /// opaque pointers).
  bool owns(const AVFrame* frame) const;

  /// Counts a decoded frame whose buffers bypassed the pool (decoder without DR1) as a miss.
  void count_foreign_frame();

  /// Snapshot of the counters (thread-safe).
  FramePoolStats stats() const;

  struct Shared;  // the state the buffers point at, freed by the last of {pool, slot} (frame_pool.cpp)

 private:
  static int get_buffer2(AVCodecContext* ctx, AVFrame* frame, int flags);
  Shared* shared_ = nullptr;
};

}  // namespace mp4kit::decode
