// Sample descriptions: 'stsd' (§ 8.5.2), VisualSampleEntry (§ 12.1.3), AudioSampleEntry
// (§ 12.2.3, plus QuickTime sound description v1/v2), and the configuration boxes mp4kit
// needs to name and open a codec (avcC, hvcC, av1C, vpcC, esds, dOps, dfLa, dac3, dec3,
// ddts, pasp, colr, btrt; QuickTime 'wave'; protection 'sinf'/'frma').
#include <algorithm>
#include <cstring>

#include "mp4/parse_internal.h"

namespace mp4kit::detail {
namespace {

bool is_visual_format(FourCC f) {
  using namespace entry;
  switch (f) {
    case avc1: case avc3: case hvc1: case hev1: case av01: case vp09: case vp08: case mp4v:
    case apch: case apcn: case apcs: case apco: case ap4h: case ap4x: case mjpa: case mjpb:
    case jpeg: case encv: case s263: case raw_:
      return true;
    default:
      return false;
  }
}

bool is_audio_format(FourCC f) {
  using namespace entry;
  switch (f) {
    case mp4a: case Opus: case fLaC: case ac_3: case ec_3: case mp3_: case dtsc: case dtsh:
    case dtsl: case dtse: case ipcm: case fpcm: case sowt: case twos: case lpcm: case in24:
    case in32: case fl32: case fl64: case samr: case sawb: case enca: case alac: case ulaw:
    case alaw:
      return true;
    default:
      return false;
  }
}

// Reads an MPEG-4 descriptor header (ISO/IEC 14496-1 § 8.3.3): tag, then a size coded in
// up to four 7-bit groups.
bool read_descriptor(BoxReader& r, uint8_t& tag, uint32_t& size) {
  if (r.remaining() < 2) return false;
  tag = r.u8();
  size = 0;
  for (int i = 0; i < 4; ++i) {
    if (r.at_end()) return false;
    uint8_t b = r.u8();
    size = (size << 7) | (b & 0x7F);
    if (!(b & 0x80)) break;
  }
  return !r.failed();
}

void parse_child_boxes(BoxReader r, SampleEntry& e, ParseContext& ctx, uint32_t depth);

void handle_config_box(const BoxHeader& h, BoxReader c, SampleEntry& e, ParseContext& ctx, uint32_t depth) {
  switch (h.type) {
    case box::avcC: e.avcC = c.rest(); break;
    case box::hvcC: e.hvcC = c.rest(); break;
    case box::av1C: e.av1C = c.rest(); break;
    case box::vpcC: e.vpcC = c.rest(); break;
    case box::dOps: e.dOps = c.rest(); break;
    case box::dfLa: e.dfLa = c.rest(); break;
    case box::dac3: e.dac3 = c.rest(); break;
    case box::dec3: e.dec3 = c.rest(); break;
    case box::ddts: e.ddts = c.rest(); break;
    case box::damr: e.damr = c.rest(); break;
    case box::glbl: e.glbl = c.rest(); break;
    case fourcc("fiel"): e.fiel = c.rest(); break;
    case fourcc("alac"): e.alac = c.rest(); break;
    case fourcc("dmlp"): e.dmlp = c.rest(); break;
    case box::esds:
      e.esds = c.rest();
      e.es = parse_esds(e.esds);
      if (!e.es) ctx.warn(c, "esds could not be parsed; codec parameters unknown");
      break;
    case box::pasp:
      if (c.remaining() >= 8) e.pasp = std::array<uint32_t, 2>{c.u32(), c.u32()};
      break;
    case box::btrt:
      if (c.remaining() >= 12) e.btrt = std::array<uint32_t, 3>{c.u32(), c.u32(), c.u32()};
      break;
    case box::colr:
      if (c.remaining() >= 10) {
        ColourInfo ci;
        ci.colour_type = c.fourcc();
        if (ci.colour_type == fourcc("nclx") || ci.colour_type == fourcc("nclc")) {
          ci.colour_primaries = c.u16();
          ci.transfer_characteristics = c.u16();
          ci.matrix_coefficients = c.u16();
          if (ci.colour_type == fourcc("nclx") && c.remaining() >= 1) ci.full_range = (c.u8() & 0x80) != 0;
          if (!e.colr) e.colr = ci;
        }
      }
      break;
    case box::wave:   // QuickTime: siDecompressionParam atom holds frma/esds/enda
    case box::sinf: { // § 8.12.1: original format of a protected entry
      if (depth < ctx.limits.max_depth) parse_child_boxes(c, e, ctx, depth + 1);
      break;
    }
    case box::frma:
      if (c.remaining() >= 4) {
        FourCC f = c.fourcc();
        if (e.format == entry::encv || e.format == entry::enca) e.original_format = f;
      }
      break;
    case fourcc("enda"):
      if (c.remaining() >= 2) e.has_endianness_little = c.u16() != 0;
      break;
    case entry::mp4a:  // 'mp4a' atom nested in 'wave' carries no data we need
    default:
      break;
  }
}

void parse_child_boxes(BoxReader r, SampleEntry& e, ParseContext& ctx, uint32_t depth) {
  while (r.remaining() >= 8) {
    auto h = r.next_header();
    if (!h.ok()) {
      ctx.warn(r, "stopped reading sample entry children: " + h.error().message);
      return;
    }
    ctx.bytes_read += h->size;
    handle_config_box(*h, r.child(*h, fourcc_to_string(h->type)), e, ctx, depth);
    r.skip_box(*h);
  }
}

Status parse_visual(BoxReader& r, SampleEntry& e) {
  MP4KIT_TRY(r.need(70, "VisualSampleEntry fields"));
  r.skip(4);  // pre_defined, reserved (QuickTime: version, revision level)
  e.vendor = r.u32();
  r.skip(8);
  e.width = r.u16();
  e.height = r.u16();
  r.skip(14);
  uint8_t name_len = r.u8();
  ByteSpan name = r.bytes(31);
  if (name_len > 31) name_len = 31;
  e.compressor_name.assign(reinterpret_cast<const char*>(name.data), name_len);
  e.depth = r.u16();
  r.skip(2);
  return Ok{};
}

Status parse_audio(BoxReader& r, SampleEntry& e) {
  MP4KIT_TRY(r.need(20, "AudioSampleEntry fields"));
  e.sound_version = r.u16();
  r.skip(2);  // revision level
  e.vendor = r.u32();
  e.channel_count = r.u16();
  e.sample_size = r.u16();
  r.skip(4);  // compression id, packet size
  e.sample_rate = r.u32() >> 16;
  if (e.sound_version == 1) {  // QuickTime sound description v1
    MP4KIT_TRY(r.need(16, "QuickTime sound description v1 fields"));
    e.qt_samples_per_packet = r.u32();
    e.qt_bytes_per_packet = r.u32();
    e.qt_bytes_per_frame = r.u32();
    e.qt_bytes_per_sample = r.u32();
  } else if (e.sound_version == 2) {  // QuickTime sound description v2
    MP4KIT_TRY(r.need(36, "QuickTime sound description v2 fields"));
    r.skip(4);  // sizeOfStructOnly
    uint64_t bits = r.u64();
    double rate;
    static_assert(sizeof rate == sizeof bits);
    std::memcpy(&rate, &bits, sizeof rate);
    e.sample_rate = rate > 0 && rate < 1e9 ? static_cast<uint32_t>(rate + 0.5) : 0;
    e.channel_count = static_cast<uint16_t>(r.u32());
    r.skip(4);  // always 0x7F000000
    e.lpcm_bits_per_channel = r.u32();
    e.lpcm_flags = r.u32();
    e.qt_bytes_per_frame = r.u32();
    e.qt_samples_per_packet = r.u32();
  }
  return Ok{};
}

}  // namespace

std::optional<EsDescriptor> parse_esds(ByteSpan payload) {
  BoxReader r(payload.data, payload.size, payload.offset, "esds");
  if (r.remaining() < 4) return std::nullopt;
  r.skip(4);  // version, flags
  uint8_t tag;
  uint32_t size;
  if (!read_descriptor(r, tag, size) || tag != 0x03) return std::nullopt;  // ES_DescrTag
  if (r.remaining() < 3) return std::nullopt;
  r.skip(2);  // ES_ID
  uint8_t f = r.u8();
  if (f & 0x80) r.skip(2);        // streamDependenceFlag -> dependsOn_ES_ID
  if (f & 0x40) r.skip(r.u8());   // URL_Flag -> URLlength, URLstring
  if (f & 0x20) r.skip(2);        // OCRstreamFlag -> OCR_ES_Id
  if (!read_descriptor(r, tag, size) || tag != 0x04) return std::nullopt;  // DecoderConfigDescrTag
  if (r.remaining() < 13) return std::nullopt;
  EsDescriptor es;
  es.object_type_indication = r.u8();
  es.stream_type = r.u8() >> 2;
  r.skip(3);  // bufferSizeDB
  es.max_bitrate = r.u32();
  es.avg_bitrate = r.u32();
  if (read_descriptor(r, tag, size) && tag == 0x05) {  // DecSpecificInfoTag
    es.decoder_specific_info = r.bytes(std::min<uint64_t>(size, r.remaining()));
  }
  return es;
}

Status parse_stsd(BoxReader r, Track& t, ParseContext& ctx, uint32_t depth) {
  MP4KIT_TRY(r.need(8, "stsd header"));
  r.skip(4);
  uint32_t count = r.u32();
  // Each entry is at least an 8-byte box header plus 8 bytes (reserved + data_reference_index).
  MP4KIT_TRY(r.need_table(count, 16, "entry_count"));
  for (uint32_t i = 0; i < count; ++i) {
    auto h = r.next_header();
    if (!h.ok()) return h.error();
    BoxReader c = r.child(*h, fourcc_to_string(h->type));
    SampleEntry e;
    e.format = h->type;
    e.offset = h->offset;
    e.size = h->size;
    MP4KIT_TRY(c.need(8, "SampleEntry reserved and data_reference_index"));
    c.skip(6);
    e.data_reference_index = c.u16();
    bool visual = t.handler_type == handler::vide || (t.handler_type != handler::soun && is_visual_format(e.format));
    bool audio = t.handler_type == handler::soun || (!visual && is_audio_format(e.format));
    if (visual) {
      MP4KIT_TRY(parse_visual(c, e));
      parse_child_boxes(c, e, ctx, depth + 1);
    } else if (audio) {
      MP4KIT_TRY(parse_audio(c, e));
      parse_child_boxes(c, e, ctx, depth + 1);
      // ff_mp4_read_dec_config_descr reads the AudioSpecificConfig of every OTI that names AAC
      // (MPEG-4 AAC 0x40, MPEG-2 AAC Main/LC/SSR 0x66-0x68).
      if (e.es && (e.es->object_type_indication == 0x40 || (e.es->object_type_indication >= 0x66 && e.es->object_type_indication <= 0x68)))
        e.aac = parse_audio_specific_config(e.es->decoder_specific_info);
    } else if (e.format == fourcc("mp4s")) {
      // MPEG-4 systems/subtitle entry: a plain SampleEntry whose 'esds' names the codec
      // (mov.c mov_parse_stsd_subtitle leaves mp4s to the esds atom).
      parse_child_boxes(c, e, ctx, depth + 1);
    }
    t.sample_entries.push_back(std::move(e));
    r.skip_box(*h);
  }
  return Ok{};
}

// ISO/IEC 14496-3 § 1.6.2.1 AudioSpecificConfig: object type, sampling frequency index
// (or 24-bit explicit), channel configuration, and explicit SBR/PS signalling.
std::optional<AacConfig> parse_audio_specific_config(ByteSpan dsi) {
  static constexpr uint32_t kRates[13] = {96000, 88200, 64000, 48000, 44100, 32000, 24000,
                                          22050, 16000, 12000, 11025, 8000,  7350};
  struct Bits {
    const uint8_t* p;
    uint64_t n, pos = 0;
    bool bad = false;
    uint32_t get(int k) {
      uint32_t v = 0;
      for (int i = 0; i < k; ++i) {
        if (pos >= n * 8) { bad = true; return 0; }
        v = (v << 1) | ((p[pos >> 3] >> (7 - (pos & 7))) & 1);
        ++pos;
      }
      return v;
    }
  } b{dsi.data, dsi.size};
  if (dsi.size < 2) return std::nullopt;
  auto object_type = [&]() {
    uint32_t t = b.get(5);
    if (t == 31) t = 32 + b.get(6);
    return t;
  };
  auto rate = [&]() -> uint32_t {
    uint32_t idx = b.get(4);
    if (idx == 15) return b.get(24);
    return idx < 13 ? kRates[idx] : 0;
  };
  AacConfig c;
  c.audio_object_type = static_cast<uint8_t>(object_type());
  c.sampling_frequency = rate();
  c.channel_configuration = static_cast<uint8_t>(b.get(4));
  if (c.audio_object_type == 5 || c.audio_object_type == 29) {
    c.sbr = true;
    c.ps = c.audio_object_type == 29;
    c.extension_sampling_frequency = rate();
    c.audio_object_type = static_cast<uint8_t>(object_type());
  }
  if (b.bad) return std::nullopt;
  return c;
}

}  // namespace mp4kit::detail
