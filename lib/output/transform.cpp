#include "output/transform.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/imgutils.h>
#include <libavutil/mathematics.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>
}

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

namespace mp4kit::output {
namespace {

struct ScalerName {
  const char* name;
  int flag;
};
// libswscale's own names for its algorithms (options.c "sws_flags").
constexpr ScalerName kScalers[] = {
    {"bicubic", SWS_BICUBIC}, {"bilinear", SWS_BILINEAR}, {"fast_bilinear", SWS_FAST_BILINEAR}, {"neighbor", SWS_POINT},
    {"area", SWS_AREA},       {"bicublin", SWS_BICUBLIN}, {"gauss", SWS_GAUSS},                  {"sinc", SWS_SINC},
    {"lanczos", SWS_LANCZOS}, {"spline", SWS_SPLINE},     {"experimental", SWS_X}};

std::string scaler_list() {
  std::string s;
  for (const auto& n : kScalers) s += (s.empty() ? "" : ", ") + std::string(n.name);
  return s;
}

// The common pixel formats, for the message that lists what is valid (every format
// swscale writes is accepted; `ffmpeg -pix_fmts` lists them all, column O).
constexpr const char* kCommonFormats =
    "rgb24, bgr24, rgba, bgra, gray, gray16le, rgb48le, rgba64le, yuv420p, yuv422p, yuv444p, nv12, yuvj420p, "
    "yuv420p10le (any FFmpeg format swscale writes: ffmpeg -pix_fmts, column O)";

// The formats each sink format holds, in the order ffmpeg's encoders list them: png and
// mjpeg as FFmpeg 5.1's encoders declare (pngenc.c; mjpegenc.c with the ffmpeg CLI's
// normal compliance, which keeps the full-range J formats); npy: packed gray / RGB of 8 or
// 16 bits, one array cell per component.
const std::vector<AVPixelFormat>& sink_formats(const std::string& sink) {
  static const std::vector<AVPixelFormat> png = {AV_PIX_FMT_RGB24,    AV_PIX_FMT_RGBA,  AV_PIX_FMT_RGB48BE, AV_PIX_FMT_RGBA64BE,
                                                 AV_PIX_FMT_GRAY8,    AV_PIX_FMT_YA8,   AV_PIX_FMT_GRAY16BE, AV_PIX_FMT_YA16BE};
  static const std::vector<AVPixelFormat> jpeg = {AV_PIX_FMT_YUVJ420P, AV_PIX_FMT_YUVJ422P, AV_PIX_FMT_YUVJ444P};
  static const std::vector<AVPixelFormat> npy = {AV_PIX_FMT_RGB24,   AV_PIX_FMT_RGB48LE, AV_PIX_FMT_GRAY8,   AV_PIX_FMT_GRAY16LE,
                                                 AV_PIX_FMT_RGBA,    AV_PIX_FMT_RGBA64LE};
  static const std::vector<AVPixelFormat> ppm = {AV_PIX_FMT_RGB24};
  static const std::vector<AVPixelFormat> none;
  if (sink == "png") return png;
  if (sink == "jpeg") return jpeg;
  if (sink == "npy") return npy;
  if (sink == "ppm") return ppm;
  return none;
}

std::string format_names(const std::vector<AVPixelFormat>& v) {
  std::string s;
  for (AVPixelFormat f : v) s += (s.empty() ? "" : ", ") + std::string(av_get_pix_fmt_name(f));
  return s;
}

const char* fmt_name(AVPixelFormat f) {
  const char* n = av_get_pix_fmt_name(f);
  return n ? n : "unknown";
}

}  // namespace

// npy also takes any packed format of 8/16-bit components in one plane (bgr24, rgb48be...).
bool npy_holds(AVPixelFormat f) {
  const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(f);
  if (!d || (d->flags & (AV_PIX_FMT_FLAG_PAL | AV_PIX_FMT_FLAG_BITSTREAM | AV_PIX_FMT_FLAG_HWACCEL | AV_PIX_FMT_FLAG_FLOAT)))
    return false;
  if (av_pix_fmt_count_planes(f) != 1) return false;
  const int depth = d->comp[0].depth;
  if (depth != 8 && depth != 16) return false;
  for (int c = 0; c < d->nb_components; ++c)
    if (d->comp[c].depth != depth || d->comp[c].shift != 0 || d->comp[c].step != d->nb_components * (depth / 8)) return false;
  return true;
}

namespace {

bool sink_holds(const std::string& sink, AVPixelFormat f) {
  if (sink == "npy") return npy_holds(f);
  if (sink == "png") {
    // the little-endian 16-bit forms are byte-swapped losslessly by the png sink
    if (f == AV_PIX_FMT_RGB48LE || f == AV_PIX_FMT_RGBA64LE || f == AV_PIX_FMT_GRAY16LE || f == AV_PIX_FMT_YA16LE) return true;
  }
  const auto& v = sink_formats(sink);
  if (v.empty()) return true;
  for (AVPixelFormat g : v)
    if (g == f) return true;
  return false;
}

int depth_of(AVPixelFormat f) {
  const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(f);
  return d ? d->comp[0].depth : 0;
}

// vf_scale.c parse_yuv_type("auto", colorspace) (FFmpeg 5.1): the frame's matrix when
// swscale has coefficients for it, else BT.601.
const int* coefficients_of(AVColorSpace cs) {
  int c = static_cast<int>(cs);
  if (c < 1 || c > 10 || c == 8) c = AVCOL_SPC_BT470BG;
  return sws_getCoefficients(c);
}

// vf_transpose.c query_formats (FFmpeg 5.1): every format but palette, bitstream and
// hardware ones, and those whose chroma is subsampled differently across and down.
bool transposable(AVPixelFormat f) {
  const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(f);
  return d && !(d->flags & (AV_PIX_FMT_FLAG_PAL | AV_PIX_FMT_FLAG_HWACCEL | AV_PIX_FMT_FLAG_BITSTREAM)) &&
         d->log2_chroma_w == d->log2_chroma_h;
}

// The formats an auto-inserted scale filter may hand transpose, in pixel format order:
// vf_scale.c query_formats' outputs (swscale's outputs, pal8, the endianness
// conversions) that transpose takes.
const std::vector<AVPixelFormat>& transpose_inputs() {
  static const std::vector<AVPixelFormat> list = [] {
    std::vector<AVPixelFormat> v;
    for (const AVPixFmtDescriptor* d = av_pix_fmt_desc_next(nullptr); d; d = av_pix_fmt_desc_next(d)) {
      const AVPixelFormat f = av_pix_fmt_desc_get_id(d);
      if ((sws_isSupportedOutput(f) || f == AV_PIX_FMT_PAL8 || sws_isSupportedEndiannessConversion(f)) && transposable(f))
        v.push_back(f);
    }
    return v;
  }();
  return list;
}

// avfiltergraph.c pick_format: of `candidates` (in order), the one av_find_best_pix_fmt_of_2
// loses least to from `src`.
AVPixelFormat best_of(const std::vector<AVPixelFormat>& candidates, AVPixelFormat src) {
  const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(src);
  const int alpha = d && (d->flags & AV_PIX_FMT_FLAG_ALPHA) ? 1 : 0;
  AVPixelFormat best = AV_PIX_FMT_NONE;
  for (AVPixelFormat f : candidates) best = av_find_best_pix_fmt_of_2(best, f, src, alpha, nullptr);
  return best;
}

const char* rotation_filters(int r) {
  switch (r) {
    case 90: return "transpose=clock";
    case 180: return "hflip,vflip";
    case 270: return "transpose=cclock";
    default: return "";
  }
}

}  // namespace

Result<std::pair<int, int>> scaled_size(int in_w, int in_h, int w, int h, int max_side) {
  if (in_w <= 0 || in_h <= 0) return make_error(ErrorCode::kUsage, "", 0, "the frame has no size");
  if (max_side > 0) {
    // The longer side becomes max_side when it is longer; the other keeps the aspect (-1).
    if (std::max(in_w, in_h) <= max_side) return std::pair{in_w, in_h};
    if (in_w >= in_h) w = max_side, h = -1;
    else w = -1, h = max_side;
  }
  // scale_eval.c ff_scale_eval_dimensions: 0 means the input's size; -n keeps the aspect
  // ratio, rounded to a multiple of n (av_rescale: to nearest) ...
  if (w == 0) w = in_w;
  if (h == 0) h = in_h;
  const int factor_w = w < -1 ? -w : 1, factor_h = h < -1 ? -h : 1;
  if (w < 0 && h < 0) w = in_w, h = in_h;  // ... both negative: the input's size
  int64_t ow = w, oh = h;
  if (w < 0) ow = av_rescale(h, in_w, int64_t(in_h) * factor_w) * factor_w;
  if (h < 0) oh = av_rescale(w, in_h, int64_t(in_w) * factor_h) * factor_h;
  if (ow <= 0 || oh <= 0 || ow > kMaxTransformSide || oh > kMaxTransformSide)
    return make_error(ErrorCode::kUsage, "", 0,
                      fmt::format("size {}x{} (from {}x{}) is out of range: each side 1..{} pixels", ow, oh, in_w, in_h,
                                  kMaxTransformSide));
  return std::pair{static_cast<int>(ow), static_cast<int>(oh)};
}

AVPixelFormat writable_pix_fmt(const std::string& name) {
  const AVPixelFormat f = av_get_pix_fmt(name.c_str());
  if (f == AV_PIX_FMT_NONE || !sws_isSupportedOutput(f)) return AV_PIX_FMT_NONE;
  return f;
}

Result<Transform*> Transform::open(const mp4kit_transform_settings& s) {
  if (s.struct_size < sizeof(mp4kit_transform_settings))
    return make_error(ErrorCode::kUsage, "", 0, "mp4kit_transform_settings.struct_size is too small (fill it with transform_default_settings)");
  std::unique_ptr<Transform> t(new Transform);
  t->req_w_ = s.width, t->req_h_ = s.height, t->max_side_ = s.max_side;
  if (s.max_side < 0 || s.max_side > kMaxTransformSide)
    return make_error(ErrorCode::kUsage, "", 0, fmt::format("--max-side {} is out of range: 1..{}", s.max_side, kMaxTransformSide));
  if (s.max_side > 0 && (s.width || s.height)) return make_error(ErrorCode::kUsage, "", 0, "--max-side and --size cannot be combined");
  for (int v : {s.width, s.height})
    if (v < -kMaxTransformSide || v > kMaxTransformSide)
      return make_error(ErrorCode::kUsage, "", 0,
                        fmt::format("size {}x{} is out of range: each side 1..{}, or 0 (input), -1 (keep aspect), -2 (keep aspect, even)",
                                    s.width, s.height, kMaxTransformSide));
  if (s.crop_width < 0 || s.crop_height < 0 || s.crop_width > kMaxTransformSide || s.crop_height > kMaxTransformSide ||
      (s.crop_width == 0) != (s.crop_height == 0) || s.crop_x < -1 || s.crop_y < -1)
    return make_error(ErrorCode::kUsage, "", 0,
                      fmt::format("crop {}x{}+{}+{} is invalid: WxH (centred) or WxH+X+Y with W, H 1..{} and X, Y >= 0",
                                  s.crop_width, s.crop_height, s.crop_x, s.crop_y, kMaxTransformSide));
  t->crop_w_ = s.crop_width, t->crop_h_ = s.crop_height, t->crop_x_ = s.crop_x, t->crop_y_ = s.crop_y;
  if (s.rotation != 0 && s.rotation != 90 && s.rotation != 180 && s.rotation != 270)
    return make_error(ErrorCode::kUsage, "", 0, fmt::format("rotation {} is invalid: 0, 90, 180 or 270", s.rotation));
  t->rotation_ = s.rotation;
  t->scaler_ = s.scaler && *s.scaler ? s.scaler : "bicubic";
  t->sws_flag_ = 0;
  for (const auto& n : kScalers)
    if (t->scaler_ == n.name) t->sws_flag_ = n.flag;
  if (!t->sws_flag_) return make_error(ErrorCode::kUsage, "", 0, "unknown scaler '" + t->scaler_ + "': " + scaler_list());
  t->sink_format_ = s.sink_format ? s.sink_format : "";
  if (s.pix_fmt && *s.pix_fmt) {
    t->want_fmt_ = writable_pix_fmt(s.pix_fmt);
    if (t->want_fmt_ == AV_PIX_FMT_NONE)
      return make_error(ErrorCode::kUsage, "", 0, std::string("unknown pixel format '") + s.pix_fmt + "': " + kCommonFormats);
    if (!sink_holds(t->sink_format_, t->want_fmt_))
      return make_error(ErrorCode::kUsage, "", 0,
                        fmt::format("--format {} cannot hold pixel format {}: {}", t->sink_format_, s.pix_fmt,
                                    t->sink_format_ == "npy" ? "packed gray/RGB(A) of 8 or 16 bits (gray, gray16le, rgb24, bgr24, rgba, rgb48le, ...)"
                                                             : format_names(sink_formats(t->sink_format_))));
  }
  if (s.input_width > 0 && s.input_height > 0) {
    // The geometry check before any frame: the pixel format is not known yet (yuv420p
    // stands in for the chroma grid; the first frame checks again).
    MP4KIT_TRY(t->configure(s.input_width, s.input_height, AV_PIX_FMT_NONE));
  }
  return t.release();
}

Result<std::unique_ptr<Transform>> Transform::for_sink(const char* sink_format) {
  mp4kit_transform_settings ts{};
  ts.struct_size = sizeof ts;
  ts.crop_x = ts.crop_y = -1;
  ts.sink_format = sink_format;
  auto t = open(ts);
  if (!t.ok()) return t.error();
  return std::unique_ptr<Transform>(*t);
}

Transform::~Transform() {
  sws_freeContext(sws_);
  sws_freeContext(pre_sws_);
}

Status Transform::configure(int w, int h, AVPixelFormat src) {
  in_w_ = w, in_h_ = h, in_fmt_ = src;
  const bool transpose = rotation_ == 90 || rotation_ == 270;
  rot_w_ = transpose ? h : w;
  rot_h_ = transpose ? w : h;
  auto size = scaled_size(rot_w_, rot_h_, req_w_, req_h_, max_side_);
  if (!size.ok()) return size.error();
  scaled_w_ = size->first, scaled_h_ = size->second;
  // transpose takes no 4:2:2 (nor 4:1:1, 4:4:0): ffmpeg's format negotiation puts a scale
  // before it, at the stored size, whose output format avfiltergraph.c pick_format chooses
  // among transpose's formats: those the next stage takes when the formats meet there (no
  // scale filter of ours in between: the sink's list, or `format=P` when P is transposable;
  // measured with ffmpeg 5.1 -loglevel debug: png rgb24, jpeg yuvj444p, rawvideo and a
  // following scale yuv444p, format=yuv422p yuv444p and then yuv422p after the transpose),
  // else any of them. The rest of the chain then starts from that format.
  pre_fmt_ = AV_PIX_FMT_NONE;
  AVPixelFormat from = src;
  if (src != AV_PIX_FMT_NONE && transpose && !transposable(src)) {
    const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(src);
    if (!d || (d->flags & (AV_PIX_FMT_FLAG_PAL | AV_PIX_FMT_FLAG_BITSTREAM | AV_PIX_FMT_FLAG_HWACCEL)))
      return make_error(ErrorCode::kUsage, "", 0,
                        fmt::format("cannot rotate {} by {} degrees (as FFmpeg's transpose cannot); use --no-autorotate",
                                    fmt_name(src), rotation_));
    std::vector<AVPixelFormat> meet;
    const bool scale_filter = req_w_ != 0 || req_h_ != 0 || max_side_ > 0;
    if (!scale_filter) {  // the encoder's own list (sink_formats), as ffmpeg negotiates with it
      const auto& list = sink_formats(sink_format_);
      for (AVPixelFormat f : transpose_inputs())
        if (want_fmt_ != AV_PIX_FMT_NONE ? f == want_fmt_ : std::find(list.begin(), list.end(), f) != list.end())
          meet.push_back(f);
    }
    pre_fmt_ = best_of(meet.empty() ? transpose_inputs() : meet, src);
    if (pre_fmt_ == AV_PIX_FMT_NONE)
      return make_error(ErrorCode::kInternal, "", 0, fmt::format("no pixel format to rotate {} in", fmt_name(src)));
    from = pre_fmt_;
  }
  // The output format: the one asked for; else what the sink takes, chosen as ffmpeg
  // chooses an encoder's (avcodec_find_best_pix_fmt_of_list: the least loss); else the input's.
  out_fmt_ = want_fmt_;
  warning_.clear();
  if (src != AV_PIX_FMT_NONE) {
    const auto& list = sink_formats(sink_format_);
    if (out_fmt_ == AV_PIX_FMT_NONE && !list.empty()) {
      if (sink_holds(sink_format_, from)) out_fmt_ = from;
      else {
        std::vector<AVPixelFormat> l = list;
        l.push_back(AV_PIX_FMT_NONE);
        const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(from);
        const int alpha = d && (d->flags & AV_PIX_FMT_FLAG_ALPHA) ? 1 : 0;
        out_fmt_ = avcodec_find_best_pix_fmt_of_list(l.data(), from, alpha, nullptr);
      }
    }
    if (out_fmt_ == AV_PIX_FMT_NONE) out_fmt_ = from;
    if (want_fmt_ == AV_PIX_FMT_NONE && depth_of(out_fmt_) < depth_of(src))
      warning_ = fmt::format("{}-bit {} converted to {}-bit {}{}", depth_of(src), fmt_name(src), depth_of(out_fmt_),
                             fmt_name(out_fmt_), sink_format_.empty() ? "" : " (what --format " + sink_format_ + " holds)");
  }
  converts_ = src != AV_PIX_FMT_NONE && (scaled_w_ != rot_w_ || scaled_h_ != rot_h_ || out_fmt_ != from);
  // vf_crop.c: sizes, then offsets, on the chroma grid of the (output) format; centred by
  // default, lrint((in - out) / 2); moved inside the frame.
  out_w_ = scaled_w_, out_h_ = scaled_h_, x_ = 0, y_ = 0;
  if (crop_w_ > 0) {
    const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(out_fmt_ == AV_PIX_FMT_NONE ? AV_PIX_FMT_YUV420P : out_fmt_);
    const int hsub = d ? d->log2_chroma_w : 0, vsub = d ? d->log2_chroma_h : 0;
    if (crop_w_ > scaled_w_ || crop_h_ > scaled_h_)
      return make_error(ErrorCode::kUsage, "", 0,
                        fmt::format("crop {}x{} is larger than the {}frame, {}x{}: W at most {}, H at most {}", crop_w_, crop_h_,
                                    converts_ || req_w_ || req_h_ || max_side_ ? "scaled " : "", scaled_w_, scaled_h_, scaled_w_,
                                    scaled_h_));
    int cw = crop_w_ & ~((1 << hsub) - 1), ch = crop_h_ & ~((1 << vsub) - 1);
    if (cw <= 0 || ch <= 0)
      return make_error(ErrorCode::kUsage, "", 0, fmt::format("crop {}x{} is too small for {}'s chroma grid", crop_w_, crop_h_, fmt_name(out_fmt_)));
    int x = crop_x_ >= 0 ? crop_x_ : static_cast<int>(std::lrint((scaled_w_ - cw) / 2.0));
    int y = crop_y_ >= 0 ? crop_y_ : static_cast<int>(std::lrint((scaled_h_ - ch) / 2.0));
    if (x + cw > scaled_w_) x = scaled_w_ - cw;
    if (y + ch > scaled_h_) y = scaled_h_ - ch;
    if (crop_x_ >= 0 && crop_x_ + crop_w_ > scaled_w_)
      return make_error(ErrorCode::kUsage, "", 0,
                        fmt::format("crop {}x{}+{}+{} does not fit the {}x{} frame: X + W at most {}", crop_w_, crop_h_, crop_x_,
                                    crop_y_, scaled_w_, scaled_h_, scaled_w_));
    if (crop_y_ >= 0 && crop_y_ + crop_h_ > scaled_h_)
      return make_error(ErrorCode::kUsage, "", 0,
                        fmt::format("crop {}x{}+{}+{} does not fit the {}x{} frame: Y + H at most {}", crop_w_, crop_h_, crop_x_,
                                    crop_y_, scaled_w_, scaled_h_, scaled_h_));
    x_ = x & ~((1 << hsub) - 1);
    y_ = y & ~((1 << vsub) - 1);
    out_w_ = cw, out_h_ = ch;
  }
  // Nothing resized and one pixel format asked for (--pix-fmt, ffmpeg's `-vf format=P`):
  // the rotation filters (transpose, hflip, vflip) keep their format, and ffmpeg's format
  // negotiation puts the conversion to P before them, at the stored size, so the rotation
  // moves converted pixels (a dithered 10 -> 8 bit conversion depends on where each pixel
  // is). Measured against ffmpeg 5.1: an encoder's list of formats (png, jpeg, chosen
  // here when --pix-fmt is absent) gets its conversion after the rotation instead, as does
  // a resize (the user's scale filter comes after the rotation).
  convert_first_ = false;
  if (pre_fmt_ == AV_PIX_FMT_NONE && rotation_ && converts_ && want_fmt_ != AV_PIX_FMT_NONE && scaled_w_ == rot_w_ &&
      scaled_h_ == rot_h_) {
    const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(out_fmt_);
    // (vf_hflip.c takes uneven chroma when it is planar, transpose never)
    const bool uneven = d && d->log2_chroma_w != d->log2_chroma_h;
    convert_first_ = d && (!uneven || (!transpose && d->comp[0].plane != d->comp[1].plane)) &&
                     !(d->flags & (AV_PIX_FMT_FLAG_PAL | AV_PIX_FMT_FLAG_BITSTREAM | AV_PIX_FMT_FLAG_HWACCEL));
  }
  if (sws_) sws_freeContext(sws_), sws_ = nullptr;
  if (pre_sws_) sws_freeContext(pre_sws_), pre_sws_ = nullptr;
  return Ok{};
}

Result<AVFrame*> Transform::rotate(const AVFrame* in) {
  AVFrame* out = av_frame_alloc();
  if (!out) return make_error(ErrorCode::kInternal, "", 0, "out of memory for a rotated frame");
  out->format = in->format;
  out->width = rot_w_;
  out->height = rot_h_;
  if (av_frame_get_buffer(out, 0) < 0 || av_frame_copy_props(out, in) < 0) {
    av_frame_free(&out);
    return make_error(ErrorCode::kInternal, "", 0, "out of memory for a rotated frame");
  }
  // vf_transpose.c: the pixel aspect turns with the picture.
  if ((rotation_ == 90 || rotation_ == 270) && in->sample_aspect_ratio.num)
    out->sample_aspect_ratio = AVRational{in->sample_aspect_ratio.den, in->sample_aspect_ratio.num};
  const auto fmt = static_cast<AVPixelFormat>(in->format);
  const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(fmt);
  int step[4] = {};
  av_image_fill_max_pixsteps(step, nullptr, d);
  const int planes = av_pix_fmt_count_planes(fmt);
  for (int p = 0; p < planes; ++p) {
    const bool chroma = (p == 1 || p == 2) && !(d->flags & AV_PIX_FMT_FLAG_RGB);
    const int iw = chroma ? AV_CEIL_RSHIFT(in->width, d->log2_chroma_w) : in->width;
    const int ih = chroma ? AV_CEIL_RSHIFT(in->height, d->log2_chroma_h) : in->height;
    const int ow = chroma ? AV_CEIL_RSHIFT(out->width, d->log2_chroma_w) : out->width;
    const int oh = chroma ? AV_CEIL_RSHIFT(out->height, d->log2_chroma_h) : out->height;
    const int n = step[p];
    const uint8_t* src = in->data[p];
    const ptrdiff_t sl = in->linesize[p];
    for (int oy = 0; oy < oh; ++oy) {
      uint8_t* dst = out->data[p] + static_cast<ptrdiff_t>(oy) * out->linesize[p];
      if (rotation_ == 180) {
        const uint8_t* row = src + static_cast<ptrdiff_t>(ih - 1 - oy) * sl;
        for (int ox = 0; ox < ow; ++ox) std::memcpy(dst + ox * n, row + (iw - 1 - ox) * n, n);
      } else if (rotation_ == 90) {  // out(ox, oy) = in(oy, ih - 1 - ox)
        for (int ox = 0; ox < ow; ++ox) std::memcpy(dst + ox * n, src + static_cast<ptrdiff_t>(ih - 1 - ox) * sl + oy * n, n);
      } else {                        // 270: out(ox, oy) = in(iw - 1 - oy, ox)
        for (int ox = 0; ox < ow; ++ox) std::memcpy(dst + ox * n, src + static_cast<ptrdiff_t>(ox) * sl + (iw - 1 - oy) * n, n);
      }
    }
  }
  return out;
}

Result<AVFrame*> Transform::scale(const AVFrame* in, int w, int h) { return convert(in, w, h, out_fmt_, sws_, sws_flag_); }

Result<AVFrame*> Transform::convert(const AVFrame* in, int w, int h, AVPixelFormat fmt, SwsContext*& ctx, int flags) {
  const auto src = static_cast<AVPixelFormat>(in->format);
  if (!ctx) {
    ctx = sws_getContext(in->width, in->height, src, w, h, fmt, flags, nullptr, nullptr, nullptr);
    if (!ctx)
      return make_error(ErrorCode::kUsage, "", 0,
                        fmt::format("libswscale cannot convert {} {}x{} to {} {}x{}", fmt_name(src), in->width, in->height,
                                    fmt_name(fmt), w, h));
  }
  // vf_scale.c scale_frame: the matrix from the frame ("auto"), the same for the output;
  // the source range from the frame when it says one; the rest as the context has them.
  int *inv_table = nullptr, *table = nullptr, in_full = 0, out_full = 0, brightness = 0, contrast = 0, saturation = 0;
  sws_getColorspaceDetails(ctx, &inv_table, &in_full, &table, &out_full, &brightness, &contrast, &saturation);
  const int* matrix = coefficients_of(in->colorspace);
  if (in->color_range != AVCOL_RANGE_UNSPECIFIED) in_full = in->color_range == AVCOL_RANGE_JPEG;
  sws_setColorspaceDetails(ctx, matrix, in_full, matrix, out_full, brightness, contrast, saturation);
  AVFrame* out = av_frame_alloc();
  if (!out) return make_error(ErrorCode::kInternal, "", 0, "out of memory for a scaled frame");
  out->format = fmt;
  out->width = w;
  out->height = h;
  if (av_frame_get_buffer(out, 0) < 0 || av_frame_copy_props(out, in) < 0) {
    av_frame_free(&out);
    return make_error(ErrorCode::kInternal, "", 0, "out of memory for a scaled frame");
  }
  out->color_range = out_full ? AVCOL_RANGE_JPEG : AVCOL_RANGE_MPEG;
  if (in->sample_aspect_ratio.num)  // vf_scale.c: the aspect that keeps the picture's shape
    av_reduce(&out->sample_aspect_ratio.num, &out->sample_aspect_ratio.den,
              int64_t(in->sample_aspect_ratio.num) * h * in->width,
              int64_t(in->sample_aspect_ratio.den) * w * in->height, INT32_MAX);
  sws_scale(ctx, in->data, in->linesize, 0, in->height, out->data, out->linesize);
  return out;
}

Status Transform::crop(AVFrame* f) const {
  if (crop_w_ <= 0) return Ok{};
  const auto fmt = static_cast<AVPixelFormat>(f->format);
  const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(fmt);
  int step[4] = {};
  av_image_fill_max_pixsteps(step, nullptr, d);
  for (int p = 0; p < av_pix_fmt_count_planes(fmt); ++p) {
    const bool chroma = (p == 1 || p == 2) && !(d->flags & AV_PIX_FMT_FLAG_RGB);
    const int x = chroma ? x_ >> d->log2_chroma_w : x_, y = chroma ? y_ >> d->log2_chroma_h : y_;
    f->data[p] += static_cast<ptrdiff_t>(y) * f->linesize[p] + static_cast<ptrdiff_t>(x) * step[p];
  }
  f->width = out_w_;
  f->height = out_h_;
  return Ok{};
}

Result<AVFrame*> Transform::apply(const AVFrame* in) {
  if (in->width <= 0 || in->height <= 0) return make_error(ErrorCode::kUsage, "", 0, "a transform needs video frames");
  const auto src = static_cast<AVPixelFormat>(in->format);
  if (in->width != in_w_ || in->height != in_h_ || src != in_fmt_) MP4KIT_TRY(configure(in->width, in->height, src));
  AVFrame* cur = nullptr;
  if (pre_fmt_ != AV_PIX_FMT_NONE) {  // configure: ffmpeg's auto-inserted scale (graph default flags: bicubic)
    auto p = convert(in, in->width, in->height, pre_fmt_, pre_sws_, SWS_BICUBIC);
    if (!p.ok()) return p.error();
    auto r = rotate(*p);
    AVFrame* pre = *p;
    av_frame_free(&pre);
    if (!r.ok()) return r.error();
    cur = *r;
    if (converts_) {
      auto s = scale(cur, scaled_w_, scaled_h_);
      av_frame_free(&cur);
      if (!s.ok()) return s.error();
      cur = *s;
    }
  } else if (convert_first_) {  // configure: ffmpeg converts before transpose/hflip/vflip here
    auto s = scale(in, in->width, in->height);
    if (!s.ok()) return s.error();
    cur = *s;
    auto r = rotate(cur);
    av_frame_free(&cur);
    if (!r.ok()) return r.error();
    cur = *r;
  } else {
    if (rotation_) {
      auto r = rotate(in);
      if (!r.ok()) return r.error();
      cur = *r;
    }
    if (converts_) {
      auto s = scale(cur ? cur : in, scaled_w_, scaled_h_);
      av_frame_free(&cur);
      if (!s.ok()) return s.error();
      cur = *s;
    }
  }
  if (!cur) {
    cur = av_frame_clone(in);
    if (!cur) return make_error(ErrorCode::kInternal, "", 0, "out of memory");
  }
  MP4KIT_TRY(crop(cur));
  return cur;
}

void Transform::info(mp4kit_transform_info& o) const {
  o.rotation = rotation_;
  o.rotation_filters = rotation_filters(rotation_);
  o.scaled_width = scaled_w_;
  o.scaled_height = scaled_h_;
  o.crop_x = x_;
  o.crop_y = y_;
  o.width = out_w_;
  o.height = out_h_;
  o.pix_fmt = out_fmt_ == AV_PIX_FMT_NONE ? "" : fmt_name(out_fmt_);
  o.converts = converts_ || pre_fmt_ != AV_PIX_FMT_NONE ? 1 : 0;
  o.scaler = scaler_.c_str();
  o.warning = warning_.c_str();
}

}  // namespace mp4kit::output
