// `mp4kit decode`'s work: one stream of one file, demuxed by mp4kit, decoded by the decode
// module, written to one sink (null, y4m, raw, framemd5, wav).
//
// Steps: load the module; open and parse the file (Demuxer); pick the stream (the first
// video stream, else the first audio stream, or the one asked for); check that the format
// fits it; open the decoder and the output; send every packet (PacketFeed) and write every
// frame, up to max_frames; finish the output; check that the input did not shrink under
// the mapping. Frames are the ones `ffmpeg -f framemd5` hashes (README "decode").
//
// Errors, with the file they are about in `error_file` ("" = none): the module's (70);
// the input's (66, 65 malformed, 70 a limit, 74 shrank; file = input); a stream that does
// not exist or does not fit the format (64, input); a terminal as binary stdout (64, "");
// the output's (73 cannot create, 74 write failed; file = output); with strict decoding,
// the first decoder error (65, input: "decoder error (--strict): send at packet N: ...",
// plus libavcodec's first message), or an error libavcodec logged without failing a call
// (65, checked before the output is completed, so no output file is left). A reader closing stdout is not an error
// (DecodeReport::output_closed).
//
// Threads: runs on the calling thread; `progress` is called on it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "mp4kit/byte_source.h"
#include "mp4kit/decoder.h"
#include "mp4kit/demuxer.h"
#include "mp4kit/error.h"
#include "pipeline/stream_setup.h"

namespace mp4kit::pipeline {

struct DecodeJob {
  std::string input;                  ///< file path or http(s):// URL (open_source)
  SourceOptions source{{.fault_guard = true}, {}};  ///< how `input` is opened; a file cut while decoded is exit 74
  DemuxerOptions demux;               ///< Limits; edit lists on/off
  int stream = -1;                    ///< ffprobe index; -1 = first video, else first audio (wav or `audio`: first audio)
  std::string format = "null";        ///< null, y4m, raw, framemd5, wav, npy
  std::string output;                 ///< path, "-" stdout; "" = stdout (ignored for null)
  DecoderSettings decoder;            ///< threads, strict, packet copy
  int64_t max_frames = -1;            ///< stop after this many frames; < 0 = all
  TransformSettings transform;        ///< size, crop, pixel format (none by default)
  bool autorotate = true;             ///< stream_setup.h open_transform: png/jpeg/npy, or with a transform
  int quality = 2;                    ///< jpeg: -q:v
  /// Audio: convert (rate, layout, sample format) and cut to a range before the sink
  /// (AudioConverter, FFmpeg's atrim + aresample); time_base is filled in from the stream.
  /// Refused (kUsage) for a video stream. With it and no stream given, the first audio
  /// stream is decoded (as for format wav).
  std::optional<AudioConversion> audio;
  /// Called about 10 times a second with (frames written, frames expected, elapsed s), and
  /// once at the end; may be empty.
  std::function<void(int64_t frames, int64_t expected, double elapsed_s)> progress;
};

struct DecodeReport {
  uint32_t stream = 0;
  std::string codec;                  ///< libavcodec decoder name
  int64_t frames = 0;                 ///< frames written
  /// Frames the packets promise: the stream's packets not discarded by an edit list or a
  /// fragment overlap, capped by max_frames. For video, `frames` below this means the
  /// decoder dropped pictures (missing references, a reorder guess, damage): decoding
  /// ended short, which the caller must not pass over in silence.
  int64_t expected_frames = 0;
  bool video = false;                 ///< the stream is video (one frame per shown packet)
  mp4kit_decoder_stats decoder{};     ///< packets, errors, pool, zero-copy counters
  uint64_t output_bytes = 0;
  bool output_closed = false;         ///< stdout's reader went away: stopped, not an error
  double wall_s = 0;                  ///< decode loop, open to finish
  double cpu_s = 0;                   ///< process CPU (all threads) over the same span
  ReadStats input_read;               ///< what the input source fetched (a URL: bytes and requests)
  /// Informative with success: the first failed decoder call, else libavcodec's first
  /// error message; "" when decoding was clean.
  std::string first_error;
  bool transformed = false;           ///< a transform ran: `transform` says what it did
  TransformApplied transform;
  std::string transform_warning;      ///< "" or one line (a rotation not applied, depth reduced)
};

Result<DecodeReport> run_decode(const DecodeJob& job, std::string& error_file);

}  // namespace mp4kit::pipeline
