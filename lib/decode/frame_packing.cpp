#include "decode/frame_packing.h"

extern "C" {
#include <libavutil/md5.h>
#include <libavutil/mem.h>
#include <libavutil/samplefmt.h>
}

#include <cstring>

namespace mp4kit::decode {

const std::vector<uint8_t>& interleave_audio(const AVFrame* f, std::vector<uint8_t>& scratch) {
  const auto fmt = static_cast<AVSampleFormat>(f->format);
  const int ch = f->ch_layout.nb_channels;
  const int bps = av_get_bytes_per_sample(fmt);
  const size_t n = static_cast<size_t>(f->nb_samples);
  const size_t bytes = n * static_cast<size_t>(ch) * static_cast<size_t>(bps);
  scratch.resize(bytes);
  if (!av_sample_fmt_is_planar(fmt)) {
    if (bytes) std::memcpy(scratch.data(), f->extended_data[0], bytes);
    return scratch;
  }
  uint8_t* dst = scratch.data();
  for (int c = 0; c < ch; ++c) {
    const uint8_t* src = f->extended_data[c];
    uint8_t* d = dst + static_cast<size_t>(c) * bps;
    const size_t stride = static_cast<size_t>(ch) * bps;
    switch (bps) {
      case 1: for (size_t i = 0; i < n; ++i) d[i * stride] = src[i]; break;
      case 2: for (size_t i = 0; i < n; ++i) std::memcpy(d + i * stride, src + i * 2, 2); break;
      case 4: for (size_t i = 0; i < n; ++i) std::memcpy(d + i * stride, src + i * 4, 4); break;
      default: for (size_t i = 0; i < n; ++i) std::memcpy(d + i * stride, src + i * bps, bps); break;
    }
  }
  return scratch;
}

void packed_md5(const AVFrame* f, char hex[33], int64_t& size, std::vector<uint8_t>& scratch) {
  static const char kHex[] = "0123456789abcdef";
  uint8_t digest[16] = {};
  size = 0;
  if (is_video_frame(f)) {
    AVMD5* md5 = av_md5_alloc();
    if (md5) {
      av_md5_init(md5);
      for_each_packed_chunk(f, [&](const uint8_t* p, size_t n) {
        av_md5_update(md5, p, n);
        size += static_cast<int64_t>(n);
      });
      av_md5_final(md5, digest);
      av_free(md5);
    }
  } else {
    const auto& a = interleave_audio(f, scratch);
    av_md5_sum(digest, a.data(), a.size());
    size = static_cast<int64_t>(a.size());
  }
  for (int i = 0; i < 16; ++i) {
    hex[2 * i] = kHex[digest[i] >> 4];
    hex[2 * i + 1] = kHex[digest[i] & 15];
  }
  hex[32] = '\0';
}

}  // namespace mp4kit::decode
