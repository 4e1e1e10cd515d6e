// (apps/: CLI input.) What `mp4kit seek` is asked for, resolved against the container alone (no FFmpeg), for
// the CLI (apps/seek_cmd.cpp: validation, --plan; the decoding is lib/pipeline/seek_job.h).
//
//  * SeekStream: the parsed file, the timelines and the presentation index of one video
//    stream (lib/mp4/seek_plan.h gives the frame numbering).
//  * Times: decimal seconds ("17.3") or "[HH:]MM:SS[.fff]", parsed exactly into
//    a decimal fraction (no floating point) and turned into ticks with floor(T x timescale):
//    the frame shown at T is the last frame whose pts <= T, i.e. pts <= floor(T x timescale).
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
  /// Errors: those of open_file / Demuxer; kUsage when the stream given does not exist, is
  /// not video, or is cover art (an attached picture); kMalformed when no stream was given
  /// and the file has no video stream.
  static Result<SeekStream> open(const std::string& path, int stream, const FileSourceOptions& options,
                                 const Limits& limits = {}) {
    auto file = open_file(path, options);
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

/// Seconds as an exact decimal fraction: num / den, den = 10^k (k <= 9).
struct DecimalTime {
  int64_t num = 0;
  int64_t den = 1;
};

/// "17.3", "0.04", "90", "1:02.5" (MM:SS), "00:01:02.500" (HH:MM:SS). Errors: kUsage.
inline Result<DecimalTime> parse_time(const std::string& text) {
  const auto bad = [&](const std::string& why) -> Error {
    return make_error(ErrorCode::kUsage, "", 0,
                      "bad time '" + text + "': " + why + " (use seconds like 17.3 or HH:MM:SS.mmm)");
  };
  const std::vector<std::string> parts = split_fields(text);
  if (text.empty() || parts.size() > 3) return bad("expected at most HH:MM:SS");
  int64_t whole = 0;  // seconds before the decimal point
  for (size_t k = 0; k < parts.size(); ++k) {
    const bool last = k + 1 == parts.size();
    const std::string& p = parts[k];
    const std::string integer = last ? p.substr(0, p.find('.')) : p;
    if (integer.empty() && !(last && p.size() > 1 && p[0] == '.')) return bad("empty field");
    if (integer.size() > 12) return bad("too large");
    int64_t v = 0;
    for (char c : integer) {
      if (c < '0' || c > '9') return bad("unexpected '" + std::string(1, c) + "'");
      v = v * 10 + (c - '0');
    }
    if (k > 0 && v >= 60) return bad("minutes and seconds must be below 60");
    whole = whole * 60 + v;
  }
  DecimalTime t;
  t.num = whole;
  const std::string& lastp = parts.back();
  if (size_t dot = lastp.find('.'); dot != std::string::npos) {
    const std::string frac = lastp.substr(dot + 1);
    if (frac.empty()) return bad("no digits after '.'");
    if (frac.size() > 9) return bad("more than 9 decimals");
    for (char c : frac) {
      if (c < '0' || c > '9') return bad("unexpected '" + std::string(1, c) + "'");
      t.num = t.num * 10 + (c - '0');
      t.den *= 10;
    }
  }
  return t;
}

/// floor(t x timescale) in ticks (t >= 0; exact, 128-bit intermediate).
inline int64_t time_to_ticks(DecimalTime t, uint32_t timescale) {
  __extension__ typedef __int128 Wide;  // num < 10^22 fits easily; g++/clang extension
  const Wide v = static_cast<Wide>(t.num) * timescale / t.den;
  return v > INT64_MAX ? INT64_MAX : static_cast<int64_t>(v);
}

/// Seconds with millisecond precision for messages: "17.300".
inline std::string ticks_to_seconds_text(int64_t ticks, uint32_t timescale) {
  const double s = static_cast<double>(ticks) / (timescale ? timescale : 1);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.3f", s);
  return buf;
}

/// The frame shown at `text` on `s`'s presentation timeline. Errors: kUsage for a bad time
/// or a time outside [first pts, end of the last frame), naming the valid range.
inline Result<uint64_t> frame_at_time(const SeekStream& s, const std::string& text) {
  auto t = parse_time(text);
  if (!t.ok()) return t.error();
  if (s.index().frame_count() == 0) return make_error(ErrorCode::kUsage, "", 0, "the stream has no frames");
  const int64_t ticks = time_to_ticks(*t, s.timescale());
  const int64_t first = s.pts_of(0), last = s.pts_of(s.index().frame_count() - 1), end = s.end_pts();
  auto frame = s.index().frame_at_pts(s.timeline(), ticks);
  if (!frame || ticks < first || (ticks >= end && ticks != last)) {
    return make_error(ErrorCode::kUsage, "", 0,
                      "time " + text + " is out of range: stream " + std::to_string(s.stream) + " shows frames from " +
                          ticks_to_seconds_text(first, s.timescale()) + " s up to " + ticks_to_seconds_text(end, s.timescale()) +
                          " s (frames 0.." + std::to_string(s.index().frame_count() - 1) + ")");
  }
  return *frame;
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
  if (v[1] > frame_count || v[0] >= std::max<uint64_t>(v[1], 1) || v[0] >= frame_count) {
    return make_error(ErrorCode::kUsage, "", 0,
                      "frame range '" + text + "' is out of range: valid frames are 0.." +
                          (frame_count ? std::to_string(frame_count - 1) : std::string("(none)")));
  }
  std::vector<uint64_t> out;
  for (uint64_t f = v[0]; f < v[1]; f += v[2]) out.push_back(f);
  return out;
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
