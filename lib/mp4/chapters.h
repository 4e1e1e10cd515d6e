// QuickTime chapter tracks (a track named by a 'tref'/'chap' reference), as FFmpeg's mov
// demuxer treats them (libavformat/mov.c mov_read_chap, mov_read_chapters): a text chapter
// track becomes a data stream (codec bin_data) that yields no packets; a video chapter
// track is a timed-thumbnail stream whose first sample is also its attached picture.
#pragma once

#include "mp4/movie.h"
#include "mp4/timeline.h"

namespace mp4kit {

/// Sets Track::chapter_track on the tracks the movie's chapter reference names. As in
/// mov_read_chap, the last 'tref'/'chap' list read (in file order) is the one that counts;
/// each of its track_IDs names the first track with that tkhd track_ID. Never fails.
void mark_chapter_tracks(Movie& movie);

/// The packets FFmpeg returns for a chapter track, applied to `tl` (built as for any
/// track): none for a non-video chapter track (mov_read_chapters sets AVDISCARD_ALL); for a
/// video one, its first packet comes twice — the attached picture that
/// avformat_queue_attached_pictures() queues, then the sample itself. No-op for other tracks.
void apply_chapter_packets(const Track& track, const CodecInfo& codec, StreamTimeline& tl);

}  // namespace mp4kit
