// The transform stage between decoder and sinks (include/mp4kit/decode_abi.h, "transforms"):
// rotation, then one libswscale pass (size and pixel format), then the crop, in the order
// and with the conventions of FFmpeg 5.1's ffmpeg CLI and filters:
//   - rotation: fftools/ffmpeg_filter.c configure_input_video_filter (autorotate) inserts
//     transpose=clock / hflip,vflip / transpose=cclock before the user's filters; the
//     pixel moves are vf_transpose.c / vf_hflip.c / vf_vflip.c's, per plane, done here;
//   - size: libavfilter/scale_eval.c ff_scale_eval_dimensions / ff_scale_adjust_dimensions
//     (0 = input size, -1 keep aspect, -n keep aspect rounded to a multiple of n);
//   - scaling and conversion: vf_scale.c config_props / scale_frame (sws flags = the scaler
//     alone, the ffmpeg CLI's default "flags=bicubic" from cmdutils.c init_opts; source
//     matrix and range from each frame via sws_setColorspaceDetails; passthrough when size
//     and format do not change);
//   - crop: vf_crop.c (centred x = lrint((in_w - out_w) / 2), offsets and sizes rounded
//     down to the chroma grid of the output format).
//
// Threads: one thread at a time per Transform. Frames it returns are independent of it.
#pragma once

extern "C" {
#include <libavutil/frame.h>
#include <libavutil/pixfmt.h>
}

#include <memory>
#include <string>

#include "mp4kit/decode_abi.h"
#include "mp4kit/error.h"

struct SwsContext;

namespace mp4kit::output {

/// The largest output side (each of width and height), pixels: a documented limit
/// (README "Transforms"), far above any video and small enough that a frame fits memory.
inline constexpr int kMaxTransformSide = 16384;

/// vf_scale's size rule (scale_eval.c): the scaled size of an in_w x in_h frame for the
/// requested w, h (0 = input, -1 = keep aspect, -n = keep aspect and a multiple of n) or
/// max_side (> 0). Errors: kUsage naming the valid range.
Result<std::pair<int, int>> scaled_size(int in_w, int in_h, int w, int h, int max_side);

/// A pixel format by FFmpeg name; AV_PIX_FMT_NONE when unknown or not one swscale writes.
AVPixelFormat writable_pix_fmt(const std::string& name);

/// Whether a .npy array can hold frames of `f` as they are: one plane of packed 8- or
/// 16-bit integer components (gray, rgb24, bgr24, rgba, gray16le, rgb48le, ...).
bool npy_holds(AVPixelFormat f);

class Transform {
 public:
  /// Checks names and geometry (settings.input_width/height when known). Errors: kUsage.
  static Result<Transform*> open(const mp4kit_transform_settings& settings);
  /// The plain conversion a sink needs for frames it cannot hold as they are: no size
  /// change, no rotation, the pixel format `sink_format` ("jpeg", "npy") picks.
  static Result<std::unique_ptr<Transform>> for_sink(const char* sink_format);
  ~Transform();
  Transform(const Transform&) = delete;
  Transform& operator=(const Transform&) = delete;

  /// The transformed frame (a new AVFrame the caller frees). Errors: kUsage (geometry or
  /// pixel format does not fit the frame), kInternal (out of memory, swscale refused).
  Result<AVFrame*> apply(const AVFrame* in);
  void info(mp4kit_transform_info& out) const;

 private:
  Transform() = default;
  Status configure(int w, int h, AVPixelFormat src);   // geometry for this input
  Result<AVFrame*> rotate(const AVFrame* in);          // a new frame, rotated
  Result<AVFrame*> scale(const AVFrame* in, int w, int h);  // a new frame, scaled / converted to w x h, out_fmt_
  // A new frame of the same size in pixel format `fmt`, through `ctx` (created on first use) with `flags`.
  Result<AVFrame*> convert(const AVFrame* in, int w, int h, AVPixelFormat fmt, SwsContext*& ctx, int flags);
  Status crop(AVFrame* f) const;                       // in place: pointers and size

  // settings
  int req_w_ = 0, req_h_ = 0, max_side_ = 0;
  int crop_w_ = 0, crop_h_ = 0, crop_x_ = -1, crop_y_ = -1;
  int rotation_ = 0;
  int sws_flag_ = 0;
  std::string scaler_ = "bicubic";
  AVPixelFormat want_fmt_ = AV_PIX_FMT_NONE;  // given --pix-fmt, or NONE
  std::string sink_format_;
  // geometry for the current input
  int in_w_ = 0, in_h_ = 0;
  AVPixelFormat in_fmt_ = AV_PIX_FMT_NONE, out_fmt_ = AV_PIX_FMT_NONE;
  int rot_w_ = 0, rot_h_ = 0, scaled_w_ = 0, scaled_h_ = 0, x_ = 0, y_ = 0, out_w_ = 0, out_h_ = 0;
  bool converts_ = false;
  bool convert_first_ = false;  // pixel format converted before the rotation (see configure)
  // A 90/270 rotation of a format transpose cannot take (uneven chroma subsampling, 4:2:2):
  // the format ffmpeg's auto-inserted scale converts to before it (see configure), else NONE.
  AVPixelFormat pre_fmt_ = AV_PIX_FMT_NONE;
  SwsContext* pre_sws_ = nullptr;
  std::string warning_;
  SwsContext* sws_ = nullptr;
};

}  // namespace mp4kit::output
