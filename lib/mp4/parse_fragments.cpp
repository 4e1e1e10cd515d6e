// Movie fragments: 'mvex' (§ 8.8.1), 'mehd' (§ 8.8.2), 'trex' (§ 8.8.3), 'moof' (§ 8.8.4),
// 'mfhd' (§ 8.8.5), 'traf' (§ 8.8.6), 'tfhd' (§ 8.8.7), 'trun' (§ 8.8.8), 'tfdt' (§ 8.8.12),
// and 'sidx' (§ 8.16.3). Runs are stored as views; per-sample fields are decoded lazily.
#include <map>

#include "mp4/checked.h"
#include "mp4/parse_internal.h"

namespace mp4kit::detail {

namespace tfhd_flags {
constexpr uint32_t kBaseDataOffset = 0x000001, kSampleDescriptionIndex = 0x000002,
                   kDefaultDuration = 0x000008, kDefaultSize = 0x000010, kDefaultFlags = 0x000020,
                   kDefaultBaseIsMoof = 0x020000;
}

namespace {

// Calls on_child(header) for each child box of `r` while a box header's 8 bytes remain (a
// shorter tail is ignored); a child header that does not fit is an error.
template <typename F>
Status for_each_child(BoxReader& r, F&& on_child) {
  while (r.remaining() >= 8) {
    auto h = r.next_header();
    if (!h.ok()) return h.error();
    MP4KIT_TRY(on_child(*h));
    r.skip_box(*h);
  }
  return Ok{};
}

}  // namespace

Status parse_mvex(BoxReader r, Movie& movie, ParseContext& ctx) {
  return for_each_child(r, [&](const BoxHeader& h) -> Status {
    ctx.bytes_read += h.size;
    BoxReader c = r.child(h, fourcc_to_string(h.type));
    if (h.type == box::mehd) {
      MP4KIT_TRY(c.need(8, "mehd fields"));
      uint8_t version;
      uint32_t flags;
      c.full_box(version, flags);
      movie.fragment_duration = version == 1 ? c.u64() : c.u32();
    } else if (h.type == box::trex) {
      // Kept by track_ID: mvex may precede the traks (GPAC and mp4parser write it first).
      MP4KIT_TRY(c.need(24, "trex fields"));
      c.skip(4);
      TrackExtends x;
      x.track_id = c.u32();
      x.default_sample_description_index = c.u32();
      x.default_sample_duration = c.u32();
      x.default_sample_size = c.u32();
      x.default_sample_flags = c.u32();
      movie.trex.push_back(x);
    }
    return Ok{};
  });
}

namespace {

struct TrafState {
  Track* track = nullptr;
  uint32_t track_index = 0;
  uint64_t base_data_offset = 0;
  uint32_t sample_description_index = 1, default_duration = 0, default_size = 0, default_flags = 0;
  bool any_run = false;
  bool any_timed_run = false;  // a run with samples: FFmpeg's next_trun_dts is set
};

// What FFmpeg keeps per (moof, track) in its fragment index while one moof is read: the
// tfdt seen so far for each track_ID (a later traf of the same track in the same moof
// still sees it), and the sidx earliest_presentation_time a reference gave this moof.
struct MoofState {
  uint64_t moof_offset = 0;
  std::map<uint32_t, uint64_t> tfdt;
  const std::map<uint32_t, int64_t>* sidx_pts = nullptr;
};

Status parse_tfhd(BoxReader r, Movie& movie, uint64_t moof_offset, uint64_t implicit_offset, TrafState& s,
                  ParseContext& ctx) {
  MP4KIT_TRY(r.need(8, "tfhd header"));
  uint8_t version;
  uint32_t flags;
  r.full_box(version, flags);
  uint32_t track_id = r.u32();
  for (Track& t : movie.tracks)
    if (t.tkhd.track_id == track_id) {
      s.track = &t;
      s.track_index = static_cast<uint32_t>(&t - movie.tracks.data());
    }
  if (!s.track) return Ok{};  // fragment of an unknown track: ignored (as FFmpeg does)
  // The first trex of the track (mov_read_tfhd). Without one FFmpeg refuses the file; the
  // defaults are then the spec's zeros, and the run's own fields must carry the values.
  TrackExtends trex;
  const TrackExtends* found = nullptr;
  for (const TrackExtends& x : movie.trex)
    if (x.track_id == track_id) {
      found = &x;
      break;
    }
  if (found) {
    trex = *found;
  } else {
    ctx.warn(r, "no trex for track_ID " + std::to_string(track_id) + ": fragment sample defaults are 0");
  }
  uint64_t need = 0;
  if (flags & tfhd_flags::kBaseDataOffset) need += 8;
  for (uint32_t f : {tfhd_flags::kSampleDescriptionIndex, tfhd_flags::kDefaultDuration, tfhd_flags::kDefaultSize,
                     tfhd_flags::kDefaultFlags})
    if (flags & f) need += 4;
  MP4KIT_TRY(r.need(need, "tfhd optional fields"));
  if (flags & tfhd_flags::kBaseDataOffset) {
    s.base_data_offset = r.u64();
  } else if (flags & tfhd_flags::kDefaultBaseIsMoof) {
    s.base_data_offset = moof_offset;
  } else {
    s.base_data_offset = implicit_offset;
  }
  s.sample_description_index =
      (flags & tfhd_flags::kSampleDescriptionIndex) ? r.u32() : trex.default_sample_description_index;
  s.default_duration = (flags & tfhd_flags::kDefaultDuration) ? r.u32() : trex.default_sample_duration;
  s.default_size = (flags & tfhd_flags::kDefaultSize) ? r.u32() : trex.default_sample_size;
  s.default_flags = (flags & tfhd_flags::kDefaultFlags) ? r.u32() : trex.default_sample_flags;
  return Ok{};
}

Status parse_trun(BoxReader r, const MoofState& moof, uint64_t trun_offset, TrafState& s, uint64_t& implicit_offset,
                  Movie& movie, ParseContext& ctx) {
  const uint64_t moof_offset = moof.moof_offset;
  MP4KIT_TRY(r.need(8, "trun header"));
  TrackRun run;
  r.full_box(run.version, run.flags);
  run.sample_count = r.u32();
  run.moof_offset = moof_offset;
  run.trun_offset = trun_offset;
  int64_t data_offset = 0;
  bool has_data_offset = run.flags & trun_flags::kDataOffset;
  if (has_data_offset) {
    MP4KIT_TRY(r.need(4, "trun data_offset"));
    data_offset = r.i32();
  }
  if (run.flags & trun_flags::kFirstSampleFlags) {
    MP4KIT_TRY(r.need(4, "trun first_sample_flags"));
    run.first_sample_flags = r.u32();
  }
  for (uint32_t f : {trun_flags::kDuration, trun_flags::kSize, trun_flags::kFlags, trun_flags::kCompositionOffset})
    if (run.flags & f) run.entry_size += 4;
  MP4KIT_TRY(r.need_table(run.sample_count, run.entry_size, "sample_count"));
  run.entries = r.bytes(uint64_t(run.sample_count) * run.entry_size);
  // § 8.8.8.3: without data_offset, a run starts right after the previous run's data (or
  // at the base data offset for the first run of the traf). Offsets are exact 64-bit file
  // offsets: a sum outside [0, 2^64) is malformed (checked.h), where FFmpeg wraps it.
  if (has_data_offset || !s.any_run) {
    const auto start = checked_add_offset(s.base_data_offset, data_offset);
    if (!start && data_offset < 0) {
      return r.error("trun data_offset " + std::to_string(data_offset) + " points before the file start");
    }
    if (!start) {
      return r.error("base_data_offset " + std::to_string(s.base_data_offset) + " + data_offset " +
                     std::to_string(data_offset) + " is beyond 64-bit file offsets");
    }
    run.data_offset = *start;
  } else {
    run.data_offset = implicit_offset;
  }
  run.default_sample_duration = s.default_duration;
  run.default_sample_size = s.default_size;
  run.default_sample_flags = s.default_flags;
  run.sample_description_index = s.sample_description_index;
  run.first_in_traf = !s.any_run;
  // mov_read_trun's choice of the first decode time (RunStart). A tfhd clears FFmpeg's
  // next_trun_dts, so only the first run with samples of a traf looks further.
  const uint32_t track_id = s.track->tkhd.track_id;
  if (auto it = moof.tfdt.find(track_id); it != moof.tfdt.end()) run.tfdt = it->second;
  const auto sidx = moof.sidx_pts ? moof.sidx_pts->find(track_id) : std::map<uint32_t, int64_t>::const_iterator{};
  if (s.any_timed_run) {
    run.start = RunStart::kContinue;
  } else if (run.tfdt) {
    run.start = RunStart::kTfdt;
  } else if (moof.sidx_pts && sidx != moof.sidx_pts->end()) {
    run.start = RunStart::kSidx;
    run.sidx_pts = sidx->second;
  } else {
    run.start = RunStart::kTrackEnd;
  }
  s.any_run = true;
  s.any_timed_run = s.any_timed_run || run.sample_count > 0;  // an empty run changes no timing (mov_read_trun)
  // Advance the implicit offset past this run's data; every sample offset of the run is
  // below that end, so the cursor's running offsets cannot wrap either.
  std::optional<uint64_t> end = run.data_offset;
  if (run.flags & trun_flags::kSize) {
    for (uint32_t i = 0; i < run.sample_count && end; ++i) end = checked_add(*end, run.sample_size(i));
  } else {
    const auto bytes = checked_mul(run.sample_count, run.default_sample_size);
    end = bytes ? checked_add(*end, *bytes) : std::nullopt;
  }
  if (!end) {
    return r.error("trun sample sizes from data offset " + std::to_string(run.data_offset) + " run past 64-bit file offsets (" +
                   std::to_string(run.sample_count) + " samples)");
  }
  implicit_offset = *end;
  Track& t = *s.track;
  if (t.runs.size() >= ctx.limits.max_runs_per_track) {
    return r.error("track " + std::to_string(t.tkhd.track_id) + " has more than " +
                       std::to_string(ctx.limits.max_runs_per_track) + " track runs (raise with --max-runs)",
                   ErrorCode::kInternal);
  }
  FragmentEvent e{FragmentEvent::Kind::kRun, s.track_index, static_cast<uint32_t>(t.runs.size())};
  e.box_offset = moof.moof_offset;
  movie.fragment_events.push_back(e);
  t.runs.push_back(run);
  return Ok{};
}

}  // namespace

Status parse_moof(BoxReader r, uint64_t moof_offset, Movie& movie, ParseContext& ctx, uint32_t /*depth*/) {
  uint64_t implicit_offset = moof_offset;  // § 8.8.7.1: first traf's default base is the moof
  uint32_t traf_index = 0;
  MoofState moof;
  moof.moof_offset = moof_offset;
  if (auto it = ctx.fragments.sidx_pts.find(moof_offset); it != ctx.fragments.sidx_pts.end()) moof.sidx_pts = &it->second;
  return for_each_child(r, [&](const BoxHeader& h) -> Status {
    ctx.bytes_read += h.header_size;
    if (h.type == box::mfhd) ctx.bytes_read += h.payload_size();
    if (h.type != box::traf) return Ok{};
    BoxReader tr = r.child(h, "traf[" + std::to_string(traf_index++) + "]");
    TrafState s;
    // In file order: tfhd and tfdt come before trun (§ 8.8.6); a trun or tfdt before the
    // tfhd that names a known track is ignored.
    return for_each_child(tr, [&](const BoxHeader& ch) -> Status {
      ctx.bytes_read += ch.size;
      BoxReader c = tr.child(ch, fourcc_to_string(ch.type));
      if (ch.type == box::tfhd) {
        MP4KIT_TRY(parse_tfhd(c, movie, moof_offset, implicit_offset, s, ctx));
      } else if (ch.type == box::tfdt && s.track) {
        MP4KIT_TRY(c.need(8, "tfdt fields"));
        uint8_t version;
        uint32_t flags;
        c.full_box(version, flags);
        if (version == 1) MP4KIT_TRY(c.need(8, "tfdt v1 baseMediaDecodeTime"));
        const uint64_t tfdt = version == 1 ? c.u64() : c.u32();
        moof.tfdt[s.track->tkhd.track_id] = tfdt;
        // mov_read_tfdt also moves the track's running end there (int64 as FFmpeg reads it).
        FragmentEvent e{FragmentEvent::Kind::kTfdt, s.track_index, 0, static_cast<int64_t>(tfdt)};
        e.box_offset = moof_offset;
        movie.fragment_events.push_back(e);
      } else if (ch.type == box::trun && s.track) {
        MP4KIT_TRY(parse_trun(c, moof, ch.offset, s, implicit_offset, movie, ctx));
      }
      return Ok{};
    });
  });
}

Status parse_sidx(BoxReader r, uint64_t offset, uint64_t end, Movie& movie, ParseContext& ctx,
                  const std::function<std::optional<uint32_t>()>& file_tail) {
  MP4KIT_TRY(r.need(12, "sidx header"));
  SegmentIndexRef s;
  s.offset = offset;
  uint8_t version;
  uint32_t flags;
  r.full_box(version, flags);
  s.reference_id = r.u32();
  s.timescale = r.u32();
  MP4KIT_TRY(r.need(version == 1 ? 20 : 12, "sidx times"));
  s.earliest_presentation_time = version == 1 ? r.u64() : r.u32();
  s.first_offset = version == 1 ? r.u64() : r.u32();
  r.skip(2);
  s.reference_count = r.u16();
  movie.sidx.push_back(s);

  // mov_read_sidx: each reference's earliest presentation time is noted at the offset it
  // points to (first_offset counts from the end of the sidx), in the track's timescale.
  if (version > 1) return Ok{};  // FFmpeg skips other versions
  const Track* track = nullptr;
  for (const Track& t : movie.tracks)
    if (t.tkhd.track_id == s.reference_id) track = &t;
  if (!track) return Ok{};  // FFmpeg: "could not find corresponding track id"
  const auto refused = [&](const std::string& why) {
    ctx.warn(r, why + ": sidx ignored for timing (FFmpeg refuses the file)");
    return Ok{};
  };
  if (s.timescale == 0) return refused("timescale 0");
  if (s.reference_count == 0) return refused("reference_count 0");
  MP4KIT_TRY(r.need_table(s.reference_count, 12, "reference_count"));
  std::optional<uint64_t> ref_offset = checked_add(end, s.first_offset);
  int64_t pts = static_cast<int64_t>(s.earliest_presentation_time);
  std::vector<std::pair<uint64_t, int64_t>> refs;
  refs.reserve(s.reference_count);
  for (uint32_t i = 0; i < s.reference_count; ++i) {
    const uint32_t size_field = r.u32();
    const uint32_t duration = r.u32();
    r.skip(4);  // SAP fields
    // § 8.16.3.3 reference_type 1: the reference is another sidx (a hierarchical index).
    if (size_field & 0x80000000u) return refused("reference " + std::to_string(i) + " points at another sidx");
    if (!ref_offset || ref_offset > INT64_MAX) return refused("reference offsets overflow");
    refs.emplace_back(*ref_offset, rescale(pts, track->timescale, s.timescale));
    auto next_offset = checked_add(*ref_offset, size_field);
    auto next_pts = checked_add_ticks(pts, duration);
    if (!next_offset || !next_pts) return refused("reference offsets overflow");
    ref_offset = next_offset;
    pts = *next_pts;
  }
  for (const auto& [at, ref_pts] : refs) ctx.fragments.sidx_pts[at][s.reference_id] = ref_pts;

  FragmentEvent e;
  e.kind = FragmentEvent::Kind::kSidx;
  e.box_offset = offset;
  e.track = static_cast<uint32_t>(track - movie.tracks.data());
  e.value = pts;  // FFmpeg stores the end in the sidx timescale, not the track's
  // Complete when the references reach the end of the file, or an mfra that ends it.
  e.complete = *ref_offset == movie.file_size;
  if (!e.complete) {
    if (!ctx.fragments.mfra_size) ctx.fragments.mfra_size = file_tail().value_or(0);
    e.complete = *ref_offset + *ctx.fragments.mfra_size == movie.file_size;
  }
  if (e.complete) {
    // FFmpeg's reference stream: in the lowest-offset index entry that came from a sidx,
    // the first stream (in stream order) that has a sidx time there.
    for (const auto& [at, by_track] : ctx.fragments.sidx_pts) {
      for (size_t i = 0; i < movie.tracks.size() && e.ref_track < 0; ++i)
        if (by_track.count(movie.tracks[i].tkhd.track_id)) e.ref_track = static_cast<int32_t>(i);
      if (e.ref_track >= 0) break;
    }
  }
  movie.fragment_events.push_back(e);
  return Ok{};
}

}  // namespace mp4kit::detail
