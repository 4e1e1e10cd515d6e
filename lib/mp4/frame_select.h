// Frame selectors for `seek` (README "seek", "Selectors"): which frames of one video
// stream `--uniform K`, `--every N`, `--fps R` and `--keyframes` name, from the container
// alone (no FFmpeg). Frames are numbered as lib/mp4/seek_plan.h numbers them (presentation
// order after edit lists: frame N is the N-th line of ffmpeg's framemd5).
//
// Every selector returns frame indices in the order they are output (ascending; `--fps`
// and `--uniform` with K > N repeat frames), at most kMaxSelectedFrames of them: the
// count is known before anything is allocated, and more is kUsage (exit 64) naming the
// limit. A selection with no frame is kUsage too, saying what would select one.
#pragma once

#include <cstdint>
#include <vector>

#include "mp4/movie.h"
#include "mp4/seek_plan.h"
#include "mp4/timeline.h"
#include "mp4kit/demuxer.h"
#include "mp4kit/error.h"

namespace mp4kit {

/// Most frames one selector may select (each becomes a seek target: ~200 bytes of plan and
/// result, never a decoded frame held). 1,000,000 = 9.3 hours at 30 fps.
constexpr uint64_t kMaxSelectedFrames = 1000000;

/// `--uniform K` over `n` frames: frame floor((2i + 1) * n / (2K)) for i = 0..K-1, the
/// centre of each of K equal segments of [0, n). K > n repeats frames (every frame at least
/// once, K in all, so a dataset always gets K). Errors: kUsage for K = 0, K >
/// kMaxSelectedFrames, n = 0.
Result<std::vector<uint64_t>> select_uniform(uint64_t n, uint64_t k);

/// `--every N` over `n` frames: 0, N, 2N, ... below n. Errors: kUsage for N = 0, n = 0,
/// more than kMaxSelectedFrames frames.
Result<std::vector<uint64_t>> select_every(uint64_t n, uint64_t step);

/// `--fps R` (R = rate.num / rate.den frames per second, both in 1..INT32_MAX): the frames
/// `ffmpeg -i F -vf fps=R` outputs, one per output tick. FFmpeg 5.1's rules, matched (not
/// copied): fftools/ffmpeg_opt.c shifts every timestamp by -(the file's start_time)
/// (`format_start_us`, ffprobe's format start_time; AV_TIME_BASE units) rescaled to the
/// stream time base with round-to-nearest; libavfilter/vf_fps.c (read_frame) rescales each
/// frame's pts to the output time base 1/R with AV_ROUND_NEAR_INF, starts at the first
/// frame's tick (write_frame), and for each tick t outputs the last frame whose tick is <= t
/// (a later frame replaces the buffered one once its tick is reached; frames are repeated
/// when R is above the stream's rate); fftools/ffmpeg.c send_filter_eof ends the stream at
/// the end of the last frame (its pts plus the duration libavformat gives its packet:
/// the sample's, or one frame at `r_frame_rate` (ffprobe's) for streams with composition
/// offsets, see ffmpeg_packet_duration; via AV_TIME_BASE,
/// round-to-nearest), so the ticks stop before that end's own tick (update_eof_pts). Errors: kUsage for a rate outside the
/// range, a stream whose frames give no tick (one frame, or all within half a tick of the
/// end), more than kMaxSelectedFrames ticks.
Result<std::vector<uint64_t>> select_fps(const StreamTimeline& timeline, const PresentationIndex& index, const Track& track,
                                         Rational r_frame_rate, Rational rate, int64_t format_start_us);

/// `--keyframes`: the shown frames whose packet is a sync sample, in presentation order,
/// minus the sync samples whose first bytes hold a predicted picture (H.263, MPEG-4 Part 2,
/// H.264: sync_sample_coding), which FFmpeg's decoders drop under `-skip_frame nokey`
/// (h263dec.c: pict_type != I; h264: neither IDR nor recovery point). Errors: kUsage when
/// no frame is left, or more than kMaxSelectedFrames; the source's read errors (kIo).
Result<std::vector<uint64_t>> select_sync_frames(const Movie& movie, const Track& track, const StreamTimeline& timeline,
                                                 const PresentationIndex& index);

}  // namespace mp4kit
