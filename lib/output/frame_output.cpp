#include "output/frame_output.h"

extern "C" {
#include <libavutil/channel_layout.h>
#include <libavutil/imgutils.h>
#include <libavutil/intreadwrite.h>
#include <libavutil/pixdesc.h>
#include <libavutil/samplefmt.h>
}

#include <fmt/core.h>

#include <cstring>

#include "decode/frame_packing.h"

namespace mp4kit::output {

using decode::for_each_packed_chunk;
using decode::interleave_audio;
using decode::is_video_frame;

namespace {

const char* y4m_colorspace(const AVFrame* f) {
  switch (f->format) {
    case AV_PIX_FMT_GRAY8: return "Cmono";
    case AV_PIX_FMT_GRAY9: return "Cmono9";
    case AV_PIX_FMT_GRAY10: return "Cmono10";
    case AV_PIX_FMT_GRAY12: return "Cmono12";
    case AV_PIX_FMT_GRAY16: return "Cmono16";
    case AV_PIX_FMT_YUV411P: return "C411 XYSCSS=411";
    case AV_PIX_FMT_YUV420P:
    case AV_PIX_FMT_YUVJ420P:
      switch (f->chroma_location) {
        case AVCHROMA_LOC_TOPLEFT: return "C420paldv XYSCSS=420PALDV";
        case AVCHROMA_LOC_LEFT: return "C420mpeg2 XYSCSS=420MPEG2";
        default: return "C420jpeg XYSCSS=420JPEG";
      }
    case AV_PIX_FMT_YUV422P: case AV_PIX_FMT_YUVJ422P: return "C422 XYSCSS=422";
    case AV_PIX_FMT_YUV444P: case AV_PIX_FMT_YUVJ444P: return "C444 XYSCSS=444";
    case AV_PIX_FMT_YUVA444P: return "C444alpha XYSCSS=444";
    case AV_PIX_FMT_YUV420P9: return "C420p9 XYSCSS=420P9";
    case AV_PIX_FMT_YUV422P9: return "C422p9 XYSCSS=422P9";
    case AV_PIX_FMT_YUV444P9: return "C444p9 XYSCSS=444P9";
    case AV_PIX_FMT_YUV420P10: return "C420p10 XYSCSS=420P10";
    case AV_PIX_FMT_YUV422P10: return "C422p10 XYSCSS=422P10";
    case AV_PIX_FMT_YUV444P10: return "C444p10 XYSCSS=444P10";
    case AV_PIX_FMT_YUV420P12: return "C420p12 XYSCSS=420P12";
    case AV_PIX_FMT_YUV422P12: return "C422p12 XYSCSS=422P12";
    case AV_PIX_FMT_YUV444P12: return "C444p12 XYSCSS=444P12";
    case AV_PIX_FMT_YUV420P14: return "C420p14 XYSCSS=420P14";
    case AV_PIX_FMT_YUV422P14: return "C422p14 XYSCSS=422P14";
    case AV_PIX_FMT_YUV444P14: return "C444p14 XYSCSS=444P14";
    case AV_PIX_FMT_YUV420P16: return "C420p16 XYSCSS=420P16";
    case AV_PIX_FMT_YUV422P16: return "C422p16 XYSCSS=422P16";
    case AV_PIX_FMT_YUV444P16: return "C444p16 XYSCSS=444P16";
    default: return nullptr;
  }
}

const char* pcm_name(AVSampleFormat packed) {
  switch (packed) {
    case AV_SAMPLE_FMT_U8: return "pcm_u8";
    case AV_SAMPLE_FMT_S16: return "pcm_s16le";
    case AV_SAMPLE_FMT_S32: return "pcm_s32le";
    case AV_SAMPLE_FMT_FLT: return "pcm_f32le";
    case AV_SAMPLE_FMT_DBL: return "pcm_f64le";
    case AV_SAMPLE_FMT_S64: return "pcm_s64le";
    default: return "unknown";
  }
}

void put_le16(std::string& s, uint16_t v) { s.push_back(char(v & 0xFF)); s.push_back(char(v >> 8)); }
void put_le32(std::string& s, uint32_t v) { for (int i = 0; i < 4; ++i) s.push_back(char((v >> (8 * i)) & 0xFF)); }

}  // namespace

bool parse_output_format(const std::string& name, OutputFormat& out) {
  if (name == "null") out = OutputFormat::kNull;
  else if (name == "y4m") out = OutputFormat::kY4m;
  else if (name == "raw") out = OutputFormat::kRaw;
  else if (name == "framemd5") out = OutputFormat::kFramemd5;
  else if (name == "wav") out = OutputFormat::kWav;
  else if (name == "png") out = OutputFormat::kPng;
  else if (name == "ppm") out = OutputFormat::kPpm;
  else if (name == "jpeg") out = OutputFormat::kJpeg;
  else if (name == "npy") out = OutputFormat::kNpy;
  else return false;
  return true;
}

FrameWriter::FrameWriter(OutputFormat format, std::unique_ptr<OutputFile> out, StreamDescription stream)
    : format_(format), out_(std::move(out)), stream_(stream) {}

FrameWriter::~FrameWriter() = default;

Status FrameWriter::write_header(const AVFrame* f) {
  header_done_ = true;
  const bool video = is_video_frame(f);
  if (format_ == OutputFormat::kY4m && !video) return make_error(ErrorCode::kUsage, "", 0, "y4m needs a video stream (use wav or raw for audio)");
  if (format_ == OutputFormat::kWav && video) return make_error(ErrorCode::kUsage, "", 0, "wav needs an audio stream (use y4m or raw for video)");
  if (!video) {
    audio_format_ = av_get_packed_sample_fmt(static_cast<AVSampleFormat>(f->format));
    audio_channels_ = f->ch_layout.nb_channels;
  }
  std::string h;
  if (format_ == OutputFormat::kY4m) {
    const char* cs = y4m_colorspace(f);
    if (!cs) {
      return make_error(ErrorCode::kUsage, "", 0,
                        fmt::format("y4m cannot describe pixel format {} (use raw)", av_get_pix_fmt_name(static_cast<AVPixelFormat>(f->format))));
    }
    const char il = f->interlaced_frame ? (f->top_field_first ? 't' : 'b') : 'p';
    const char* range = "";
    if (f->color_range == AVCOL_RANGE_JPEG || f->format == AV_PIX_FMT_YUVJ420P || f->format == AV_PIX_FMT_YUVJ422P ||
        f->format == AV_PIX_FMT_YUVJ444P)
      range = " XCOLORRANGE=FULL";
    else if (f->color_range == AVCOL_RANGE_MPEG)
      range = " XCOLORRANGE=LIMITED";
    int sn = f->sample_aspect_ratio.num, sd = f->sample_aspect_ratio.den;
    if (!sn && stream_.sar_num) { sn = stream_.sar_num; sd = stream_.sar_den; }
    h = fmt::format("YUV4MPEG2 W{} H{} F{}:{} I{} A{}:{} {}{}\n", f->width, f->height, stream_.frame_rate_num,
                    stream_.frame_rate_den, il, sn, sn ? sd : 0, cs, range);
  } else if (format_ == OutputFormat::kFramemd5) {
    const int si = stream_.stream_index;
    h = fmt::format("#format: frame checksums\n#version: 2\n#hash: MD5\n#software: mp4kit\n#tb {}: {}/{}\n", si,
                    stream_.time_base_num, stream_.time_base_den);
    if (video) {
      const AVRational sar = f->sample_aspect_ratio.num ? f->sample_aspect_ratio : AVRational{0, 1};
      h += fmt::format("#media_type {0}: video\n#codec_id {0}: rawvideo\n#dimensions {0}: {1}x{2}\n#sar {0}: {3}/{4}\n", si,
                       f->width, f->height, sar.num, sar.den);
    } else {
      char layout[128] = {};  // a layout description: at most "N channels" or a few names
      av_channel_layout_describe(&f->ch_layout, layout, sizeof layout);
      h += fmt::format("#media_type {0}: audio\n#codec_id {0}: {1}\n#sample_rate {0}: {2}\n#channel_layout_name {0}: {3}\n", si,
                       pcm_name(static_cast<AVSampleFormat>(audio_format_)), f->sample_rate, layout);
    }
    h += "#stream#, dts,        pts, duration,     size, hash\n";
  } else if (format_ == OutputFormat::kWav) {
    // RIFF/WAVE with a 'fmt ' chunk (WAVE_FORMAT_PCM 1, IEEE_FLOAT 3, or EXTENSIBLE 0xFFFE
    // beyond 2 channels); sizes are 0xFFFFFFFF until finish() patches them (pipes keep them).
    const auto packed = static_cast<AVSampleFormat>(audio_format_);
    const int bps = av_get_bytes_per_sample(packed);
    const bool is_float = packed == AV_SAMPLE_FMT_FLT || packed == AV_SAMPLE_FMT_DBL;
    const int ch = audio_channels_;
    const bool extensible = ch > 2;
    h = "RIFF";
    put_le32(h, 0xFFFFFFFFu);
    h += "WAVEfmt ";
    put_le32(h, extensible ? 40 : 16);
    put_le16(h, extensible ? 0xFFFE : (is_float ? 3 : 1));
    put_le16(h, static_cast<uint16_t>(ch));
    put_le32(h, static_cast<uint32_t>(f->sample_rate));
    put_le32(h, static_cast<uint32_t>(f->sample_rate) * static_cast<uint32_t>(ch * bps));
    put_le16(h, static_cast<uint16_t>(ch * bps));
    put_le16(h, static_cast<uint16_t>(bps * 8));
    if (extensible) {
      put_le16(h, 22);
      put_le16(h, static_cast<uint16_t>(bps * 8));
      put_le32(h, f->ch_layout.order == AV_CHANNEL_ORDER_NATIVE ? static_cast<uint32_t>(f->ch_layout.u.mask) : 0);
      // KSDATAFORMAT_SUBTYPE_PCM / _IEEE_FLOAT: {0000000X-0000-0010-8000-00aa00389b71}
      static const uint8_t kGuidTail[14] = {0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71};
      put_le16(h, is_float ? 3 : 1);
      h.append(reinterpret_cast<const char*>(kGuidTail), sizeof kGuidTail);
    }
    h += "data";
    put_le32(h, 0xFFFFFFFFu);
  }
  if (!h.empty()) MP4KIT_TRY(out_->write(h.data(), h.size()));
  return Ok{};
}

Status FrameWriter::write_video_packed(const AVFrame* f) {
  Status st = Ok{};
  const bool ok = for_each_packed_chunk(f, [&](const uint8_t* p, size_t n) {
    if (st.ok()) st = out_->write(p, n);
  });
  if (!ok) {
    return make_error(ErrorCode::kUsage, "", 0,
                      fmt::format("pixel format {} has no packed layout", av_get_pix_fmt_name(static_cast<AVPixelFormat>(f->format))));
  }
  return st;
}

Status FrameWriter::write(const AVFrame* f) {
  if (format_ == OutputFormat::kNull) return Ok{};
  if (!header_done_) MP4KIT_TRY(write_header(f));
  const bool video = is_video_frame(f);
  switch (format_) {
    case OutputFormat::kNull:
    case OutputFormat::kPng:
    case OutputFormat::kPpm:
    case OutputFormat::kJpeg:
    case OutputFormat::kNpy: return Ok{};  // not stream formats: never constructed with them (sink.cpp)
    case OutputFormat::kY4m:
      MP4KIT_TRY(out_->write("FRAME\n", 6));
      return write_video_packed(f);
    case OutputFormat::kRaw:
      if (video) return write_video_packed(f);
      {
        const auto& a = interleave_audio(f, scratch_);
        return out_->write(a.data(), a.size());
      }
    case OutputFormat::kWav: {
      const auto& a = interleave_audio(f, scratch_);
      audio_bytes_ += a.size();
      return out_->write(a.data(), a.size());
    }
    case OutputFormat::kFramemd5: {
      decode::packed_md5(f, last_md5_, last_size_, scratch_);
      const int64_t ts = f->best_effort_timestamp;
      std::string line = fmt::format("{}, {:10}, {:10}, {:8}, {:8}, {}\n", stream_.stream_index, ts, ts, f->pkt_duration,
                                     last_size_, last_md5_);
      return out_->write(line.data(), line.size());
    }
  }
  return Ok{};
}

Status FrameWriter::finish() {
  if (!out_) return Ok{};
  if (format_ == OutputFormat::kWav && header_done_ && out_->seekable()) {
    const uint32_t data = audio_bytes_ > 0xFFFFFFFFull - 64 ? 0xFFFFFFFFu : static_cast<uint32_t>(audio_bytes_);
    const uint32_t header = audio_channels_ > 2 ? 68 : 44;
    uint8_t v[4];
    AV_WL32(v, data == 0xFFFFFFFFu ? data : data + header - 8);
    MP4KIT_TRY(out_->write_at(4, v, 4));
    AV_WL32(v, data);
    MP4KIT_TRY(out_->write_at(header - 4, v, 4));
  }
  return out_->commit();
}

}  // namespace mp4kit::output
