// Still images of decoded frames: PNG (libavcodec's png encoder) and binary PPM (P6), both
// 8-bit RGB.
//
// Conversion: libswscale to RGB24 at the frame's own size, with the frame's colour range
// (limited/full) and matrix as FFmpeg 5.1's scale filter reads them (vf_scale.c,
// parse_yuv_type: the frame's colorspace when it is one swscale knows, else BT.601), and
// flags bicubic + accurate_rnd + full_chroma_int + full_chroma_inp (full-resolution chroma
// interpolation, exact rounding). The same bytes come out of `ffmpeg -i F ... -sws_flags
// bicubic+accurate_rnd+full_chroma_int+full_chroma_inp -pix_fmt rgb24` (tests/decode/seek_test.cpp).
// Deeper formats (10-bit) are reduced to 8 bits per channel.
//
// Threads: one thread per ImageEncoder.
#pragma once

extern "C" {
#include <libavcodec/avcodec.h>
}

#include <cstdint>
#include <vector>

#include "mp4kit/error.h"

struct SwsContext;

namespace mp4kit::output {

class ImageEncoder {
 public:
  enum class Kind { kPng, kPpm };
  explicit ImageEncoder(Kind kind) : kind_(kind) {}
  ~ImageEncoder();
  ImageEncoder(const ImageEncoder&) = delete;
  ImageEncoder& operator=(const ImageEncoder&) = delete;

  /// The swscale flags used (documented above), for tests that ask FFmpeg for the same.
  static int sws_flags();

  /// Converts `frame` and encodes it; `out` receives the whole file. Errors: kInternal when
  /// swscale or the encoder cannot be set up for the frame (message names the pixel format).
  Status encode(const AVFrame* frame, std::vector<uint8_t>& out);

 private:
  Status convert(const AVFrame* frame);

  Kind kind_;
  SwsContext* sws_ = nullptr;
  AVFrame* rgb_ = nullptr;
  AVCodecContext* png_ = nullptr;
  AVPacket* pkt_ = nullptr;
};

}  // namespace mp4kit::output
