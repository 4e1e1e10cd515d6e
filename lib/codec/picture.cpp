#include "codec/picture.h"

namespace mp4kit::codec {
namespace {

uint32_t be16(const uint8_t* p) { return (uint32_t(p[0]) << 8) | p[1]; }
uint32_t be32(const uint8_t* p) { return (be16(p) << 16) | be16(p + 2); }
uint32_t le16(const uint8_t* p) { return (uint32_t(p[1]) << 8) | p[0]; }
uint32_t le32(const uint8_t* p) { return (le16(p + 2) << 16) | le16(p); }

constexpr uint64_t kPngSignature = 0x89504E470D0A1A0Aull;

// PNG: the 8-byte signature, then the IHDR chunk (length, "IHDR", width, height, ...).
void png_size(const uint8_t* p, uint64_t n, PictureFacts& out) {
  if (n < 24) return;
  out.width = be32(p + 16);
  out.height = be32(p + 20);
}

// JPEG: after SOI, marker segments FF xx + 16-bit length, up to the first start-of-frame
// (SOF0..SOF15 except DHT C4, JPG C8 and DAC CC), whose header holds P, Y (height), X (width).
void jpeg_size(const uint8_t* p, uint64_t n, PictureFacts& out) {
  uint64_t i = 2;
  while (i + 9 < n) {
    if (p[i] != 0xFF) return;
    const uint8_t m = p[i + 1];
    const uint32_t len = be16(p + i + 2);
    if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC) {
      out.height = be16(p + i + 5);
      out.width = be16(p + i + 7);
      return;
    }
    i += 2 + len;
  }
}

// BMP: "BM" and the rest of the 14-byte file header, then the info header whose first
// field is its own size: BITMAPCOREHEADER (12 bytes) has 16-bit width and height, the
// later ones (40, 56, 64, 108, 124 bytes) 32-bit signed values, a negative height being a
// top-down bitmap of |height| rows. Other header sizes, and sizes av_image_check_size
// refuses, leave FFmpeg's decoder without a size: 0x0 here too.
void bmp_size(const uint8_t* p, uint64_t n, PictureFacts& out) {
  if (n < 22 || p[0] != 'B' || p[1] != 'M') return;
  const uint32_t header_size = le32(p + 14);
  int64_t w = 0, h = 0;
  if (header_size == 12) {
    w = le16(p + 18);
    h = le16(p + 20);
  } else if (header_size == 40 || header_size == 56 || header_size == 64 || header_size == 108 || header_size == 124) {
    if (n < 26) return;
    w = static_cast<int32_t>(le32(p + 18));
    h = static_cast<int32_t>(le32(p + 22));
    if (h < 0) h = -h;
  }
  if (w <= 0 || h <= 0 || (w + 128) * (h + 128) >= INT32_MAX / 8) return;
  out.width = static_cast<uint32_t>(w);
  out.height = static_cast<uint32_t>(h);
}

}  // namespace

PictureFacts sniff_picture(const uint8_t* data, uint64_t size, PictureFormat declared) {
  PictureFacts out;
  out.format = declared;
  if (declared != PictureFormat::kBmp && size >= 8) {
    const uint64_t head = (uint64_t(be32(data)) << 32) | be32(data + 4);
    out.format = head == kPngSignature ? PictureFormat::kPng : PictureFormat::kJpeg;
  }
  switch (out.format) {
    case PictureFormat::kPng: out.codec_name = "png"; png_size(data, size, out); break;
    case PictureFormat::kJpeg: out.codec_name = "mjpeg"; jpeg_size(data, size, out); break;
    case PictureFormat::kBmp: out.codec_name = "bmp"; bmp_size(data, size, out); break;
  }
  return out;
}

}  // namespace mp4kit::codec
