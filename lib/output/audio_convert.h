// The audio conversion stage between decoder and sinks (include/mp4kit/decode_abi.h,
// "audio conversion"): an optional cut to [start, end) of the presentation timeline
// (atrim), then one libswresample context (sample rate, channel layout, packed sample
// format), as FFmpeg 5.1's ffmpeg CLI runs them for `-af atrim=... -ar R -ac C -c:a pcm_*`:
//   - sample positions: fftools/ffmpeg.c decode_audio rescales each frame's pts to
//     1/sample_rate with av_rescale_delta (consecutive frames stay contiguous);
//   - the cut: libavfilter/trim.c atrim_filter_frame (start/end in AV_TIME_BASE rescaled to
//     samples with round-to-nearest; per frame, the samples [start - pts, end - pts));
//   - the conversion: af_aresample.c config_output (swr_alloc_set_opts2 + swr_init with
//     swresample's default options: the filter ffmpeg auto-inserts carries none), filter_frame
//     (every input frame converted as it comes) and request_frame (at EOF, swr_convert with
//     no input until it returns nothing);
//   - the output layout of `-ac N`: av_channel_layout_default (ffmpeg_opt.c / ffmpeg_filter.c);
//     an input of unspecified order is taken as the default layout for its channel count
//     (ffmpeg.c guess_input_channel_layout).
// With nothing to change (same rate, layout and packed format, no cut) frames pass through
// as new references.
//
// Threads: one thread at a time per converter. Frames it returns are independent of it.
#pragma once

extern "C" {
#include <libavutil/channel_layout.h>
#include <libavutil/frame.h>
#include <libavutil/samplefmt.h>
}

#include <cstdint>

#include "mp4kit/decode_abi.h"
#include "mp4kit/error.h"

struct SwrContext;

namespace mp4kit::output {

class AudioConverter {
 public:
  /// Checks names and ranges. Errors: kUsage with what is valid.
  static Result<AudioConverter*> open(const mp4kit_audio_converter_settings& settings);
  ~AudioConverter();
  AudioConverter(const AudioConverter&) = delete;
  AudioConverter& operator=(const AudioConverter&) = delete;

  /// One input frame (null = drain): a new frame with the converted samples, or null when
  /// there are none this time. Errors: kUsage (not audio, format change), kInternal.
  Result<AVFrame*> convert(const AVFrame* in);
  /// The end of the range was reached: later input is dropped.
  bool done() const { return done_; }

 private:
  AudioConverter() = default;
  Status setup(const AVFrame* in);          // the swr context for the first frame's format
  Result<AVFrame*> run_swr(const AVFrame* in, int offset, int count);  // count samples from offset; in null = drain

  int out_rate_ = 0;                        // 0 = input's
  AVChannelLayout out_layout_{};            // order UNSPEC with 0 channels = input's
  AVSampleFormat out_fmt_ = AV_SAMPLE_FMT_NONE;  // NONE = input's, packed
  int64_t start_us_ = INT64_MIN, end_us_ = INT64_MAX;
  AVRational time_base_{1, 1};

  bool configured_ = false;
  bool passthrough_ = false;
  bool done_ = false;
  SwrContext* swr_ = nullptr;
  int in_rate_ = 0;
  AVSampleFormat in_fmt_ = AV_SAMPLE_FMT_NONE;
  AVChannelLayout in_layout_{};
  AVChannelLayout used_out_layout_{};
  AVSampleFormat used_out_fmt_ = AV_SAMPLE_FMT_NONE;
  int used_out_rate_ = 0;
  int64_t start_sample_ = INT64_MIN, end_sample_ = INT64_MAX;  // in input samples (1/in_rate)
  int64_t last_delta_ = INT64_MIN;          // av_rescale_delta's state (AV_NOPTS_VALUE)
  int64_t out_samples_ = 0;                 // written so far (output pts)
  int64_t first_out_pts_ = INT64_MIN;       // input-sample position of the first sample kept
};

}  // namespace mp4kit::output
