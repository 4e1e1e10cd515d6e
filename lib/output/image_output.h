// Still images of decoded frames: PNG (libavcodec's png encoder), binary PPM (P6, 8-bit
// RGB) and JPEG (libavcodec's mjpeg encoder).
//
// PNG of a frame already in a format the png encoder takes (rgb24, rgba, rgb48be,
// rgba64be, gray, ya8, gray16be, ya16be: what a transform makes, output/transform.h) is
// encoded as it is, as `ffmpeg ... out.png` encodes its filters' output; the little-endian
// 16-bit forms are byte-swapped first (lossless). Any other frame is converted as below.
// JPEG takes yuvj420p/422p/444p frames (the transform makes them); any other frame goes
// through a Transform to the mjpeg encoder's format first. The encoder runs as the ffmpeg
// CLI runs it with -q:v Q: fixed qscale (AV_CODEC_FLAG_QSCALE, global_quality and the
// frame's quality = Q * FF_QP2LAMBDA), picture type left to the encoder.
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
#include <memory>
#include <vector>

#include "mp4kit/error.h"

struct SwsContext;

namespace mp4kit::output {

class Transform;

class ImageEncoder {
 public:
  enum class Kind { kPng, kPpm, kJpeg };
  /// `quality`: jpeg's qscale, 1..31 (FFmpeg's -q:v).
  explicit ImageEncoder(Kind kind, int quality = 2) : kind_(kind), quality_(quality) {}
  ~ImageEncoder();  // out of line: Transform is complete there
  ImageEncoder(const ImageEncoder&) = delete;
  ImageEncoder& operator=(const ImageEncoder&) = delete;

  /// The swscale flags used (documented above), for tests that ask FFmpeg for the same.
  static int sws_flags();

  /// Converts `frame` and encodes it; `out` receives the whole file. Errors: kInternal when
  /// swscale or the encoder cannot be set up for the frame (message names the pixel format).
  Status encode(const AVFrame* frame, std::vector<uint8_t>& out);

 private:
  Status convert(const AVFrame* frame);
  Status encode_with(AVCodecID id, const AVFrame* frame, std::vector<uint8_t>& out);

  Kind kind_;
  int quality_ = 2;
  AVFrame* work_ = nullptr;            // a reference to (or byte-swapped copy of) the frame to encode
  std::unique_ptr<class Transform> to_jpeg_;
  SwsContext* sws_ = nullptr;
  AVFrame* rgb_ = nullptr;
  AVCodecContext* png_ = nullptr;
  AVPacket* pkt_ = nullptr;
};

}  // namespace mp4kit::output
