// Stream output formats for decoded frames: null, y4m, raw, framemd5, wav (one output,
// any number of frames; the still-image formats are in image_output.h).
//
// Packing: `raw`, `y4m`, `wav` and `framemd5` use the *packed* frame
// (lib/decode/frame_packing.h): each plane's visible rows without stride padding, audio
// interleaved in the decoder's own sample type.
//
// framemd5 lines follow FFmpeg's framehash muxer (libavformat/framehash.c, version 2):
// "stream, dts, pts, duration, size, md5" with the same widths; timestamps are the frame's
// best-effort pts in the track time base (stated in the "#tb" header line), so the size
// and md5 columns are comparable with FFmpeg's and the time columns are informative.
//
// Threads: one thread. Frames are only read during write().
#pragma once

extern "C" {
#include <libavutil/frame.h>
}

#include <memory>
#include <string>
#include <vector>

#include "mp4kit/error.h"
#include "output/output_file.h"

namespace mp4kit::output {

/// Every output format a sink can write (sink.h).
enum class OutputFormat { kNull, kY4m, kRaw, kFramemd5, kWav, kPng, kPpm, kJpeg, kNpy };

/// Parses "null|y4m|raw|framemd5|wav|png|ppm|jpeg|npy"; false when unknown.
bool parse_output_format(const std::string& name, OutputFormat& out);

struct StreamDescription {
  int stream_index = 0;         ///< framemd5: the stream column
  int time_base_num = 1, time_base_den = 1;  ///< time base of the frame pts (framemd5 "#tb")
  int frame_rate_num = 25, frame_rate_den = 1;  ///< for the y4m header
  int sar_num = 0, sar_den = 0; ///< container pixel aspect (pasp); 0 = from the frames
};

class FrameWriter {
 public:
  /// `format` is one of null, y4m, raw, framemd5, wav; `out` may be null only for kNull.
  /// The writer takes the output.
  FrameWriter(OutputFormat format, std::unique_ptr<OutputFile> out, StreamDescription stream);
  ~FrameWriter();

  /// Writes one frame (the header first, from the first frame). Errors: kIo from the
  /// output; kUsage when the format does not fit the frames (y4m of audio, wav of video,
  /// a pixel format y4m cannot describe).
  Status write(const AVFrame* frame);
  /// Completes the output (wav sizes, rename into place).
  Status finish();

  OutputFile* output() { return out_.get(); }
  /// framemd5: the md5 (hex) and packed size of the last frame written; "" / 0 before.
  const char* last_md5() const { return last_md5_; }
  int64_t last_size() const { return last_size_; }

 private:
  Status write_header(const AVFrame* frame);
  Status write_video_packed(const AVFrame* frame);  // to the output

  OutputFormat format_;
  std::unique_ptr<OutputFile> out_;
  StreamDescription stream_;
  bool header_done_ = false;
  std::vector<uint8_t> scratch_;
  char last_md5_[33] = {};
  int64_t last_size_ = 0;
  uint64_t audio_bytes_ = 0;       // wav data bytes
  int audio_format_ = -1;          // packed AVSampleFormat written
  int audio_channels_ = 0;
};

}  // namespace mp4kit::output
