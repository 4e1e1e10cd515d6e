#include "output/sink.h"

#include <fmt/core.h>

#include <cstddef>
#include <cstring>

#include "decode/frame_packing.h"

extern "C" {
#include <libavutil/pixdesc.h>
#include <libavutil/samplefmt.h>
}

namespace mp4kit::output {
namespace {

// npy takes both: video as N x H x W x C, audio as samples x channels.
bool needs_video(OutputFormat f) {
  return f == OutputFormat::kY4m || f == OutputFormat::kPng || f == OutputFormat::kPpm || f == OutputFormat::kJpeg;
}

// numpy's dtype for a packed sample format (little-endian, as FFmpeg's pcm_*le and the
// machines this runs on): u8 '|u1', s16 '<i2', s32 '<i4', s64 '<i8', flt '<f4', dbl '<f8'.
const char* npy_audio_descr(AVSampleFormat f) {
  switch (av_get_packed_sample_fmt(f)) {
    case AV_SAMPLE_FMT_U8: return "|u1";
    case AV_SAMPLE_FMT_S16: return "<i2";
    case AV_SAMPLE_FMT_S32: return "<i4";
    case AV_SAMPLE_FMT_S64: return "<i8";
    case AV_SAMPLE_FMT_FLT: return "<f4";
    case AV_SAMPLE_FMT_DBL: return "<f8";
    default: return nullptr;
  }
}

bool is_image(OutputFormat f) { return f == OutputFormat::kPng || f == OutputFormat::kPpm || f == OutputFormat::kJpeg; }

const char* image_name(OutputFormat f) { return f == OutputFormat::kPng ? "png" : f == OutputFormat::kPpm ? "ppm" : "jpeg"; }

// The settings' fields a caller compiled against an older minor may not have passed.
constexpr size_t kSinkSettingsMinor0 = offsetof(mp4kit_sink_settings, quality);

}  // namespace

Result<std::unique_ptr<Sink>> Sink::open(const mp4kit_sink_settings& s) {
  if (s.struct_size < kSinkSettingsMinor0)
    return make_error(ErrorCode::kUsage, "", 0,
                      "mp4kit_sink_settings.struct_size is " + std::to_string(s.struct_size) + ", this module needs " +
                          std::to_string(kSinkSettingsMinor0) + " (fill it with sink_default_settings)");
  const int quality = s.struct_size >= sizeof(mp4kit_sink_settings) && s.quality ? s.quality : 2;
  if (quality < 1 || quality > 31)
    return make_error(ErrorCode::kUsage, "", 0, "jpeg quality " + std::to_string(quality) + " is out of range: 1 (best) .. 31");
  const std::string name = s.format ? s.format : "";
  std::unique_ptr<Sink> sink(new Sink);
  if (!parse_output_format(name, sink->format_))
    return make_error(ErrorCode::kUsage, "", 0, "unknown format '" + name + "' (null, y4m, raw, framemd5, wav, png, ppm, jpeg, npy)");
  const OutputFormat f = sink->format_;
  const bool video = s.media_type == MP4KIT_MEDIA_VIDEO;
  if (needs_video(f) && !video)
    return make_error(ErrorCode::kUsage, "", 0, name + " needs a video stream (use wav, raw or npy for audio)");
  if (f == OutputFormat::kWav && video) return make_error(ErrorCode::kUsage, "", 0, "wav needs an audio stream (use y4m or raw for video)");
  if (f == OutputFormat::kNull) return sink;
  if (!s.path || !*s.path) return make_error(ErrorCode::kUsage, "", 0, "format " + name + " needs an output path (or - for stdout)");
  sink->path_ = s.path;
  auto out = OutputFile::open(sink->path_);
  if (!out.ok()) return out.error();
  auto file = std::make_unique<OutputFile>(std::move(out.value()));
  if (is_image(f)) {
    sink->image_ = std::make_unique<ImageEncoder>(f == OutputFormat::kPng   ? ImageEncoder::Kind::kPng
                                                  : f == OutputFormat::kPpm ? ImageEncoder::Kind::kPpm
                                                                            : ImageEncoder::Kind::kJpeg,
                                                  quality);
    sink->image_out_ = std::move(file);
    return sink;
  }
  if (f == OutputFormat::kNpy) {
    if (sink->path_ == "-") return make_error(ErrorCode::kUsage, "", 0, "npy needs a file (its header is completed at the end): give -o FILE.npy");
    sink->npy_file_ = std::move(file);
    return sink;
  }
  StreamDescription sd;
  sd.stream_index = s.stream_index;
  if (s.time_base_num > 0 && s.time_base_den > 0) sd.time_base_num = s.time_base_num, sd.time_base_den = s.time_base_den;
  if (s.frame_rate_num > 0 && s.frame_rate_den > 0) sd.frame_rate_num = s.frame_rate_num, sd.frame_rate_den = s.frame_rate_den;
  sd.sar_num = s.sar_num;
  sd.sar_den = s.sar_den;
  sink->writer_ = std::make_unique<FrameWriter>(f, std::move(file), sd);
  return sink;
}

Sink::~Sink() = default;

Status Sink::write(const AVFrame* frame) {
  if (closed_) return Ok{};
  decode::LogScope scope(log_);
  if (format_ == OutputFormat::kNull) {
    ++frames_;
    return Ok{};
  }
  if (image_) {
    if (frames_ > 0)
      return make_error(ErrorCode::kUsage, "", 0, "a " + std::string(image_name(format_)) +
                                                      " output holds one picture; '" + path_ + "' has one already");
    MP4KIT_TRY(image_->encode(frame, encoded_));
    Status st = image_out_->write(encoded_.data(), encoded_.size());
    if (!st.ok()) {
      if (image_out_->closed_by_reader()) return closed_ = true, Status(Ok{});
      return st;
    }
    image_bytes_ += encoded_.size();
    ++frames_;
    return Ok{};
  }
  if (format_ == OutputFormat::kNpy) {
    Status st = write_npy(frame);
    if (!st.ok()) return st;
    ++frames_;
    return Ok{};
  }
  Status st = writer_->write(frame);
  if (!st.ok()) {
    if (writer_->output() && writer_->output()->closed_by_reader()) return closed_ = true, Status(Ok{});
    return st;
  }
  ++frames_;
  return Ok{};
}

// Audio: the frame's samples interleaved (frame_packing.h) as rows of one sample x C
// channels, in the frame's own sample type; the converter (audio_convert.h) gives the
// --sample-fmt asked for.
Status Sink::write_npy_audio(const AVFrame* f) {
  const auto fmt = static_cast<AVSampleFormat>(f->format);
  const char* descr = npy_audio_descr(fmt);
  if (!descr) return make_error(ErrorCode::kUsage, "", 0, std::string("npy cannot hold sample format ") + (av_get_sample_fmt_name(fmt) ? av_get_sample_fmt_name(fmt) : "unknown"));
  const uint64_t channels = static_cast<uint64_t>(f->ch_layout.nb_channels);
  const size_t item = static_cast<size_t>(av_get_bytes_per_sample(fmt));
  if (channels == 0) return make_error(ErrorCode::kUsage, "", 0, "npy: an audio frame without channels");
  if (!npy_) {
    npy_ = std::make_unique<NpyWriter>(std::move(npy_file_), descr, item, std::vector<uint64_t>{channels});
    npy_descr_ = descr;
  } else if (npy_->row_shape()[0] != channels || npy_descr_ != descr) {
    return make_error(ErrorCode::kUsage, "", 0,
                      fmt::format("npy holds samples of one type and channel count: {} x {} first, then {} x {} (give --sample-fmt and --channels)",
                                  npy_descr_, npy_->row_shape()[0], descr, channels));
  }
  const auto& bytes = decode::interleave_audio(f, scratch_);
  MP4KIT_TRY(npy_->write_part(bytes.data(), bytes.size()));
  return npy_->count_rows(static_cast<uint64_t>(f->nb_samples));
}

Status Sink::write_npy(const AVFrame* f) {
  if (!decode::is_video_frame(f)) return write_npy_audio(f);
  AVFrame* made = nullptr;
  const AVFrame* src = f;
  const auto fmt = static_cast<AVPixelFormat>(f->format);
  if (!npy_holds(fmt)) {
    if (!to_npy_) {
      auto t = Transform::for_sink("npy");
      if (!t.ok()) return t.error();
      to_npy_ = std::move(t.value());
    }
    auto m = to_npy_->apply(f);
    if (!m.ok()) return m.error();
    made = *m;
    src = made;
  }
  const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(static_cast<AVPixelFormat>(src->format));
  const size_t item = d->comp[0].depth > 8 ? 2 : 1;
  const std::vector<uint64_t> shape = {uint64_t(src->height), uint64_t(src->width), uint64_t(d->nb_components)};
  Status st = Ok{};
  if (!npy_) {
    // little-endian or single-byte samples: numpy's '<u2' / '|u1'; big-endian: '>u2'
    const bool be = item == 2 && (d->flags & AV_PIX_FMT_FLAG_BE);
    npy_ = std::make_unique<NpyWriter>(std::move(npy_file_), item == 1 ? "|u1" : be ? ">u2" : "<u2", item, shape);
  } else if (npy_->row_shape() != shape || npy_->row_bytes() != shape[0] * shape[1] * shape[2] * item) {
    st = make_error(ErrorCode::kUsage, "", 0,
                    "npy holds frames of one shape: " + std::to_string(npy_->row_shape()[1]) + "x" + std::to_string(npy_->row_shape()[0]) +
                        " first, then " + std::to_string(src->width) + "x" + std::to_string(src->height) + " (give --size)");
  }
  const size_t row = static_cast<size_t>(src->width) * d->nb_components * item;
  for (int y = 0; st.ok() && y < src->height; ++y) st = npy_->write_part(src->data[0] + static_cast<ptrdiff_t>(y) * src->linesize[0], row);
  if (st.ok()) st = npy_->count_rows(1);
  av_frame_free(&made);
  return st;
}

Status Sink::finish() {
  if (closed_) return Ok{};  // stdout's reader is gone: nothing more to complete
  decode::LogScope scope(log_);
  if (format_ == OutputFormat::kNpy) {
    if (!npy_) return make_error(ErrorCode::kUsage, "", 0, "npy: no frame or sample was written, so the array has no shape");
    return npy_->finish();
  }
  Status st = image_ ? image_out_->commit() : writer_ ? writer_->finish() : Status(Ok{});
  // The last buffered bytes go out here (a wav header and a little audio, one small
  // picture): a reader that went away by now (`| head -c 44`) is not an error either.
  const OutputFile* out = image_ ? image_out_.get() : writer_ ? writer_->output() : nullptr;
  if (!st.ok() && out && out->closed_by_reader()) return closed_ = true, Status(Ok{});
  return st;
}

void Sink::stats(mp4kit_sink_stats& s) const {
  s.frames = frames_;
  s.bytes = image_ ? image_bytes_ : writer_ && writer_->output() ? writer_->output()->bytes_written()
            : npy_ ? npy_->output()->bytes_written() : 0;
  s.output_closed = closed_ ? 1 : 0;
  s.last_md5[0] = '\0';
  s.last_size = 0;
  if (writer_ && format_ == OutputFormat::kFramemd5) {
    std::memcpy(s.last_md5, writer_->last_md5(), sizeof s.last_md5);
    s.last_size = writer_->last_size();
  }
}

}  // namespace mp4kit::output
