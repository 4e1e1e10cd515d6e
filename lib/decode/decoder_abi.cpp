#include "decode/decoder_abi.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/pixdesc.h>
#include <libavutil/samplefmt.h>
#include <libswscale/swscale.h>
}

#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "decode/abi_support.h"
#include "decode/decoder.h"
#include "decode/frame_packing.h"
#include "decode/packet_index.h"

// The opaque handle: the decoder and the strings its accessors hand out.
struct mp4kit_decoder {
  std::unique_ptr<mp4kit::decode::Decoder> decoder;
  std::string log_message;  // decoder_first_log_message's storage
};

namespace mp4kit::decode {
namespace {

const char* library_versions() {
  static const std::string text = [] {
    const auto v = [](unsigned x) {
      return std::to_string(x >> 16) + "." + std::to_string((x >> 8) & 0xFF) + "." + std::to_string(x & 0xFF);
    };
    return "libavcodec " + v(avcodec_version()) + ", libavutil " + v(avutil_version()) + ", libswscale " + v(swscale_version());
  }();
  return text.c_str();
}

void error_clear(mp4kit_error* error) { clear_error(error); }

void decoder_default_settings(mp4kit_decoder_settings* s) {
  if (!s) return;
  *s = mp4kit_decoder_settings{};
  s->struct_size = sizeof *s;
  s->threads = 0;
  s->strict = 0;
  s->packet_copy = MP4KIT_PACKET_COPY_AUTO;
  s->frames_held = 1;
  s->packet_size_hint = 0;
}

int32_t decoder_open(const mp4kit_codec_parameters* codec, const mp4kit_decoder_settings* settings, mp4kit_decoder** out,
                     mp4kit_error* error) {
  if (out) *out = nullptr;
  try {
    if (!codec || !out) return store_error(error, make_error(ErrorCode::kUsage, "", 0, "decoder_open: codec and out must not be null"));
    mp4kit_decoder_settings defaults;
    decoder_default_settings(&defaults);
    auto d = Decoder::open(*codec, settings ? *settings : defaults);
    if (!d.ok()) return store_error(error, d.error());
    *out = new mp4kit_decoder{std::move(d.value()), {}};
    return MP4KIT_OK;
  } catch (const std::exception& e) {
    return store_exception(error, e.what());
  }
}

int32_t decoder_send(mp4kit_decoder* d, const mp4kit_packet* packet, mp4kit_error* error) {
  if (!d) {
    if (packet && packet->release) packet->release(packet->release_opaque);
    return store_error(error, make_error(ErrorCode::kUsage, "", 0, "decoder_send: null decoder"));
  }
  try {
    auto r = d->decoder->send(packet);
    return r.ok() ? *r : store_error(error, r.error());
  } catch (const std::exception& e) {
    return store_exception(error, e.what());
  }
}

int32_t decoder_receive(mp4kit_decoder* d, mp4kit_frame** frame, mp4kit_error* error) {
  if (frame) *frame = nullptr;
  if (!d || !frame) return store_error(error, make_error(ErrorCode::kUsage, "", 0, "decoder_receive: null decoder or frame"));
  try {
    AVFrame* f = nullptr;
    auto r = d->decoder->receive(f);
    if (!r.ok()) return store_error(error, r.error());
    *frame = f ? frame_of(f) : nullptr;
    return *r;
  } catch (const std::exception& e) {
    return store_exception(error, e.what());
  }
}

void decoder_reset(mp4kit_decoder* d) {
  if (d) d->decoder->reset();
}

void decoder_stats(const mp4kit_decoder* d, mp4kit_decoder_stats* s) {
  mp4kit_decoder_stats full{};
  full.struct_size = sizeof full;
  if (d) d->decoder->stats(full);
  copy_out(full, s);
}

const char* decoder_codec(const mp4kit_decoder* d) { return d ? d->decoder->codec_name() : ""; }

const char* decoder_first_error(mp4kit_decoder* d) { return d ? d->decoder->first_error().c_str() : ""; }

const char* decoder_first_log_message(mp4kit_decoder* d) {
  if (!d) return "";
  try {
    d->log_message = d->decoder->first_log_message();
  } catch (const std::exception&) {
    d->log_message.clear();
  }
  return d->log_message.c_str();
}

void decoder_close(mp4kit_decoder* d) { delete d; }

void fill_frame_info(const AVFrame* f, mp4kit_frame_info& info) {
  const bool video = is_video_frame(f);
  info.media_type = video ? MP4KIT_MEDIA_VIDEO : MP4KIT_MEDIA_AUDIO;
  info.pts = f->pts;
  info.best_effort_pts = f->best_effort_timestamp;
  info.duration = f->pkt_duration;
  info.packet_index = frame_packet_index(f);
  info.key_frame = f->key_frame;
  info.pict_type = av_get_picture_type_char(f->pict_type);
  info.decode_error_flags = f->decode_error_flags;
  if (video) {
    info.width = f->width;
    info.height = f->height;
    const char* name = av_get_pix_fmt_name(static_cast<AVPixelFormat>(f->format));
    info.pix_fmt = name ? name : "";
    info.sar_num = f->sample_aspect_ratio.num;
    info.sar_den = f->sample_aspect_ratio.den;
    info.color_range = f->color_range;
    info.colorspace = f->colorspace;
  } else {
    info.sample_rate = f->sample_rate;
    info.channels = f->ch_layout.nb_channels;
    info.nb_samples = f->nb_samples;
    const char* name = av_get_sample_fmt_name(static_cast<AVSampleFormat>(f->format));
    info.sample_fmt = name ? name : "";
  }
  for (int i = 0; i < 4; ++i) {
    info.data[i] = f->data[i];
    info.linesize[i] = f->linesize[i];
  }
}

void frame_info(const mp4kit_frame* frame, mp4kit_frame_info* out) {
  mp4kit_frame_info full{};
  full.struct_size = sizeof full;
  full.packet_index = -1;
  full.pix_fmt = full.sample_fmt = "";
  if (frame) fill_frame_info(av_frame_of(frame), full);
  copy_out(full, out);
}

int32_t frame_packed_md5(const mp4kit_frame* frame, char md5_hex[33], int64_t* packed_size, mp4kit_error* error) {
  if (!frame || !md5_hex) return store_error(error, make_error(ErrorCode::kUsage, "", 0, "frame_packed_md5: null frame or md5_hex"));
  try {
    std::vector<uint8_t> scratch;
    int64_t size = 0;
    packed_md5(av_frame_of(frame), md5_hex, size, scratch);
    if (packed_size) *packed_size = size;
    return MP4KIT_OK;
  } catch (const std::exception& e) {
    return store_exception(error, e.what());
  }
}

void frame_release(mp4kit_frame* frame) {
  if (!frame) return;
  auto* f = reinterpret_cast<AVFrame*>(frame);
  av_frame_free(&f);
}

mp4kit_frame* frame_ref(const mp4kit_frame* frame) {
  if (!frame) return nullptr;
  AVFrame* copy = av_frame_clone(av_frame_of(frame));
  return copy ? frame_of(copy) : nullptr;
}

}  // namespace

void fill_decoder_functions(mp4kit_decode_api& api) {
  api.library_versions = &library_versions;
  api.error_clear = &error_clear;
  api.decoder_default_settings = &decoder_default_settings;
  api.decoder_open = &decoder_open;
  api.decoder_send = &decoder_send;
  api.decoder_receive = &decoder_receive;
  api.decoder_reset = &decoder_reset;
  api.decoder_stats = &decoder_stats;
  api.decoder_codec = &decoder_codec;
  api.decoder_first_error = &decoder_first_error;
  api.decoder_first_log_message = &decoder_first_log_message;
  api.decoder_close = &decoder_close;
  api.frame_info = &frame_info;
  api.frame_packed_md5 = &frame_packed_md5;
  api.frame_release = &frame_release;
  api.frame_ref = &frame_ref;
}

}  // namespace mp4kit::decode
