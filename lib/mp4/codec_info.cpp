#include "mp4/codec_info.h"

#include "mp4/codec_tags.h"
#include "mp4/fourcc.h"

namespace mp4kit {
namespace {


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

uint32_t ac3_rate(uint8_t fscod) {
  static constexpr uint32_t r[3] = {48000, 44100, 32000};
  return fscod < 3 ? r[fscod] : 0;
}
// ATSC A/52 Table 5.8: channels by acmod, plus LFE.
uint32_t ac3_channels(uint8_t acmod, bool lfe) {
  static constexpr uint32_t ch[8] = {2, 1, 2, 3, 3, 4, 4, 5};
  return ch[acmod & 7] + (lfe ? 1 : 0);
}

// mov_read_hdlr: the handler gives the first guess of the codec type; every other
// handler (text, sbtl, tmcd, meta, hint, ...) leaves the stream a data stream, which
// mov_codec_id may still turn into a subtitle stream.
MediaType handler_media_type(FourCC handler_type) {
  switch (handler_type) {
    case handler::vide: return MediaType::kVideo;
    case handler::soun: return MediaType::kAudio;
    case fourcc("subp"): case handler::clcp: return MediaType::kSubtitle;
    default: return MediaType::kData;
  }
}

void set_codec(CodecInfo& ci, const codec_tags::CodecTag* tag) {
  if (tag) ci.codec_name = tag->codec_name;
}

// mov.c mov_codec_id(): the sound tags first (and WAVE format tags for 'ms'xx/'TS'xx
// entries), then — unless the handler made it an audio stream — the video and bitmap tags
// ('mp4s' skipped: the old ASF MPEG-4 tag), then, for data and codec-less subtitle
// streams, the subtitle and data tags. The tables are FFmpeg's own (codec_tags.h).
void mov_codec_id(FourCC f, CodecInfo& ci) {
  using namespace codec_tags;
  const CodecTag* id = find(kMovAudio, f);
  if (!id && ((f >> 16) == 0x6D73 /* "ms" */ || (f >> 16) == 0x5453 /* "TS" */)) id = find(kRiffAudio, f & 0xFFFF);
  if (ci.type != MediaType::kVideo && id) {
    ci.type = MediaType::kAudio;
    set_codec(ci, id);
    return;
  }
  if (ci.type != MediaType::kAudio && f && f != fourcc("mp4s")) {
    id = find(kMovVideo, f);
    if (!id) id = find(kRiffVideo, f);
    if (id) {
      ci.type = MediaType::kVideo;
      set_codec(ci, id);
    } else if (ci.type == MediaType::kData || ci.type == MediaType::kSubtitle) {
      id = find(kMovSubtitle, f);
      if (id) ci.type = MediaType::kSubtitle;
      else id = find(kMovData, f);
      set_codec(ci, id);
    }
  }
}

// MPEG-4 Part 2 profile_and_level_indication from the VisualObjectSequence header at the
// start of the esds DecoderSpecificInfo (ISO/IEC 14496-2 § 6.2.2); -1 without a VOS header.
int mpeg4_vos_indication(ByteSpan dsi) {
  for (uint64_t i = 0; i + 4 < dsi.size; ++i)
    if (dsi.data[i] == 0 && dsi.data[i + 1] == 0 && dsi.data[i + 2] == 1 && dsi.data[i + 3] == 0xB0) return dsi.data[i + 4];
  return -1;
}

// The profile the mpeg4 decoder sets (mpeg4videodec.c decode_vos_header: indication >> 4).
int mpeg4_visual_profile(ByteSpan dsi) {
  const int pli = mpeg4_vos_indication(dsi);
  return pli < 0 ? -1 : pli >> 4;
}

}  // namespace

int mpeg4_vos_level(ByteSpan dsi) {
  const int pli = mpeg4_vos_indication(dsi);
  if (pli < 0) return -99;
  return (pli >> 4) == 0 && (pli & 0xF) == 8 ? 0 : pli & 0xF;
}

namespace {

// Names the codec of a video stream's entry and reads profile, level and bit depth from
// its configuration record.
void video_parameters(FourCC f, const SampleEntry& e, CodecInfo& ci) {
  using namespace entry;
  const std::string& n = ci.codec_name;
  if (n == codec_tags::names::kH264) {
    if (e.avcC.size >= 4) {
      ci.profile = h264_profile(e.avcC.data[1], e.avcC.data[2]);
      ci.level = e.avcC.data[3];
      uint8_t p = e.avcC.data[1];
      if (p == 110 || p == 122 || p == 244) ci.bit_depth = 0;  // stated in the SPS extension
    }
  } else if (n == codec_tags::names::kHevc) {
    if (e.hvcC.size >= 13) {
      ci.profile = hevc_profile(e.hvcC.data[1] & 0x1F);
      ci.level = e.hvcC.data[12];
    }
    if (e.hvcC.size >= 21) ci.bit_depth = (e.hvcC.data[19] & 7) + 8;
  } else if (n == codec_tags::names::kAv1) {
    if (e.av1C.size >= 3) {
      uint8_t seq_profile = e.av1C.data[1] >> 5;
      static const char* kNames[3] = {"Main", "High", "Professional"};
      if (seq_profile < 3) ci.profile = kNames[seq_profile];
      ci.level = e.av1C.data[1] & 0x1F;
      bool high_bitdepth = e.av1C.data[2] & 0x40, twelve_bit = e.av1C.data[2] & 0x20;
      ci.bit_depth = high_bitdepth ? (twelve_bit ? 12 : 10) : 8;
    }
  } else if (n == codec_tags::names::kVp9) {
    if (e.vpcC.size >= 7) {  // FullBox header, then profile, level, bitDepth(4)...
      ci.profile = "Profile " + std::to_string(e.vpcC.data[4]);
      ci.level = e.vpcC.data[5];
      ci.bit_depth = e.vpcC.data[6] >> 4;
    }
  } else if (n == codec_tags::names::kProres) {
    switch (f) {  // the ProRes decoder's profile follows the FourCC (proresdec2.c decode_init)
      case apch: ci.profile = "HQ"; break;
      case apcn: ci.profile = "Standard"; break;
      case apcs: ci.profile = "LT"; break;
      case apco: ci.profile = "Proxy"; break;
      case ap4h: ci.profile = "4444"; break;
      case ap4x: ci.profile = "XQ"; break;
      default: break;
    }
  } else if (n == codec_tags::names::kMpeg4 && e.es) {
    const char* name = codec_tags::profile_name(codec_tags::names::kMpeg4, mpeg4_visual_profile(e.es->decoder_specific_info));
    if (name) ci.profile = name;
  }
}

// ff_mov_get_lpcm_codec_id (isom.h): QuickTime v2 LPCM, formatSpecificFlags
// kAudioFormatFlagIsFloat 0x1, IsBigEndian 0x2, IsSignedInteger 0x4.
std::string lpcm_codec_name(uint32_t bits, uint32_t flags) {
  const bool is_float = flags & 1, be = flags & 2, sgn = flags & 4;
  const char* end = be ? "be" : "le";
  if (is_float) {
    if (bits == 32) return std::string("pcm_f32") + end;
    if (bits == 64) return std::string("pcm_f64") + end;
    return "";
  }
  if (bits == 8) return sgn ? "pcm_s8" : "pcm_u8";
  if (bits == 16 || bits == 24 || bits == 32) return "pcm_s" + std::to_string(bits) + end;
  return "";
}

// mov_parse_stsd_audio: PCM codecs follow the declared sample size (twos/sowt/raw carry 8,
// 16, 24 or 32 bits; 'lpcm' its v2 flags), 'enda' turns the big-endian PCM codecs into
// little-endian ones (mov_read_enda), and PCM bits_per_sample is av_get_bits_per_sample().
void pcm_codec(FourCC f, const SampleEntry& e, CodecInfo& ci) {
  std::string& n = ci.codec_name;
  const uint16_t bps = e.sample_size;
  if (f == entry::lpcm && e.sound_version == 2) {
    n = lpcm_codec_name(e.lpcm_bits_per_channel, e.lpcm_flags);
  } else if (n == "pcm_s8" || n == "pcm_u8") {
    if (bps == 16) n = "pcm_s16be";
  } else if (n == "pcm_s16le" || n == "pcm_s16be") {
    const bool le = n == "pcm_s16le";
    if (bps == 8) n = "pcm_s8";
    else if (bps == 24) n = le ? "pcm_s24le" : "pcm_s24be";
    else if (bps == 32) n = le ? "pcm_s32le" : "pcm_s32be";
  }
  if (e.has_endianness_little) {
    if (n == "pcm_s24be") n = "pcm_s24le";
    else if (n == "pcm_s32be") n = "pcm_s32le";
    else if (n == "pcm_f32be") n = "pcm_f32le";
    else if (n == "pcm_f64be") n = "pcm_f64le";
  }
  if (n.rfind("pcm_", 0) == 0) {
    const int bits = codec_tags::bits_per_sample(n.c_str());
    if (bits > 0) ci.bits_per_sample = static_cast<uint32_t>(bits);
  }
}

// ff_mp4_read_dec_config_descr (isom.c): the esds objectTypeIndication names the codec
// (ff_mp4_obj_type), and for AAC the AudioSpecificConfig's object type may name another
// (mp4_audio_types: MPEG-4 ALS, mp3on4).
void esds_codec(const SampleEntry& e, CodecInfo& ci) {
  if (!e.es) return;
  const codec_tags::CodecTag* oti = codec_tags::find(codec_tags::kMp4ObjectTypes, e.es->object_type_indication);
  if (oti && oti->codec_name[0]) ci.codec_name = oti->codec_name;
  else if (oti) ci.codec_name.clear();  // MPEG-4 systems: a codec id without a descriptor
  if (ci.codec_name == codec_tags::names::kAac && e.aac) {
    // The object type as avpriv_mpeg4audio_get_config2 leaves it: after SBR/PS signalling,
    // the core object type (parse_audio_specific_config does the same).
    const codec_tags::CodecTag* t = codec_tags::find(codec_tags::kMp4AudioObjectTypes, e.aac->audio_object_type);
    if (t) ci.codec_name = t->codec_name;
  }
}

// mlp_parse.h mlp_samplerate(): 4-bit rate code -> Hz (0xF: none).
uint32_t mlp_samplerate(uint32_t code) {
  if (code == 0xF) return 0;
  return (code & 8 ? 44100u : 48000u) << (code & 7);
}

// mlp_parse.h truehd_channels(): channels of a TrueHD 13-bit channel assignment
// (thd_chancount: channels per assignment bit).
uint32_t truehd_channels(uint32_t chanmap) {
  static constexpr uint8_t kPerBit[13] = {2, 1, 1, 2, 2, 2, 2, 1, 1, 2, 2, 1, 1};
  uint32_t n = 0;
  for (int i = 0; i < 13; ++i) n += kPerBit[i] * ((chanmap >> i) & 1);
  return n;
}

// Sample rate and channels: the sample entry's fields (mov_parse_stsd_audio), overridden
// by what the codec's configuration box says, as FFmpeg's demuxer and the decoder it opens
// in avformat_find_stream_info report them; then mov_finalize_stsd_codec's fixed values.
void audio_parameters(const Track& track, const SampleEntry& e, CodecInfo& ci) {
  namespace nm = codec_tags::names;
  const std::string& n = ci.codec_name;
  ci.sample_rate = e.sample_rate;
  ci.channels = e.channel_count;
  if (e.aac && (n == nm::kAac || n == nm::kMp4Als)) {
    ci.profile = aac_profile(e.aac->sbr ? (e.aac->ps ? 29 : 5) : e.aac->audio_object_type);
    uint32_t rate = e.aac->extension_sampling_frequency ? e.aac->extension_sampling_frequency : e.aac->sampling_frequency;
    if (rate) ci.sample_rate = rate;
    static constexpr uint8_t kChannels[15] = {0, 1, 2, 3, 4, 5, 6, 8, 0, 0, 0, 7, 8, 24, 8};
    uint8_t cc = e.aac->channel_configuration;
    if (cc < 15 && kChannels[cc]) ci.channels = kChannels[cc];
  }
  if (n == nm::kOpus) {
    ci.sample_rate = 48000;  // Opus always decodes at 48 kHz (RFC 7845 § 5.1)
    if (e.dOps.size >= 2) ci.channels = e.dOps.data[1];
  } else if (n == nm::kFlac && e.dfLa.size >= 4 + 4 + 18) {
    // FullBox header, METADATA_BLOCK_HEADER (4), STREAMINFO: rate 20 bits at byte 10.
    const uint8_t* si = e.dfLa.data + 8;
    ci.sample_rate = (uint32_t(si[10]) << 12) | (uint32_t(si[11]) << 4) | (si[12] >> 4);
    ci.channels = ((si[12] >> 1) & 7) + 1u;
  } else if (n == nm::kAc3 && e.dac3.size >= 3) {
    // ETSI TS 102 366 Annex F.4 AC3SpecificBox: fscod(2) bsid(5) bsmod(3) acmod(3) lfeon(1)
    uint32_t v = (uint32_t(e.dac3.data[0]) << 16) | (uint32_t(e.dac3.data[1]) << 8) | e.dac3.data[2];
    ci.sample_rate = ac3_rate(static_cast<uint8_t>(v >> 22));
    ci.channels = ac3_channels(static_cast<uint8_t>((v >> 11) & 7), (v >> 10) & 1);
  } else if (n == nm::kEac3 && e.dec3.size >= 5) {
    // F.6 EC3SpecificBox: data_rate(13) num_ind_sub(3), then fscod(2) bsid(5) ... acmod(3) lfeon(1)
    const uint8_t* d = e.dec3.data;
    ci.sample_rate = ac3_rate(d[2] >> 6);
    ci.channels = ac3_channels(static_cast<uint8_t>((d[3] >> 1) & 7), d[3] & 1);
  } else if (n == nm::kDts && e.ddts.size >= 14) {
    // ETSI TS 102 114 Annex E DTSSpecificBox: DTSSamplingFrequency(32) maxBitrate(32)
    // avgBitrate(32) pcmSampleDepth(8) FrameDuration(2) StreamConstruction(5) ...
    ci.sample_rate = load_be32(e.ddts.data);
    // StreamConstruction 1 = a core substream only: the DCA parser's FF_PROFILE_DTS.
    if (((e.ddts.data[13] >> 1) & 0x1F) == 1)
      if (const char* p = codec_tags::profile_name(nm::kDts, /*FF_PROFILE_DTS*/ 20)) ci.profile = p;
  } else if (n == nm::kAlac && e.alac.size >= 4 + 24) {
    // ALACSpecificConfig after the FullBox header (Apple ALAC magic cookie): frameLength(32)
    // compatibleVersion(8) bitDepth(8) pb kb mb(8 each) numChannels(8) maxRun(16)
    // maxFrameBytes(32) avgBitRate(32) sampleRate(32). The ALAC decoder FFmpeg opens
    // (alacdec.c alac_set_info) reports the cookie's channels and rate, not stsd's.
    const uint8_t* c = e.alac.data + 4;
    if (c[9]) ci.channels = c[9];
    if (load_be32(c + 20)) ci.sample_rate = load_be32(c + 20);
  } else if (n == nm::kTrueHd && e.dmlp.size >= 4) {
    // MLPSpecificBox (Dolby TrueHD in ISOBMFF) as mov.c mov_read_dmlp reads it: format_info
    // = audio_sampling_frequency(4) ... 8ch_multichannel_channel_assignment(13).
    const uint32_t format_info = load_be32(e.dmlp.data);
    ci.sample_rate = mlp_samplerate(format_info >> 28);
    ci.channels = truehd_channels(format_info & 0x1FFF);
  }
  // mov_finalize_stsd_codec: values mov.c forces whatever the entry says.
  if (n == nm::kAmrNb) {
    ci.sample_rate = 8000;
    ci.channels = 1;
  } else if (n == nm::kAmrWb) {
    ci.sample_rate = 16000;
    ci.channels = 1;
  } else if (n == nm::kQcelp) {
    ci.channels = 1;
    if (e.format != fourcc("Qclp")) ci.sample_rate = 8000;
  }
  if (!ci.sample_rate && track.timescale > 1) ci.sample_rate = track.timescale;
}

}  // namespace

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
    case 118: return "Multiview High";
    case 128: return "Stereo High";
    default: return "";
  }
}

CodecInfo codec_info_of(const Track& track, const SampleEntry& e) {
  CodecInfo ci;
  const FourCC f = e.codec_format();
  // mov_read_frma: a protected entry ('encv', 'enca') reports its original format's tag.
  const FourCC tag = e.codec_format();
  ci.codec_tag_string = fourcc_to_string(tag);
  ci.codec_tag = ((tag & 0xFF) << 24) | (((tag >> 8) & 0xFF) << 16) | (((tag >> 16) & 0xFF) << 8) | (tag >> 24);
  // ff_mov_read_stsd_entries: the handler's type, mov_codec_id, then the entry's own atoms
  // (esds through ff_mp4_read_dec_config_descr), then mov_finalize_stsd_codec.
  ci.type = handler_media_type(track.handler_type);
  mov_codec_id(f, ci);
  if (ci.type == MediaType::kAudio) pcm_codec(f, e, ci);
  esds_codec(e, ci);
  if (ci.type == MediaType::kVideo) {
    video_parameters(f, e, ci);
    ci.width = e.width;
    ci.height = e.height;
    if (e.pasp && (*e.pasp)[0] && (*e.pasp)[1]) {
      ci.sar_num = (*e.pasp)[0];
      ci.sar_den = (*e.pasp)[1];
    }
  } else if (ci.type == MediaType::kAudio) {
    audio_parameters(track, e, ci);
  } else if (ci.type == MediaType::kSubtitle) {
    // mov_parse_stsd_subtitle: a subtitle stream's size is the track header's (16.16).
    ci.width = track.tkhd.width >> 16;
    ci.height = track.tkhd.height >> 16;
  }
  // mov_read_chapters: a chapter track that is not video becomes a bin_data data stream.
  if (track.chapter_track && ci.type != MediaType::kVideo) {
    CodecInfo data;
    data.type = MediaType::kData;
    data.codec_name = codec_tags::names::kBinData;
    data.codec_tag_string = ci.codec_tag_string;
    data.codec_tag = ci.codec_tag;
    ci = std::move(data);
  }
  return ci;
}

AudioChunkLayout audio_chunk_layout(const Track& track, const SampleEntry& e) {
  AudioChunkLayout l;
  const CodecInfo ci = codec_info_of(track, e);
  const uint32_t channels = e.channel_count;
  // mov_parse_stsd_audio: v1/v2 sound descriptions carry the packet layout...
  l.samples_per_frame = e.qt_samples_per_packet;
  l.bytes_per_frame = e.qt_bytes_per_frame;
  // ... and sample_size = av_get_bits_per_sample() / 8 x channels when the codec has one.
  const int bits = ci.codec_name.empty() ? 0 : codec_tags::bits_per_sample(ci.codec_name.c_str());
  if (bits > 0) l.sample_size = static_cast<uint32_t>(bits >> 3) * channels;
  // The values mov_parse_stsd_audio sets "for old format before stsd version 1 appeared".
  if (ci.codec_name == "mace3") { l.samples_per_frame = 6; l.bytes_per_frame = 2 * channels; }
  else if (ci.codec_name == "mace6") { l.samples_per_frame = 6; l.bytes_per_frame = 1 * channels; }
  else if (ci.codec_name == "adpcm_ima_qt") { l.samples_per_frame = 64; l.bytes_per_frame = 34 * channels; }
  else if (ci.codec_name == "gsm") { l.samples_per_frame = 160; l.bytes_per_frame = 33; }
  // mov_read_stsz: "do not overwrite value computed in stsd".
  if (!l.sample_size) l.sample_size = track.stbl.sample_size;
  return l;
}

bool every_packet_key(const CodecInfo& codec) {
  if (codec.type == MediaType::kSubtitle || codec.type == MediaType::kData) return true;
  return !codec.codec_name.empty() && codec_tags::intra_only(codec.codec_name.c_str());
}

CodecInfo codec_info_of(const Track& track) {
  if (!track.sample_entries.empty()) return codec_info_of(track, track.sample_entries.front());
  SampleEntry empty;
  CodecInfo ci = codec_info_of(track, empty);
  ci.codec_tag_string.clear();
  return ci;
}

}  // namespace mp4kit
