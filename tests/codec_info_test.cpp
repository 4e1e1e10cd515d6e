// lib/mp4/codec_info + the generated FFmpeg tables (codec_tags.h): sample entries named as
// FFmpeg 5.1's mov demuxer names them. Expectations are FFmpeg's (libavformat/isom.c
// ff_codec_movvideo_tags / ff_codec_movaudio_tags / ff_mp4_obj_type, mov.c special cases),
// not mp4kit output; each entry is built by hand, one field per line.
#include <doctest/doctest.h>

#include <cstring>

#include "mp4/codec_info.h"
#include "mp4/codec_tags.h"
#include "mp4/fourcc.h"

using namespace mp4kit;

namespace {

Track track_with(FourCC handler, SampleEntry e) {
  Track t;
  t.handler_type = handler;
  t.timescale = 48000;
  t.sample_entries.push_back(std::move(e));
  return t;
}

SampleEntry entry_of(const char (&format)[5]) {
  SampleEntry e;
  e.format = fourcc(format);
  return e;
}

std::string name_of(FourCC handler, const char (&format)[5]) {
  return codec_info_of(track_with(handler, entry_of(format))).codec_name;
}

}  // namespace

TEST_CASE("codec tables: QuickTime/MP4 video tags FFmpeg maps (isom.c ff_codec_movvideo_tags)") {
  const auto vide = handler::vide;
  CHECK(name_of(vide, "m2v1") == "mpeg2video");  // Apple MPEG-2 camcorder
  CHECK(name_of(vide, "xd5b") == "mpeg2video");  // XDCAM HD422 1080i60
  CHECK(name_of(vide, "xdvc") == "mpeg2video");  // XDCAM EX 1080i50
  CHECK(name_of(vide, "AVdn") == "dnxhd");
  CHECK(name_of(vide, "AVdh") == "dnxhd");       // DNxHR
  CHECK(name_of(vide, "png ") == "png");
  CHECK(name_of(vide, "rle ") == "qtrle");
  CHECK(name_of(vide, "v210") == "v210");
  CHECK(name_of(vide, "2vuy") == "rawvideo");
  CHECK(name_of(vide, "yuv2") == "rawvideo");
  CHECK(name_of(vide, "raw ") == "rawvideo");
  CHECK(name_of(vide, "avc1") == "h264");
  CHECK(name_of(vide, "dvhe") == "hevc");
  CHECK(codec_info_of(track_with(vide, entry_of("m2v1"))).type == MediaType::kVideo);
  // ff_codec_get_id's second pass: a FourCC that matches only case-insensitively.
  CHECK(name_of(vide, "AVC1") == "h264");
}

TEST_CASE("codec tables: sound tags, and 'raw ' under a sound handler is pcm_u8") {
  const auto soun = handler::soun;
  CHECK(name_of(soun, "mlpa") == "truehd");
  CHECK(name_of(soun, "raw ") == "pcm_u8");
  CHECK(name_of(soun, "alac") == "alac");
  CHECK(name_of(soun, ".mp2") == "mp2");
  SampleEntry twos = entry_of("twos");
  twos.sample_size = 24;  // mov_parse_stsd_audio: twos with 24-bit samples is s24be
  CodecInfo ci = codec_info_of(track_with(soun, twos));
  CHECK(ci.codec_name == "pcm_s24be");
  CHECK(ci.bits_per_sample == 24);
  SampleEntry in24 = entry_of("in24");
  in24.has_endianness_little = true;  // mov_read_enda
  CHECK(codec_info_of(track_with(soun, in24)).codec_name == "pcm_s24le");
}

TEST_CASE("codec tables: esds objectTypeIndication (ff_mp4_obj_type) and the AAC object types") {
  SampleEntry vobsub = entry_of("mp4s");
  vobsub.es = EsDescriptor{};
  vobsub.es->object_type_indication = 0xE0;  // nonstandard DVD subtitles (isom.c)
  Track t = track_with(fourcc("subp"), vobsub);
  t.tkhd.width = 1280u << 16;  // mov_parse_stsd_subtitle: the size of a subtitle stream is tkhd's
  t.tkhd.height = 720u << 16;
  CodecInfo ci = codec_info_of(t);
  CHECK(ci.codec_name == "dvd_subtitle");
  CHECK(ci.type == MediaType::kSubtitle);
  CHECK(ci.width == 1280);
  CHECK(ci.height == 720);

  SampleEntry als = entry_of("mp4a");
  als.es = EsDescriptor{};
  als.es->object_type_indication = 0x40;
  als.aac = AacConfig{};
  als.aac->audio_object_type = 36;  // MPEG-4 ALS (mp4_audio_types)
  CHECK(codec_info_of(track_with(handler::soun, als)).codec_name == "mp4als");

  SampleEntry mp2 = entry_of("mp4a");
  mp2.es = EsDescriptor{};
  mp2.es->object_type_indication = 0x69;  // 13818-3: the first row, mp3, wins
  CHECK(codec_info_of(track_with(handler::soun, mp2)).codec_name == "mp3");
}

TEST_CASE("track kinds: handlers, data tags and chapter tracks as mov.c types them") {
  CodecInfo gpmd = codec_info_of(track_with(handler::meta, entry_of("gpmd")));
  CHECK(gpmd.type == MediaType::kData);
  CHECK(gpmd.codec_name == "bin_data");  // ff_codec_movdata_tags
  CodecInfo rtp = codec_info_of(track_with(handler::hint, entry_of("rtp ")));
  CHECK(rtp.type == MediaType::kData);
  CHECK(rtp.codec_name.empty());
  CHECK(every_packet_key(rtp));
  CodecInfo text = codec_info_of(track_with(handler::text, entry_of("tx3g")));
  CHECK(text.type == MediaType::kSubtitle);  // a 'text' handler is data until the subtitle tags match
  CHECK(text.codec_name == "mov_text");
  CHECK(codec_info_of(track_with(handler::sbtl, entry_of("c608"))).codec_name == "eia_608");
  Track chapters = track_with(handler::text, entry_of("text"));
  chapters.chapter_track = true;  // mov_read_chapters
  CodecInfo ch = codec_info_of(chapters);
  CHECK(ch.type == MediaType::kData);
  CHECK(ch.codec_name == "bin_data");
  CHECK(ch.codec_tag_string == "text");
}

TEST_CASE("codec-specific fields: ALAC cookie, TrueHD dmlp, DTS core profile") {
  // ALACSpecificConfig of a mono 44.1 kHz stream inside a stereo sound description.
  const uint8_t alac[4 + 24] = {
      0, 0, 0, 0,              // FullBox version, flags
      0, 0, 0x10, 0,           // frameLength 4096
      0,                       // compatibleVersion
      20,                      // bitDepth
      40, 10, 14,              // pb, mb, kb
      1,                       // numChannels
      0, 255,                  // maxRun
      0, 0, 0, 0,              // maxFrameBytes
      0, 0, 0, 0,              // avgBitRate
      0, 0, 0xAC, 0x44,        // sampleRate 44100
  };
  SampleEntry a = entry_of("alac");
  a.channel_count = 2;
  a.sample_rate = 44100;
  a.alac = ByteSpan{alac, sizeof alac, 0};
  CodecInfo ci = codec_info_of(track_with(handler::soun, a));
  CHECK(ci.channels == 1);
  CHECK(ci.sample_rate == 44100);

  const uint8_t dmlp[10] = {
      0x00, 0x17, 0x80, 0x4F,  // format_info: rate code 0 (48 kHz), 8ch assignment 0x004F
      0x18, 0x6A,              // peak_data_rate, reserved
      0, 0, 0, 0,              // reserved
  };
  SampleEntry m = entry_of("mlpa");
  m.channel_count = 2;
  m.dmlp = ByteSpan{dmlp, sizeof dmlp, 0};
  ci = codec_info_of(track_with(handler::soun, m));
  CHECK(ci.codec_name == "truehd");
  CHECK(ci.sample_rate == 48000);
  CHECK(ci.channels == 8);  // L/R, C, LFE, Ls/Rs, and Lrs/Rrs: 2+1+1+2+2

  const uint8_t ddts[20] = {
      0, 0, 0xBB, 0x80,        // DTSSamplingFrequency 48000
      0, 0x02, 0xEE, 0,        // maxBitrate
      0, 0x02, 0xEE, 0,        // avgBitrate
      0x10,                    // pcmSampleDepth 16
      0x02,                    // FrameDuration 0, StreamConstruction 1 (core only), CoreLFEPresent 0
      0x08, 0x1F, 0xF0, 0, 0x20, 0,
  };
  SampleEntry d = entry_of("dtsc");
  d.ddts = ByteSpan{ddts, sizeof ddts, 0};
  ci = codec_info_of(track_with(handler::soun, d));
  CHECK(ci.codec_name == "dts");
  CHECK(ci.profile == "DTS");
  CHECK(ci.sample_rate == 48000);
}

TEST_CASE("MPEG-4 Part 2 profile from the VisualObjectSequence header") {
  const uint8_t vos[] = {0, 0, 1, 0xB0, 0x03,  // visual_object_sequence_start_code, profile_and_level 0x03
                         0, 0, 1, 0xB5};
  SampleEntry v = entry_of("mp4v");
  v.es = EsDescriptor{};
  v.es->object_type_indication = 0x20;
  v.es->decoder_specific_info = ByteSpan{vos, sizeof vos, 0};
  CHECK(codec_info_of(track_with(handler::vide, v)).profile == "Simple Profile");
  const uint8_t asp[] = {0, 0, 1, 0xB0, 0xF5};  // Advanced Simple Profile level 5
  v.es->decoder_specific_info = ByteSpan{asp, sizeof asp, 0};
  CHECK(codec_info_of(track_with(handler::vide, v)).profile == "Advanced Simple Profile");
}

TEST_CASE("uncompressed audio chunk layout: FFmpeg's sample_size rule") {
  SampleEntry s = entry_of("sowt");
  s.sample_size = 16;
  s.channel_count = 2;
  Track t = track_with(handler::soun, s);
  t.stbl.sample_size = 1;  // stsz says 1; stsd's codec decides (mov_read_stsz keeps stsd's value)
  CHECK(audio_chunk_layout(t, t.sample_entries[0]).sample_size == 4);
  SampleEntry unknown = entry_of("zzzz");  // no codec: stsz's sample size
  unknown.channel_count = 1;
  Track u = track_with(handler::soun, unknown);
  u.stbl.sample_size = 4;
  CHECK(audio_chunk_layout(u, u.sample_entries[0]).sample_size == 4);
}

TEST_CASE("the generated tables say which FFmpeg they come from") {
  CHECK(std::strstr(codec_tags::kFFmpegVersions, "Lavf") != nullptr);
  CHECK(codec_tags::kMovVideo.size > 100);
  CHECK(codec_tags::kMovAudio.size > 30);
}
