#include "probe_report.h"

#include "source_flags.h"

#include <fmt/core.h>

#include <cmath>
#include <map>
#include <numeric>

#include "mp4/checked.h"
#include "mp4/codec_config.h"
#include "mp4/stream_stats.h"

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

  // Variable frame rate: more than one sample duration that occurs more than once (a
  // single odd last-sample duration does not make VFR).
  std::map<uint32_t, uint64_t> deltas;
  for (uint32_t i = 0; i < s.stts_count; ++i) deltas[s.stts_sample_delta(i)] += s.stts_sample_count(i);
  if (!t.runs.empty()) {
    SampleTable::Cursor cur = table.cursor();
    Sample smp;
    while (cur.next(smp))
      if (smp.in_fragment) deltas[smp.duration] += 1;
  }
  uint64_t significant = 0;
  for (auto [d, c] : deltas) significant += c > 1;
  sr.variable_frame_rate = significant > 1;
  (void)movie;
}

}  // namespace

Result<FileReport> make_report(const std::string& path, bool with_packets, bool apply_edits, const Limits& limits,
                               const SourceOptions& source_options) {
  auto source = open_source(path, source_options);  // a path, or an http(s):// URL
  if (!source.ok()) return source.error();
  (*source)->advise(Access::kRandom, 0, (*source)->size());
  DemuxerOptions dopt;
  dopt.limits = limits;
  dopt.apply_edit_lists = apply_edits;
  dopt.parser_key_flags = with_packets;  // ffprobe's K: reads the first bytes of sync samples
  auto demuxer = Demuxer::open(*source, dopt);
  if (!demuxer.ok()) return demuxer.error();
  FileReport rep{display_name(path), std::move(demuxer.value()), {}, {}, {}, 0, 0, {}, nullptr};
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
    sr.rotation = sr.codec.type == MediaType::kVideo ? display_rotation_of(t.tkhd) : std::nullopt;
    stream_stats(m, t, (*tables)[i], sr, with_packets, rep.bytes_read);
    if (rep.timelines) sr.dts_shift = (*rep.timelines)[i].dts_shift;
    rep.streams.push_back(std::move(sr));
  }
  rep.bytes_read += m.bytes_read;
  if (with_packets) {  // the timeline read every table entry
    for (const Track& t : m.tracks) {
      const SampleTableBoxes& s = t.stbl;
      rep.bytes_read += s.ctts.size + s.stsc.size + s.stco.size + s.sdtp.size + s.stps.size;
    }
  }
  // ffprobe's timing, rate and size figures (lib/mp4/stream_stats.cpp).
  auto summary = rep.demuxer.summary();
  if (!summary.ok()) return summary.error();
  rep.summary = std::move(summary.value());
  rep.duration_s = rep.summary.format.duration_us ? static_cast<double>(*rep.summary.format.duration_us) / 1e6 : 0;
  for (StreamReport& sr : rep.streams) {
    const StreamSummary& ss = rep.summary.streams[sr.index];
    sr.duration_ts = ss.duration.value_or(0);
    sr.start_pts = ss.start_pts.value_or(0);
  }
  if (!with_packets) {  // the bit rates read stsz whole (--packets counted it above)
    for (const Track& t : m.tracks) rep.bytes_read += t.stbl.stsz.size;
  }
  rep.fetched = rep.demuxer.source().stats();
  // The tables and statistics above read mapped bytes too (io/fault_guard.h).
  if (Status intact = rep.demuxer.source().check_intact(); !intact.ok()) return intact.error();
  return rep;
}

// ffprobe 5.1's show_stream key order (fftools/ffprobe.c); keys not listed keep their
// order after these.
void put_decoder_fields(nlohmann::ordered_json& j, const FileReport& rep) {
  using json = nlohmann::ordered_json;
  static constexpr const char* kOrder[] = {
      "index", "codec_name", "codec_long_name", "profile", "codec_type", "codec_tag_string", "codec_tag", "width",
      "height", "coded_width", "coded_height", "has_b_frames", "sample_aspect_ratio", "display_aspect_ratio", "pix_fmt",
      "level", "color_range", "color_space", "color_transfer", "color_primaries", "chroma_location", "field_order",
      "refs", "sample_fmt", "sample_rate", "channels", "channel_layout", "bits_per_sample", "id", "r_frame_rate",
      "avg_frame_rate", "time_base", "start_pts", "start_time", "duration_ts", "duration", "bit_rate",
      "bits_per_raw_sample", "nb_frames", "disposition", "tags"};
  const auto tags_json = [](const std::vector<Tag>& tags) {
    json t = json::object();
    for (const Tag& tag : tags) t[tag.key] = tag.value;
    return t;
  };
  const std::vector<StreamInfo>& infos = rep.demuxer.streams();
  if (j.contains("streams")) {
    for (json& s : j["streams"]) {
      if (!s.contains("index")) continue;
      const auto index = s["index"].get<size_t>();
      if (index >= infos.size()) continue;
      const StreamInfo& info = infos[index];
      const StreamParameters& p = info.parameters;
      json add = json::object();
      if (!p.profile.empty()) add["profile"] = p.profile;
      for (const ParameterField& f : parameter_fields(p)) add[f.key] = f.number ? json(std::stoll(f.value)) : json(f.value);
      if (!p.decodes_frames) s.erase("profile");
      const Disposition& d = info.disposition;
      add["disposition"] = {{"default", d.default_}, {"dub", d.dub}, {"original", d.original}, {"comment", d.comment},
                            {"lyrics", d.lyrics}, {"karaoke", d.karaoke}, {"forced", d.forced},
                            {"hearing_impaired", d.hearing_impaired}, {"visual_impaired", d.visual_impaired},
                            {"clean_effects", d.clean_effects}, {"attached_pic", d.attached_pic},
                            {"timed_thumbnails", d.timed_thumbnails}, {"captions", d.captions},
                            {"descriptions", d.descriptions}, {"metadata", d.metadata}, {"dependent", d.dependent},
                            {"still_image", d.still_image}};
      if (!info.attached_picture) add["tags"] = tags_json(info.tags);
      for (auto it = add.begin(); it != add.end(); ++it) s[it.key()] = it.value();
      json ordered = json::object();
      for (const char* key : kOrder)
        if (s.contains(key)) ordered[key] = s[key];
      for (auto it = s.begin(); it != s.end(); ++it)
        if (!ordered.contains(it.key())) ordered[it.key()] = it.value();
      s = std::move(ordered);
    }
  }
  if (j.contains("format")) j["format"]["tags"] = tags_json(rep.demuxer.format_tags());
}

}  // namespace mp4kit::cli
