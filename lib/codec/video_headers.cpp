// MPEG-4 Part 2 VOL header (ISO/IEC 14496-2 § 6.2.3), H.263 picture header (ITU-T H.263
// § 5.1.1-5.1.5) and JFIF APP0 (JFIF 1.02 § "JFIF APP0 marker"), read the way FFmpeg 5.1's
// decoders read them (libavcodec/mpeg4videodec.c decode_vol_header, ituh263dec.c
// ff_h263_decode_picture_header, mjpegdec.c mjpeg_decode_app) for the fields that set
// AVCodecContext.sample_aspect_ratio and .framerate.
#include "codec/video_headers.h"

#include <algorithm>
#include <numeric>

#include "codec/bit_reader.h"

namespace mp4kit::codec {
namespace {

constexpr unsigned kAspectExtended = 15;  // FF_ASPECT_EXTENDED

// Table 6-12 (MPEG-4) = Table 5 (H.263 PAR codes): codes 6..14 are reserved and, as in
// FFmpeg's ff_h263_pixel_aspect, unknown (0/1).
HeaderRatio pixel_aspect_code(unsigned code) {
  static constexpr int64_t kPar[6][2] = {{0, 1}, {1, 1}, {12, 11}, {10, 11}, {16, 11}, {40, 33}};
  if (code < 6) return HeaderRatio{kPar[code][0], kPar[code][1]};
  return HeaderRatio{0, 1};
}

// av_log2: the index of the highest set bit, 0 for 0.
unsigned log2_floor(uint32_t v) {
  unsigned n = 0;
  while (v >>= 1) ++n;
  return n;
}

}  // namespace

std::optional<VideoHeaderFacts> mpeg4_vol_facts(const uint8_t* data, size_t size) {
  if (!data) return std::nullopt;
  size_t pos = 0;
  // video_object_layer_start_code: 00 00 01 2x
  for (; pos + 4 <= size; ++pos)
    if (data[pos] == 0 && data[pos + 1] == 0 && data[pos + 2] == 1 && (data[pos + 3] & 0xF0) == 0x20) break;
  if (pos + 4 > size) return std::nullopt;
  BitReader r(data + pos + 4, size - pos - 4);
  r.skip(1);                        // random_accessible_vol
  const uint32_t vo_type = r.u(8);  // video_object_type_indication
  if (vo_type == 14 || vo_type == 15) return std::nullopt;  // studio profiles: another header syntax
  uint32_t verid = 1;
  if (r.flag()) {  // is_object_layer_identifier
    verid = r.u(4);
    r.skip(3);  // video_object_layer_priority
  }
  VideoHeaderFacts f;
  const uint32_t aspect = r.u(4);
  if (aspect == kAspectExtended) {
    f.sample_aspect_ratio.num = r.u(8);  // par_width
    f.sample_aspect_ratio.den = r.u(8);  // par_height
  } else {
    f.sample_aspect_ratio = pixel_aspect_code(aspect);
  }
  if (r.overread()) return std::nullopt;
  if (r.flag()) {  // vol_control_parameters
    r.skip(2 + 1);  // chroma_format, low_delay
    if (r.flag()) r.skip(15 + 1 + 15 + 1 + 15 + 1 + 3 + 11 + 1 + 15 + 1);  // vbv_parameters with markers
  }
  const uint32_t shape = r.u(2);  // video_object_layer_shape
  if (shape == 3 && verid != 1) r.skip(4);  // video_object_layer_shape_extension
  r.skip(1);  // marker_bit
  const uint32_t resolution = r.u(16);  // vop_time_increment_resolution
  if (r.overread() || resolution == 0) return f;  // FFmpeg fails the header here: the aspect stays set
  const unsigned bits = std::max(1u, log2_floor(resolution - 1) + 1);
  r.skip(1);  // marker_bit
  f.framerate.num = resolution;
  f.framerate.den = r.flag() ? r.u(bits) : 1;  // fixed_vop_rate, fixed_vop_time_increment
  if (r.overread()) f.framerate = HeaderRatio{0, 0};
  return f;
}

std::optional<VideoHeaderFacts> h263_picture_facts(const uint8_t* data, size_t size) {
  if (!data) return std::nullopt;
  BitReader r(data, size);
  if (r.u(22) != 0x20) return std::nullopt;  // picture_start_code
  r.skip(8);                                  // temporal_reference
  if (!r.flag()) return std::nullopt;         // PTYPE bit 1: always 1
  if (r.flag()) return std::nullopt;          // PTYPE bit 2: always 0 (H.263 id)
  r.skip(3);                                  // split screen, document camera, freeze release
  uint32_t format = r.u(3);                   // source format
  if (r.overread()) return std::nullopt;
  VideoHeaderFacts f;
  if (format != 7 && format != 6) {
    if (format == 0) return std::nullopt;  // forbidden: FFmpeg fails the header
    r.skip(1 + 1);                          // picture coding type, unrestricted MV
    if (r.flag()) return std::nullopt;      // syntax-based arithmetic coding: FFmpeg refuses
    if (r.overread()) return std::nullopt;
    f.sample_aspect_ratio = HeaderRatio{12, 11};
    f.framerate = HeaderRatio{30000, 1001};
    return f;
  }
  // PLUSPTYPE (§ 5.1.4)
  const uint32_t ufep = r.u(3);
  bool custom_pcf = false;
  if (ufep == 1) {
    format = r.u(3);  // OPPTYPE source format
    custom_pcf = r.flag();
    r.skip(14);  // the other OPPTYPE bits
  } else if (ufep != 0) {
    return std::nullopt;  // "Bad UFEP type"
  }
  const uint32_t coding_type = r.u(3);  // MPPTYPE picture coding type
  if (coding_type > 3 && coding_type != 7) return std::nullopt;
  r.skip(2 + 1 + 4);  // RPR, RRU, rounding type, reserved and markers
  if (r.overread()) return std::nullopt;
  if (ufep == 0) return f;  // the picture format of an earlier picture: none yet
  if (format == 6) {  // custom picture format (CPFMT)
    const uint32_t aspect = r.u(4);
    const uint32_t width = (r.u(9) + 1) * 4;
    r.skip(1);  // marker
    const uint32_t height = r.u(9) * 4;
    if (aspect == kAspectExtended) {
      f.sample_aspect_ratio.num = r.u(8);
      f.sample_aspect_ratio.den = r.u(8);
    } else {
      f.sample_aspect_ratio = pixel_aspect_code(aspect);
    }
    if (width == 0 || height == 0 || r.overread()) return std::nullopt;
  } else {
    if (format == 0 || format > 5) return std::nullopt;  // no size: FFmpeg fails the header
    f.sample_aspect_ratio = HeaderRatio{12, 11};
  }
  if (custom_pcf) {  // custom picture clock frequency: 1800000 / ((1000 + conversion code) * divisor)
    const int64_t den = (1000 + r.u(1)) * int64_t(r.u(7));
    if (den == 0 || r.overread()) return std::nullopt;  // "zero framerate"
    const int64_t g = std::gcd(den, int64_t(1800000));
    f.framerate = HeaderRatio{1800000 / g, den / g};
  } else {
    f.framerate = HeaderRatio{30000, 1001};
  }
  return f;
}

std::optional<HeaderRatio> jpeg_jfif_aspect(const uint8_t* data, size_t size) {
  if (!data || size < 2 || data[0] != 0xFF || data[1] != 0xD8) return std::nullopt;  // SOI
  size_t pos = 2;
  while (pos + 4 <= size) {
    if (data[pos] != 0xFF) return HeaderRatio{};
    const uint8_t marker = data[pos + 1];
    if (marker == 0xFF) { ++pos; continue; }  // fill byte
    const size_t len = (size_t(data[pos + 2]) << 8) | data[pos + 3];  // includes the length field
    if (len < 2) return HeaderRatio{};
    const bool frame_header = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    if (frame_header || marker == 0xDA) return HeaderRatio{};  // SOFn / SOS: no JFIF before the picture
    if (marker == 0xE0 && len >= 14 && pos + 4 + 12 <= size) {
      const uint8_t* p = data + pos + 4;
      if (p[0] == 'J' && p[1] == 'F' && p[2] == 'I' && p[3] == 'F' && p[4] == 0) {
        // version (2 bytes), units, Xdensity, Ydensity
        const int64_t x = (int64_t(p[8]) << 8) | p[9], y = (int64_t(p[10]) << 8) | p[11];
        if (x <= 0 || y <= 0) return HeaderRatio{};
        return HeaderRatio{x, y};
      }
    }
    pos += 2 + len;
  }
  return HeaderRatio{};
}

}  // namespace mp4kit::codec
