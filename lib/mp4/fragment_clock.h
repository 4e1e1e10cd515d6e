// The fragment clock: FFmpeg 5.1's per-track timing state while its mov demuxer reads
// fragments (MOVStreamContext / AVStream fields), replayed from Movie::fragment_events in
// file order. One implementation for both users: the packet timeline (timeline.cpp, which
// appends a run's samples at the decode time the clock gives) and plain probe's figures
// (stream_stats.cpp, which needs st->duration when mov_read_header returns, for the bit
// rate, and after the whole file was read, for the stream duration).
//
// Source: FFmpeg 5.1 libavformat/mov.c — mov_read_trun (the first decode time of a run:
// the previous run's end, tfdt, a sidx reference's time or sc->track_end, minus the edit
// list's time_offset; st->duration grows to the run's end), mov_read_tfdt (track_end = the
// baseMediaDecodeTime), mov_read_sidx (st->duration = track_end = earliest_presentation_time
// + the subsegment durations; once the index reaches the end of the file, the tracks
// without a sidx take the reference stream's duration), mov_read_default (where
// mov_read_header stops reading top-level boxes). An independent implementation.
//
// Units: decode times and durations in the track's timescale ticks (a sidx end stays in
// the sidx timescale, as FFmpeg leaves it); offsets in bytes.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "mp4kit/error.h"
#include "mp4/movie.h"

namespace mp4kit {

/// One track's fragment timing state.
struct FragmentClockTrack {
  int64_t st_duration = 0;  ///< FFmpeg's st->duration, ticks
  int64_t track_end = 0;    ///< FFmpeg's sc->track_end (not shifted by the time offset), ticks
  int64_t time_offset = 0;  ///< mov_read_elst's time_offset (fragment_time_offset), ticks
  int64_t next_dts = 0;     ///< where the previous run of the track ended (RunStart::kContinue), ticks
  bool has_sidx = false;    ///< a sidx named this track (sc->has_sidx)
};

/// Called for each non-empty run with its track (index into Movie::tracks), run (index
/// into that track's runs) and the decode time of its first sample (ticks). A failure
/// stops the replay and is returned.
using FragmentRunVisitor = std::function<Status(uint32_t track, uint32_t run, int64_t first_dts)>;

/// Replays `movie.fragment_events[begin, end)` onto `clocks` (one per track, filled by the
/// caller with the state the moov left: st->duration, track_end, time_offset), calling
/// `on_run` for every non-empty run before the clock moves past it. Errors: kMalformed,
/// naming the trun offset, when a run's decode times overflow 64 bits; whatever `on_run`
/// returns. O(events + fragment samples).
Status replay_fragment_clock(const Movie& movie, std::vector<FragmentClockTrack>& clocks, size_t begin, size_t end,
                             const FragmentRunVisitor& on_run);

/// The number of leading fragment events mov_read_header reads before it returns
/// (mov_read_default on the root): it stops after the top-level box at which a moov and an
/// mdat have been seen and the fragment index is complete (a sidx whose references reach
/// the end of the file); without a complete index it reads every top-level box.
size_t header_fragment_events(const Movie& movie);

}  // namespace mp4kit
