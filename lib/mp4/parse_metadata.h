// Stream and format metadata as FFmpeg 5.1's mov demuxer (libavformat/mov.c) exposes it:
// ffprobe's `tags` and `disposition`. Reads only boxes already in the Movie (mvhd, mdhd,
// hdlr, stsd, tkhd, moov/udta, moov/meta); never sample data.
#pragma once

#include <vector>

#include "mp4/movie.h"
#include "mp4kit/demuxer.h"

namespace mp4kit {

/// The format tags: ftyp's major_brand, minor_version, compatible_brands; mvhd's
/// creation_time; then moov/udta and moov/meta entries (mov_read_udta_string, ilst with
/// 'mdta' keys, '©xyz' strings with their language), in file order. Never fails:
/// an entry it cannot read is skipped.
std::vector<Tag> format_tags_of(const Movie& movie);

/// A track's stream tags in FFmpeg's order: creation_time and language (mov_read_mdhd),
/// handler_name (mov_read_hdlr), vendor_id and encoder (mov_parse_stsd_video/_audio).
std::vector<Tag> stream_tags_of(const Movie& movie, const Track& track);

/// A track's disposition: default from tkhd's track_enabled flag (mov_read_tkhd),
/// timed_thumbnails for a track that a 'thmb' reference names ... (mov_read_header).
Disposition disposition_of(const Movie& movie, const Track& track);

/// "YYYY-MM-DDTHH:MM:SS.000000Z" for `seconds` since 1904-01-01 (or since 1970 when it is
/// smaller than the 1904->1970 offset), as mov_metadata_creation_time writes it; empty for 0.
std::string creation_time_string(uint64_t seconds);

}  // namespace mp4kit
