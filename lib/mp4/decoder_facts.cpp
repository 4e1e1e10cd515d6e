// Decoder-side facts from the codec configuration. The rules and where FFmpeg 5.1 applies
// them: h264_slice.c h264_slice_header_init (ff_set_sar(sps->sar); framerate =
// time_scale / (num_units_in_tick * ticks_per_frame), reduced to terms of 2^30),
// hevcdec.c export_stream_params (ff_set_sar(vui.sar); framerate from the VPS timing,
// else the SPS VUI timing), mpeg4videodec.c decode_vol_header, ituh263dec.c
// ff_h263_decode_picture_header, mjpegdec.c mjpeg_decode_app; ff_set_sar is
// libavcodec/utils.c (av_image_check_sar: a ratio that makes the picture vanish is unknown).
#include "mp4/decoder_facts.h"

#include <algorithm>
#include <numeric>

#include "codec/h264_sps.h"
#include "codec/hevc_ps.h"
#include "codec/video_headers.h"

namespace mp4kit {
namespace {

// av_reduce(num, den, max) for positive terms: divided by their gcd. Terms still above
// `max` would need av_reduce's continued-fraction approximation; they are left unknown
// (0/0) — no file of the test corpus has one.
Rational reduced(int64_t num, int64_t den, int64_t max) {
  if (num <= 0 || den <= 0) return Rational{0, 0};
  const int64_t g = std::gcd(num, den);
  num /= g;
  den /= g;
  if (num > max || den > max) return Rational{0, 0};
  return Rational{num, den};
}

// ff_set_sar: av_image_check_sar(width, height, sar) or 0/1.
Rational checked_sar(int64_t num, int64_t den, uint32_t width, uint32_t height) {
  if (den <= 0 || num < 0) return Rational{0, 1};
  if (num == 0 || num == den) return Rational{num, den};
  const int64_t scaled = num < den ? int64_t(width) * num / den : int64_t(height) * den / num;
  return scaled > 0 ? Rational{num, den} : Rational{0, 1};
}

bool has_samples(const Track& t) { return t.stbl.sample_count > 0 || !t.runs.empty(); }

void h264_facts(const SampleEntry& e, const CodecInfo& ci, DecoderFacts& f) {
  f.ticks_per_frame = 2;  // h264_decode_init
  const auto sps = codec::h264_sps_from_avcc(e.avcC.data, e.avcC.size);
  if (!sps) return;
  f.sample_aspect_ratio = checked_sar(sps->sar_num, sps->sar_den, ci.width, ci.height);
  // x264 builds before 44 wrote a doubled time_scale: FFmpeg learns the build from an SEI
  // in the sample data, which plain probe does not read (such files are from 2006).
  if (sps->timing_info_present)
    f.framerate = reduced(sps->time_scale, int64_t(sps->num_units_in_tick) * f.ticks_per_frame, int64_t(1) << 30);
}

void hevc_facts(const SampleEntry& e, const CodecInfo& ci, DecoderFacts& f) {
  const auto sps = codec::hevc_sps_from_hvcc(e.hvcC.data, e.hvcC.size);
  if (!sps) return;
  f.sample_aspect_ratio = checked_sar(sps->sar_num, sps->sar_den, ci.width, ci.height);
  const auto vps = codec::hevc_vps_timing_from_hvcc(e.hvcC.data, e.hvcC.size);
  if (vps && vps->timing_info_present)
    f.framerate = reduced(vps->time_scale, vps->num_units_in_tick, int64_t(1) << 30);
  else if (sps->timing_info_present)
    f.framerate = reduced(sps->time_scale, sps->num_units_in_tick, int64_t(1) << 30);
}

void put_header_facts(const codec::VideoHeaderFacts& h, const CodecInfo& ci, DecoderFacts& f) {
  f.sample_aspect_ratio = checked_sar(h.sample_aspect_ratio.num, h.sample_aspect_ratio.den, ci.width, ci.height);
  if (h.framerate.num > 0 && h.framerate.den > 0) f.framerate = Rational{h.framerate.num, h.framerate.den};
}

}  // namespace

DecoderFacts decoder_facts_of(const Movie& movie, const Track& track, const SampleTable& table, const CodecInfo& ci) {
  DecoderFacts f;
  if (track.sample_entries.empty() || !has_samples(track) || ci.type != MediaType::kVideo) return f;
  const SampleEntry& e = track.sample_entries.front();
  if (ci.codec_name == "h264") {
    h264_facts(e, ci, f);
  } else if (ci.codec_name == "hevc") {
    hevc_facts(e, ci, f);
  } else if (ci.codec_name == "mpeg4") {
    // ff_h263_decode_frame parses the extradata's VOL before the first picture.
    if (e.es && e.es->decoder_specific_info.size)
      if (auto h = codec::mpeg4_vol_facts(e.es->decoder_specific_info.data, e.es->decoder_specific_info.size))
        put_header_facts(*h, ci, f);
  } else if ((ci.codec_name == "h263" || ci.codec_name == "mjpeg") && movie.source) {
    // No configuration record: the first picture's header, in the first sample's bytes.
    SampleTable::Cursor cur = table.cursor();
    Sample s;
    if (!cur.next(s) || s.size == 0) return f;
    const bool h263 = ci.codec_name == "h263";
    auto bytes = movie.source->read(s.offset, std::min<uint32_t>(s.size, h263 ? kH263HeaderBytes : kJpegHeaderBytes));
    if (!bytes.ok()) return f;
    if (h263) {
      if (auto h = codec::h263_picture_facts(bytes->data(), bytes->size())) put_header_facts(*h, ci, f);
    } else if (auto sar = codec::jpeg_jfif_aspect(bytes->data(), bytes->size())) {
      f.sample_aspect_ratio = Rational{sar->num, sar->den};
    }
  }
  return f;
}

DecoderFacts attached_picture_facts(const Movie& movie, const AttachedPicture& pic) {
  DecoderFacts f;
  if (pic.codec_name != "mjpeg" || !movie.source || pic.size == 0) return f;
  // The JFIF segment follows SOI; other APPn segments (Exif) may come first.
  auto bytes = movie.source->read(pic.offset, std::min<uint32_t>(pic.size, kJpegHeaderBytes));
  if (!bytes.ok()) return f;
  if (auto sar = codec::jpeg_jfif_aspect(bytes->data(), bytes->size())) f.sample_aspect_ratio = Rational{sar->num, sar->den};
  return f;
}

}  // namespace mp4kit
