// The K flags of `probe --packets` for codecs whose flag FFmpeg takes from its parser
// (codec/key_frame.h): H.264, VP9 and AV1. Only `--packets` calls this; plain probe reads
// no sample data.
#pragma once

#include <vector>

#include "mp4/movie.h"
#include "mp4/timeline.h"

namespace mp4kit {

/// For every packet that stss (or a fragment's sample flags) marks as a sync sample in an
/// H.264, VP9 or AV1 stream, reads the first bytes of the sample (at most 64 KiB for H.264,
/// 4 KiB for AV1, 16 bytes for VP9) through `movie.source` and clears its key flag when
/// FFmpeg's parser would not set it (an I slice that is neither IDR nor after a recovery
/// point, a sample cut short before its first slice, a non-key VP9/AV1 frame).
/// Limitation: samples stss does not list are not read, so a key frame that stss misses
/// stays non-key (FFmpeg's parser would mark it). `timelines[i]` belongs to
/// `movie.tracks[i]`. Errors: kIo when a read fails.
Status apply_parser_key_flags(const Movie& movie, std::vector<StreamTimeline>& timelines);

/// The same decision without touching the timelines: for each track, the indices (ascending)
/// of the packets whose key flag the parser clears. Same reads and errors as above.
Result<std::vector<std::vector<uint32_t>>> parser_key_clears(const Movie& movie, const std::vector<StreamTimeline>& timelines);

}  // namespace mp4kit
