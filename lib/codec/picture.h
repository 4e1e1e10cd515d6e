// Still-picture facts for cover art (iTunes 'covr' items): which codec FFmpeg decodes the
// bytes with, and the picture size its decoder reports, read from the image headers alone.
//
// Sources: FFmpeg 5.1 libavformat/mov.c mov_read_covr (declared type, then the PNG
// signature decides between PNG and MJPEG); ITU-T T.81 § B.1.1.3 / B.2.2 (JPEG markers and
// the SOFn frame header), ISO/IEC 15948 § 11.2.2 (PNG IHDR), the BMP file header with
// BITMAPCOREHEADER / BITMAPINFOHEADER (as libavcodec/bmp.c reads it).
//
// Plain bytes in, plain values out: never reads past `size`, never fails (an unreadable
// header gives a 0x0 size). Thread rules: pure functions, no state.
#pragma once

#include <cstdint>

namespace mp4kit::codec {

/// The format a container declares for a picture.
enum class PictureFormat : uint8_t { kJpeg, kPng, kBmp };

struct PictureFacts {
  PictureFormat format = PictureFormat::kJpeg;  ///< after sniffing (see sniff_picture)
  const char* codec_name = "mjpeg";             ///< FFmpeg's codec name: "mjpeg", "png", "bmp"
  uint32_t width = 0, height = 0;               ///< pixels; 0x0 when the header is unreadable
};

/// Settles the format as mov_read_covr does — a declared BMP stays BMP; anything else of 8
/// bytes or more is PNG when it starts with the PNG signature, else JPEG — and reads the
/// size: PNG from IHDR, JPEG from the first SOFn marker segment, BMP from its info header.
PictureFacts sniff_picture(const uint8_t* data, uint64_t size, PictureFormat declared);

}  // namespace mp4kit::codec
