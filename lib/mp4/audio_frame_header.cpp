#include "mp4/audio_frame_header.h"

#include <array>

#include "mp4/box_reader.h"

namespace mp4kit {
namespace {

constexpr uint32_t kHeaderBytes = 8;  // what either AC-3 header rule below looks at

// A/52 Table 5.18: the nominal bit rate in kbit/s of frmsizecod / 2.
constexpr std::array<int64_t, 19> kAc3Rates = {32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384, 448, 512, 576, 640};
constexpr std::array<int64_t, 3> kAc3SampleRates = {48000, 44100, 32000};  // fscod
constexpr std::array<int64_t, 4> kEac3Blocks = {1, 2, 3, 6};               // numblkscod

// One AC-3 / E-AC-3 syncframe header (ff_ac3_parse_header): its bit rate, frame size in
// bytes and whether it is an E-AC-3 dependent substream frame.
struct Ac3Frame {
  int64_t bit_rate = 0;
  uint32_t frame_size = 0;
  bool dependent = false;
};

std::optional<Ac3Frame> parse_ac3_frame(const uint8_t* p) {
  if (load_be16(p) != 0x0B77) return std::nullopt;  // syncword
  const uint32_t bsid = p[5] >> 3;
  Ac3Frame f;
  if (bsid <= 10) {  // A/52 § 5.4.1: fscod, frmsizecod; a half- or quarter-rate stream for bsid 9, 10
    const uint32_t fscod = p[4] >> 6, frmsizecod = p[4] & 0x3F;
    if (fscod == 3 || frmsizecod >= 38) return std::nullopt;
    const uint32_t sr_shift = bsid > 8 ? bsid - 8 : 0;
    f.bit_rate = (kAc3Rates[frmsizecod >> 1] * 1000) >> sr_shift;
    // words per frame (A/52 Table 5.18): 44.1 kHz adds one word for odd codes
    const int64_t kbps = kAc3Rates[frmsizecod >> 1];
    const int64_t words = fscod == 0 ? kbps * 2 : fscod == 2 ? kbps * 3 : kbps * 320 / 147 + (frmsizecod & 1);
    f.frame_size = static_cast<uint32_t>(words * 2);
    return f;
  }
  if (bsid > 16) return std::nullopt;
  // A/52 Annex E § 2.3.1: strmtyp, substreamid, frmsiz (words - 1), fscod, fscod2/numblkscod.
  const uint32_t strmtyp = p[2] >> 6;
  if (strmtyp == 3) return std::nullopt;  // reserved
  f.dependent = strmtyp == 1;
  f.frame_size = (((uint32_t(p[2]) & 0x07) << 8 | p[3]) + 1) * 2;
  const uint32_t fscod = p[4] >> 6, code2 = (p[4] >> 4) & 3;
  int64_t sample_rate, blocks;
  if (fscod == 3) {
    if (code2 == 3) return std::nullopt;
    sample_rate = kAc3SampleRates[code2] / 2;
    blocks = 6;
  } else {
    sample_rate = kAc3SampleRates[fscod];
    blocks = kEac3Blocks[code2];
  }
  f.bit_rate = 8 * int64_t(f.frame_size) * sample_rate / (blocks * 256);
  return f;
}

// ISO/IEC 11172-3 Table 2.4.2.3 and 13818-3 (lsf): kbit/s by [lsf][layer - 1][bitrate_index].
constexpr int64_t kMpaRates[2][3][15] = {
    {{0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448},
     {0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384},
     {0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320}},
    {{0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256},
     {0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160},
     {0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160}}};

std::optional<int64_t> parse_mpa_bit_rate(const uint8_t* p) {
  const uint32_t h = load_be32(p);
  if ((h & 0xFFE00000u) != 0xFFE00000u) return std::nullopt;  // frame sync
  const uint32_t version = (h >> 19) & 3, layer_bits = (h >> 17) & 3, index = (h >> 12) & 15, sr = (h >> 10) & 3;
  if (version == 1 || layer_bits == 0 || index == 15 || sr == 3) return std::nullopt;  // reserved codes
  if (index == 0) return std::nullopt;  // free format: the rate is not in the header
  const int lsf = version == 3 ? 0 : 1;  // MPEG-1, else MPEG-2 / 2.5 low sampling frequencies
  const int layer = 4 - static_cast<int>(layer_bits);
  // Layer I / II data in an "mp3" track: FFmpeg's parser renames the codec (mp1 / mp2) and
  // the demuxer's rate stands.
  if (layer != 3) return std::nullopt;
  return kMpaRates[lsf][layer - 1][index] * 1000;
}

}  // namespace

std::optional<int64_t> first_frame_bit_rate(const Movie& movie, const SampleTable& table, const std::string& codec_name) {
  const bool ac3 = codec_name == "ac3" || codec_name == "eac3";
  if ((!ac3 && codec_name != "mp3") || !movie.source) return std::nullopt;
  SampleTable::Cursor cur = table.cursor();
  Sample first;
  if (!cur.next(first) || first.size < kHeaderBytes) return std::nullopt;
  if (first.offset > movie.file_size || kHeaderBytes > movie.file_size - first.offset) return std::nullopt;
  auto head = movie.source->read(first.offset, kHeaderBytes);
  if (!head.ok() || head->size() < kHeaderBytes) return std::nullopt;
  if (!ac3) return parse_mpa_bit_rate(head->data());
  const std::optional<Ac3Frame> frame = parse_ac3_frame(head->data());
  if (!frame) return std::nullopt;
  int64_t bit_rate = frame->bit_rate;
  // ac3_decode_frame: a dependent E-AC-3 frame right after the independent one in the same
  // packet is decoded with it, and the reported rate is the sum of both.
  const uint64_t next = first.offset + frame->frame_size;
  if (!frame->dependent && frame->frame_size + kHeaderBytes <= first.size && next + kHeaderBytes <= movie.file_size) {
    auto dep = movie.source->read(next, kHeaderBytes);
    if (dep.ok() && dep->size() >= kHeaderBytes) {
      const std::optional<Ac3Frame> d = parse_ac3_frame(dep->data());
      if (d && d->dependent) bit_rate += d->bit_rate;
    }
  }
  return bit_rate;
}

}  // namespace mp4kit
