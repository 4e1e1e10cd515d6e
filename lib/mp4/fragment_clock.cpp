#include "mp4/fragment_clock.h"

#include <algorithm>
#include <string>

#include "mp4/checked.h"
#include "mp4/fourcc.h"

namespace mp4kit {
namespace {

// mov_read_trun: the decode time of the run's first sample (RunStart, decided by the
// parser in file order), minus the edit list's time offset where FFmpeg subtracts it.
std::optional<int64_t> first_dts_of(const FragmentClockTrack& c, const TrackRun& run) {
  switch (run.start) {
    case RunStart::kContinue: return c.next_dts;
    case RunStart::kTfdt: return checked_sub_ticks(static_cast<int64_t>(*run.tfdt), c.time_offset);
    case RunStart::kSidx: return checked_sub_ticks(run.sidx_pts, c.time_offset);
    case RunStart::kTrackEnd: return checked_sub_ticks(c.track_end, c.time_offset);
  }
  return std::nullopt;
}

Status run_overflow(const TrackRun& run, const FragmentClockTrack& c) {
  return make_error(ErrorCode::kMalformed, "moof", run.trun_offset,
                    "decode time overflows 64 bits: the run's start (tfdt, sidx or the previous run's end) minus the "
                    "edit list's time offset " + std::to_string(c.time_offset) + ", plus the sample durations");
}

}  // namespace

Status replay_fragment_clock(const Movie& movie, std::vector<FragmentClockTrack>& clocks, size_t begin, size_t end,
                             const FragmentRunVisitor& on_run) {
  end = std::min(end, movie.fragment_events.size());
  for (size_t k = begin; k < end; ++k) {
    const FragmentEvent& e = movie.fragment_events[k];
    if (e.track >= clocks.size() || e.track >= movie.tracks.size()) continue;
    FragmentClockTrack& c = clocks[e.track];
    switch (e.kind) {
      case FragmentEvent::Kind::kRun: {
        const TrackRun& run = movie.tracks[e.track].runs[e.run];
        if (run.sample_count == 0) break;  // mov_read_trun returns before touching any state
        const std::optional<int64_t> first = first_dts_of(c, run);
        if (!first) return run_overflow(run, c);
        if (on_run) MP4KIT_TRY(on_run(e.track, e.run, *first));
        std::optional<int64_t> dts = first;
        for (uint32_t i = 0; i < run.sample_count && dts; ++i) dts = checked_add_ticks(*dts, run.sample_duration(i));
        const std::optional<int64_t> track_end = dts ? checked_add_ticks(*dts, c.time_offset) : std::nullopt;
        if (!track_end) return run_overflow(run, c);
        c.next_dts = *dts;
        c.track_end = *track_end;
        c.st_duration = std::max(c.st_duration, c.track_end);
        break;
      }
      case FragmentEvent::Kind::kTfdt:  // mov_read_tfdt
        c.track_end = e.value;
        break;
      case FragmentEvent::Kind::kSidx:  // mov_read_sidx
        c.st_duration = c.track_end = e.value;
        c.has_sidx = true;
        if (e.complete && e.ref_track >= 0 && static_cast<size_t>(e.ref_track) < clocks.size()) {
          const FragmentClockTrack& ref = clocks[e.ref_track];
          const uint32_t ref_scale = movie.tracks[e.ref_track].timescale;
          for (size_t i = 0; i < clocks.size() && i < movie.tracks.size(); ++i) {
            if (clocks[i].has_sidx) continue;
            clocks[i].st_duration = clocks[i].track_end = rescale(ref.st_duration, movie.tracks[i].timescale, ref_scale);
          }
        }
        break;
    }
  }
  return Ok{};
}

size_t header_fragment_events(const Movie& movie) {
  const std::vector<FragmentEvent>& events = movie.fragment_events;
  bool moov = false, mdat = false, complete = false;
  size_t k = 0;  // the events read so far: those of boxes up to the current one
  for (const BoxNode& b : movie.top_level) {
    while (k < events.size() && events[k].box_offset <= b.offset) {
      complete = complete || (events[k].kind == FragmentEvent::Kind::kSidx && events[k].complete);
      ++k;
    }
    moov = moov || b.type == fourcc("moov");
    mdat = mdat || b.type == fourcc("mdat");
    if (moov && mdat && complete) return k;
  }
  return events.size();
}

}  // namespace mp4kit
