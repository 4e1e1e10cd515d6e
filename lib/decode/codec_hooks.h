// What AVCodecContext::opaque points at for mp4kit's decoders.
//
// libavcodec hands callbacks the context that is running, which with frame threading is
// one of its per-thread copies, not the context the decoder opened. Every copy keeps the
// user's `opaque` (FFmpeg 5.1 pthread_frame.c: init_thread duplicates the context,
// update_context_from_user copies opaque), so the per-decoder state that callbacks need
// (the frame pool for get_buffer2, the log capture for the av_log callback) is reached
// through it, never through process-global state.
//
// Lifetime: owned by the decoder (lib/decode/decoder.h), which outlives its AVCodecContext.
#pragma once

namespace mp4kit::decode {

class FramePool;
class LogCapture;

struct CodecHooks {
  FramePool* pool = nullptr;   ///< serves get_buffer2 (frame_pool.h)
  LogCapture* log = nullptr;   ///< counts this decoder's libavcodec log messages (log_capture.h)
};

}  // namespace mp4kit::decode
