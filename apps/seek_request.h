// (apps/: CLI input.) What `mp4kit seek` is asked for, resolved against the container alone (no FFmpeg), for
// the CLI (apps/seek_cmd.cpp: validation, --plan; the decoding is lib/pipeline/seek_job.h).
//
//  * SeekStream: the parsed file, the timelines and the presentation index of one video
//    stream (lib/mp4/seek_plan.h gives the frame numbering).
//  * Times: decimal seconds ("17.3", any number of decimals), rationals ("1001/30000") or
//    "[HH:]MM:SS[.fff]", parsed exactly (no floating point) into an interval of seconds (a
//    decimal's last digit +- 1/2) and turned into ticks with the track timescale; the
//    rule (TimeRule) picks the frame shown at T or the first frame at or after T.
//  * Frame ranges "START:END[:STEP]": START, START+STEP, ... below END (END exclusive, as a
//    Python slice; END may be empty for "to the last frame").
//  * Output patterns: one printf-style integer conversion (%d, %6d, %06d) expanded with the
//    frame index; "%%" is a literal percent sign.
//  * Per-target costs of a SeekPlan: packets sent, skipped and bytes read since the previous
//    target of the same pass, so that the sums over targets equal the totals.
//
// Errors: kUsage with a message that says what is accepted (exit 64); SeekStream::open
// passes on the parser's errors (65, 66, 70, 74).
// Header-only (inline): small, no state.
#pragma once

#include <algorithm>
#include <optional>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "mp4/checked.h"
#include "mp4kit/demuxer.h"
#include "mp4/codec_info.h"
#include "mp4/movie.h"
#include "mp4/sample_table.h"
#include "mp4/seek_plan.h"
#include "mp4/timeline.h"

namespace mp4kit {

/// One video stream of a file, ready for planning: the Demuxer (which owns the movie, the
/// sample tables and the timelines) and the stream it picked. Move-only.
struct SeekStream {
  std::optional<Demuxer> demuxer;  ///< always set by open()
  size_t track = 0;                ///< index into movie().tracks
  int stream = 0;                  ///< ffprobe stream index
  const StreamTimeline* tl = nullptr;
  const PresentationIndex* pindex = nullptr;

  const Movie& movie() const { return demuxer->movie(); }
  const PresentationIndex& index() const { return *pindex; }
  const Track& trak() const { return movie().tracks[track]; }
  const StreamTimeline& timeline() const { return *tl; }
  uint32_t timescale() const { return trak().timescale ? trak().timescale : 1; }
  int64_t pts_of(uint64_t frame) const { return timeline().packets[index().packet_of(frame)].pts; }
  /// End of the last frame in ticks: max(pts + duration) over shown frames.
  int64_t end_pts() const {
    int64_t end = INT64_MIN;
    for (const Packet& p : timeline().packets)
      if (!p.discard) end = std::max(end, sat_add64(p.pts, std::max<int64_t>(p.duration, 0)));
    return end;
  }

  /// Opens `path` with `options` (the CLI turns the fault guard on) and `limits`, and picks
  /// `stream` (ffprobe numbering; -1 = the first video stream) through the Demuxer.
  /// Errors: those of open_source / Demuxer; kUsage when the stream given does not exist, is
  /// not video, or is cover art (an attached picture); kMalformed when no stream was given
  /// and the file has no video stream.
  static Result<SeekStream> open(const std::string& path, int stream, const SourceOptions& options,
                                 const Limits& limits = {}) {
    auto file = open_source(path, options);  // a path or an http(s):// URL
    if (!file.ok()) return file.error();
    DemuxerOptions dopt;
    dopt.limits = limits;
    auto demuxer = Demuxer::open(*file, dopt);
    if (!demuxer.ok()) return demuxer.error();
    SeekStream s;
    s.demuxer.emplace(std::move(demuxer.value()));
    StreamSelector sel = stream < 0 ? StreamSelector::first_video() : StreamSelector::by_index(stream);
    sel.allow_attached_picture = false;
    sel.require_kind = true;
    auto picked = s.demuxer->select_stream(sel);
    if (!picked.ok()) return picked.error();
    s.stream = static_cast<int>(*picked);
    s.track = static_cast<size_t>(s.demuxer->track_of(*picked));
    auto tl = s.demuxer->timeline(*picked);  // every track's timeline: truncation stops all streams alike
    if (!tl.ok()) return tl.error();
    s.tl = *tl;
    auto idx = s.demuxer->presentation_index(*picked);
    if (!idx.ok()) return idx.error();
    s.pindex = *idx;
    return s;
  }
};

/// The ':'-separated fields of `text` ("1:02.5" -> "1", "02.5"; "" -> one empty field).
inline std::vector<std::string> split_fields(const std::string& text) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == ':') {
      parts.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  return parts;
}

/// A requested time as an exact interval of seconds [lo / den, hi / den]: the instants that
/// print as the text typed. A decimal with k decimals (1 <= k <= 18) stands for T +- 1/2 x
/// 10^-k (what a program that printed k decimals may have rounded); integers, rationals
/// ("1001/30000") and HH:MM:SS without decimals are exact (lo == hi); past 18 decimals the
/// digits are cut and the interval is [T18, T18 + 10^-18], which holds the typed value.
/// Whole seconds are below 10^10 (317 years), so every product below fits 128 bits.
struct DecimalTime {
  __extension__ typedef __int128 Wide;  // g++/clang extension
  Wide lo = 0, hi = 0, den = 1;
  /// The exact value T = (lo + hi) / 2 / den, as num / den2 (for tests and messages).
  Wide num() const { return lo + hi; }
  Wide den2() const { return 2 * den; }
};

/// "17.3", "0.04", "90", "0.033366666666666667", "1001/30000", "1:02.5" (MM:SS),
/// "00:01:02.500" (HH:MM:SS). Errors: kUsage.
inline Result<DecimalTime> parse_time(const std::string& text) {
  using Wide = DecimalTime::Wide;
  const auto bad = [&](const std::string& why) -> Error {
    return make_error(ErrorCode::kUsage, "", 0,
                      "bad time '" + text + "': " + why + " (use seconds like 17.3 or 1001/30000, or HH:MM:SS.mmm)");
  };
  const auto digits_value = [](const std::string& d, Wide& v) {
    if (d.empty() || d.size() > 18) return false;
    v = 0;
    for (char c : d) {
      if (c < '0' || c > '9') return false;
      v = v * 10 + (c - '0');
    }
    return true;
  };
  if (size_t slash = text.find('/'); slash != std::string::npos) {  // a rational: exact
    Wide a = 0, b = 0;
    if (!digits_value(text.substr(0, slash), a) || !digits_value(text.substr(slash + 1), b))
      return bad("a rational is INTEGER/INTEGER, each up to 18 digits");
    if (b == 0) return bad("division by zero");
    if (a / b >= 10000000000LL) return bad("too large");
    return DecimalTime{2 * a, 2 * a, 2 * b};
  }
  const std::vector<std::string> parts = split_fields(text);
  if (text.empty()) return bad("empty");
  if (parts.size() > 3) return bad("expected at most HH:MM:SS");
  Wide whole = 0;  // seconds before the decimal point
  for (size_t k = 0; k < parts.size(); ++k) {
    const bool last = k + 1 == parts.size();
    const std::string& p = parts[k];
    const std::string integer = last ? p.substr(0, p.find('.')) : p;
    if (integer.empty() && !(last && p.size() > 1 && p[0] == '.')) return bad("empty field");
    if (integer.size() > 10) return bad("too large");
    Wide v = 0;
    for (char c : integer) {
      if (c < '0' || c > '9') return bad("unexpected '" + std::string(1, c) + "'");
      v = v * 10 + (c - '0');
    }
    if (k > 0 && v >= 60) return bad("minutes and seconds must be below 60");
    whole = whole * 60 + v;
  }
  if (whole >= 10000000000LL) return bad("too large");
  Wide num = whole, den = 1;
  int decimals = 0;
  const std::string& lastp = parts.back();
  if (size_t dot = lastp.find('.'); dot != std::string::npos) {
    const std::string frac = lastp.substr(dot + 1);
    if (frac.empty()) return bad("no digits after '.'");
    for (char c : frac) {
      if (c < '0' || c > '9') return bad("unexpected '" + std::string(1, c) + "'");
      if (++decimals > 18) continue;  // cut; the interval below covers the rest
      num = num * 10 + (c - '0');
      den *= 10;
    }
  }
  // In units of 1 / (2 den): T = 2 num; half the last digit = 1.
  if (decimals == 0) return DecimalTime{2 * num, 2 * num, 2 * den};
  if (decimals <= 18) return DecimalTime{2 * num - 1, 2 * num + 1, 2 * den};
  return DecimalTime{2 * num, 2 * num + 2, 2 * den};
}

/// floor(x x timescale / den) in ticks, for x >= 0 (exact, 128-bit).
inline int64_t floor_ticks(DecimalTime::Wide x, DecimalTime::Wide den, uint32_t timescale) {
  const DecimalTime::Wide v = x * timescale / den;
  return v > INT64_MAX ? INT64_MAX : static_cast<int64_t>(v);
}
/// ceil(x x timescale / den) in ticks (x may be -1: the low end of "0.0").
inline int64_t ceil_ticks(DecimalTime::Wide x, DecimalTime::Wide den, uint32_t timescale) {
  if (x <= 0) return 0;
  const DecimalTime::Wide v = (x * timescale + den - 1) / den;
  return v > INT64_MAX ? INT64_MAX : static_cast<int64_t>(v);
}

/// floor(T x timescale) in ticks for the exact value T of `t` (128-bit, no floating point).
inline int64_t time_to_ticks(DecimalTime t, uint32_t timescale) { return floor_ticks(t.num(), t.den2(), timescale); }

/// Seconds with millisecond precision for messages: "17.300".
inline std::string ticks_to_seconds_text(int64_t ticks, uint32_t timescale) {
  const double s = static_cast<double>(ticks) / (timescale ? timescale : 1);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.3f", s);
  return buf;
}

/// How a time names a frame (README "seek"): kShown, the frame displayed at T (the last
/// frame whose pts <= T); kNext, the first frame whose pts >= T (ffmpeg -ss). With a
/// decimal's tolerance (DecimalTime): kShown takes the last pts <= hi, kNext the first
/// pts >= lo, so that a time printed with k decimals from a frame's pts names that frame
/// under both rules.
enum class TimeRule { kShown, kNext };

inline Result<uint64_t> out_of_range(const SeekStream& s, const std::string& what) {
  const uint64_t n = s.index().frame_count();
  return make_error(ErrorCode::kUsage, "", 0,
                    what + " is out of range: stream " + std::to_string(s.stream) + " shows frames from " +
                        ticks_to_seconds_text(s.pts_of(0), s.timescale()) + " s up to " +
                        ticks_to_seconds_text(s.end_pts(), s.timescale()) + " s (frames 0.." + std::to_string(n - 1) + ", pts " +
                        std::to_string(s.pts_of(0)) + ".." + std::to_string(s.pts_of(n - 1)) + ")");
}

/// The frame that pts range [lo_ticks, hi_ticks] names under `rule`; `what` is the request
/// for messages. Errors: kUsage outside [first pts, end of the last frame).
inline Result<uint64_t> frame_at_ticks(const SeekStream& s, int64_t lo_ticks, int64_t hi_ticks, TimeRule rule,
                                       const std::string& what) {
  const uint64_t n = s.index().frame_count();
  if (n == 0) return make_error(ErrorCode::kUsage, "", 0, "the stream has no frames");
  const int64_t last = s.pts_of(n - 1), end = s.end_pts();
  if (lo_ticks > last && lo_ticks >= end) return out_of_range(s, what);
  if (rule == TimeRule::kShown) {
    auto frame = s.index().frame_at_pts(s.timeline(), hi_ticks);
    if (!frame) return out_of_range(s, what);
    return *frame;
  }
  // kNext: the first frame whose pts >= lo_ticks (frames are in pts order).
  auto before = s.index().frame_at_pts(s.timeline(), lo_ticks);
  if (!before) return uint64_t{0};
  if (s.pts_of(*before) == lo_ticks) return *before;
  if (*before + 1 >= n) return out_of_range(s, what);
  return *before + 1;
}

/// The frame `text` names on `s`'s presentation timeline under `rule`. Errors: kUsage for a
/// bad time or a time outside [first pts, end of the last frame), naming the valid range.
inline Result<uint64_t> frame_at_time(const SeekStream& s, const std::string& text, TimeRule rule = TimeRule::kShown) {
  auto t = parse_time(text);
  if (!t.ok()) return t.error();
  const uint32_t ts = s.timescale();
  return frame_at_ticks(s, ceil_ticks(t->lo, t->den, ts), floor_ticks(t->hi, t->den, ts), rule, "time " + text);
}

/// The frame `text` (an integer pts in ticks of the stream's time_base, may be negative)
/// names under `rule`: the frame with that pts under both rules when there is one.
inline Result<uint64_t> frame_at_pts_text(const SeekStream& s, const std::string& text, TimeRule rule = TimeRule::kShown) {
  const bool neg = !text.empty() && text[0] == '-';
  const std::string d = neg ? text.substr(1) : text;
  bool ok = !d.empty() && d.size() <= 18;
  for (char c : d) ok = ok && c >= '0' && c <= '9';
  if (!ok) return make_error(ErrorCode::kUsage, "", 0, "bad pts '" + text + "' (an integer in ticks of the stream's time_base)");
  const int64_t v = (neg ? -1 : 1) * static_cast<int64_t>(std::stoll(d));
  return frame_at_ticks(s, v, v, rule, "pts " + text);
}

/// "START:END[:STEP]" (END exclusive, may be empty = frame_count). Errors: kUsage for bad
/// syntax, STEP 0, or START/END outside 0..frame_count.
inline Result<std::vector<uint64_t>> parse_frame_range(const std::string& text, uint64_t frame_count) {
  const auto bad = [&](const std::string& why) -> Error {
    return make_error(ErrorCode::kUsage, "", 0, "bad frame range '" + text + "': " + why + " (use START:END[:STEP], END exclusive)");
  };
  const std::vector<std::string> parts = split_fields(text);
  if (parts.size() < 2 || parts.size() > 3) return bad("expected two or three fields");
  uint64_t v[3] = {0, frame_count, 1};
  for (size_t k = 0; k < parts.size(); ++k) {
    if (parts[k].empty()) {
      if (k == 0 || k == 1) continue;
      return bad("empty step");
    }
    if (parts[k].size() > 18) return bad("number too large");
    uint64_t n = 0;
    for (char c : parts[k]) {
      if (c < '0' || c > '9') return bad("unexpected '" + std::string(1, c) + "'");
      n = n * 10 + static_cast<uint64_t>(c - '0');
    }
    v[k] = n;
  }
  if (v[2] == 0) return bad("step 0");
  if (!parts[1].empty() && v[1] <= v[0])
    return make_error(ErrorCode::kUsage, "", 0,
                      "frame range '" + text + "' is empty: END (" + std::to_string(v[1]) + ") is not after START (" +
                          std::to_string(v[0]) + "); END is exclusive, as in a Python slice");
  if (v[1] > frame_count || v[0] >= std::max<uint64_t>(v[1], 1) || v[0] >= frame_count) {
    return make_error(ErrorCode::kUsage, "", 0,
                      "frame range '" + text + "' is out of range: valid frames are 0.." +
                          (frame_count ? std::to_string(frame_count - 1) : std::string("(none)")));
  }
  std::vector<uint64_t> out;
  for (uint64_t f = v[0]; f < v[1]; f += v[2]) out.push_back(f);
  return out;
}

/// A frame rate for `--fps`: an integer or decimal ("1", "2.5", "29.97"), NUM/DEN
/// ("30000/1001"), or FFmpeg's names ntsc, pal, film, ntsc_film (vf_fps.c's constants);
/// exact and reduced, as av_d2q gives these values. Errors: kUsage (zero, negative, or a
/// reduced numerator or denominator of 2^31 or more) naming what is accepted.
inline Result<Rational> parse_rate(const std::string& text) {
  const auto bad = [&](const std::string& why) -> Error {
    return make_error(ErrorCode::kUsage, "", 0,
                      "bad rate '" + text + "': " + why + " (use a positive number like 1, 2.5 or 30000/1001, or ntsc, pal, film, ntsc_film)");
  };
  if (text == "ntsc") return Rational{30000, 1001};
  if (text == "pal") return Rational{25, 1};
  if (text == "film") return Rational{24, 1};
  if (text == "ntsc_film") return Rational{24000, 1001};
  using Wide = DecimalTime::Wide;
  Wide num = 0, den = 1;
  const size_t slash = text.find('/');
  const auto decimal = [&](const std::string& d, Wide& n, Wide& m) {
    n = 0, m = 1;
    bool dot = false, digits = false;
    for (char c : d) {
      if (c == '.' && !dot) { dot = true; continue; }
      if (c < '0' || c > '9') return false;
      digits = true;
      if (n > Wide(1e18) || m > Wide(1e18)) return false;
      n = n * 10 + (c - '0');
      if (dot) m *= 10;
    }
    return digits;
  };
  Wide a = 0, b = 1, c = 0, d = 1;
  if (slash == std::string::npos) {
    if (!decimal(text, a, b)) return bad("not a number");
    num = a, den = b;
  } else {
    if (!decimal(text.substr(0, slash), a, b) || !decimal(text.substr(slash + 1), c, d)) return bad("not NUM/DEN");
    if (c == 0) return bad("division by zero");
    num = a * d, den = b * c;
  }
  if (num == 0) return bad("zero selects nothing");
  Wide g = num, h = den;
  while (h) { const Wide t = g % h; g = h; h = t; }
  num /= g, den /= g;
  if (num > INT32_MAX || den > INT32_MAX) return bad("too many digits");
  return Rational{static_cast<int64_t>(num), static_cast<int64_t>(den)};
}

/// Whether `path` holds a printf-style integer conversion (then it names one file per frame).
inline bool is_output_pattern(const std::string& path) {
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i] != '%') continue;
    if (i + 1 < path.size() && path[i + 1] == '%') { ++i; continue; }
    return true;
  }
  return false;
}

/// Expands the single %d / %Nd / %0Nd of `pattern` with `frame`; "%%" -> "%". Errors:
/// kUsage for any other conversion, or more than one.
inline Result<std::string> expand_output_pattern(const std::string& pattern, uint64_t frame) {
  std::string out;
  int conversions = 0;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] != '%') { out.push_back(pattern[i]); continue; }
    if (i + 1 < pattern.size() && pattern[i + 1] == '%') { out.push_back('%'); ++i; continue; }
    size_t j = i + 1;
    const bool zero = j < pattern.size() && pattern[j] == '0';
    if (zero) ++j;
    size_t width = 0;
    while (j < pattern.size() && pattern[j] >= '0' && pattern[j] <= '9' && width < 100) width = width * 10 + size_t(pattern[j++] - '0');
    if (j >= pattern.size() || pattern[j] != 'd' || width > 20 || ++conversions > 1) {
      return make_error(ErrorCode::kUsage, "", 0,
                        "bad output pattern '" + pattern + "': use one %d, %6d or %06d for the frame index (%% for a percent sign)");
    }
    std::string digits = std::to_string(frame);
    if (digits.size() < width) digits.insert(0, width - digits.size(), zero ? '0' : ' ');
    out += digits;
    i = j;
  }
  return out;
}

/// Cost of one target inside its pass: what was sent/left out/read since the previous
/// target of the same pass (in decode order), up to and including its own packet.
struct TargetCost {
  uint64_t decoded = 0, skipped = 0, bytes = 0;
};

inline std::vector<TargetCost> target_costs(const SeekPlan& plan, const StreamTimeline& tl) {
  std::vector<TargetCost> costs(plan.targets.size());
  for (const SeekPass& pass : plan.passes) {
    uint32_t next = pass.start_packet;  // first packet not yet charged to a target
    for (size_t ti : pass.targets) {
      const uint32_t packet = plan.targets[ti].packet;
      TargetCost& c = costs[ti];
      for (uint32_t i = next; i <= packet && i <= pass.last_packet; ++i) {
        if (pass.skip[i - pass.start_packet]) {
          ++c.skipped;
        } else {
          ++c.decoded;
          c.bytes += tl.packets[i].size;
        }
      }
      next = std::max(next, packet + 1);
    }
  }
  return costs;
}

}  // namespace mp4kit
