// Sinks: frame consumers behind `struct mp4kit_sink` (include/mp4kit/decode_abi.h), one
// output each, in one of the formats of output_format: null (drop), y4m, raw, framemd5, wav
// (streams: frame_output.h), png, ppm, jpeg (one still picture: image_output.h) and npy
// (npy_writer.h; video: every frame in one N x H x W x C array, a frame npy cannot hold as
// it is goes through a Transform to rgb24 / rgb48le / gray / gray16le first, frames of
// another shape than the first are kUsage; audio: one samples x channels array in the
// frames' packed sample type, u8 '|u1', s16 '<i2', s32 '<i4', s64 '<i8', flt '<f4', dbl
// '<f8', the bytes of ffmpeg's `-f u8|s16le|s32le|s64le|f32le|f64le` output; another type
// or channel count than the first frame's is kUsage).
//
// A sink accepts any frame, whoever made it (a decoder, later a transform stage): it reads
// only the AVFrame. Outputs are OutputFiles (output_file.h): a file is written under a
// temporary name and renamed by finish(); "-" is stdout.
//
// Errors: open() kUsage (format/media mismatch, png/ppm to a terminal is the caller's
// check), kCannotCreate (the output cannot be created; the message names it); write()
// kIo (the message names the output and the bytes written so far), kUsage (a frame the
// format cannot hold: y4m of an unknown pixel format, a second picture to png/ppm),
// kInternal (swscale / the PNG encoder cannot handle the frame); finish() kIo,
// kCannotCreate (rename). When stdout's reader went away (EPIPE) write() returns Ok, the
// frame is not counted, output_closed() becomes true and later writes do nothing.
//
// Threads: one thread at a time per sink; frames are only read during write().
#pragma once

extern "C" {
#include <libavutil/frame.h>
}

#include <memory>
#include <string>
#include <vector>

#include "decode/log_capture.h"
#include "mp4kit/decode_abi.h"
#include "mp4kit/error.h"
#include "output/frame_output.h"
#include "output/image_output.h"
#include "output/npy_writer.h"
#include "output/transform.h"

namespace mp4kit::output {

class Sink {
 public:
  static Result<std::unique_ptr<Sink>> open(const mp4kit_sink_settings& settings);
  ~Sink();
  Sink(const Sink&) = delete;
  Sink& operator=(const Sink&) = delete;

  Status write(const AVFrame* frame);
  Status finish();
  void stats(mp4kit_sink_stats& out) const;
  /// The output's path as given ("-" for stdout, "" for null).
  const std::string& path() const { return path_; }

 private:
  Sink() = default;

  OutputFormat format_ = OutputFormat::kNull;
  std::string path_;
  std::unique_ptr<FrameWriter> writer_;   // stream formats
  std::unique_ptr<ImageEncoder> image_;   // png, ppm
  std::unique_ptr<OutputFile> image_out_;
  std::unique_ptr<OutputFile> npy_file_;  // until the first frame says the shape
  std::unique_ptr<NpyWriter> npy_;
  std::unique_ptr<Transform> to_npy_;
  Status write_npy(const AVFrame* frame);
  Status write_npy_audio(const AVFrame* frame);  // samples x channels
  std::string npy_descr_;                 // audio: the dtype of the first frame
  std::vector<uint8_t> scratch_;          // audio: interleaved samples
  std::vector<uint8_t> encoded_;
  decode::LogCapture log_;                // swscale's and the encoder's messages: not printed
  bool closed_ = false;
  int64_t frames_ = 0;
  uint64_t image_bytes_ = 0;
};

}  // namespace mp4kit::output
