// Output formats for decoded frames: null, y4m, raw, framemd5, wav.
//
// Packing: `raw`, `y4m` and `framemd5` use the *packed* frame, the bytes FFmpeg's
// av_image_copy_to_buffer(..., align = 1) produces (what the rawvideo encoder hands the
// framemd5 muxer): each plane's visible rows, no stride padding, the palette appended for
// PAL formats. Audio is packed interleaved in the decoder's own sample type (fltp -> f32le,
// s16p -> s16le, s32p -> s32le, dblp -> f64le, u8p -> u8): the same bytes FFmpeg's framemd5
// hashes with `-c:a pcm_f32le` (resp. pcm_s16le, ...), i.e. FFmpeg converts planar to
// interleaved but changes no sample value.
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
#include <libavutil/md5.h>
}

#include <memory>
#include <string>
#include <vector>

#include "decode/output_file.h"
#include "mp4kit/error.h"

namespace mp4kit::decode {

enum class OutputFormat { kNull, kY4m, kRaw, kFramemd5, kWav };

/// Parses "null|y4m|raw|framemd5|wav"; false when unknown.
bool parse_output_format(const std::string& name, OutputFormat& out);

struct StreamDescription {
  bool video = true;
  int timescale = 1;            ///< track ticks per second (time base of the frame pts)
  int frame_rate_num = 25, frame_rate_den = 1;  ///< for the y4m header
  int sar_num = 0, sar_den = 0; ///< container pixel aspect (pasp); 0 = from the frames
};

class FrameWriter {
 public:
  /// `out` may be null only for kNull. The writer takes the output.
  FrameWriter(OutputFormat format, std::unique_ptr<OutputFile> out, StreamDescription stream);
  ~FrameWriter();

  /// Writes one frame (the header first, from the first frame). Errors: kIo from the
  /// output; kUsage when the format does not fit the frames (y4m of audio, wav of video,
  /// a pixel format y4m cannot describe).
  Status write(const AVFrame* frame);
  /// Completes the output (wav sizes, rename into place).
  Status finish();

  OutputFile* output() { return out_.get(); }

 private:
  Status write_header(const AVFrame* frame);
  Status write_video_packed(const AVFrame* frame);  // to the output
  void md5_video_packed(const AVFrame* frame, uint8_t digest[16], int& size);
  const std::vector<uint8_t>& interleave_audio(const AVFrame* frame);

  OutputFormat format_;
  std::unique_ptr<OutputFile> out_;
  StreamDescription stream_;
  bool header_done_ = false;
  AVMD5* md5_ = nullptr;
  std::vector<uint8_t> scratch_;
  uint64_t audio_bytes_ = 0;       // wav data bytes
  int audio_format_ = -1;          // packed AVSampleFormat written
  int audio_channels_ = 0;
};

}  // namespace mp4kit::decode
