#include "output/sink.h"

#include <cstring>

namespace mp4kit::output {
namespace {

bool needs_video(OutputFormat f) {
  return f == OutputFormat::kY4m || f == OutputFormat::kPng || f == OutputFormat::kPpm;
}

}  // namespace

Result<std::unique_ptr<Sink>> Sink::open(const mp4kit_sink_settings& s) {
  if (s.struct_size < sizeof(mp4kit_sink_settings))
    return make_error(ErrorCode::kUsage, "", 0,
                      "mp4kit_sink_settings.struct_size is " + std::to_string(s.struct_size) + ", this module needs " +
                          std::to_string(sizeof(mp4kit_sink_settings)) + " (fill it with sink_default_settings)");
  const std::string name = s.format ? s.format : "";
  std::unique_ptr<Sink> sink(new Sink);
  if (!parse_output_format(name, sink->format_))
    return make_error(ErrorCode::kUsage, "", 0, "unknown format '" + name + "' (null, y4m, raw, framemd5, wav, png, ppm)");
  const OutputFormat f = sink->format_;
  const bool video = s.media_type == MP4KIT_MEDIA_VIDEO;
  if (needs_video(f) && !video)
    return make_error(ErrorCode::kUsage, "", 0, name + " needs a video stream (use wav or raw for audio)");
  if (f == OutputFormat::kWav && video) return make_error(ErrorCode::kUsage, "", 0, "wav needs an audio stream (use y4m or raw for video)");
  if (f == OutputFormat::kNull) return sink;
  if (!s.path || !*s.path) return make_error(ErrorCode::kUsage, "", 0, "format " + name + " needs an output path (or - for stdout)");
  sink->path_ = s.path;
  auto out = OutputFile::open(sink->path_);
  if (!out.ok()) return out.error();
  auto file = std::make_unique<OutputFile>(std::move(out.value()));
  if (f == OutputFormat::kPng || f == OutputFormat::kPpm) {
    sink->image_ = std::make_unique<ImageEncoder>(f == OutputFormat::kPng ? ImageEncoder::Kind::kPng : ImageEncoder::Kind::kPpm);
    sink->image_out_ = std::move(file);
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
      return make_error(ErrorCode::kUsage, "", 0, "a " + std::string(format_ == OutputFormat::kPng ? "png" : "ppm") +
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
  Status st = writer_->write(frame);
  if (!st.ok()) {
    if (writer_->output() && writer_->output()->closed_by_reader()) return closed_ = true, Status(Ok{});
    return st;
  }
  ++frames_;
  return Ok{};
}

Status Sink::finish() {
  if (closed_) return Ok{};  // stdout's reader is gone: nothing more to complete
  decode::LogScope scope(log_);
  Status st = image_ ? image_out_->commit() : writer_ ? writer_->finish() : Status(Ok{});
  // The last buffered bytes go out here (a wav header and a little audio, one small
  // picture): a reader that went away by now (`| head -c 44`) is not an error either.
  const OutputFile* out = image_ ? image_out_.get() : writer_ ? writer_->output() : nullptr;
  if (!st.ok() && out && out->closed_by_reader()) return closed_ = true, Status(Ok{});
  return st;
}

void Sink::stats(mp4kit_sink_stats& s) const {
  s.frames = frames_;
  s.bytes = image_ ? image_bytes_ : writer_ && writer_->output() ? writer_->output()->bytes_written() : 0;
  s.output_closed = closed_ ? 1 : 0;
  s.last_md5[0] = '\0';
  s.last_size = 0;
  if (writer_ && format_ == OutputFormat::kFramemd5) {
    std::memcpy(s.last_md5, writer_->last_md5(), sizeof s.last_md5);
    s.last_size = writer_->last_size();
  }
}

}  // namespace mp4kit::output
