// What the decode and seek jobs share about a stream: opening its decoder (errors placed at
// the track's box, as the container says where the configuration came from), the sink
// settings for its frames (time base, y4m frame rate and aspect), and the refusal to write
// binary output to a terminal.
#pragma once

#include <optional>
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

/// Frames of `format` that a transform must make even when nothing else is asked: jpeg
/// (the mjpeg encoder's formats) and npy (packed gray/RGB).
bool format_needs_transform(const std::string& format);

/// The transform between `stream`'s decoder and a `format` sink: none when `settings` (with
/// autorotation) change nothing and the format takes decoded frames as they are. With
/// `autorotate`, FFmpeg's autorotation (StreamInfo::autorotate_degrees) is applied for
/// the picture formats (png, ppm, jpeg, npy) and, for any format, when `settings` change
/// frames; an angle that is not a multiple of 90 is not applied (FFmpeg's rotate filter
/// is not reproduced) and `warning` says so. Errors: Transform::open's (kUsage).
Result<std::optional<Transform>> open_transform(TransformSettings settings, const StreamInfo& stream, const std::string& format,
                                                bool autorotate, std::string& warning);

/// What a transform did, copied out of it (for reports that outlive it).
struct TransformApplied {
  int rotation = 0;                   ///< clockwise degrees
  std::string rotation_filters;       ///< FFmpeg's filters for it ("transpose=clock", ...)
  int scaled_width = 0, scaled_height = 0, crop_x = 0, crop_y = 0, width = 0, height = 0;
  std::string pix_fmt, scaler;
  bool converts = false;              ///< libswscale ran
};
TransformApplied applied_of(const Transform& t);

/// kUsage when `path` is stdout ("-") and stdout is a terminal: binary output there is
/// never what the user wants.
Status refuse_terminal(const std::string& path);

}  // namespace mp4kit::pipeline
