#include "output/image_output.h"

extern "C" {
#include <libavutil/imgutils.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>
}

#include <cstring>
#include <string>

#include "decode/av_error.h"

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

Status ImageEncoder::encode(const AVFrame* f, std::vector<uint8_t>& out) {
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
  if (!png_ || png_->width != f->width || png_->height != f->height) {
    avcodec_free_context(&png_);
    const AVCodec* codec = avcodec_find_encoder(AV_CODEC_ID_PNG);
    if (!codec) return make_error(ErrorCode::kInternal, "", 0, "this libavcodec has no PNG encoder");
    png_ = avcodec_alloc_context3(codec);
    if (!png_) return make_error(ErrorCode::kInternal, "", 0, "out of memory for the PNG encoder");
    png_->width = f->width;
    png_->height = f->height;
    png_->pix_fmt = AV_PIX_FMT_RGB24;
    png_->time_base = AVRational{1, 25};
    if (f->sample_aspect_ratio.num > 0) png_->sample_aspect_ratio = f->sample_aspect_ratio;
    const int err = avcodec_open2(png_, codec, nullptr);
    if (err < 0) return make_error(ErrorCode::kInternal, "", 0, "cannot open the PNG encoder: " + av_error_string(err));
  }
  if (!pkt_ && !(pkt_ = av_packet_alloc())) return make_error(ErrorCode::kInternal, "", 0, "out of memory");
  int err = avcodec_send_frame(png_, rgb_);
  if (err >= 0) err = avcodec_receive_packet(png_, pkt_);
  if (err < 0) return make_error(ErrorCode::kInternal, "", 0, "PNG encoder: " + av_error_string(err));
  out.assign(pkt_->data, pkt_->data + pkt_->size);
  av_packet_unref(pkt_);
  return Ok{};
}

}  // namespace mp4kit::output
