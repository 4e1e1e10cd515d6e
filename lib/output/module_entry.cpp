// The decode module's one exported symbol (include/mp4kit/decode_abi.h): the table of
// functions. It is assembled here, in the module's top layer (lib/output), the only one
// that sees both the decoders (lib/decode/decoder_abi.h) and the sinks (below).
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <exception>
#include <memory>

#include "decode/abi_support.h"
#include "decode/decoder_abi.h"
#include "output/audio_convert.h"
#include "output/sink.h"
#include "output/transform.h"

struct mp4kit_sink {
  std::unique_ptr<mp4kit::output::Sink> sink;
};

struct mp4kit_transform {
  std::unique_ptr<mp4kit::output::Transform> transform;
  mp4kit::decode::LogCapture log;  // swscale's messages (deprecated J formats): not printed
};

struct mp4kit_audio_converter {
  std::unique_ptr<mp4kit::output::AudioConverter> converter;
};

namespace mp4kit::output {
namespace {

using decode::store_error;
using decode::store_exception;

void sink_default_settings(mp4kit_sink_settings* s) {
  if (!s) return;
  *s = mp4kit_sink_settings{};
  s->struct_size = sizeof *s;
  s->format = "null";
  s->path = nullptr;
  s->media_type = MP4KIT_MEDIA_VIDEO;
  s->stream_index = 0;
  s->time_base_num = 1, s->time_base_den = 1;
  s->frame_rate_num = 25, s->frame_rate_den = 1;
  s->sar_num = 0, s->sar_den = 0;
  s->quality = 2;
}

int32_t sink_open(const mp4kit_sink_settings* settings, mp4kit_sink** out, mp4kit_error* error) {
  if (out) *out = nullptr;
  try {
    if (!settings || !out) return store_error(error, make_error(ErrorCode::kUsage, "", 0, "sink_open: settings and out must not be null"));
    auto s = Sink::open(*settings);
    if (!s.ok()) return store_error(error, s.error(), settings->path ? settings->path : "");
    *out = new mp4kit_sink{std::move(s.value())};
    return MP4KIT_OK;
  } catch (const std::exception& e) {
    return store_exception(error, e.what());
  }
}

int32_t sink_write(mp4kit_sink* s, const mp4kit_frame* frame, mp4kit_error* error) {
  if (!s || !frame) return store_error(error, make_error(ErrorCode::kUsage, "", 0, "sink_write: null sink or frame"));
  try {
    Status st = s->sink->write(decode::av_frame_of(frame));
    return st.ok() ? MP4KIT_OK : store_error(error, st.error(), s->sink->path());
  } catch (const std::exception& e) {
    return store_exception(error, e.what());
  }
}

int32_t sink_finish(mp4kit_sink* s, mp4kit_error* error) {
  if (!s) return store_error(error, make_error(ErrorCode::kUsage, "", 0, "sink_finish: null sink"));
  try {
    Status st = s->sink->finish();
    return st.ok() ? MP4KIT_OK : store_error(error, st.error(), s->sink->path());
  } catch (const std::exception& e) {
    return store_exception(error, e.what());
  }
}

void sink_stats(const mp4kit_sink* s, mp4kit_sink_stats* out) {
  mp4kit_sink_stats full{};
  full.struct_size = sizeof full;
  if (s) s->sink->stats(full);
  decode::copy_out(full, out);
}

void sink_close(mp4kit_sink* s) { delete s; }

void transform_default_settings(mp4kit_transform_settings* s) {
  if (!s) return;
  *s = mp4kit_transform_settings{};
  s->struct_size = sizeof *s;
  s->crop_x = s->crop_y = -1;
  s->scaler = "bicubic";
}

int32_t transform_open(const mp4kit_transform_settings* settings, mp4kit_transform** out, mp4kit_error* error) {
  if (out) *out = nullptr;
  try {
    if (!settings || !out) return store_error(error, make_error(ErrorCode::kUsage, "", 0, "transform_open: settings and out must not be null"));
    auto holder = std::make_unique<mp4kit_transform>();
    decode::LogScope scope(holder->log);
    auto t = Transform::open(*settings);
    if (!t.ok()) return store_error(error, t.error());
    holder->transform.reset(*t);
    *out = holder.release();
    return MP4KIT_OK;
  } catch (const std::exception& e) {
    return store_exception(error, e.what());
  }
}

// --- audio conversion (output/audio_convert.h) ---
void audio_converter_default_settings(mp4kit_audio_converter_settings* s) {
  if (!s) return;
  *s = mp4kit_audio_converter_settings{};
  s->struct_size = sizeof *s;
  s->start_us = INT64_MIN;
  s->end_us = INT64_MAX;
  s->time_base_num = 1, s->time_base_den = 1;
}

int32_t audio_converter_open(const mp4kit_audio_converter_settings* settings, mp4kit_audio_converter** out, mp4kit_error* error) {
  if (out) *out = nullptr;
  try {
    if (!settings || !out)
      return store_error(error, make_error(ErrorCode::kUsage, "", 0, "audio_converter_open: settings and out must not be null"));
    mp4kit_audio_converter_settings s;
    audio_converter_default_settings(&s);  // an older caller's shorter struct keeps the defaults past it
    std::memcpy(&s, settings, std::min<size_t>(settings->struct_size, sizeof s));
    auto c = AudioConverter::open(s);
    if (!c.ok()) return store_error(error, c.error());
    *out = new mp4kit_audio_converter{std::unique_ptr<AudioConverter>(*c)};
    return MP4KIT_OK;
  } catch (const std::exception& e) {
    return store_exception(error, e.what());
  }
}

int32_t transform_apply(mp4kit_transform* t, const mp4kit_frame* in, mp4kit_frame** out, mp4kit_error* error) {
  if (out) *out = nullptr;
  if (!t || !in || !out) return store_error(error, make_error(ErrorCode::kUsage, "", 0, "transform_apply: null transform, frame or out"));
  try {
    decode::LogScope scope(t->log);
    auto f = t->transform->apply(decode::av_frame_of(in));
    if (!f.ok()) return store_error(error, f.error());
    *out = decode::frame_of(*f);
    return MP4KIT_OK;
  } catch (const std::exception& e) {
    return store_exception(error, e.what());
  }
}

int32_t audio_converter_convert(mp4kit_audio_converter* c, const mp4kit_frame* in, mp4kit_frame** out, int32_t* done,
                                mp4kit_error* error) {
  if (out) *out = nullptr;
  if (!c || !out) return store_error(error, make_error(ErrorCode::kUsage, "", 0, "audio_converter_convert: null converter or out"));
  try {
    auto r = c->converter->convert(in ? decode::av_frame_of(in) : nullptr);
    if (done) *done = c->converter->done() ? 1 : 0;
    if (!r.ok()) return store_error(error, r.error());
    *out = *r ? reinterpret_cast<mp4kit_frame*>(*r) : nullptr;
    return MP4KIT_OK;
  } catch (const std::exception& e) {
    return store_exception(error, e.what());
  }
}

void transform_info(const mp4kit_transform* t, mp4kit_transform_info* out) {
  mp4kit_transform_info full{};
  full.struct_size = sizeof full;
  full.rotation_filters = full.pix_fmt = full.scaler = full.warning = "";
  if (t) t->transform->info(full);
  decode::copy_out(full, out);
}

void transform_close(mp4kit_transform* t) { delete t; }

void audio_converter_close(mp4kit_audio_converter* c) { delete c; }

const mp4kit_decode_api* make_table() {
  static const mp4kit_decode_api table = [] {
    mp4kit_decode_api api{};
    api.struct_size = sizeof api;
    api.api_version = MP4KIT_DECODE_API_VERSION;
    decode::fill_decoder_functions(api);
    api.sink_default_settings = &sink_default_settings;
    api.sink_open = &sink_open;
    api.sink_write = &sink_write;
    api.sink_finish = &sink_finish;
    api.sink_stats = &sink_stats;
    api.sink_close = &sink_close;
    api.transform_default_settings = &transform_default_settings;
    api.transform_open = &transform_open;
    api.transform_apply = &transform_apply;
    api.transform_info = &transform_info;
    api.transform_close = &transform_close;
    api.audio_converter_default_settings = &audio_converter_default_settings;
    api.audio_converter_open = &audio_converter_open;
    api.audio_converter_convert = &audio_converter_convert;
    api.audio_converter_close = &audio_converter_close;
    return api;
  }();
  return &table;
}

}  // namespace
}  // namespace mp4kit::output

extern "C" __attribute__((visibility("default"))) const mp4kit_decode_api* mp4kit_decode_get_api(void) {
  return mp4kit::output::make_table();
}
