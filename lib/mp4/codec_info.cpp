#include "mp4/codec_info.h"

#include "mp4/fourcc.h"

namespace mp4kit {
namespace {

std::string h264_profile(uint8_t profile_idc, uint8_t constraints) {
  const bool c1 = constraints & 0x40, c3 = constraints & 0x10;
  switch (profile_idc) {
    case 66: return c1 ? "Constrained Baseline" : "Baseline";
    case 77: return "Main";
    case 88: return "Extended";
    case 100: return "High";
    case 110: return c3 ? "High 10 Intra" : "High 10";
    case 122: return c3 ? "High 4:2:2 Intra" : "High 4:2:2";
    case 244: return c3 ? "High 4:4:4 Intra" : "High 4:4:4 Predictive";
    case 44: return "CAVLC 4:4:4";
    default: return "";
  }
}

std::string hevc_profile(uint8_t idc) {
  switch (idc) {
    case 1: return "Main";
    case 2: return "Main 10";
    case 3: return "Main Still Picture";
    case 4: return "Rext";
    default: return "";
  }
}

std::string aac_profile(uint8_t aot) {
  switch (aot) {
    case 1: return "Main";
    case 2: return "LC";
    case 3: return "SSR";
    case 4: return "LTP";
    case 5: return "HE-AAC";
    case 29: return "HE-AACv2";
    case 23: return "LD";
    case 39: return "ELD";
    default: return "";
  }
}

std::string mp4_object_type_name(uint8_t oti, MediaType& type) {
  switch (oti) {
    case 0x20: type = MediaType::kVideo; return "mpeg4";
    case 0x21: type = MediaType::kVideo; return "h264";
    case 0x23: type = MediaType::kVideo; return "hevc";
    case 0x60: case 0x61: case 0x62: case 0x63: case 0x64: case 0x65:
      type = MediaType::kVideo; return "mpeg2video";
    case 0x6A: type = MediaType::kVideo; return "mpeg1video";
    case 0x6C: type = MediaType::kVideo; return "mjpeg";
    case 0x6D: type = MediaType::kVideo; return "png";
    case 0x40: case 0x66: case 0x67: case 0x68: type = MediaType::kAudio; return "aac";
    case 0x69: case 0x6B: type = MediaType::kAudio; return "mp3";
    case 0xA5: type = MediaType::kAudio; return "ac3";
    case 0xA6: type = MediaType::kAudio; return "eac3";
    case 0xA9: type = MediaType::kAudio; return "dts";
    case 0xAD: type = MediaType::kAudio; return "opus";
    case 0xDD: type = MediaType::kAudio; return "vorbis";
    case 0xE1: type = MediaType::kAudio; return "qcelp";
    default: return "";
  }
}

uint32_t ac3_rate(uint8_t fscod) {
  static constexpr uint32_t r[3] = {48000, 44100, 32000};
  return fscod < 3 ? r[fscod] : 0;
}
// ATSC A/52 Table 5.8: channels by acmod, plus LFE.
uint32_t ac3_channels(uint8_t acmod, bool lfe) {
  static constexpr uint32_t ch[8] = {2, 1, 2, 3, 3, 4, 4, 5};
  return ch[acmod & 7] + (lfe ? 1 : 0);
}

MediaType handler_media_type(FourCC handler_type) {
  switch (handler_type) {
    case handler::vide: return MediaType::kVideo;
    case handler::soun: return MediaType::kAudio;
    case handler::text: case handler::sbtl: case handler::subt: case handler::clcp: return MediaType::kSubtitle;
    case handler::tmcd: case handler::meta: case handler::hint: return MediaType::kData;
    default: return MediaType::kUnknown;
  }
}

// Names the codec of a video sample entry, with profile, level and bit depth from its
// configuration record; false when `f` is not a video FourCC mp4kit knows.
bool name_video_codec(FourCC f, const SampleEntry& e, CodecInfo& ci) {
  using namespace entry;
  auto video = [&](const char* name) { ci.type = MediaType::kVideo; ci.codec_name = name; };
  switch (f) {
    case avc1: case avc3:
      video("h264");
      if (e.avcC.size >= 4) {
        ci.profile = h264_profile(e.avcC.data[1], e.avcC.data[2]);
        ci.level = e.avcC.data[3];
        uint8_t p = e.avcC.data[1];
        if (p == 110 || p == 122 || p == 244) ci.bit_depth = 0;  // stated in the SPS extension
      }
      return true;
    case hvc1: case hev1:
      video("hevc");
      if (e.hvcC.size >= 13) {
        ci.profile = hevc_profile(e.hvcC.data[1] & 0x1F);
        ci.level = e.hvcC.data[12];
      }
      if (e.hvcC.size >= 21) ci.bit_depth = (e.hvcC.data[19] & 7) + 8;
      return true;
    case av01:
      video("av1");
      if (e.av1C.size >= 3) {
        uint8_t seq_profile = e.av1C.data[1] >> 5;
        static const char* kNames[3] = {"Main", "High", "Professional"};
        if (seq_profile < 3) ci.profile = kNames[seq_profile];
        ci.level = e.av1C.data[1] & 0x1F;
        bool high_bitdepth = e.av1C.data[2] & 0x40, twelve_bit = e.av1C.data[2] & 0x20;
        ci.bit_depth = high_bitdepth ? (twelve_bit ? 12 : 10) : 8;
      }
      return true;
    case vp09:
      video("vp9");
      if (e.vpcC.size >= 7) {  // FullBox header, then profile, level, bitDepth(4)...
        ci.profile = "Profile " + std::to_string(e.vpcC.data[4]);
        ci.level = e.vpcC.data[5];
        ci.bit_depth = e.vpcC.data[6] >> 4;
      }
      return true;
    case vp08: video("vp8"); return true;
    case mp4v: video("mpeg4"); return true;  // refined by esds (name_codec)
    case apch: video("prores"); ci.profile = "HQ"; return true;
    case apcn: video("prores"); ci.profile = "Standard"; return true;
    case apcs: video("prores"); ci.profile = "LT"; return true;
    case apco: video("prores"); ci.profile = "Proxy"; return true;
    case ap4h: video("prores"); ci.profile = "4444"; return true;
    case ap4x: video("prores"); ci.profile = "XQ"; return true;
    case mjpa: case jpeg: video("mjpeg"); return true;
    case mjpb: video("mjpegb"); return true;
    case s263: video("h263"); return true;
    default: return false;
  }
}

// QuickTime v2 LPCM: kAudioFormatFlagIsFloat 0x1, IsBigEndian 0x2, IsSignedInteger 0x4.
std::string lpcm_codec_name(uint32_t bits, uint32_t flags) {
  const bool is_float = flags & 1, be = flags & 2, sgn = flags & 4;
  std::string n;
  if (is_float) n = bits == 64 ? "pcm_f64" : "pcm_f32";
  else if (bits == 8) n = sgn ? "pcm_s8" : "pcm_u8";
  else n = "pcm_s" + std::to_string(bits);
  if (bits > 8) n += be ? "be" : "le";
  return n;
}

// Names the codec of an audio sample entry (PCM variants with their bits per sample);
// false when `f` is not an audio FourCC mp4kit knows.
bool name_audio_codec(FourCC f, const SampleEntry& e, CodecInfo& ci) {
  using namespace entry;
  auto audio = [&](const std::string& name, uint32_t bits = 0) {
    ci.type = MediaType::kAudio;
    ci.codec_name = name;
    if (bits) ci.bits_per_sample = bits;
  };
  const bool little = e.has_endianness_little;
  switch (f) {
    case mp4a: audio("aac"); return true;  // refined by esds (name_codec)
    case Opus: audio("opus"); return true;
    case fLaC: audio("flac"); return true;
    case ac_3: audio("ac3"); return true;
    case ec_3: audio("eac3"); return true;
    case mp3_: audio("mp3"); return true;
    case dtsc: case dtsh: case dtsl: case dtse: audio("dts"); return true;
    case sowt: audio(e.sample_size == 8 ? "pcm_s8" : "pcm_s16le", e.sample_size == 8 ? 8 : 16); return true;
    case twos: audio(e.sample_size == 8 ? "pcm_s8" : "pcm_s16be", e.sample_size == 8 ? 8 : 16); return true;
    case in24: audio(little ? "pcm_s24le" : "pcm_s24be", 24); return true;
    case in32: audio(little ? "pcm_s32le" : "pcm_s32be", 32); return true;
    case fl32: audio(little ? "pcm_f32le" : "pcm_f32be", 32); return true;
    case fl64: audio(little ? "pcm_f64le" : "pcm_f64be", 64); return true;
    case ulaw: audio("pcm_mulaw", 8); return true;
    case alaw: audio("pcm_alaw", 8); return true;
    case lpcm:
      audio(lpcm_codec_name(e.lpcm_bits_per_channel, e.lpcm_flags));
      ci.bits_per_sample = e.lpcm_bits_per_channel;
      return true;
    case ipcm:
      audio(e.sample_size == 24 ? "pcm_s24be" : e.sample_size == 32 ? "pcm_s32be" : "pcm_s16be");
      ci.bits_per_sample = e.sample_size;
      return true;
    case fpcm:
      audio(e.sample_size == 64 ? "pcm_f64be" : "pcm_f32be");
      ci.bits_per_sample = e.sample_size;
      return true;
    case samr: audio("amr_nb"); return true;
    case sawb: audio("amr_wb"); return true;
    case alac: audio("alac"); return true;
    default: return false;
  }
}

// codec_name and type of any sample entry: video, audio, then the entries whose meaning
// depends on the handler ('raw ') or that carry text and data.
void name_codec(FourCC f, const SampleEntry& e, CodecInfo& ci) {
  using namespace entry;
  if (!name_video_codec(f, e, ci) && !name_audio_codec(f, e, ci)) {
    switch (f) {
      case raw_:
        if (ci.type == MediaType::kAudio) { ci.codec_name = "pcm_u8"; ci.bits_per_sample = 8; }
        else { ci.type = MediaType::kVideo; ci.codec_name = "rawvideo"; }
        break;
      case tx3g: case text: ci.type = MediaType::kSubtitle; ci.codec_name = "mov_text"; break;
      case wvtt: ci.type = MediaType::kSubtitle; ci.codec_name = "webvtt"; break;
      case stpp: ci.type = MediaType::kSubtitle; ci.codec_name = "ttml"; break;
      case c608: ci.type = MediaType::kSubtitle; ci.codec_name = "eia_608"; break;
      case tmcd: ci.type = MediaType::kData; break;
      default: break;
    }
  }
  // 'mp4v' / 'mp4a' name their codec by the esds objectTypeIndication, when it is known.
  if ((f == mp4v || f == mp4a) && e.es) {
    MediaType t = ci.type;
    std::string n = mp4_object_type_name(e.es->object_type_indication, t);
    if (!n.empty()) { ci.codec_name = n; ci.type = t; }
  }
}

// Sample rate and channels: the sample entry's fields, overridden by what the codec
// configuration says the decoder will output.
void audio_parameters(FourCC f, const SampleEntry& e, CodecInfo& ci) {
  using namespace entry;
  ci.sample_rate = e.sample_rate;
  ci.channels = e.channel_count;
  if (e.aac) {
    ci.profile = aac_profile(e.aac->sbr ? (e.aac->ps ? 29 : 5) : e.aac->audio_object_type);
    uint32_t rate = e.aac->extension_sampling_frequency ? e.aac->extension_sampling_frequency : e.aac->sampling_frequency;
    if (rate) ci.sample_rate = rate;
    static constexpr uint8_t kChannels[15] = {0, 1, 2, 3, 4, 5, 6, 8, 0, 0, 0, 7, 8, 24, 8};
    uint8_t cc = e.aac->channel_configuration;
    if (cc < 15 && kChannels[cc]) ci.channels = kChannels[cc];
  }
  if (f == Opus) {
    ci.sample_rate = 48000;  // Opus always decodes at 48 kHz (RFC 7845 § 5.1)
    if (e.dOps.size >= 2) ci.channels = e.dOps.data[1];
  } else if (f == fLaC && e.dfLa.size >= 4 + 4 + 18) {
    // FullBox header, METADATA_BLOCK_HEADER (4), STREAMINFO: rate 20 bits at byte 10.
    const uint8_t* si = e.dfLa.data + 8;
    ci.sample_rate = (uint32_t(si[10]) << 12) | (uint32_t(si[11]) << 4) | (si[12] >> 4);
    ci.channels = ((si[12] >> 1) & 7) + 1u;
  } else if (f == ac_3 && e.dac3.size >= 3) {
    uint32_t v = (uint32_t(e.dac3.data[0]) << 16) | (uint32_t(e.dac3.data[1]) << 8) | e.dac3.data[2];
    ci.sample_rate = ac3_rate(static_cast<uint8_t>(v >> 22));
    ci.channels = ac3_channels(static_cast<uint8_t>((v >> 11) & 7), (v >> 10) & 1);
  } else if (f == ec_3 && e.dec3.size >= 5) {
    const uint8_t* d = e.dec3.data;
    ci.sample_rate = ac3_rate(d[2] >> 6);
    ci.channels = ac3_channels(static_cast<uint8_t>((d[3] >> 1) & 7), d[3] & 1);
  } else if ((f == dtsc || f == dtsh || f == dtsl || f == dtse) && e.ddts.size >= 4) {
    // DTSSpecificBox: DTSSamplingFrequency is the core rate the decoder reports.
    ci.sample_rate = load_be32(e.ddts.data);
  } else if (f == samr) {
    ci.sample_rate = 8000;
    ci.channels = 1;
  } else if (f == sawb) {
    ci.sample_rate = 16000;
    ci.channels = 1;
  }
}

}  // namespace

CodecInfo codec_info_of(const Track& track, const SampleEntry& e) {
  CodecInfo ci;
  const FourCC f = e.codec_format();
  // mov_read_frma: a protected entry ('encv', 'enca') reports its original format's tag.
  const FourCC tag = e.codec_format();
  ci.codec_tag_string = fourcc_to_string(tag);
  ci.codec_tag = ((tag & 0xFF) << 24) | (((tag >> 8) & 0xFF) << 16) | (((tag >> 16) & 0xFF) << 8) | (tag >> 24);
  ci.type = handler_media_type(track.handler_type);
  name_codec(f, e, ci);
  if (ci.type == MediaType::kVideo) {
    ci.width = e.width;
    ci.height = e.height;
    if (e.pasp && (*e.pasp)[0] && (*e.pasp)[1]) {
      ci.sar_num = (*e.pasp)[0];
      ci.sar_den = (*e.pasp)[1];
    }
  } else if (ci.type == MediaType::kAudio) {
    audio_parameters(f, e, ci);
  }
  return ci;
}

CodecInfo codec_info_of(const Track& track) {
  if (!track.sample_entries.empty()) return codec_info_of(track, track.sample_entries.front());
  SampleEntry empty;
  CodecInfo ci = codec_info_of(track, empty);
  ci.codec_tag_string.clear();
  return ci;
}

}  // namespace mp4kit
