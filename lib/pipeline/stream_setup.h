// What the decode and seek jobs share about a stream: opening its decoder (errors placed at
// the track's box, as the container says where the configuration came from), the sink
// settings for its frames (time base, y4m frame rate and aspect), and the refusal to write
// binary output to a terminal.
#pragma once

#include <span>
#include <string>

#include "mp4kit/decoder.h"
#include "mp4kit/demuxer.h"
#include "mp4kit/error.h"

namespace mp4kit::pipeline {

/// A decoder for `stream` of `demuxer` with `settings` (packet_size_hint raised to the
/// largest of `packets`). Errors: Demuxer::codec_parameters's; a sample entry with no FFmpeg
/// codec name (kMalformed at its stsd entry); Decoder::open's, placed at moov/trak[N] (or
/// the cover art box) when the module gives no box.
Result<Decoder> open_stream_decoder(const Demuxer& demuxer, uint32_t stream, std::span<const Packet> packets,
                                    DecoderSettings settings);

/// The y4m header's frame rate: time_base.den / d for the most common positive packet
/// duration d among the first 512 packets (the first seen wins a tie), reduced; 25/1 when
/// there is none or it does not fit in 32 bits.
Rational y4m_frame_rate(std::span<const Packet> packets, Rational time_base);

/// Sink settings for writing `stream`'s frames in `format` to `path`: media type, time
/// base (framemd5), frame rate and container aspect (y4m). The framemd5 stream column is 0
/// (the output's only stream, as ffmpeg -map writes it).
SinkSettings sink_settings(const std::string& format, const std::string& path, const StreamInfo& stream,
                           std::span<const Packet> packets);

/// kUsage when `path` is stdout ("-") and stdout is a terminal: binary output there is
/// never what the user wants.
Status refuse_terminal(const std::string& path);

}  // namespace mp4kit::pipeline
