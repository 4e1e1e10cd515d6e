// The transform flags `decode` and `seek` share (README "Transforms"): --size WxH,
// --max-side N, --crop WxH[+X+Y], --scaler NAME, --pix-fmt NAME, --no-autorotate,
// --quality Q; and the "transform" block of their --json records.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "mp4kit/decoder.h"
#include "mp4kit/error.h"
#include "pipeline/stream_setup.h"

namespace mp4kit::cli {

struct TransformFlags {
  std::string size, crop, scaler = "bicubic", pix_fmt;
  int max_side = 0;
  int quality = 2;
  bool no_autorotate = false;

  /// Adds the flags to `cmd`.
  void add(CLI::App& cmd) {
    cmd.add_option("--size", size,
                   "WxH after rotation, as ffmpeg's scale=W:H: -1 keeps the aspect ratio, -2 also rounds to even "
                   "(224x224, 320x-2)")
        ->group("Transforms");
    cmd.add_option("--max-side", max_side, "scale down so that the longer side is N (never up), aspect kept")
        ->check(CLI::Range(1, 16384))
        ->group("Transforms");
    cmd.add_option("--crop", crop, "WxH (centred) or WxH+X+Y, after scaling")->group("Transforms");
    cmd.add_option("--scaler", scaler,
                   "libswscale algorithm: bicubic (default, as ffmpeg), bilinear, fast_bilinear, neighbor, area, bicublin, "
                   "gauss, sinc, lanczos, spline")
        ->group("Transforms");
    cmd.add_option("--pix-fmt", pix_fmt,
                   "output pixel format (FFmpeg names: rgb24, bgr24, gray, rgba, rgb48le, gray16le, yuv420p, nv12, ...); "
                   "default: what the output format holds")
        ->group("Transforms");
    cmd.add_flag("--no-autorotate", no_autorotate, "keep the stored orientation (ffmpeg -noautorotate)")->group("Transforms");
    cmd.add_option("--quality", quality, "jpeg: ffmpeg's -q:v, 1 (best) .. 31 (default 2)")
        ->check(CLI::Range(1, 31))
        ->group("Transforms");
  }

  /// "W" of "WxH" etc.: a decimal integer, possibly negative. False when malformed.
  static bool parse_int(const std::string& s, int& out) {
    if (s.empty() || s.size() > 7) return false;
    size_t i = s[0] == '-' ? 1 : 0;
    if (i == s.size()) return false;
    for (size_t k = i; k < s.size(); ++k)
      if (s[k] < '0' || s[k] > '9') return false;
    out = std::atoi(s.c_str());
    return true;
  }

  /// The settings for the pipeline. Errors: kUsage (exit 64) with the accepted forms.
  Result<TransformSettings> settings() const {
    TransformSettings t;
    if (!size.empty()) {
      const size_t x = size.find('x');
      if (x == std::string::npos || !parse_int(size.substr(0, x), t.width) || !parse_int(size.substr(x + 1), t.height) ||
          t.width < -16384 || t.height < -16384)
        return make_error(ErrorCode::kUsage, "", 0,
                          "invalid --size '" + size + "': WxH with W, H in 1..16384, or -1 (keep aspect) / -2 (keep aspect, even) "
                          "for one of them, e.g. 224x224, 320x-2");
      if (t.width == 0 || t.height == 0)
        return make_error(ErrorCode::kUsage, "", 0,
                          "invalid --size '" + size + "': a side of 0 is not a size: W, H in 1..16384, or -1 / -2 for one of them");
    }
    if (!crop.empty()) {
      const size_t x = crop.find('x');
      const size_t plus = crop.find('+');
      std::string wh = crop.substr(0, plus);
      bool ok = x != std::string::npos && x < wh.size() && parse_int(wh.substr(0, x), t.crop_width) &&
                parse_int(wh.substr(x + 1), t.crop_height) && t.crop_width > 0 && t.crop_height > 0;
      if (ok && plus != std::string::npos) {
        const size_t plus2 = crop.find('+', plus + 1);
        ok = plus2 != std::string::npos && parse_int(crop.substr(plus + 1, plus2 - plus - 1), t.crop_x) &&
             parse_int(crop.substr(plus2 + 1), t.crop_y) && t.crop_x >= 0 && t.crop_y >= 0;
      }
      if (!ok)
        return make_error(ErrorCode::kUsage, "", 0,
                          "invalid --crop '" + crop + "': WxH (centred) or WxH+X+Y with W, H >= 1 and X, Y >= 0, e.g. 224x224 or 224x224+16+0");
    }
    t.max_side = max_side;
    t.scaler = scaler;
    t.pix_fmt = pix_fmt;
    return t;
  }

  /// The record's "transform" block: what was applied and FFmpeg's equivalent filters.
  static nlohmann::ordered_json json(const pipeline::TransformApplied& a, const std::string& warning) {
    nlohmann::ordered_json j;
    j["rotation"] = a.rotation;
    j["rotation_filters"] = a.rotation_filters;
    j["scaled"] = {{"width", a.scaled_width}, {"height", a.scaled_height}};
    j["crop"] = {{"x", a.crop_x}, {"y", a.crop_y}};
    j["width"] = a.width;
    j["height"] = a.height;
    j["pix_fmt"] = a.pix_fmt;
    j["scaler"] = a.scaler;
    j["swscale"] = a.converts;
    j["warning"] = warning;
    return j;
  }
};

}  // namespace mp4kit::cli
