#include "mp4/timeline.h"

#include "mp4/chapters.h"

#include <algorithm>

#include "mp4/checked.h"
#include "mp4/codec_info.h"
#include "mp4/fragment_clock.h"

namespace mp4kit {

MediaType media_type_of(const Track& track) { return codec_info_of(track).type; }

namespace {

// The index entries (FFmpeg's AVIndexEntry) are Packets from the start: dts is the entry
// timestamp, key/discard its flags, duration the container's sample duration until the
// final pass sets FFmpeg's packet duration. One table, no copies.
using Entry = Packet;
using EntryVector = PacketVector;

Packet make_entry(uint64_t pos, int64_t dts, uint32_t size, bool key, uint64_t sample_index, uint32_t sdi, int64_t duration) {
  Packet p;
  p.pos = pos;
  p.dts = dts;
  p.size = size;
  p.key = key;
  p.sample_index = sample_index;
  p.sample_description_index = sdi;
  p.duration = duration;
  return p;
}

// ff_index_search_timestamp (libavformat/seek.c), same contract: the entry at or before
// (BACKWARD) `wanted`, optionally walking to a key entry; -1 when none.
int64_t index_search(const EntryVector& e, int64_t wanted, bool backward, bool any) {
  const int64_t n = static_cast<int64_t>(e.size());
  int64_t a = -1, b = n;
  if (b && e[b - 1].dts < wanted) a = b - 1;
  while (b - a > 1) {
    int64_t m = (a + b) >> 1;
    while (e[m].discard && m < b && m < n - 1) {
      ++m;
      if (m == b && e[m].dts >= wanted) {
        m = b - 1;
        break;
      }
    }
    int64_t ts = e[m].dts;
    if (ts >= wanted) b = m;
    if (ts <= wanted) a = m;
  }
  int64_t m = backward ? a : b;
  if (!any)
    while (m >= 0 && m < n && !e[m].key) m += backward ? -1 : 1;
  return m == n ? -1 : m;
}

struct Ctx {
  const Track& track;
  MediaType type;
  bool is_vorbis = false;
  int64_t dts_shift = 0;
  uint32_t movie_timescale = 0;
};

// mov_fix_index's find_prev_closest_index: a key entry whose pts <= wanted pts, walking
// back over B-frame reordering. `ctts` is per-entry (FFmpeg expands ctts 1:1 first).
int64_t find_prev_closest(const Ctx& c, const EntryVector& e, const std::vector<int32_t>* ctts, int64_t wanted_pts,
                          bool any) {
  if (c.dts_shift > 0) wanted_pts = sat_sub64(wanted_pts, c.dts_shift);
  int64_t idx = index_search(e, wanted_pts, /*backward=*/true, any);
  if (idx >= 0) {
    for (int64_t i = idx; i > 0 && e[i].dts == e[i - 1].dts; --i)
      if (any || e[i - 1].key) idx = i - 1;
  }
  if (ctts && idx >= 0) {
    const int64_t n = static_cast<int64_t>(ctts->size());
    while (idx >= 0 && idx < n) {
      if (sat_add64(e[idx].dts, (*ctts)[idx]) <= wanted_pts && e[idx].key) break;
      --idx;
    }
  }
  return idx;
}

struct Fixed {
  EntryVector entries;
  std::vector<int32_t> ctts;  // new per-entry composition offsets (may be shorter)
  int64_t duration = 0;
  int64_t skip_samples = 0;
  int64_t empty_edits = 0;
};

// What mov_fix_index keeps across the edits of one track.
struct FixState {
  Fixed out;
  int64_t min_corrected_pts = -1;     // smallest pts inside an edit, -1 until one is found
  int first_non_zero_audio_edit = -1;  // 1 while on the first non-empty audio edit, then 0
};

// One non-empty edit of mov_fix_index: from the key entry at or before `media_time`, the
// entries are copied with dts counted from `dts_counter`; those outside [media_time,
// media_time + edit_duration) are flagged discard (or, for the first audio edit, counted
// as samples to skip), and the walk stops at the first key entry past the edit's end (for
// video with ctts, the second one, as B-frames may still show before it).
void fix_edit(const Ctx& c, const EntryVector& old, const std::vector<int32_t>* ctts_old, int64_t media_time,
              int64_t edit_duration, int64_t dts_counter, FixState& st) {
  Fixed& out = st.out;
  const bool audio = c.type == MediaType::kAudio;
  const int64_t nb_old = static_cast<int64_t>(old.size());
  const int64_t ctts_count_old = ctts_old ? static_cast<int64_t>(ctts_old->size()) : 0;
  const int64_t edit_end = sat_add64(edit_duration, media_time);  // end of the edit in media time
  int64_t search_ts = media_time;
  if (audio) search_ts = std::max(sat_sub64(search_ts, c.track.timescale), old[0].dts);
  int64_t index = find_prev_closest(c, old, ctts_old, search_ts, false);
  if (index < 0) index = find_prev_closest(c, old, ctts_old, search_ts, true);
  if (index < 0) index = 0;
  int num_discarded_begin = 0;
  std::vector<int64_t> discarded_durations;
  bool start_encountered = false;
  bool found_key_after_edit = false;
  // The first sample inside the edit: FFmpeg's fix_index_entry_timestamps gives the
  // samples discarded before it strictly increasing dts, counting back from this one.
  auto encounter_start = [&]() {
    start_encountered = true;
    int64_t ts = dts_counter;
    for (int k = 0; k < num_discarded_begin; ++k) {
      ts = sat_sub64(ts, discarded_durations[num_discarded_begin - 1 - k]);
      out.entries[out.entries.size() - 1 - k].dts = ts;
    }
    discarded_durations.clear();
    num_discarded_begin = 0;
  };
  for (int64_t i = index; i < nb_old; ++i) {
    const Entry& cur = old[i];
    const int64_t frame_duration = (i + 1 < nb_old) ? sat_sub64(old[i + 1].dts, cur.dts) : edit_duration;
    bool discard = cur.discard;
    int64_t curr_cts = sat_add64(cur.dts, c.dts_shift);
    int64_t curr_ctts = 0;
    if (ctts_old && i < ctts_count_old) {
      curr_ctts = (*ctts_old)[i];
      curr_cts = sat_add64(curr_cts, curr_ctts);
      out.ctts.push_back(static_cast<int32_t>(curr_ctts));
    }
    if (curr_cts < media_time || curr_cts >= edit_end) {
      if (audio && !c.is_vorbis && curr_cts < media_time && sat_add64(curr_cts, frame_duration) > media_time &&
          st.first_non_zero_audio_edit > 0) {
        const int64_t packet_skip = sat_sub64(media_time, curr_cts);
        out.skip_samples = sat_add64(out.skip_samples, packet_skip);
        dts_counter = sat_sub64(dts_counter, packet_skip);
        if (!start_encountered) encounter_start();
      } else {
        discard = true;
        if (!start_encountered) {
          ++num_discarded_begin;
          discarded_durations.push_back(frame_duration);
          if (audio && st.first_non_zero_audio_edit > 0 && !c.is_vorbis) out.skip_samples = sat_add64(out.skip_samples, frame_duration);
        }
      }
    } else {
      const int64_t corrected = sat_add64(sat_add64(dts_counter, curr_ctts), c.dts_shift);
      st.min_corrected_pts = st.min_corrected_pts < 0 ? corrected : std::min(st.min_corrected_pts, corrected);
      if (!start_encountered) encounter_start();
    }
    Entry ne = cur;
    ne.dts = dts_counter;
    ne.discard = discard;
    out.entries.push_back(ne);
    if (start_encountered) dts_counter = sat_add64(dts_counter, frame_duration);
    if (sat_add64(curr_cts, frame_duration) >= edit_end && (cur.key || audio)) {
      if (ctts_old && !audio && !found_key_after_edit) {
        found_key_after_edit = true;
        continue;
      }
      break;
    }
  }
}

// mov_fix_index: rewrite the index according to the edit list. Leading empty edits shift
// the presentation (empty_edits); each other edit appends its entries (fix_edit); video
// dts are then moved so that the first presented pts is 0.
Fixed fix_index(const Ctx& c, const EntryVector& old, const std::vector<int32_t>* ctts_old) {
  FixState st;
  Fixed& out = st.out;
  out.entries.reserve(old.size() + 16);
  if (ctts_old) out.ctts.reserve(old.size() + 16);
  const Track& t = c.track;
  int64_t dts_entry_end = c.dts_shift > 0 ? -c.dts_shift : 0;
  const int64_t start_dts = dts_entry_end;
  bool found_non_empty = false;
  for (const EditListEntry& edit : t.edits) {
    if (c.movie_timescale == 0) break;  // FFmpeg: edit lists need mvhd.timescale
    const int64_t edit_duration = rescale(static_cast<int64_t>(edit.segment_duration), t.timescale, c.movie_timescale);
    const int64_t dts_counter = dts_entry_end;
    dts_entry_end = sat_add64(dts_entry_end, edit_duration);
    if (!found_non_empty && edit.media_time == -1) {
      out.empty_edits = sat_add64(out.empty_edits, edit_duration);
      continue;
    }
    found_non_empty = true;
    if (c.type == MediaType::kAudio) {
      st.first_non_zero_audio_edit = st.first_non_zero_audio_edit < 0 ? 1 : 0;
      if (st.first_non_zero_audio_edit > 0) out.skip_samples = 0;
    }
    fix_edit(c, old, ctts_old, edit.media_time, edit_duration, dts_counter, st);
  }
  const int64_t min_corrected_pts = sat_sub64(st.min_corrected_pts, out.empty_edits);
  if (c.type == MediaType::kVideo && min_corrected_pts > 0) {
    for (Entry& e : out.entries) e.dts = sat_sub64(e.dts, min_corrected_pts);
  }
  out.duration = sat_sub64(dts_entry_end, start_dts);
  return std::move(st.out);  // `out` is a reference into st: a plain return would copy the tables
}

// FFmpeg's dts_shift: the largest negative composition offset, from ctts (FFmpeg ignores
// the last two entries, and an offset below -2^28 invalidates the table) and from trun
// composition offsets. Returns whether the moov ctts table is usable.
bool find_dts_shift(const Track& t, int64_t& dts_shift) {
  const SampleTableBoxes& s = t.stbl;
  const auto shift_for = [](int32_t d) { return d == INT32_MIN ? int64_t(INT32_MAX) : -int64_t(d); };
  bool ctts_valid = s.ctts_count > 0;
  for (uint32_t i = 0; i < s.ctts_count; ++i) {
    const int32_t count = static_cast<int32_t>(s.ctts_sample_count(i)), d = s.ctts_sample_offset(i);
    if (count <= 0) continue;
    if (d < -(1 << 28) && i + 2 < s.ctts_count) { ctts_valid = false; dts_shift = 0; break; }
    if (i + 2 < s.ctts_count && d < 0) dts_shift = std::max(dts_shift, shift_for(d));
  }
  for (const TrackRun& run : t.runs) {
    if (!(run.flags & trun_flags::kCompositionOffset)) continue;
    for (uint32_t i = 0; i < run.sample_count; ++i) {
      const int32_t d = run.sample_composition_offset(i);
      if (d < 0) dts_shift = std::max(dts_shift, shift_for(d));
    }
  }
  return ctts_valid;
}

// The index of one track before edit lists: entries, their composition offsets, and the
// decode time where the moov samples end (shifted by -dts_shift like the entries).
struct Index {
  EntryVector entries;
  std::vector<int32_t> ctts;  // per entry; empty without a valid ctts
  int64_t moov_end = 0;
};

// Entries for the moov samples (mov_build_index): one per sample, key from stss (an empty
// stss marks only the first video sample) and stps, ctts expanded 1:1.
Status index_moov_samples(const Ctx& c, const SampleTable& table, bool ctts_valid, const std::string& stbl, Index& out) {
  const SampleTableBoxes& s = c.track.stbl;
  const uint64_t moov_n = table.moov_sample_count();
  EntryVector& entries = out.entries;
  entries.reserve(moov_n + table.fragment_sample_count());
  const bool keyframe_absent = s.has_stss && s.stss_count == 0;
  int64_t dts = -c.dts_shift;
  SampleTable::Cursor cur = table.cursor();
  Sample smp;
  for (uint64_t i = 0; i < moov_n && cur.next(smp); ++i) {
    if (smp.size > 0x3FFFFFFF) break;  // FFmpeg stops indexing at an absurd sample size
    bool key = smp.is_sync;
    if (keyframe_absent) key = c.type == MediaType::kAudio || i == 0;
    entries.push_back(make_entry(smp.offset, dts, smp.size, key, smp.index, smp.sample_description_index, smp.duration));
    // SampleTable::build checked that the moov durations sum within int64, and dts starts
    // at -dts_shift: this cannot fail, but stays checked.
    auto next = checked_add_ticks(dts, smp.duration);
    if (!next) return make_error(ErrorCode::kMalformed, stbl + "/stts", s.stts.offset, "decode time overflows 64 bits");
    dts = *next;
  }
  out.moov_end = dts;
  // stps (partial sync samples) count as keyframes too.
  if (s.stps_count) {
    const uint32_t off = s.stps_sample_number(0) > 0 ? 1 : 0;
    for (uint32_t k = 0; k < s.stps_count; ++k) {
      const uint64_t n = s.stps_sample_number(k);
      if (n >= off && n - off < entries.size()) entries[n - off].key = true;
    }
  }
  if (ctts_valid) {
    out.ctts.reserve(entries.size());
    for (uint32_t i = 0; i < s.ctts_count && out.ctts.size() < entries.size(); ++i) {
      const int32_t count = static_cast<int32_t>(s.ctts_sample_count(i)), d = s.ctts_sample_offset(i);
      for (int32_t k = 0; k < count && out.ctts.size() < entries.size(); ++k) out.ctts.push_back(d);
    }
  }
  return Ok{};
}

// Uncompressed audio whose stts is one entry of delta 1 (mov_build_index's chunk-based
// path): one entry per chunk slice of up to 1024 samples, or per QuickTime sound frame,
// sliced with the layout audio_chunk_layout() gives (codec_info.h). As in FFmpeg, the
// number of entries is counted from stsc first ("total"); an unaligned chunk before the
// last stsc entry leaves the track without packets, and indexing stops at that count.
// The count is what bounds memory here (stsc may claim far more samples than stsz has),
// so it is checked against Limits::max_index_bytes before anything is stored.
Status index_grouped_pcm(const Ctx& c, const std::string& stbl, const Limits& limits, Index& out) {
  const Track& t = c.track;
  const SampleTableBoxes& s = t.stbl;
  AudioChunkLayout layout;
  if (!t.sample_entries.empty()) layout = audio_chunk_layout(t, t.sample_entries.front());
  else layout.sample_size = s.sample_size;
  const uint32_t spf = layout.samples_per_frame, bpf = layout.bytes_per_frame;
  out.moov_end = -c.dts_shift;
  if (!s.chunk_count) return Ok{};
  uint64_t total = 0;
  for (uint32_t i = 0; i < s.stsc_count; ++i) {
    const uint32_t chunk_samples = s.stsc_samples_per_chunk(i);
    if (i != s.stsc_count - 1 && spf && chunk_samples % spf) return Ok{};  // "error unaligned chunk"
    uint64_t count;
    if (spf >= 160) count = chunk_samples / spf;
    else if (spf > 1) {
      const uint64_t per = (1024 / spf) * spf;
      count = (chunk_samples + per - 1) / per;
    } else count = (uint64_t(chunk_samples) + 1023) / 1024;
    // mov_stsc_index_valid: the chunk run ends at the next entry's first_chunk, else at the last chunk.
    const uint32_t first = s.stsc_first_chunk(i);
    const bool next_valid = i + 1 < s.stsc_count && s.stsc_first_chunk(i + 1) > first;
    const uint64_t chunks = next_valid ? uint64_t(s.stsc_first_chunk(i + 1)) - first
                                       : (first >= 1 && first - 1 <= s.chunk_count ? s.chunk_count - (first - 1) : 0);
    total += chunks * count;  // < 2^32 x 2^32 per entry, 2^32 entries: cannot wrap 64 bits in practice
    if (total > UINT32_MAX) break;
  }
  if (total > UINT32_MAX || total * sizeof(Packet) > limits.max_index_bytes) {
    return make_error(ErrorCode::kInternal, stbl + "/stsc", s.stsc.offset,
                      "uncompressed audio packet table of " + std::to_string(total) +
                          " chunk slices exceeds the index memory limit (raise with --max-index-mb)");
  }
  out.entries.reserve(static_cast<size_t>(total));
  int64_t dts = -c.dts_shift;
  uint32_t stsc_i = 0;
  for (uint32_t chunk = 0; chunk < s.chunk_count; ++chunk) {
    if (stsc_i + 1 < s.stsc_count && s.stsc_first_chunk(stsc_i + 1) == chunk + 1) ++stsc_i;
    uint32_t chunk_samples = s.stsc_count ? s.stsc_samples_per_chunk(stsc_i) : 0;
    const uint32_t sdi = s.stsc_count ? s.stsc_sample_description_index(stsc_i) : 1;
    uint64_t pos = s.chunk_offset(chunk);
    while (chunk_samples > 0) {
      if (spf > 1 && !bpf) {  // "Zero bytes per frame": FFmpeg stops indexing
        out.moov_end = dts;
        return Ok{};
      }
      uint32_t samples, size;
      if (spf >= 160) {
        samples = spf;
        size = bpf;
      } else if (spf > 1) {
        samples = std::min((1024 / spf) * spf, chunk_samples);
        size = (samples / spf) * bpf;
      } else {
        samples = std::min<uint32_t>(1024, chunk_samples);
        size = samples * layout.sample_size;
      }
      if (out.entries.size() >= total || size > 0x3FFFFFFF) {  // "wrong chunk count", "too large"
        out.moov_end = dts;
        return Ok{};
      }
      out.entries.push_back(make_entry(pos, dts, size, true, out.entries.size(), sdi, samples));
      pos = sat_add_u64(pos, size);  // past 2^64 = past the end of the file (checked.h)
      auto next = checked_add_ticks(dts, samples);
      if (!next) return make_error(ErrorCode::kMalformed, stbl + "/stsc", s.stsc.offset, "decode time overflows 64 bits");
      dts = *next;
      chunk_samples -= samples;  // unsigned, as in FFmpeg: a short GSM tail wraps and runs into "total"
    }
  }
  out.moov_end = dts;
  return Ok{};
}

}  // namespace

// mov_read_elst's time_offset for fragments: the first non-empty edit's media time minus
// a leading empty edit's duration (in track ticks).
int64_t fragment_time_offset(const Track& t, uint32_t movie_timescale) {
  if (!t.has_elst || movie_timescale == 0) return 0;
  int64_t empty_duration = 0, start_time = 0;
  size_t edit_start = 0;
  for (size_t i = 0; i < t.edits.size(); ++i) {
    if (i == 0 && t.edits[i].media_time == -1) {
      empty_duration = static_cast<int64_t>(t.edits[i].segment_duration);
      edit_start = 1;
    } else if (i == edit_start && t.edits[i].media_time >= 0) {
      start_time = t.edits[i].media_time;
    }
  }
  if (!empty_duration && !start_time) return 0;
  if (empty_duration) empty_duration = rescale(empty_duration, t.timescale, movie_timescale);
  return sat_sub64(start_time, empty_duration);
}

namespace {

// One track while the timelines are built: its moov entries (edited), then the fragment
// entries the replay appends, and FFmpeg's running fragment state for it (the clock).
struct TrackBuild {
  Ctx c;
  const SampleTable* table = nullptr;
  CodecInfo ci{};
  EntryVector entries{};
  std::vector<int32_t> ctts{};    // aligned 1:1 with entries once a fragment entry is added
  bool have_ctts = false;
  FragmentClockTrack clock{};     // st->duration, track_end, time_offset (fragment_clock.h)
  SampleTable::Cursor cursor{};   // at the next fragment sample
};

// One run's entries (mov_read_trun), appended after the track's earlier entries from
// `first_dts` (the fragment clock's decode time of its first sample); an entry at or before
// the dts of the entry before the run is flagged discard. The clock then moves to its end.
// Decode times that do not fit are malformed (checked.h).
Status append_run(TrackBuild& b, uint32_t run_index, int64_t first_dts) {
  const TrackRun& run = b.c.track.runs[run_index];
  int64_t dts = first_dts;
  // Overlap is judged against the entry before the run, once (FFmpeg's prev_dts is not
  // updated inside the run): a sample at or before it is discarded after decoding.
  const bool have_prev = !b.entries.empty();
  const int64_t prev_dts = have_prev ? b.entries.back().dts : 0;
  Sample smp;
  for (uint32_t i = 0; i < run.sample_count; ++i) {
    // The cursor steps over empty runs, so the next sample belongs to this run.
    if (!b.cursor.next(smp) || smp.run_index != run_index) {
      return make_error(ErrorCode::kInternal, "moof", run.trun_offset, "fragment samples out of step with their runs");
    }
    Entry e = make_entry(smp.offset, dts, smp.size, b.c.type == MediaType::kAudio || smp.is_sync, smp.index,
                         smp.sample_description_index, smp.duration);
    e.discard = have_prev && prev_dts >= dts;
    while (b.ctts.size() < b.entries.size()) b.ctts.push_back(0);
    b.entries.push_back(e);
    b.ctts.push_back(smp.composition_offset);
    dts = sat_add64(dts, smp.duration);  // the clock checks the run's end before moving past it
  }
  b.have_ctts = true;
  return Ok{};
}

// The fragment events of the whole file in file order, through the fragment clock: runs
// append entries; tfdt and sidx move the running ends FFmpeg keeps per track.
Status replay_fragments(const Movie& movie, std::vector<TrackBuild>& builds) {
  std::vector<FragmentClockTrack> clocks;
  clocks.reserve(builds.size());
  for (const TrackBuild& b : builds) clocks.push_back(b.clock);
  MP4KIT_TRY(replay_fragment_clock(movie, clocks, 0, movie.fragment_events.size(),
                                   [&](uint32_t track, uint32_t run, int64_t first_dts) {
                                     return append_run(builds[track], run, first_dts);
                                   }));
  for (size_t i = 0; i < builds.size(); ++i) builds[i].clock = clocks[i];
  return Ok{};
}

// Packets (mov_read_packet) in place over the entries: pts from the composition offsets,
// else pts = dts and duration = next dts - dts (the last one up to the stream duration);
// then the first presented pts.
void make_packets(StreamTimeline& tl, EntryVector entries, const std::vector<int32_t>* ctts, int64_t dts_shift,
                  uint32_t stream_index, bool all_key) {
  const size_t n = entries.size();
  for (size_t k = 0; k < n; ++k) {
    Packet& p = entries[k];
    p.stream_index = stream_index;
    p.key = p.key || all_key;
    if (ctts && k < ctts->size()) {
      p.pts = sat_add64(p.dts, sat_add64(dts_shift, (*ctts)[k]));
    } else {
      int64_t next = k + 1 < n ? entries[k + 1].dts : tl.duration;
      p.pts = p.dts;
      p.duration = next >= p.dts ? sat_sub64(next, p.dts) : 0;
    }
  }
  tl.packets = std::move(entries);
  for (const Packet& p : tl.packets) {
    if (p.discard) continue;
    if (!tl.has_start_pts || p.pts < tl.start_pts) tl.start_pts = p.pts;
    tl.has_start_pts = true;
    if (&p - tl.packets.data() > 64) break;
  }
}

// One track's moov part: index and edit list; the fragment state starts where the moov
// samples end.
Status begin_timeline(const Movie& movie, size_t ti, const SampleTable& table, const TimelineOptions& options,
                      const Limits& limits, TrackBuild& b, StreamTimeline& tl) {
  const Track& t = movie.tracks[ti];
  const std::string stbl = "moov/trak[" + std::to_string(ti) + "]/mdia/minf/stbl";
  Ctx& c = b.c;
  c.is_vorbis = b.ci.codec_name == "vorbis";
  c.movie_timescale = movie.timescale;
  b.table = &table;
  const SampleTableBoxes& s = t.stbl;
  tl.grouped_pcm = c.type == MediaType::kAudio && s.stts_count == 1 && s.stts_sample_delta(0) == 1 && table.moov_sample_count() > 0;
  // Grouped PCM holds one packet per chunk slice, not per sample: index_grouped_pcm checks
  // its own count (and its moov samples are never stored one by one).
  if (checked_mul(tl.grouped_pcm ? table.fragment_sample_count() : table.sample_count(), sizeof(Packet)).value_or(UINT64_MAX) >
      limits.max_index_bytes) {
    return make_error(ErrorCode::kInternal, "moov/trak[" + std::to_string(ti) + "]", t.offset,
                      "packet table of " + std::to_string(table.sample_count()) + " samples exceeds the index memory limit " +
                          "(raise with --max-index-mb)");
  }
  const bool ctts_valid = find_dts_shift(t, c.dts_shift);
  tl.dts_shift = c.dts_shift;

  Index index;
  MP4KIT_TRY(tl.grouped_pcm ? index_grouped_pcm(c, stbl, limits, index) : index_moov_samples(c, table, ctts_valid, stbl, index));

  b.clock.st_duration = static_cast<int64_t>(std::min<uint64_t>(t.media_duration, INT64_MAX));
  b.have_ctts = ctts_valid && !tl.grouped_pcm;
  if (options.apply_edit_lists && t.has_elst && !t.edits.empty() && !index.entries.empty()) {
    Fixed f = fix_index(c, index.entries, b.have_ctts ? &index.ctts : nullptr);
    b.entries = std::move(f.entries);
    b.ctts = std::move(f.ctts);
    b.clock.st_duration = f.duration;
    tl.skip_samples = f.skip_samples;
  } else {
    b.entries = std::move(index.entries);
    b.ctts = std::move(index.ctts);
  }
  b.clock.time_offset = fragment_time_offset(t, c.movie_timescale);
  b.clock.track_end = sat_add64(index.moov_end, c.dts_shift);  // moov part end, un-shifted
  b.cursor = table.cursor();
  Sample smp;
  for (uint64_t i = 0; i < table.moov_sample_count(); ++i) b.cursor.next(smp);
  return Ok{};
}

// A sample that starts inside the file but runs past its end is returned short; the first
// sample (in FFmpeg's reading order) that starts at or past the end stops reading for
// every stream (mov_read_packet).
void stop_at_end_of_file(const Movie& movie, std::vector<StreamTimeline>& result) {
  const auto past_end = [&](const Packet& p) { return p.pos > movie.file_size || p.size > movie.file_size - p.pos; };
  bool any_past = false;
  for (const auto& tl : result)
    for (const auto& p : tl.packets) any_past = any_past || past_end(p);
  if (!any_past) return;
  auto order = interleave_order(movie, result);
  std::vector<size_t> keep(result.size(), 0);
  for (auto [si, pi] : order) {
    Packet& p = result[si].packets[pi];
    if (p.pos >= movie.file_size) {
      for (size_t k = 0; k < result.size(); ++k) result[k].packets.resize(keep[k]);
      return;
    }
    if (past_end(p)) {
      p.size = static_cast<uint32_t>(movie.file_size - p.pos);
      p.truncated = true;
    }
    keep[si] = pi + 1;
  }
}

}  // namespace

Result<std::vector<StreamTimeline>> build_timelines(const Movie& movie, const std::vector<SampleTable>& tables,
                                                    const TimelineOptions& options, const Limits& limits) {
  std::vector<StreamTimeline> result(movie.tracks.size());
  std::vector<TrackBuild> builds;
  builds.reserve(movie.tracks.size());
  for (size_t ti = 0; ti < movie.tracks.size(); ++ti) {
    const CodecInfo ci = codec_info_of(movie.tracks[ti]);
    builds.push_back(TrackBuild{Ctx{movie.tracks[ti], ci.type}});
    builds.back().ci = ci;
    MP4KIT_TRY(begin_timeline(movie, ti, tables[ti], options, limits, builds.back(), result[ti]));
  }
  MP4KIT_TRY(replay_fragments(movie, builds));
  for (size_t ti = 0; ti < movie.tracks.size(); ++ti) {
    TrackBuild& b = builds[ti];
    StreamTimeline& tl = result[ti];
    tl.duration = b.clock.st_duration;
    const uint32_t stream_index =
        ti < movie.track_stream_index.size() ? movie.track_stream_index[ti] : static_cast<uint32_t>(ti);
    make_packets(tl, std::move(b.entries), b.have_ctts ? &b.ctts : nullptr, b.c.dts_shift, stream_index, every_packet_key(b.ci));
    apply_chapter_packets(movie.tracks[ti], b.ci, tl);
  }
  if (options.stop_at_truncation) stop_at_end_of_file(movie, result);
  // Table entries read after the file shrank were zeros (io/fault_guard.h).
  if (movie.source) {
    if (Status intact = movie.source->check_intact(); !intact.ok()) return intact.error();
  }
  return result;
}

std::vector<std::pair<uint32_t, uint32_t>> interleave_order(const Movie& movie, const std::vector<StreamTimeline>& tl) {
  // mov_find_next_sample: among the streams' next packets, prefer the lowest file position
  // when their dts are within one second of each other, else the lowest dts.
  std::vector<std::pair<uint32_t, uint32_t>> order;
  size_t total = 0;
  for (auto& t : tl) total += t.packets.size();
  order.reserve(total);
  std::vector<uint32_t> next(tl.size(), 0);
  constexpr int64_t kSecond = 1000000;  // AV_TIME_BASE
  for (;;) {
    int best = -1;
    int64_t best_dts = INT64_MAX;
    uint64_t best_pos = 0;
    for (size_t i = 0; i < tl.size(); ++i) {
      if (next[i] >= tl[i].packets.size()) continue;
      const Packet& p = tl[i].packets[next[i]];
      const uint32_t ts = movie.tracks[i].timescale;
      const int64_t dts = rescale(p.dts, kSecond, ts);
      const uint64_t diff = best_dts > dts ? uint64_t(best_dts) - uint64_t(dts) : uint64_t(dts) - uint64_t(best_dts);
      if (best < 0 || (diff <= uint64_t(kSecond) && p.pos < best_pos) || (diff > uint64_t(kSecond) && dts < best_dts)) {
        best = static_cast<int>(i);
        best_dts = dts;
        best_pos = p.pos;
      }
    }
    if (best < 0) break;
    order.emplace_back(static_cast<uint32_t>(best), next[best]++);
  }
  return order;
}

}  // namespace mp4kit
