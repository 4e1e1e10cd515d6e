// The bit rate an audio decoder reports after its first frame, from that frame's header,
// for the codecs whose FFmpeg 5.1 decoder sets AVCodecContext.bit_rate from the bitstream:
// AC-3 and E-AC-3 (libavcodec/ac3_parser.c ff_ac3_parse_header, ac3dec.c: an independent
// frame plus the dependent frames that follow it in the same packet) and MP3
// (mpegaudiodecheader.c avpriv_mpegaudio_decode_header). avformat_find_stream_info decodes
// the first packet and copies the decoder's bit_rate over the demuxer's (mov.c's
// data_size * 8 / duration), which is what ffprobe prints.
//
// This is the one read of sample data plain `probe` makes, and only for these codecs: up
// to two 8-byte frame headers of the stream's first sample. An independent implementation
// of the documented header layouts (ATSC A/52 § 5.3 and Annex E § 2.3, ISO/IEC 11172-3
// § 2.4.1.3), not a copy.
#pragma once

#include <cstdint>
#include <optional>

#include "mp4/movie.h"
#include "mp4/sample_table.h"

namespace mp4kit {

/// The decoder's bit rate in bits per second for `codec_name` "ac3", "eac3" or "mp3", read
/// from the frame header(s) at the start of the first sample of `table` through
/// `movie.source`. None for other codecs, a track without samples, an unreadable or
/// invalid header (no sync word, reserved codes, free-format MP3), or a failed read (the
/// caller keeps the container's figure). Reads at most 16 bytes.
std::optional<int64_t> first_frame_bit_rate(const Movie& movie, const SampleTable& table, const std::string& codec_name);

}  // namespace mp4kit
