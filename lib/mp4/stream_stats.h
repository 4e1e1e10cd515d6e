// The timing, rate and size figures `ffprobe -show_streams -show_format` prints, computed
// from the container: box headers, moov and the sample tables (stts, ctts, stsz, elst,
// trun, and the fragment events through the fragment clock, fragment_clock.h). Sample data
// is read once, only for AC-3 / E-AC-3 / MP3 streams: the first frame header of the first
// sample, whose bit rate FFmpeg's decoder reports (audio_frame_header.h). What FFmpeg 5.1 derives while opening a file
// (mov_read_header and the mov_read_* box readers) and in avformat_find_stream_info
// (ff_rfps_add_frame / ff_rfps_calculate, estimate_timings / fill_all_stream_timings /
// update_stream_timings in libavformat/demux.c) is reproduced here; each rule cites the
// function whose behaviour it matches. An independent implementation, not a copy.
//
// Units: stream figures are in ticks of the stream's time_base, format figures in
// microseconds (FFmpeg's AV_TIME_BASE), bit rates in bits per second.
#pragma once

#include <optional>
#include <vector>

#include "mp4kit/demuxer.h"
#include "mp4/movie.h"
#include "mp4/sample_table.h"

namespace mp4kit {

/// The summary of every stream (by ffprobe index) and of the format. `tables[i]` is the
/// SampleTable of `movie.tracks[i]` (built with or without the chunk index: only stts,
/// ctts, stsz and the fragment runs are read). `apply_edit_lists` = false is
/// `-ignore_editlist 1`. O(stts + ctts entries + samples of stsz and truns + 64). Never fails.
/// FFmpeg's av_display_rotation_get on the tkhd matrix (16.16 entries a, b, c, d), as
/// mov_read_tkhd exports it: degrees, counter-clockwise positive; none for the identity
/// matrix or a degenerate one.
std::optional<double> display_rotation_of(const TrackHeader& tkhd);

MediaSummary summarize_media(const Movie& movie, const std::vector<SampleTable>& tables, bool apply_edit_lists);

}  // namespace mp4kit
