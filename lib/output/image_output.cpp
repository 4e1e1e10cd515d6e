#include "output/image_output.h"

extern "C" {
#include <libavutil/imgutils.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>
}

#include <cstring>
#include <string>

#include "decode/av_error.h"
#include "output/transform.h"

namespace mp4kit::output {

using decode::av_error_string;

namespace {

// FFmpeg 5.1 vf_scale.c parse_yuv_type("auto", colorspace): the frame's matrix when
// swscale has coefficients for it, else BT.601 (BT470BG).
const int* coefficients_of(AVColorSpace cs) {
  int c = static_cast<int>(cs);
  if (c < 1 || c > 10 || c == 8) c = AVCOL_SPC_BT470BG;
  return sws_getCoefficients(c);
}

// Full-range "J" formats carry their range in the format itself; swscale wants the plain one.
AVPixelFormat dejpeg(AVPixelFormat f, bool& full) {
  switch (f) {
    case AV_PIX_FMT_YUVJ420P: full = true; return AV_PIX_FMT_YUV420P;
    case AV_PIX_FMT_YUVJ422P: full = true; return AV_PIX_FMT_YUV422P;
    case AV_PIX_FMT_YUVJ444P: full = true; return AV_PIX_FMT_YUV444P;
    case AV_PIX_FMT_YUVJ440P: full = true; return AV_PIX_FMT_YUV440P;
    case AV_PIX_FMT_YUVJ411P: full = true; return AV_PIX_FMT_YUV411P;
    default: return f;
  }
}

}  // namespace

int ImageEncoder::sws_flags() { return SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT | SWS_FULL_CHR_H_INP; }

ImageEncoder::~ImageEncoder() {
  sws_freeContext(sws_);
  av_frame_free(&work_);
  av_frame_free(&rgb_);
  avcodec_free_context(&png_);
  av_packet_free(&pkt_);
}

Status ImageEncoder::convert(const AVFrame* f) {
  const auto src_fmt = static_cast<AVPixelFormat>(f->format);
  const char* name = av_get_pix_fmt_name(src_fmt);
  bool full = f->color_range == AVCOL_RANGE_JPEG;
  const AVPixelFormat fmt = dejpeg(src_fmt, full);
  sws_ = sws_getCachedContext(sws_, f->width, f->height, fmt, f->width, f->height, AV_PIX_FMT_RGB24, sws_flags(), nullptr,
                              nullptr, nullptr);
  if (!sws_) {
    return make_error(ErrorCode::kInternal, "", 0,
                      std::string("swscale cannot convert ") + (name ? name : "this pixel format") + " to rgb24");
  }
  // Source matrix and range from the frame; RGB output is full range.
  const int* inv = coefficients_of(f->colorspace);
  sws_setColorspaceDetails(sws_, inv, full ? 1 : 0, inv, 1, 0, 1 << 16, 1 << 16);
  if (!rgb_ || rgb_->width != f->width || rgb_->height != f->height) {
    av_frame_free(&rgb_);
    rgb_ = av_frame_alloc();
    if (!rgb_) return make_error(ErrorCode::kInternal, "", 0, "out of memory for an RGB frame");
    rgb_->format = AV_PIX_FMT_RGB24;
    rgb_->width = f->width;
    rgb_->height = f->height;
    if (av_frame_get_buffer(rgb_, 0) < 0) return make_error(ErrorCode::kInternal, "", 0, "out of memory for an RGB frame");
  }
  sws_scale(sws_, f->data, f->linesize, 0, f->height, rgb_->data, rgb_->linesize);
  return Ok{};
}

namespace {

// What the png encoder takes as it is (pngenc.c's pix_fmts, less pal8 and monob), and the
// little-endian 16-bit forms it takes after a byte swap.
bool png_native(AVPixelFormat f) {
  switch (f) {
    case AV_PIX_FMT_RGB24: case AV_PIX_FMT_RGBA: case AV_PIX_FMT_RGB48BE: case AV_PIX_FMT_RGBA64BE:
    case AV_PIX_FMT_GRAY8: case AV_PIX_FMT_YA8: case AV_PIX_FMT_GRAY16BE: case AV_PIX_FMT_YA16BE: return true;
    default: return false;
  }
}

AVPixelFormat png_big_endian(AVPixelFormat f) {
  switch (f) {
    case AV_PIX_FMT_RGB48LE: return AV_PIX_FMT_RGB48BE;
    case AV_PIX_FMT_RGBA64LE: return AV_PIX_FMT_RGBA64BE;
    case AV_PIX_FMT_GRAY16LE: return AV_PIX_FMT_GRAY16BE;
    case AV_PIX_FMT_YA16LE: return AV_PIX_FMT_YA16BE;
    default: return AV_PIX_FMT_NONE;
  }
}

bool jpeg_native(AVPixelFormat f) {
  return f == AV_PIX_FMT_YUVJ420P || f == AV_PIX_FMT_YUVJ422P || f == AV_PIX_FMT_YUVJ444P;
}

}  // namespace

// One picture through libavcodec's encoder `id`, set up as the ffmpeg CLI sets it up
// (fftools/ffmpeg.c init_output_stream_encode: size, format and aspect from the frames;
// -q:v: AV_CODEC_FLAG_QSCALE and global_quality; do_video_out: the frame's quality, no
// forced picture type).
Status ImageEncoder::encode_with(AVCodecID id, const AVFrame* f, std::vector<uint8_t>& out) {
  const auto fmt = static_cast<AVPixelFormat>(f->format);
  if (!png_ || png_->width != f->width || png_->height != f->height || png_->pix_fmt != fmt) {
    avcodec_free_context(&png_);
    const AVCodec* codec = avcodec_find_encoder(id);
    if (!codec) return make_error(ErrorCode::kInternal, "", 0, std::string("this libavcodec has no ") + avcodec_get_name(id) + " encoder");
    png_ = avcodec_alloc_context3(codec);
    if (!png_) return make_error(ErrorCode::kInternal, "", 0, "out of memory for an image encoder");
    png_->width = f->width;
    png_->height = f->height;
    png_->pix_fmt = fmt;
    png_->time_base = AVRational{1, 25};
    if (f->sample_aspect_ratio.num > 0) png_->sample_aspect_ratio = f->sample_aspect_ratio;
    if (id == AV_CODEC_ID_MJPEG) {
      png_->flags |= AV_CODEC_FLAG_QSCALE;
      png_->global_quality = FF_QP2LAMBDA * quality_;
      png_->color_range = AVCOL_RANGE_JPEG;
    }
    const int err = avcodec_open2(png_, codec, nullptr);
    if (err < 0) return make_error(ErrorCode::kInternal, "", 0, std::string("cannot open the ") + avcodec_get_name(id) + " encoder: " + av_error_string(err));
  }
  if (!pkt_ && !(pkt_ = av_packet_alloc())) return make_error(ErrorCode::kInternal, "", 0, "out of memory");
  int err = avcodec_send_frame(png_, f);
  if (err >= 0) err = avcodec_receive_packet(png_, pkt_);
  if (err < 0) return make_error(ErrorCode::kInternal, "", 0, std::string(avcodec_get_name(id)) + " encoder: " + av_error_string(err));
  out.assign(pkt_->data, pkt_->data + pkt_->size);
  av_packet_unref(pkt_);
  return Ok{};
}

Status ImageEncoder::encode(const AVFrame* f, std::vector<uint8_t>& out) {
  const auto fmt = static_cast<AVPixelFormat>(f->format);
  if (kind_ == Kind::kJpeg) {
    const AVFrame* src = f;
    AVFrame* made = nullptr;
    if (!jpeg_native(fmt)) {  // (the pipeline's transform makes them; other callers' frames here)
      if (!to_jpeg_) {
        auto t = Transform::for_sink("jpeg");
        if (!t.ok()) return t.error();
        to_jpeg_ = std::move(t.value());
      }
      auto m = to_jpeg_->apply(f);
      if (!m.ok()) return m.error();
      made = *m;
      src = made;
    }
    av_frame_free(&work_);
    work_ = av_frame_clone(src);
    av_frame_free(&made);
    if (!work_) return make_error(ErrorCode::kInternal, "", 0, "out of memory");
    work_->quality = FF_QP2LAMBDA * quality_;
    work_->pict_type = AV_PICTURE_TYPE_NONE;
    return encode_with(AV_CODEC_ID_MJPEG, work_, out);
  }
  if (kind_ == Kind::kPng && png_native(fmt)) return encode_with(AV_CODEC_ID_PNG, f, out);
  if (kind_ == Kind::kPng && png_big_endian(fmt) != AV_PIX_FMT_NONE) {
    // 16-bit little-endian: the same samples, big-endian as PNG stores them.
    av_frame_free(&work_);
    work_ = av_frame_alloc();
    if (!work_) return make_error(ErrorCode::kInternal, "", 0, "out of memory");
    work_->format = png_big_endian(fmt);
    work_->width = f->width;
    work_->height = f->height;
    if (av_frame_get_buffer(work_, 0) < 0 || av_frame_copy_props(work_, f) < 0)
      return make_error(ErrorCode::kInternal, "", 0, "out of memory");
    const size_t row = static_cast<size_t>(av_image_get_linesize(fmt, f->width, 0));
    for (int y = 0; y < f->height; ++y) {
      const uint8_t* s = f->data[0] + static_cast<ptrdiff_t>(y) * f->linesize[0];
      uint8_t* d = work_->data[0] + static_cast<ptrdiff_t>(y) * work_->linesize[0];
      for (size_t i = 0; i + 1 < row; i += 2) d[i] = s[i + 1], d[i + 1] = s[i];
    }
    return encode_with(AV_CODEC_ID_PNG, work_, out);
  }
  MP4KIT_TRY(convert(f));
  out.clear();
  if (kind_ == Kind::kPpm) {
    const std::string header = "P6\n" + std::to_string(f->width) + " " + std::to_string(f->height) + "\n255\n";
    const size_t row = static_cast<size_t>(f->width) * 3;
    out.reserve(header.size() + row * static_cast<size_t>(f->height));
    out.insert(out.end(), header.begin(), header.end());
    for (int y = 0; y < f->height; ++y) {
      const uint8_t* p = rgb_->data[0] + static_cast<ptrdiff_t>(y) * rgb_->linesize[0];
      out.insert(out.end(), p, p + row);
    }
    return Ok{};
  }
  rgb_->sample_aspect_ratio = f->sample_aspect_ratio;
  return encode_with(AV_CODEC_ID_PNG, rgb_, out);
}

}  // namespace mp4kit::output
