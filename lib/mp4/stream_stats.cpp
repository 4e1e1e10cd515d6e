#include "mp4/stream_stats.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>

#include "mp4/audio_frame_header.h"
#include "mp4/checked.h"
#include "mp4/codec_info.h"
#include "mp4/decoder_facts.h"
#include "mp4/fourcc.h"
#include "mp4/fragment_clock.h"
#include "mp4/table_scan.h"
#include "mp4/timeline.h"

namespace mp4kit {
namespace {

constexpr int64_t kNoValue = INT64_MIN;       // FFmpeg's AV_NOPTS_VALUE
constexpr int64_t kTimeBase = 1000000;        // AV_TIME_BASE
constexpr int64_t kIntMax = 2147483647;

// av_reduce (libavutil/rational.c): num/den reduced; when a term exceeds `max`, the best
// continued-fraction approximation whose terms fit. den == 0 gives 0/0 here (no rate).
Rational reduce(int64_t num, int64_t den, int64_t max) {
  if (den == 0) return Rational{0, 0};
  const bool negative = (num < 0) != (den < 0);
  uint64_t n = num < 0 ? 0 - uint64_t(num) : uint64_t(num), d = den < 0 ? 0 - uint64_t(den) : uint64_t(den);
  if (const uint64_t g = std::gcd(n, d)) { n /= g; d /= g; }
  int64_t p0 = 0, q0 = 1, p1 = 1, q1 = 0;  // convergents k-2 and k-1
  if (n <= uint64_t(max) && d <= uint64_t(max)) {
    p1 = static_cast<int64_t>(n);
    q1 = static_cast<int64_t>(d);
  } else {
    while (d) {
      const uint64_t a = n / d, rest = n - d * a;
      const int128_t p2 = int128_t(a) * p1 + p0, q2 = int128_t(a) * q1 + q0;
      if (p2 > max || q2 > max) {
        // the last term cut down to fit; kept when it is nearer than the previous convergent
        uint64_t x = p1 ? uint64_t(max - p0) / uint64_t(p1) : UINT64_MAX;
        if (q1) x = std::min<uint64_t>(x, uint64_t(max - q0) / uint64_t(q1));
        if (int128_t(d) * (2 * int128_t(x) * q1 + q0) > int128_t(n) * q1) {
          p1 = static_cast<int64_t>(int128_t(x) * p1 + p0);
          q1 = static_cast<int64_t>(int128_t(x) * q1 + q0);
        }
        break;
      }
      p0 = p1; q0 = q1;
      p1 = static_cast<int64_t>(p2); q1 = static_cast<int64_t>(q2);
      n = d;
      d = rest;
    }
  }
  return Rational{negative ? -p1 : p1, q1};
}

// get_std_framerate (libavformat/demux.c): candidate rates in units of 1/(12*1001) fps.
int std_framerate(int i) {
  if (i < 30 * 12) return (i + 1) * 1001;
  i -= 30 * 12;
  if (i < 30) return (i + 31) * 1001 * 12;
  i -= 30;
  if (i < 3) return std::array<int, 3>{80, 120, 240}[i] * 1001 * 12;
  i -= 3;
  return std::array<int, 6>{24, 30, 60, 12, 15, 48}[i] * 1000 * 12;
}
constexpr int kStdTimebases = 30 * 12 + 30 + 3 + 6;  // MAX_STD_TIMEBASES

// FFmpeg's codec ids the rate estimate singles out (tb_unreliable, demux.c).
bool codec_time_base_unreliable(const CodecInfo& ci, uint32_t timescale) {
  if (timescale >= 101 || timescale < 5) return true;
  return ci.codec_tag_string == "mp4v" || ci.codec_name == "mpeg2video" || ci.codec_name == "gif" ||
         ci.codec_name == "hevc" || ci.codec_name == "h264";
}

// ff_rfps_add_frame / ff_rfps_calculate (demux.c): FFmpeg's r_frame_rate. It sees the dts
// of the video packets avformat_find_stream_info reads: 20 deltas (40 for a time base
// coarser than 1/2000 s), fewer when the analysis stops at max_analyze_duration (5 s).
// Input: the first decode times in reading order (ticks) and their packet durations.
Rational estimate_r_frame_rate(const std::vector<int64_t>& dts, const std::vector<int64_t>& durations,
                               uint32_t timescale, bool unreliable, double avg_fps) {
  const double tb = 1.0 / timescale;
  double err[2][2][kStdTimebases] = {};
  int64_t last = kNoValue, duration_sum = 0, gcd = 0, count = 0;
  int64_t codec_info_duration = 0;  // sum of packet durations from the third packet on
  const int64_t wanted = !unreliable ? 0 : (tb > 0.0005 ? 40 : 20);
  for (size_t k = 0; k < dts.size(); ++k) {
    if (k > 0 && count >= wanted) break;  // avformat_find_stream_info: enough frames for every stream
    if (k > 1) {
      // the max_analyze_duration check runs before the packet is counted
      double t = static_cast<double>(codec_info_duration) * tb;
      if (avg_fps > 0) t = std::max(t, static_cast<double>(k) / avg_fps);
      if (t >= 5.0) break;
      codec_info_duration += durations[k];
    }
    const int64_t ts = dts[k];
    if (last != kNoValue && ts > last) {
      const double sec = static_cast<double>(ts) * tb;
      const int64_t delta = ts - last;
      for (int i = 0; i < kStdTimebases; ++i) {
        if (err[0][1][i] >= 1e10) continue;
        const double sdts = sec * std_framerate(i) / (1001 * 12);
        for (int j = 0; j < 2; ++j) {
          const double ticks = static_cast<double>(std::llrint(sdts + j * 0.5));
          const double e = sdts - ticks + j * 0.5;
          err[j][0][i] += e;
          err[j][1][i] += e * e;
        }
      }
      ++count;
      duration_sum += delta;
      if (count % 10 == 0) {  // rates whose error spreads too much are dropped
        for (int i = 0; i < kStdTimebases; ++i) {
          if (err[0][1][i] >= 1e10) continue;
          const double n = static_cast<double>(count);
          const double a0 = err[0][0][i] / n, e0 = err[0][1][i] / n - a0 * a0;
          const double a1 = err[1][0][i] / n, e1 = err[1][1][i] / n - a1 * a1;
          if (e0 > 0.04 && e1 > 0.04) err[0][1][i] = err[1][1][i] = 2e10;
        }
      }
      if (count > 3) gcd = std::gcd(gcd, delta);  // the first deltas may jitter
    }
    last = ts;
  }
  Rational r{0, 0};
  if (unreliable && count > 15 && gcd > std::max<int64_t>(1, timescale / 500)) r = reduce(timescale, gcd, kIntMax);
  if (count > 1 && r.num == 0 && unreliable) {
    int num = 0;
    double best = 0.01;
    for (int j = 0; j < kStdTimebases; ++j) {
      const int rate = std_framerate(j);
      if (codec_info_duration && static_cast<double>(codec_info_duration) * tb < (1001 * 11.5) / rate) continue;
      if (!codec_info_duration && rate < 1001 * 12) continue;
      if (tb * static_cast<double>(duration_sum) / static_cast<double>(count) < (1001 * 12.0 * 0.8) / rate) continue;
      for (int k = 0; k < 2; ++k) {
        const double n = static_cast<double>(count);
        const double a = err[k][0][j] / n, e = err[k][1][j] / n - a * a;
        if (e < best && best > 0.000000001) {
          best = e;
          num = rate;
        }
      }
    }
    // not more than 1 % above the time base's own rate
    if (num && static_cast<double>(num) / (12 * 1001) < 1.01 * timescale) r = reduce(num, 12 * 1001, kIntMax);
  }
  return r;
}

// What mov_read_header knows of a track and what avformat_find_stream_info adds.
struct TrackFacts {
  MediaType type = MediaType::kUnknown;
  uint32_t timescale = 1;
  int64_t start = kNoValue;     // st->start_time, ticks
  int64_t duration = kNoValue;  // st->duration, ticks
};

// mov_read_elst / mov_fix_index: the edit list is applied when it has entries and the
// track has moov samples.
bool edits_apply(const Track& t, const SampleTable& table, bool apply_edit_lists) {
  return apply_edit_lists && t.has_elst && !t.edits.empty() && table.moov_sample_count() > 0;
}

// The composition offset of the first sample when FFmpeg keeps the ctts table
// (mov_read_ctts skips entries with count <= 0; mov_update_dts_shift drops the table for
// an offset below -2^28 before the last two entries). 0 without one.
int64_t first_composition_offset(const SampleTableBoxes& s) {
  int64_t first = 0;
  bool found = false;
  for (uint32_t i = 0; i < s.ctts_count; ++i) {
    const int32_t count = static_cast<int32_t>(s.ctts_sample_count(i)), d = s.ctts_sample_offset(i);
    if (count <= 0) continue;
    if (d < -(1 << 28) && i + 2 < s.ctts_count) return 0;
    if (!found) { first = d; found = true; }
  }
  return first;
}

// The largest negative composition offset (FFmpeg's dts_shift) over ctts and the runs.
int64_t dts_shift_of(const Track& t) {
  int64_t shift = 0;
  const SampleTableBoxes& s = t.stbl;
  // mov_update_dts_shift over ctts but its last two entries: an offset below -2^28 in any
  // of them drops the shift (FFmpeg discards the table), else the most negative offset of
  // an entry with sample_count > 0 sets it.
  if (s.ctts_count > 2) {
    const table_scan::CttsMinima m = table_scan::ctts_minima(s.ctts.data, s.ctts_count - 2);
    if (m.all < -(1 << 28)) return 0;
    shift = -int64_t(m.counted);
  }
  for (const TrackRun& run : t.runs) {
    if (!(run.flags & trun_flags::kCompositionOffset)) continue;
    for (uint32_t i = 0; i < run.sample_count; ++i) shift = std::max<int64_t>(shift, -int64_t(run.sample_composition_offset(i)));
  }
  return shift;
}

// The timecode sample entry's rate (mov_parse_stsd_data for 'tmcd': extradata bytes 8..15
// are timescale and frameDuration), printed by ffprobe as given, not reduced.
Rational timecode_rate(const Movie& movie, const Track& t) {
  if (t.sample_entries.empty() || !movie.source) return Rational{0, 0};
  const SampleEntry& e = t.sample_entries.front();
  if (e.format != fourcc("tmcd") || e.size < 32) return Rational{0, 0};
  auto bytes = movie.source->read(e.offset + 24, 8);
  if (!bytes.ok() || bytes->size() < 8) return Rational{0, 0};
  const int32_t num = static_cast<int32_t>(load_be32(bytes->data())), den = static_cast<int32_t>(load_be32(bytes->data() + 4));
  return Rational{num, den};
}

// The sample aspect ratio FFmpeg puts on the stream: from a tkhd matrix that scales x and
// y differently (mov_read_tkhd, av_d2q), else from pasp (mov_read_pasp, reduced to 32767).
Rational stream_sample_aspect(const Track& t, const CodecInfo& ci) {
  const auto& m = t.tkhd.matrix;
  const bool identity = m[0] == 0x10000 && m[1] == 0 && m[3] == 0 && m[4] == 0x10000;
  if (t.tkhd.width && t.tkhd.height && !identity) {
    const double sx = std::hypot(double(m[0]), double(m[3])), sy = std::hypot(double(m[1]), double(m[4]));
    if (sx > 1 && sy > 1 && sx < (1 << 24) && sy < (1 << 24) && std::fabs(sx / sy - 1.0) > 0.01) {
      // av_d2q(sx / sy, INT_MAX): sx / sy as a fraction over 2^(61 - exponent), reduced
      const double v = sx / sy;
      const int exponent = std::max(static_cast<int>(std::log(std::fabs(v) + 1e-20) / std::log(2.0)), 0);
      const int64_t den = int64_t(1) << (61 - exponent);
      return reduce(static_cast<int64_t>(std::floor(v * double(den) + 0.5)), den, kIntMax);
    }
  }
  if (ci.sar_den) return reduce(ci.sar_num, ci.sar_den, 32767);
  return Rational{0, 0};
}

}  // namespace

std::optional<double> display_rotation_of(const TrackHeader& tkhd) {
  const auto& m = tkhd.matrix;
  if (m[0] == 0x10000 && m[1] == 0 && m[3] == 0 && m[4] == 0x10000) return std::nullopt;  // identity
  const double a = m[0] / 65536.0, b = m[1] / 65536.0, c = m[3] / 65536.0, d = m[4] / 65536.0;
  const double s0 = std::hypot(a, c), s1 = std::hypot(b, d);
  if (s0 == 0 || s1 == 0) return std::nullopt;
  double r = -std::atan2(b / s1, a / s0) * 180.0 / M_PI;
  if (r == 0) r = 0;  // no "-0"
  return r;
}

// What the moov told of one track before any fragment is read, and what the fragment
// replay adds (FFmpeg's MOVStreamContext fields of the same names).
struct TrackWork {
  bool present = false;
  int64_t unedited_duration = 0;  // st->duration as mov_read_trak left it (before the edit list)
  int64_t duration_for_fps = 0;   // ticks: stts total + the durations of the header's fragment samples
  uint64_t frames_for_fps = 0;
  uint64_t header_fragment_bytes = 0;  // data_size added by the runs mov_read_header parsed
  uint64_t all_fragment_bytes = 0;
  int64_t header_duration = 0;    // st->duration when mov_read_header returns (the bit rate's)
  bool fragment_start_known = false;
  int64_t fragment_start = 0;     // the first fragment packet's pts, ticks
};

MediaSummary summarize_media(const Movie& movie, const std::vector<SampleTable>& tables, bool apply_edit_lists) {
  MediaSummary out;
  out.streams.resize(std::max<size_t>(movie.stream_count, movie.tracks.size()));
  std::vector<TrackFacts> facts(out.streams.size());
  const size_t n_tracks = std::min(movie.tracks.size(), tables.size());
  std::vector<TrackWork> work(movie.tracks.size());
  std::vector<FragmentClockTrack> clocks(movie.tracks.size());
  const auto stream_of = [&](size_t ti) {
    return ti < movie.track_stream_index.size() ? movie.track_stream_index[ti] : static_cast<uint32_t>(ti);
  };

  // Pass 1, the moov (mov_read_trak): per-track start, duration and the fragment clock's
  // starting state.
  for (size_t ti = 0; ti < n_tracks; ++ti) {
    const Track& t = movie.tracks[ti];
    const SampleTable& table = tables[ti];
    const uint32_t si = stream_of(ti);
    if (si >= out.streams.size()) continue;
    StreamSummary& s = out.streams[si];
    TrackFacts& f = facts[si];
    TrackWork& w = work[ti];
    w.present = true;
    const CodecInfo ci = codec_info_of(t);
    const SampleTableBoxes& stbl = t.stbl;
    f.type = ci.type;
    f.timescale = t.timescale ? t.timescale : 1;

    // mov_read_stts: nb_frames and the moov part of duration_for_fps / nb_frames_for_fps;
    // st->duration = min(mdhd duration, the stts total) when the total is not 0.
    int64_t stts_total = 0;
    uint64_t stts_samples = 0;
    for (uint32_t i = 0; i < stbl.stts_count; ++i) {
      stts_total = sat_add64(stts_total, static_cast<int64_t>(uint64_t(stbl.stts_sample_count(i)) * stbl.stts_sample_delta(i)));
      stts_samples += stbl.stts_sample_count(i);
    }
    if (stts_samples) s.nb_frames = static_cast<int64_t>(stts_samples);
    w.duration_for_fps = stts_total > 0 ? stts_total : 0;
    w.frames_for_fps = stts_total > 0 ? stts_samples : 0;
    int64_t duration = static_cast<int64_t>(std::min<uint64_t>(t.media_duration, INT64_MAX));  // mov_read_mdhd
    if (stts_total) duration = std::min(duration, stts_total);
    for (const TrackRun& run : t.runs)
      for (uint32_t i = 0; i < run.sample_count; ++i) w.all_fragment_bytes = sat_add_u64(w.all_fragment_bytes, run.sample_size(i));

    // mov_fix_index: with an edit list the start is the leading empty edits' length and the
    // duration is cut to the edits' total; mov_build_index: a video stream without one
    // starts at its first sample's pts (dts 0 - dts_shift + dts_shift + ctts[0]).
    w.unedited_duration = duration;
    if (edits_apply(t, table, apply_edit_lists)) {
      int64_t empty = 0, total = 0;
      bool found_non_empty = false;
      for (const EditListEntry& e : t.edits) {
        if (movie.timescale == 0) break;  // get_edit_list_entry: no mvhd timescale, no edits
        const int64_t d = rescale(static_cast<int64_t>(e.segment_duration), t.timescale, movie.timescale);
        total = sat_add64(total, d);
        if (!found_non_empty && e.media_time == -1) empty = sat_add64(empty, d);
        else found_non_empty = true;
      }
      f.start = empty;
      duration = std::min(duration, total);
    } else if (table.moov_sample_count() > 0) {
      // video: mov_build_index's start time; other streams: the first packet's pts
      // (update_initial_timestamps), the same value without an edit list.
      f.start = first_composition_offset(stbl);
    }
    f.duration = duration;
    FragmentClockTrack& c = clocks[ti];
    c.st_duration = duration;
    c.track_end = table.moov_sample_count() ? stts_total : 0;  // where the moov samples end, un-shifted
    c.time_offset = fragment_time_offset(t, movie.timescale);
  }

  // Pass 2, the fragments through the fragment clock: mov_read_header parses the leading
  // ones (their sizes and durations count in data_size and duration_for_fps, and the bit
  // rate is computed over st->duration as it stands then); the others are read while
  // avformat_find_stream_info and ffprobe read packets, and move st->duration further.
  const size_t header_events = header_fragment_events(movie);
  bool in_header = true;
  const auto on_run = [&](uint32_t ti, uint32_t ri, int64_t first_dts) -> Status {
    if (ti >= n_tracks) return Ok{};
    const Track& t = movie.tracks[ti];
    const TrackRun& run = t.runs[ri];
    TrackWork& w = work[ti];
    if (!w.fragment_start_known) {
      // update_initial_timestamps: the first packet's pts, dts + dts_shift + its offset
      w.fragment_start = sat_add64(first_dts, sat_add64(dts_shift_of(t), run.sample_composition_offset(0)));
      w.fragment_start_known = true;
    }
    if (!in_header) return Ok{};
    for (uint32_t i = 0; i < run.sample_count; ++i) {  // mov_read_trun
      w.header_fragment_bytes = sat_add_u64(w.header_fragment_bytes, run.sample_size(i));
      w.duration_for_fps = sat_add64(w.duration_for_fps, run.sample_duration(i));
      ++w.frames_for_fps;
    }
    return Ok{};
  };
  // A run whose decode times overflow stops the replay there, as the packet timeline fails.
  Status replayed = replay_fragment_clock(movie, clocks, 0, header_events, on_run);
  for (size_t ti = 0; ti < n_tracks; ++ti) work[ti].header_duration = clocks[ti].st_duration;
  in_header = false;
  if (replayed.ok()) replayed = replay_fragment_clock(movie, clocks, header_events, movie.fragment_events.size(), on_run);
  (void)replayed;  // the summary never fails: the figures stand as the clock left them

  // Pass 3: the figures mov_read_header and avformat_find_stream_info give.
  for (size_t ti = 0; ti < n_tracks; ++ti) {
    const Track& t = movie.tracks[ti];
    const SampleTable& table = tables[ti];
    const uint32_t si = stream_of(ti);
    if (si >= out.streams.size() || !work[ti].present) continue;
    StreamSummary& s = out.streams[si];
    TrackFacts& f = facts[si];
    const TrackWork& w = work[ti];
    const CodecInfo ci = codec_info_of(t);
    const SampleTableBoxes& stbl = t.stbl;
    // Fragments-only tracks start at their first fragment packet; st->duration is the
    // clock's (it grows to the end of the last run, or is a sidx's end).
    if (!t.runs.empty()) {
      if (table.moov_sample_count() == 0 && w.fragment_start_known) f.start = w.fragment_start;
      f.duration = clocks[ti].st_duration;
    }

    // data_size: the moov samples' sizes (mov_read_stsz) plus those of the fragment runs
    // mov_read_header parsed (mov_read_trun).
    const uint64_t data_size =
        sat_add_u64(table.total_bytes() - std::min(table.total_bytes(), w.all_fragment_bytes), w.header_fragment_bytes);

    // mov_read_header: avg_frame_rate for video = frames / their duration; timecode tracks
    // give their own rate (mov_parse_stsd_data).
    if (ci.type == MediaType::kVideo && w.frames_for_fps > 0 && w.duration_for_fps > 0)
      s.avg_frame_rate = reduce(int64_t(t.timescale) * int64_t(w.frames_for_fps), w.duration_for_fps, kIntMax);
    if (ci.codec_tag_string == "tmcd") s.avg_frame_rate = timecode_rate(movie, t);

    // mov_read_header: bit_rate = data_size * 8 / st->duration as mov_read_trak left it
    // (before the edit list), rounded down; with fragments (trex) av_rescale's rounding to
    // nearest, over st->duration when mov_read_header returns.
    int64_t bit_rate = 0;
    const int64_t bytes = static_cast<int64_t>(std::min<uint64_t>(data_size, INT64_MAX / 8));
    if (!movie.trex.empty()) {
      if (w.header_duration > 0) bit_rate = rescale(bytes, int64_t(t.timescale) * 8, w.header_duration);
    } else if (w.unedited_duration > 0) {
      const int128_t q = int128_t(bytes) * 8 * t.timescale / w.unedited_duration;
      bit_rate = q > INT64_MAX ? kNoValue : static_cast<int64_t>(q);
    }
    if (bit_rate > 0 && bit_rate != kNoValue) s.bit_rate = bit_rate;
    // avformat_find_stream_info: the AC-3 / E-AC-3 / MP3 decoder's rate from the first
    // frame header replaces it (the one sample-data read of plain probe, audio_frame_header.h).
    if (ci.type == MediaType::kAudio)
      if (const std::optional<int64_t> decoded = first_frame_bit_rate(movie, table, ci.codec_name)) s.bit_rate = *decoded;

    // r_frame_rate (avformat_find_stream_info): the estimate, else the time base's rate.
    if (ci.type == MediaType::kVideo) {
      std::vector<int64_t> dts, durations;
      SampleTable::Cursor cur = table.cursor();
      Sample smp;
      const int64_t shift = dts_shift_of(t);
      while (dts.size() < 64 && cur.next(smp)) {
        dts.push_back(smp.in_fragment ? smp.dts : smp.dts - shift);
        durations.push_back(smp.duration);
      }
      const double avg_rate = s.avg_frame_rate.den > 0 ? double(s.avg_frame_rate.num) / double(s.avg_frame_rate.den) : 0;
      const DecoderFacts dec = decoder_facts_of(movie, t, table, ci);
      // mov_read_trak (FF_API_R_FRAME_RATE): one stts entry, or two whose second is one
      // sample, set r_frame_rate to timescale / the first delta; the estimate then keeps it.
      if (stbl.stts_count == 1 || (stbl.stts_count == 2 && stbl.stts_sample_count(1) == 1)) {
        if (stbl.stts_sample_delta(0) > 0) s.r_frame_rate = reduce(t.timescale, stbl.stts_sample_delta(0), kIntMax);
      }
      if (s.r_frame_rate.num == 0)
        s.r_frame_rate = estimate_r_frame_rate(dts, durations, f.timescale, codec_time_base_unreliable(ci, t.timescale), avg_rate);
      // No estimate (avformat_find_stream_info): the codec context's rate when it is not
      // finer than the time base, else the time base's rate. The context's time_base is
      // 1 / (framerate * ticks_per_frame) once the decoder set a frame rate (VUI, VOL,
      // picture header; decode.c, FF_API_AVCTX_TIMEBASE); without one it is 0/1 and the
      // time base's rate wins.
      if (s.r_frame_rate.num == 0) {
        s.r_frame_rate = Rational{f.timescale, 1};
        if (dec.framerate.num > 0 && dec.framerate.den > 0) {
          const Rational tb = reduce(dec.framerate.den, dec.framerate.num * dec.ticks_per_frame, kIntMax);
          if (int128_t(tb.den) <= int128_t(tb.num) * dec.ticks_per_frame * f.timescale)
            s.r_frame_rate = reduce(tb.den, tb.num * dec.ticks_per_frame, kIntMax);
        }
      }
      // av_guess_sample_aspect_ratio: the stream's aspect ratio, else the decoder's
      // (codecpar, from the bitstream); ffprobe's DAR is reduced to terms of 1024*1024.
      s.sample_aspect_ratio = stream_sample_aspect(t, ci);
      if (s.sample_aspect_ratio.num <= 0 && dec.sample_aspect_ratio.num > 0 && dec.sample_aspect_ratio.den > 0)
        s.sample_aspect_ratio = reduce(dec.sample_aspect_ratio.num, dec.sample_aspect_ratio.den, kIntMax);
      if (s.sample_aspect_ratio.num > 0)
        s.display_aspect_ratio = reduce(int64_t(ci.width) * s.sample_aspect_ratio.num,
                                        int64_t(ci.height) * s.sample_aspect_ratio.den, 1024 * 1024);
      else
        s.sample_aspect_ratio = Rational{0, 0};
    }
  }
  for (const AttachedPicture& pic : movie.attached_pictures) {
    if (pic.stream_index >= out.streams.size()) continue;
    facts[pic.stream_index].type = MediaType::kVideo;
    facts[pic.stream_index].timescale = 90000;
    StreamSummary& ps = out.streams[pic.stream_index];
    ps.r_frame_rate = Rational{90000, 1};  // the time base's rate: no packet timing
    // The cover is decoded while probing: its pixel aspect is the decoder's (JFIF density).
    const DecoderFacts dec = attached_picture_facts(movie, pic);
    if (dec.sample_aspect_ratio.num > 0 && dec.sample_aspect_ratio.den > 0) {
      ps.sample_aspect_ratio = reduce(dec.sample_aspect_ratio.num, dec.sample_aspect_ratio.den, kIntMax);
      ps.display_aspect_ratio = reduce(int64_t(pic.width) * ps.sample_aspect_ratio.num,
                                       int64_t(pic.height) * ps.sample_aspect_ratio.den, 1024 * 1024);
    }
  }

  // update_stream_timings: the format's start is the earliest stream start, its end the
  // latest stream end; subtitle and data streams count only when nothing else does.
  FormatSummary& fmt = out.format;
  int64_t start = INT64_MAX, start_text = INT64_MAX, end = INT64_MIN, end_text = INT64_MIN;
  int64_t longest = INT64_MIN, longest_text = INT64_MIN;
  for (const TrackFacts& f : facts) {
    const bool text = f.type == MediaType::kSubtitle || f.type == MediaType::kData;
    if (f.start != kNoValue) {
      const int64_t s1 = rescale(f.start, kTimeBase, f.timescale);
      (text ? start_text : start) = std::min(text ? start_text : start, s1);
      if (f.duration != kNoValue) {
        const int64_t e1 = sat_add64(s1, rescale(f.duration, kTimeBase, f.timescale));
        (text ? end_text : end) = std::max(text ? end_text : end, e1);
      }
    }
    if (f.duration != kNoValue) {
      const int64_t d1 = rescale(f.duration, kTimeBase, f.timescale);
      (text ? longest_text : longest) = std::max(text ? longest_text : longest, d1);
    }
  }
  if (start == INT64_MAX || (start > start_text && start - start_text < kTimeBase)) start = start_text;
  if (end == INT64_MIN || (end < end_text && end_text - end < kTimeBase)) end = end_text;
  if (longest == INT64_MIN || (longest < longest_text && longest_text - longest < kTimeBase)) longest = longest_text;
  // mov_read_mvhd: the movie header's duration is the format's (a zero one is unset);
  // mov_read_trex unsets it again: with fragments it does not cover the whole file.
  int64_t format_duration = kNoValue;
  if (movie.duration > 0 && movie.trex.empty()) {
    const int64_t ts = movie.timescale > 0 ? movie.timescale : 1;
    format_duration = rescale(static_cast<int64_t>(std::min<uint64_t>(movie.duration, INT64_MAX)), kTimeBase, ts);
  }
  if (start != INT64_MAX) {
    fmt.start_time_us = start;
    if (end != INT64_MIN && end >= start) longest = std::max(longest, end - start);
  }
  if (format_duration == kNoValue && longest != INT64_MIN && longest > 0) format_duration = longest;
  if (format_duration != kNoValue) fmt.duration_us = format_duration;
  if (movie.file_size > 0 && format_duration != kNoValue && format_duration > 0) {
    const double bitrate = double(movie.file_size) * 8.0 * kTimeBase / double(format_duration);
    // ffprobe prints a bit rate only when it is above 0 (show_format)
    if (bitrate >= 1 && bitrate <= 9.2e18) fmt.bit_rate = static_cast<int64_t>(bitrate);
  }

  // fill_all_stream_timings: a stream that got no start takes the format's start and duration.
  for (size_t i = 0; i < facts.size(); ++i) {
    TrackFacts& f = facts[i];
    if (f.start == kNoValue) {
      if (fmt.start_time_us) f.start = rescale(*fmt.start_time_us, f.timescale, kTimeBase);
      if (fmt.duration_us) f.duration = rescale(*fmt.duration_us, f.timescale, kTimeBase);
    }
    if (f.start != kNoValue) out.streams[i].start_pts = f.start;
    if (f.duration != kNoValue) out.streams[i].duration = f.duration;
  }

  // mov_probe: the score of the leading top-level boxes.
  int score = 0;
  for (const BoxNode& b : movie.top_level) {
    if (b.offset >= (1u << 20)) break;  // the largest probe buffer
    const FourCC ty = b.type;
    if (ty == fourcc("moov") || ty == fourcc("mdat") || ty == fourcc("pnot") || ty == fourcc("udta") || ty == fourcc("ftyp")) {
      const bool jpeg2000 = ty == fourcc("ftyp") && (movie.major_brand == fourcc("jp2 ") || movie.major_brand == fourcc("jxl "));
      score = jpeg2000 ? std::max(score, 5) : 100;
    } else if (ty == fourcc("ediw") || ty == fourcc("wide") || ty == fourcc("free") || ty == fourcc("junk") || ty == fourcc("pict")) {
      score = std::max(score, 95);
    } else if (ty == 0x82827f7du || ty == fourcc("skip") || ty == fourcc("uuid") || ty == fourcc("prfl")) {
      score = std::max(score, 50);
    }
    if (score == 100) break;
  }
  fmt.probe_score = score;
  return out;
}

}  // namespace mp4kit
