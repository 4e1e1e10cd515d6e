#include "mp4/frame_select.h"

#include <algorithm>
#include <string>

#include "mp4/codec_info.h"

namespace mp4kit {
namespace {

__extension__ typedef __int128 Wide;  // g++/clang extension: products of 63- and 32-bit values

Error usage(const std::string& message) { return make_error(ErrorCode::kUsage, "", 0, message); }

Error too_many(const std::string& what, Wide count) {
  const std::string n = count > Wide(INT64_MAX) ? std::string("more than 9e18") : std::to_string(static_cast<int64_t>(count));
  return usage(what + " selects " + n + " frames; at most " + std::to_string(kMaxSelectedFrames) +
               " per call");
}

// a * b / c rounded to the nearest, halves away from zero (av_rescale_rnd with
// AV_ROUND_NEAR_INF: r = c / 2 added to |a * b|, the sign put back). b, c > 0.
int64_t rescale_near(int64_t a, int64_t b, int64_t c) {
  const Wide p = Wide(a) * b;
  const Wide m = p < 0 ? -p : p;
  Wide q = (m + c / 2) / c;
  if (q > Wide(INT64_MAX)) q = INT64_MAX;
  return p < 0 ? -static_cast<int64_t>(q) : static_cast<int64_t>(q);
}

}  // namespace

Result<std::vector<uint64_t>> select_uniform(uint64_t n, uint64_t k) {
  if (k == 0) return usage("--uniform 0 selects nothing: K is 1.." + std::to_string(kMaxSelectedFrames));
  if (k > kMaxSelectedFrames) return too_many("--uniform " + std::to_string(k), k);
  if (n == 0) return usage("--uniform: the stream has no frames");
  std::vector<uint64_t> out;
  out.reserve(k);
  for (uint64_t i = 0; i < k; ++i) out.push_back(static_cast<uint64_t>((Wide(2 * i + 1) * n) / (Wide(2) * k)));
  return out;
}

Result<std::vector<uint64_t>> select_every(uint64_t n, uint64_t step) {
  if (step == 0) return usage("--every 0 selects nothing: N is a frame step from 1 (1 = every frame)");
  if (n == 0) return usage("--every: the stream has no frames");
  const uint64_t count = (n - 1) / step + 1;
  if (count > kMaxSelectedFrames) return too_many("--every " + std::to_string(step), count);
  std::vector<uint64_t> out;
  out.reserve(count);
  for (uint64_t f = 0; f < n; f += step) out.push_back(f);
  return out;
}

namespace {

// The duration libavformat gives a video packet (what the decoder copies into the frame's
// pkt_duration). mov.c mov_read_packet sets it from the next sample's dts only when the
// stream has no composition offsets (sc->ctts_data: a ctts box, or any fragment: trun fills
// it); otherwise it stays 0 and demux.c compute_pkt_fields puts in one frame at
// r_frame_rate (ff_compute_frame_duration), rounded down.
int64_t ffmpeg_packet_duration(const Packet& p, const Track& track, Rational r_frame_rate) {
  const bool ctts = track.stbl.ctts_count > 0 || !track.runs.empty();
  if (!ctts) return std::max<int64_t>(p.duration, 0);
  const int64_t ts = track.timescale ? track.timescale : 1;
  if (r_frame_rate.num > 0 && r_frame_rate.den > 0) return static_cast<int64_t>(Wide(ts) * r_frame_rate.den / r_frame_rate.num);
  return ts > 1000 ? 0 : 1;  // time_base.num * 1000 > time_base.den: one tick
}

}  // namespace

Result<std::vector<uint64_t>> select_fps(const StreamTimeline& tl, const PresentationIndex& index, const Track& track,
                                         Rational r_frame_rate, Rational rate, int64_t format_start_us) {
  const uint32_t timescale = track.timescale;
  const std::string what = "--fps " + std::to_string(rate.num) + (rate.den != 1 ? "/" + std::to_string(rate.den) : "");
  if (rate.num <= 0 || rate.den <= 0 || rate.num > INT32_MAX || rate.den > INT32_MAX)
    return usage(what + ": the rate must be positive, a decimal or NUM/DEN with both below 2^31");
  const uint64_t n = index.frame_count();
  if (n == 0) return usage(what + ": the stream has no frames");
  const int64_t ts = timescale ? timescale : 1;
  // fftools/ffmpeg_opt.c (open_input_file): ts_offset = -ic->start_time; process_input adds
  // av_rescale_q(ts_offset, AV_TIME_BASE_Q, st->time_base) to every timestamp.
  const int64_t shift = rescale_near(-format_start_us, ts, 1000000);
  const auto pts = [&](uint64_t f) { return tl.packets[index.packet_of(f)].pts + shift; };
  // vf_fps.c read_frame: frame tick = av_rescale_q_rnd(pts, 1/ts, 1/R, NEAR_INF) = pts * num / (ts * den).
  const auto tick = [&](int64_t p) { return rescale_near(p, rate.num, ts * rate.den); };
  // ffmpeg.c send_filter_eof: ist->pts back to the stream time base, round-to-nearest;
  // update_eof_pts: to 1/R. process_input_packet sets ist->pts = ist->next_pts before the
  // flush, and next_pts is the last decoded frame's pts plus its packet's duration
  // (duration_pts), both in AV_TIME_BASE. (A duration of 0 is taken as 0 here; ffmpeg
  // would estimate one from the frame rate.)
  const int64_t last_dur = ffmpeg_packet_duration(tl.packets[index.packet_of(n - 1)], track, r_frame_rate);
  const int64_t last_us = rescale_near(pts(n - 1), 1000000, ts) + rescale_near(last_dur, 1000000, ts);
  const int64_t eof_tick = tick(rescale_near(last_us, ts, 1000000));
  const int64_t first_tick = tick(pts(0));
  // write_frame: ticks from the first frame's; while a second frame is buffered a tick is
  // always output; the last frame alone is output until the EOF tick. So at most
  // max(eof_tick, last frame's tick) - first_tick outputs: checked before allocating.
  const int64_t end = std::max(eof_tick, tick(pts(n - 1)));
  const Wide bound = Wide(end) - first_tick;
  if (bound > Wide(kMaxSelectedFrames)) return too_many(what, bound);
  std::vector<uint64_t> out;
  if (bound > 0) out.reserve(static_cast<size_t>(bound));
  uint64_t f = 0;  // the buffered frame (vf_fps frames[0]); f + 1 is frames[1]
  for (int64_t t = first_tick;; ++t) {
    while (f + 1 < n && tick(pts(f + 1)) <= t) ++f;  // the next frame is acceptable: drop the buffered one
    if (f + 1 == n && eof_tick <= t) break;          // EOF status reached with the last frame alone
    out.push_back(f);
  }
  if (out.empty())
    return usage(what + " selects nothing: FFmpeg's fps filter outputs no frame for this stream (its frames lie within "
                        "half an output frame of the last one's time; a higher rate selects some)");
  return out;
}

Result<std::vector<uint64_t>> select_sync_frames(const Movie& movie, const Track& track, const StreamTimeline& tl,
                                                 const PresentationIndex& index) {
  std::vector<uint64_t> out;
  const std::string codec = codec_info_of(track).codec_name;
  for (uint64_t f = 0; f < index.frame_count(); ++f) {
    const Packet& p = tl.packets[index.packet_of(f)];
    if (!p.key) continue;
    auto coding = sync_sample_coding(*movie.source, track, codec, p);
    if (!coding.ok()) return coding.error();
    if (*coding != codec::PictureCoding::kInter) out.push_back(f);
  }
  if (out.empty()) return usage("--keyframes selects nothing: no shown frame of the stream is a sync sample");
  if (out.size() > kMaxSelectedFrames) return too_many("--keyframes", out.size());
  return out;
}

}  // namespace mp4kit
