#include "output/audio_convert.h"

extern "C" {
#include <libavutil/mathematics.h>
#include <libswresample/swresample.h>
}

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

namespace mp4kit::output {
namespace {

Error usage(const std::string& m) { return make_error(ErrorCode::kUsage, "", 0, m); }
Error internal(const std::string& m) { return make_error(ErrorCode::kInternal, "", 0, m); }

constexpr const char* kLayouts =
    "mono, stereo, 2.1, 3.0, 3.0(back), 4.0, quad, quad(side), 3.1, 5.0, 5.0(side), 4.1, 5.1, 5.1(side), 6.0, 6.1, "
    "7.0, 7.1, 7.1(wide), octagonal, hexadecagonal, downmix, or channels joined with + (FL+FR+LFE)";

// A new frame holding samples [from, to) of `in` (same format), for a cut without conversion.
Result<AVFrame*> cut_copy(const AVFrame* in, int from, int to) {
  AVFrame* out = av_frame_alloc();
  if (!out) return internal("out of memory");
  out->format = in->format;
  out->sample_rate = in->sample_rate;
  out->nb_samples = to - from;
  if (av_channel_layout_copy(&out->ch_layout, &in->ch_layout) < 0 || av_frame_get_buffer(out, 0) < 0 ||
      av_frame_copy_props(out, in) < 0) {
    av_frame_free(&out);
    return internal("out of memory");
  }
  av_samples_copy(out->extended_data, in->extended_data, 0, from, to - from, in->ch_layout.nb_channels,
                  static_cast<AVSampleFormat>(in->format));
  return out;
}

}  // namespace

Result<AudioConverter*> AudioConverter::open(const mp4kit_audio_converter_settings& s) {
  std::unique_ptr<AudioConverter> c(new AudioConverter);
  if (s.sample_rate < 0 || s.sample_rate > 768000)
    return usage("bad sample rate " + std::to_string(s.sample_rate) + ": 1..768000 Hz");
  c->out_rate_ = s.sample_rate;
  if (s.channels < 0 || s.channels > 64) return usage("bad channel count " + std::to_string(s.channels) + ": 1..64");
  if (s.channels > 0) av_channel_layout_default(&c->out_layout_, s.channels);
  if (s.channel_layout && *s.channel_layout) {
    AVChannelLayout named{};
    if (av_channel_layout_from_string(&named, s.channel_layout) < 0 || named.nb_channels <= 0 || named.nb_channels > 64) {
      av_channel_layout_uninit(&named);
      return usage(std::string("unknown channel layout '") + s.channel_layout + "': use " + kLayouts);
    }
    if (s.channels > 0 && named.nb_channels != s.channels) {
      av_channel_layout_uninit(&named);
      return usage(std::string("channel layout '") + s.channel_layout + "' has " + std::to_string(named.nb_channels) +
                   " channels, not " + std::to_string(s.channels));
    }
    av_channel_layout_uninit(&c->out_layout_);
    c->out_layout_ = named;
  }
  if (s.sample_fmt && *s.sample_fmt) {
    const std::string f = s.sample_fmt;
    const AVSampleFormat fmt = av_get_sample_fmt(f.c_str());
    if (fmt == AV_SAMPLE_FMT_NONE || av_sample_fmt_is_planar(fmt) || fmt == AV_SAMPLE_FMT_S64)
      return usage("unknown sample format '" + f + "': use u8, s16, s32, flt or dbl (packed)");
    c->out_fmt_ = fmt;
  }
  if (s.end_us <= s.start_us) return usage("the range is empty: end must be after start");
  c->start_us_ = s.start_us;
  c->end_us_ = s.end_us;
  if (s.time_base_num <= 0 || s.time_base_den <= 0) return usage("bad time base");
  c->time_base_ = AVRational{s.time_base_num, s.time_base_den};
  return c.release();
}

AudioConverter::~AudioConverter() {
  swr_free(&swr_);
  av_channel_layout_uninit(&out_layout_);
  av_channel_layout_uninit(&in_layout_);
  av_channel_layout_uninit(&used_out_layout_);
}

Status AudioConverter::setup(const AVFrame* in) {
  in_rate_ = in->sample_rate;
  in_fmt_ = static_cast<AVSampleFormat>(in->format);
  // ffmpeg.c guess_input_channel_layout: an unspecified order becomes the default layout.
  if (in->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC) av_channel_layout_default(&in_layout_, in->ch_layout.nb_channels);
  else if (av_channel_layout_copy(&in_layout_, &in->ch_layout) < 0) return internal("out of memory");
  used_out_rate_ = out_rate_ ? out_rate_ : in_rate_;
  used_out_fmt_ = out_fmt_ != AV_SAMPLE_FMT_NONE ? out_fmt_ : av_get_packed_sample_fmt(in_fmt_);
  if (av_channel_layout_copy(&used_out_layout_, out_layout_.nb_channels ? &out_layout_ : &in_layout_) < 0)
    return internal("out of memory");
  // trim.c init: start/end (AV_TIME_BASE) to samples, av_rescale_q (round to nearest).
  const AVRational sr{1, in_rate_};
  if (start_us_ != INT64_MIN) start_sample_ = av_rescale_q(start_us_, AV_TIME_BASE_Q, sr);
  if (end_us_ != INT64_MAX) end_sample_ = av_rescale_q(end_us_, AV_TIME_BASE_Q, sr);
  passthrough_ = used_out_rate_ == in_rate_ && used_out_fmt_ == av_get_packed_sample_fmt(in_fmt_) &&
                 av_channel_layout_compare(&used_out_layout_, &in_layout_) == 0;
  configured_ = true;
  if (passthrough_) return Ok{};
  // af_aresample.c config_output: one context, swresample's defaults, no options.
  if (swr_alloc_set_opts2(&swr_, &used_out_layout_, used_out_fmt_, used_out_rate_, &in_layout_, in_fmt_, in_rate_, 0,
                          nullptr) < 0 ||
      swr_init(swr_) < 0) {
    char a[64] = "?", b[64] = "?";
    av_channel_layout_describe(&in_layout_, a, sizeof a);
    av_channel_layout_describe(&used_out_layout_, b, sizeof b);
    return internal(std::string("libswresample cannot convert ") + std::to_string(in_rate_) + " Hz " + a + " " +
                    av_get_sample_fmt_name(in_fmt_) + " to " + std::to_string(used_out_rate_) + " Hz " + b + " " +
                    av_get_sample_fmt_name(used_out_fmt_));
  }
  return Ok{};
}

Result<AVFrame*> AudioConverter::run_swr(const AVFrame* in, int offset, int count) {
  const int cap = swr_get_out_samples(swr_, in ? count : 0);
  if (cap <= 0) return static_cast<AVFrame*>(nullptr);
  AVFrame* out = av_frame_alloc();
  if (!out) return internal("out of memory");
  out->format = used_out_fmt_;
  out->sample_rate = used_out_rate_;
  out->nb_samples = cap;
  if (av_channel_layout_copy(&out->ch_layout, &used_out_layout_) < 0 || av_frame_get_buffer(out, 0) < 0) {
    av_frame_free(&out);
    return internal("out of memory");
  }
  std::vector<const uint8_t*> src;
  if (in) {
    const int bps = av_get_bytes_per_sample(in_fmt_);
    const int ch = in->ch_layout.nb_channels;
    const bool planar = av_sample_fmt_is_planar(in_fmt_);
    for (int i = 0; i < (planar ? ch : 1); ++i) src.push_back(in->extended_data[i] + size_t(offset) * bps * (planar ? 1 : ch));
  }
  const int n = swr_convert(swr_, out->extended_data, cap, in ? src.data() : nullptr, in ? count : 0);
  if (n < 0) {
    av_frame_free(&out);
    return internal("libswresample failed to convert a frame");
  }
  if (n == 0) {
    av_frame_free(&out);
    return static_cast<AVFrame*>(nullptr);
  }
  out->nb_samples = n;
  const AVRational osr{1, used_out_rate_};
  const int64_t first = first_out_pts_ == INT64_MIN ? 0 : av_rescale_q(first_out_pts_, AVRational{1, in_rate_}, osr);
  out->pts = out->best_effort_timestamp = av_rescale_q(first + out_samples_, osr, time_base_);
  out->pkt_duration = av_rescale_q(n, osr, time_base_);
  out_samples_ += n;
  return out;
}

Result<AVFrame*> AudioConverter::convert(const AVFrame* in) {
  if (!in) {  // drain (af_aresample.c request_frame at EOF)
    if (!configured_ || passthrough_) return static_cast<AVFrame*>(nullptr);
    return run_swr(nullptr, 0, 0);
  }
  if (done_) return static_cast<AVFrame*>(nullptr);
  if (in->nb_samples <= 0 || in->sample_rate <= 0 || in->ch_layout.nb_channels <= 0)
    return usage("audio conversion needs audio frames");
  if (!configured_) {
    MP4KIT_TRY(setup(in));
  } else if (in->sample_rate != in_rate_ || in->format != in_fmt_ || in->ch_layout.nb_channels != in_layout_.nb_channels) {
    return usage("the audio format changes mid-stream (" + std::to_string(in_rate_) + " Hz, " +
                 std::to_string(in_layout_.nb_channels) + " channels, then " + std::to_string(in->sample_rate) + " Hz, " +
                 std::to_string(in->ch_layout.nb_channels) + "): not supported with conversion or a range");
  }
  // ffmpeg.c decode_audio: the frame's position in samples, kept contiguous.
  const AVRational sr{1, in_rate_};
  int64_t pts = last_delta_ == INT64_MIN ? 0 : last_delta_;
  if (in->pts != AV_NOPTS_VALUE) pts = av_rescale_delta(time_base_, in->pts, sr, in->nb_samples, &last_delta_, sr);
  else last_delta_ = pts + in->nb_samples;
  // trim.c atrim_filter_frame: keep [start - pts, end - pts) of this frame.
  const int nb = in->nb_samples;
  int64_t from = 0, to = nb;
  if (start_sample_ != INT64_MIN) {
    if (pts + nb <= start_sample_) return static_cast<AVFrame*>(nullptr);  // before the range
    from = std::max<int64_t>(0, start_sample_ - pts);
  }
  if (end_sample_ != INT64_MAX) {
    if (pts >= end_sample_) {
      done_ = true;
      return static_cast<AVFrame*>(nullptr);
    }
    to = std::min<int64_t>(nb, end_sample_ - pts);
    if (pts + nb >= end_sample_) done_ = true;  // the next frame starts at or after the end
  }
  if (from >= to) return static_cast<AVFrame*>(nullptr);
  if (first_out_pts_ == INT64_MIN) first_out_pts_ = pts + from;
  if (passthrough_) {
    if (from == 0 && to == nb) {
      AVFrame* ref = av_frame_clone(in);
      if (!ref) return internal("out of memory");
      return ref;
    }
    return cut_copy(in, static_cast<int>(from), static_cast<int>(to));
  }
  return run_swr(in, static_cast<int>(from), static_cast<int>(to - from));
}

}  // namespace mp4kit::output
