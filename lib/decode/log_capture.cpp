#include "decode/log_capture.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/log.h>
}

#include <cstdarg>
#include <unordered_map>
#include <vector>

#include "decode/codec_hooks.h"

namespace mp4kit::decode {
namespace {

// CodecHooks of live decoders -> their capture. Keys are compared, never dereferenced,
// so an AVCodecContext whose opaque is something else (another program's) is safe.
std::mutex g_registry_mutex;
std::unordered_map<const void*, LogCapture*>& registry() {
  static auto* map = new std::unordered_map<const void*, LogCapture*>;  // never destroyed: the callback may outlive statics
  return *map;
}

thread_local LogCapture* t_scope = nullptr;

bool is_codec_context(void* avcl) {
  return avcl && *static_cast<const AVClass* const*>(avcl) == avcodec_get_class();
}

void log_callback(void* avcl, int level, const char* fmt, va_list vl) {
  const bool error = level <= AV_LOG_ERROR;
  if (!error && level > av_log_get_level()) return;  // nobody would print it
  if (is_codec_context(avcl)) {
    const void* opaque = static_cast<AVCodecContext*>(avcl)->opaque;
    std::lock_guard<std::mutex> lock(g_registry_mutex);
    if (auto it = registry().find(opaque); it != registry().end()) {
      if (error) it->second->record(avcl, level, fmt, vl);
      return;
    }
  }
  if (LogCapture* scope = t_scope) {
    if (error) scope->record(avcl, level, fmt, vl);
    return;
  }
  av_log_default_callback(avcl, level, fmt, vl);
}

std::once_flag g_install_once;

}  // namespace

LogCapture::LogCapture() {
  // Installed once and never removed: the module is never unloaded (DecodeModule::load).
  std::call_once(g_install_once, [] { av_log_set_callback(log_callback); });
}

LogCapture::~LogCapture() {
  if (!hooks_) return;
  std::lock_guard<std::mutex> lock(g_registry_mutex);
  registry().erase(hooks_);
}

void LogCapture::attach(CodecHooks& hooks) {
  hooks.log = this;
  std::lock_guard<std::mutex> lock(g_registry_mutex);
  if (hooks_) registry().erase(hooks_);
  hooks_ = &hooks;
  registry()[hooks_] = this;
}

std::string LogCapture::first_message() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return first_;
}

void LogCapture::record(void* avcl, int level, const char* fmt, va_list vl) {
  errors_.fetch_add(1, std::memory_order_relaxed);
  std::lock_guard<std::mutex> lock(mutex_);
  if (!first_.empty()) return;
  // av_log_format_line2 returns the length the whole line needs: format again into a
  // buffer that large when the first try did not fit (nothing is cut).
  std::vector<char> line(512);
  int print_prefix = 1;
  va_list copy;
  va_copy(copy, vl);
  const int n = av_log_format_line2(avcl, level, fmt, copy, line.data(), static_cast<int>(line.size()), &print_prefix);
  va_end(copy);
  if (n < 0) return;
  if (static_cast<size_t>(n) >= line.size()) {
    line.resize(static_cast<size_t>(n) + 1);
    print_prefix = 1;
    va_copy(copy, vl);
    av_log_format_line2(avcl, level, fmt, copy, line.data(), static_cast<int>(line.size()), &print_prefix);
    va_end(copy);
  }
  first_ = line.data();
  while (!first_.empty() && (first_.back() == '\n' || first_.back() == ' ')) first_.pop_back();
}

LogScope::LogScope(LogCapture& capture) : previous_(t_scope) { t_scope = &capture; }
LogScope::~LogScope() { t_scope = previous_; }

}  // namespace mp4kit::decode
