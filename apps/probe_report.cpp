#include "probe_report.h"

#include <fmt/core.h>

#include <cmath>
#include <map>
#include <numeric>

#include "mp4/checked.h"

namespace mp4kit::cli {

std::string seconds_string(int64_t ticks, uint32_t timescale) {
  if (!timescale) return "0.000000";
  return fmt::format("{:.6f}", static_cast<double>(ticks) / timescale);
}

std::string ratio_string(uint64_t num, uint64_t den) {
  if (!den) return "0/0";
  uint64_t g = std::gcd(num, den);
  if (!g) g = 1;
  return fmt::format("{}/{}", num / g, den / g);
}

namespace {

// FFmpeg's av_display_rotation_get on the tkhd matrix (16.16 entries a, b, c, d).
std::optional<double> rotation_of(const TrackHeader& tkhd) {
  const auto& m = tkhd.matrix;
  if (m[0] == 0x10000 && m[1] == 0 && m[3] == 0 && m[4] == 0x10000) return std::nullopt;  // identity
  double a = m[0] / 65536.0, b = m[1] / 65536.0, c = m[3] / 65536.0, d = m[4] / 65536.0;
  double s0 = std::hypot(a, c), s1 = std::hypot(b, d);
  if (s0 == 0 || s1 == 0) return std::nullopt;
  double r = -std::atan2(b / s1, a / s0) * 180.0 / M_PI;
  if (r == 0) r = 0;  // no "-0"
  return r;
}

// Fills the per-stream figures from the tables, reading as little as possible: stts and
// stss whole (small), ctts only until the first reordering, stsz not at all unless
// `sizes` is set. Adds the table bytes it read to `scanned`.
void stream_stats(const Movie& movie, const Track& t, const SampleTable& table, StreamReport& sr, bool sizes,
                  uint64_t& scanned) {
  const SampleTableBoxes& s = t.stbl;
  sr.nb_frames = table.sample_count();
  if (sizes) {
    sr.bytes = table.total_bytes();
    scanned += s.stsz.size;
  }
  scanned += uint64_t(s.stts_count) * 8 + uint64_t(s.stss_count) * 4;
  // GOPs from stss (moov) or sample flags (fragments): distances between sync samples.
  // GOP = samples from one sync sample to the next (the last one runs to the end).
  struct Gops {
    uint64_t prev = UINT64_MAX, sum = 0, n = 0, min = UINT64_MAX, max = 0, count = 0;
    void add(uint64_t gop) {
      min = std::min(min, gop);
      max = std::max(max, gop);
      sum += gop;
      ++n;
    }
    void sync(uint64_t pos) {
      ++count;
      if (prev != UINT64_MAX && pos > prev) add(pos - prev);
      prev = pos;
    }
    void finish(uint64_t total, StreamReport& r) {
      if (prev != UINT64_MAX && total > prev) add(total - prev);
      r.sync_samples = count;
      r.gop_min = min == UINT64_MAX ? 0 : min;
      r.gop_max = max;
      r.gop_avg = n ? static_cast<double>(sum) / static_cast<double>(n) : 0;
    }
  } gops;
  if (table.fragment_sample_count() == 0 && !s.has_stss) {
    gops.count = table.moov_sample_count();  // every sample is a sync sample
    gops.finish(0, sr);
  } else if (table.fragment_sample_count() == 0) {
    const uint32_t key_off = s.stss_count && load_be32(s.stss.data) > 0 ? 1 : 0;
    for (uint32_t i = 0; i < s.stss_count; ++i) {
      uint64_t pos = load_be32(s.stss.data + uint64_t(i) * 4) - key_off;
      if (pos >= table.moov_sample_count()) break;
      gops.sync(pos);
    }
    gops.finish(table.moov_sample_count(), sr);
  } else {
    SampleTable::Cursor cur = table.cursor();
    Sample smp;
    while (cur.next(smp))
      if (smp.is_sync) gops.sync(smp.index);
    gops.finish(table.sample_count(), sr);
  }
  if (sr.sync_samples == table.sample_count()) {  // all-intra: every GOP is one sample
    sr.gop_min = sr.gop_max = table.sample_count() ? 1 : 0;
    sr.gop_avg = static_cast<double>(sr.gop_min);
  }

  // B-frames: presentation order differs from decode order (pts_{i+1} < pts_i).
  const uint32_t delta0 = s.stts_count ? load_be32(s.stts.data + 4) : 0;
  for (uint32_t i = 0; i + 1 < s.ctts_count && !sr.has_b_frames; ++i) {
    scanned += 8;
    int32_t a = static_cast<int32_t>(load_be32(s.ctts.data + uint64_t(i) * 8 + 4));
    int32_t b = static_cast<int32_t>(load_be32(s.ctts.data + uint64_t(i + 1) * 8 + 4));
    if (int64_t(b) + delta0 < int64_t(a)) sr.has_b_frames = true;
  }
  if (!sr.has_b_frames && !t.runs.empty()) {
    SampleTable::Cursor cur = table.cursor();
    Sample smp;
    int64_t prev_pts = INT64_MIN;
    while (cur.next(smp)) {
      int64_t pts = smp.dts + smp.composition_offset;
      if (pts < prev_pts) { sr.has_b_frames = true; break; }
      prev_pts = pts;
    }
  }

  // Frame rates: avg over all samples (FFmpeg: timescale * frames / total duration);
  // r_frame_rate from the most common sample duration.
  uint64_t total = 0, frames = 0;
  std::map<uint32_t, uint64_t> deltas;
  for (uint32_t i = 0; i < s.stts_count; ++i) {
    uint32_t count = load_be32(s.stts.data + uint64_t(i) * 8), delta = load_be32(s.stts.data + uint64_t(i) * 8 + 4);
    total += uint64_t(count) * delta;
    frames += count;
    deltas[delta] += count;
  }
  if (!t.runs.empty()) {
    SampleTable::Cursor cur = table.cursor();
    Sample smp;
    while (cur.next(smp)) {
      if (!smp.in_fragment) continue;
      total += smp.duration;
      ++frames;
      deltas[smp.duration] += 1;
    }
  }
  if (total && frames) {
    sr.avg_fr_num = uint64_t(t.timescale) * frames;
    sr.avg_fr_den = total;
  }
  uint64_t best_count = 0;
  uint32_t best_delta = 0;
  uint64_t significant = 0;
  for (auto [d, c] : deltas) {
    if (c > best_count) { best_count = c; best_delta = d; }
    if (c > 1) ++significant;  // a single odd last-sample duration does not make VFR
  }
  sr.variable_frame_rate = significant > 1;
  if (best_delta) {
    sr.r_fr_num = t.timescale;
    sr.r_fr_den = best_delta;
  }
  (void)movie;
}

}  // namespace

Result<FileReport> make_report(const std::string& path, bool with_packets, bool apply_edits, const Limits& limits) {
  FileSourceOptions so;
  so.fault_guard = true;  // the CLI survives a file truncated under it (exit 74)
  auto source = open_file(path, so);
  if (!source.ok()) return source.error();
  (*source)->advise(Access::kRandom, 0, (*source)->size());
  DemuxerOptions dopt;
  dopt.limits = limits;
  dopt.apply_edit_lists = apply_edits;
  dopt.parser_key_flags = with_packets;  // ffprobe's K: reads the first bytes of sync samples
  auto demuxer = Demuxer::open(*source, dopt);
  if (!demuxer.ok()) return demuxer.error();
  FileReport rep{path, std::move(demuxer.value()), {}, {}, 0, 0, nullptr};
  const Movie& m = rep.movie();
  const std::vector<SampleTable>* tables = nullptr;
  if (with_packets) {
    auto tl = rep.demuxer.timelines();
    if (!tl.ok()) return tl.error();
    rep.timelines = *tl;
    tables = *rep.demuxer.sample_tables();
  } else {
    rep.scan_tables.reserve(m.tracks.size());
    for (const Track& t : m.tracks) {
      auto table = SampleTable::build(t, limits, /*index_chunks=*/false);
      if (!table.ok()) return table.error();
      rep.scan_tables.push_back(std::move(table.value()));
    }
    tables = &rep.scan_tables;
  }
  for (size_t i = 0; i < m.tracks.size(); ++i) {
    const Track& t = m.tracks[i];
    StreamReport sr;
    sr.index = m.track_stream_index[i];
    sr.track_index = static_cast<uint32_t>(i);
    sr.codec = codec_info_of(t);
    sr.track_id = t.tkhd.track_id;
    sr.timescale = t.timescale;
    sr.language = t.language;
    sr.handler_name = t.handler_name;
    sr.edits = t.edits;
    sr.rotation = sr.codec.type == MediaType::kVideo ? rotation_of(t.tkhd) : std::nullopt;
    stream_stats(m, t, (*tables)[i], sr, with_packets, rep.bytes_read);
    // Duration (FFmpeg's st->duration): the edit list's total when there is one, else
    // mdhd, extended by fragments.
    sr.duration_ts = static_cast<int64_t>(t.media_duration);
    int64_t empty = 0;
    if (apply_edits && t.has_elst && !t.edits.empty() && m.timescale && (*tables)[i].moov_sample_count()) {
      int64_t sum = 0;
      bool found = false;
      for (const EditListEntry& e : t.edits) {
        int64_t d = rescale(static_cast<int64_t>(e.segment_duration), t.timescale, m.timescale);
        sum += d;
        if (!found && e.media_time == -1) empty += d;
        else found = true;
      }
      sr.duration_ts = sum;
    }
    if (!t.runs.empty()) sr.duration_ts = std::max<int64_t>(sr.duration_ts, (*tables)[i].total_duration());
    sr.start_pts = empty;
    if (rep.timelines) {
      const StreamTimeline& tl = (*rep.timelines)[i];
      sr.duration_ts = tl.duration;
      sr.dts_shift = tl.dts_shift;
      if (tl.has_start_pts) sr.start_pts = tl.start_pts;
    } else if (!t.has_elst) {
      // First presented sample: the minimum pts among the first samples (B-frame reorder).
      SampleTable::Cursor cur = (*tables)[i].cursor();
      Sample smp;
      bool any = false;
      for (int k = 0; k < 16 && cur.next(smp); ++k) {
        int64_t pts = smp.dts + (smp.in_fragment ? smp.composition_offset : 0);
        if (!any || pts < sr.start_pts) sr.start_pts = pts;
        any = true;
      }
    }
    rep.streams.push_back(std::move(sr));
  }
  rep.bytes_read += m.bytes_read;
  if (with_packets) {  // the timeline read every table entry
    for (const Track& t : m.tracks) {
      const SampleTableBoxes& s = t.stbl;
      rep.bytes_read += s.ctts.size + s.stsc.size + s.stco.size + s.sdtp.size + s.stps.size;
    }
  }
  // Format duration: the longest stream (FFmpeg takes the max of stream end times).
  double longest = 0;
  for (const StreamReport& sr : rep.streams) {
    if (!sr.timescale) continue;
    longest = std::max(longest, static_cast<double>(sr.start_pts + sr.duration_ts) / sr.timescale);
  }
  if (longest == 0 && m.timescale) longest = static_cast<double>(m.duration) / m.timescale;
  rep.duration_s = longest;
  // The tables and statistics above read mapped bytes too (io/fault_guard.h).
  if (Status intact = rep.demuxer.source().check_intact(); !intact.ok()) return intact.error();
  return rep;
}

}  // namespace mp4kit::cli
