// The presentation timeline as FFmpeg's mov demuxer reports it: per-stream packet rows
// with the pts, dts, size, pos and K/D flags that `ffprobe -show_packets` prints.
//
// Source: FFmpeg 5.1 libavformat/mov.c — mov_build_index (index of samples, dts_shift for
// negative ctts, the chunk-based grouping of uncompressed audio when stts is one entry of
// delta 1), mov_fix_index (edit lists: samples before an edit's media_time kept for
// decoding and flagged discard; empty edits; audio priming; the DTS offset that makes the
// first video pts zero), mov_read_trun (fragments: tfdt - time_offset, overlap discard),
// mov_read_packet / mov_find_next_sample (reading order; a sample cut by the end of the
// file is returned short and the first sample past the end stops reading).
// This is an independent implementation of that documented behaviour, not a copy.
//
// Units: all timestamps are in the track's timescale ticks (time_base = 1/mdhd.timescale).
#pragma once

#include <cstdint>
#include <vector>

#include "io/large_allocator.h"
#include "mp4kit/demuxer.h"
#include "mp4/movie.h"
#include "mp4/sample_table.h"

namespace mp4kit {

/// Packet tables can hold millions of rows; their storage asks for huge pages.
using PacketVector = LargeVector<Packet>;

/// The packets of one track in FFmpeg's index order (decode order after edit lists).
struct StreamTimeline {
  PacketVector packets;
  int64_t dts_shift = 0;        ///< FFmpeg's dts_shift (max negative composition offset)
  int64_t duration = 0;         ///< stream duration in ticks (FFmpeg's st->duration)
  int64_t start_pts = 0;        ///< first presented pts in ticks
  bool has_start_pts = false;
  int64_t skip_samples = 0;     ///< audio priming to drop (FFmpeg's skip_samples / start_pad)
  bool grouped_pcm = false;     ///< packets are chunk groups of uncompressed audio
};

struct TimelineOptions {
  bool apply_edit_lists = true;     ///< false: raw sample timing, no discard (as -ignore_editlist)
  bool stop_at_truncation = true;   ///< emulate FFmpeg's stop at the first sample past EOF
};

/// Builds the timelines of every track of `movie`. `tables[i]` must be the SampleTable of
/// `movie.tracks[i]`. Memory is O(samples) (one Packet each). Errors: kInternal when the
/// table would exceed Limits::max_index_bytes.
Result<std::vector<StreamTimeline>> build_timelines(const Movie& movie, const std::vector<SampleTable>& tables,
                                                    const TimelineOptions& options = {}, const Limits& limits = {});

/// The order in which FFmpeg's mov demuxer returns packets across streams (used for the
/// interleaved `--packets` listing): pairs of (stream index, packet index within stream).
std::vector<std::pair<uint32_t, uint32_t>> interleave_order(const Movie& movie, const std::vector<StreamTimeline>& timelines);

/// FFmpeg's codec type for a track (video/audio/subtitle/data), needed for edit-list rules.
MediaType media_type_of(const Track& track);

/// mov_read_elst's time_offset for fragments (FFmpeg 5.1 mov.c), in track ticks: the first
/// non-empty edit's media_time minus a leading empty edit's duration (rescaled from the
/// movie timescale); 0 without an edit list or with `movie_timescale` 0.
int64_t fragment_time_offset(const Track& t, uint32_t movie_timescale);

}  // namespace mp4kit
