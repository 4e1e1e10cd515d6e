// libavcodec's log messages, counted per decoder instead of printed.
//
// Why: decoders report concealed damage only through av_log (unless AV_EF_EXPLODE is
// set), so `mp4kit decode` counts error-level messages and shows the first one. Two
// decoders in one process must each count their own.
//
// How: one av_log callback is installed for the process, once, the first time a
// LogCapture is made (libavutil has a single callback slot). It routes each message by
// the object that logged it:
//   * an AVCodecContext (the decoder's own, or one of its frame-thread copies) whose
//     `opaque` is the CodecHooks of a live decoder (registered with attach()): that
//     decoder's capture;
//   * anything else logged on a thread that is inside a call of one of our objects (a
//     LogScope is active: decoder calls, sink writes running swscale or the PNG encoder):
//     that object's capture;
//   * otherwise the message is not ours (another user of libav* in the process) and goes
//     to av_log_default_callback, as if mp4kit were not there.
// Messages of ours are never printed: AV_LOG_ERROR and worse are counted and the first is
// kept whole (no fixed-size buffer); milder ones are dropped.
//
// Threads: the callback runs on whichever thread logs (libavcodec's workers included) and
// is thread-safe. A LogCapture may be read (error_count, first_message) from any thread.
// The registry that maps CodecHooks to captures is guarded by one mutex, taken only for
// messages that would be printed or counted (most debug output is rejected before it).
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>

namespace mp4kit::decode {

struct CodecHooks;

class LogCapture {
 public:
  LogCapture();   // installs the process's callback on first use
  ~LogCapture();  // detaches: no message reaches this object afterwards
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;

  /// Routes messages of every AVCodecContext whose opaque is `hooks` here (sets hooks.log).
  void attach(CodecHooks& hooks);

  /// Error-level messages (AV_LOG_ERROR or worse) recorded so far.
  int64_t error_count() const { return errors_.load(std::memory_order_relaxed); }
  /// The first of them as av_log would print it ("[h264 @ 0x...] no frame!"), without the
  /// trailing newline; "" when none.
  std::string first_message() const;

  /// Records one message (called by the callback).
  void record(void* avcl, int level, const char* fmt, va_list vl);

 private:
  std::atomic<int64_t> errors_{0};
  mutable std::mutex mutex_;
  std::string first_;
  CodecHooks* hooks_ = nullptr;
};

/// While alive, messages logged on this thread by objects that are not a registered
/// decoder context (avcl null, a SwsContext, an encoder) go to `capture`. Nests.
class LogScope {
 public:
  explicit LogScope(LogCapture& capture);
  ~LogScope();
  LogScope(const LogScope&) = delete;
  LogScope& operator=(const LogScope&) = delete;

 private:
  LogCapture* previous_;
};

}  // namespace mp4kit::decode
