// A decoded frame's *packed* bytes: what FFmpeg's framemd5, rawvideo and PCM outputs see.
//
// Video: the bytes av_image_copy_to_buffer(..., align = 1) produces (what the rawvideo
// encoder hands the framemd5 muxer): each plane's visible rows, no stride padding, the
// palette appended for PAL formats. Audio: interleaved in the decoder's own sample type
// (fltp -> f32le, s16p -> s16le, s32p -> s32le, dblp -> f64le, u8p -> u8): the bytes
// FFmpeg's framemd5 hashes with `-c:a pcm_f32le` (resp. pcm_s16le, ...), i.e. FFmpeg
// converts planar to interleaved but changes no sample value.
//
// Threads: pure functions of the frame (which is only read); any thread.
#pragma once

extern "C" {
#include <libavutil/frame.h>
#include <libavutil/pixdesc.h>
#include <libavutil/imgutils.h>
}

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace mp4kit::decode {

/// Calls fn(pointer, bytes) for the packed video frame in order, coalescing a plane into
/// one call when its rows are contiguous. Returns false (having called nothing) for
/// formats that have no packed layout (hardware frames).
template <typename Fn>
bool for_each_packed_chunk(const AVFrame* f, Fn&& fn) {
  const auto fmt = static_cast<AVPixelFormat>(f->format);
  const AVPixFmtDescriptor* desc = av_pix_fmt_desc_get(fmt);
  if (!desc || (desc->flags & AV_PIX_FMT_FLAG_HWACCEL)) return false;
  const int planes = av_pix_fmt_count_planes(fmt);
  for (int i = 0; i < planes; ++i)
    if (av_image_get_linesize(fmt, f->width, i) <= 0) return false;
  for (int i = 0; i < planes; ++i) {
    const int row = av_image_get_linesize(fmt, f->width, i);
    const int shift = (i == 1 || i == 2) ? desc->log2_chroma_h : 0;
    const int h = (f->height + (1 << shift) - 1) >> shift;
    const uint8_t* src = f->data[i];
    if (f->linesize[i] == row) {
      fn(src, static_cast<size_t>(row) * static_cast<size_t>(h));
    } else {
      for (int y = 0; y < h; ++y) fn(src + static_cast<ptrdiff_t>(y) * f->linesize[i], static_cast<size_t>(row));
    }
  }
  if (desc->flags & AV_PIX_FMT_FLAG_PAL) fn(f->data[1], 256 * 4);
  return true;
}

/// The packed samples of an audio frame, interleaved into `scratch` (or copied as they
/// are when the frame is already interleaved). Returns `scratch`.
const std::vector<uint8_t>& interleave_audio(const AVFrame* frame, std::vector<uint8_t>& scratch);

/// Whether `frame` is a video frame (the writers' rule: it has a width).
inline bool is_video_frame(const AVFrame* frame) { return frame->width > 0; }

/// MD5 of the packed frame, as 32 lowercase hex digits and a NUL in `hex`, and the packed
/// size in bytes (0 for a frame with no packed layout). `scratch` is reused for audio.
void packed_md5(const AVFrame* frame, char hex[33], int64_t& size, std::vector<uint8_t>& scratch);

}  // namespace mp4kit::decode
