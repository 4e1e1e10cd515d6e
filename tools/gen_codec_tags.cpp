// Build-time generator of mp4kit's codec tables (lib/mp4/codec_tags.h) from the FFmpeg it
// is built against. CMake builds and runs it; its output (codec_tags_table.cpp in the build
// tree) is compiled into mp4kit_core, so `probe` maps sample entries exactly as that
// FFmpeg's mov demuxer does without loading any FFmpeg library at run time.
//
// Usage: gen_codec_tags OUTPUT.cpp   (writes OUTPUT.cpp; exit 1 with a message on failure)
//
// What comes from where:
// - The QuickTime/MP4 sample-entry tables mov.c's mov_codec_id() consults (ff_codec_movaudio_tags,
//   ff_codec_movvideo_tags, and ff_codec_wav_tags / ff_codec_bmp_tags as fallbacks) are the
//   public avformat_get_mov_audio_tags(), avformat_get_mov_video_tags(),
//   avformat_get_riff_audio_tags() and avformat_get_riff_video_tags().
// - ff_codec_movsubtitle_tags and ff_codec_movdata_tags have no public getter; the "mov"
//   muxer's codec_tag list (av_guess_format("mov")->codec_tag) holds the same tables, so every
//   table in that list other than the video/audio ones is read, and its entries are split by
//   the codec's media type (avcodec_descriptor_get()) into subtitle and data tags. Codecs of
//   ff_codec_movdata_tags that the muxer does not list are added from kDataCodecs below.
// - The esds objectTypeIndication table (ff_mp4_obj_type, libavformat/isom.c) and the
//   AudioSpecificConfig object types mapped away from AAC (mp4_audio_types, isom.c) are
//   internal to libavformat: kObjectTypes / kAudioObjectTypes below list their AVCodecIDs as
//   isom.c does in FFmpeg 5.1 (a small cited table; only the ids are listed here: names and
//   media types still come from libavcodec).
//
// Every tag read from a table is checked with av_codec_get_id() (the public lookup, which
// applies FFmpeg's first-match-wins rule), so the generated table says what FFmpeg's lookup
// returns, not what a table row says.
#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavcodec/version.h>
#include <libavformat/avformat.h>
#include <libavformat/version.h>
#include <libavutil/avutil.h>
}

#ifndef AV_PROFILE_UNKNOWN  // FFmpeg < 6.1 spells it FF_PROFILE_UNKNOWN
#define AV_PROFILE_UNKNOWN FF_PROFILE_UNKNOWN
#endif

namespace {

// The layout of an AVCodecTag row (libavformat/internal.h: `enum AVCodecID id; unsigned int
// tag;`, terminated by AV_CODEC_ID_NONE). The struct is opaque in the public headers; the
// rows are only used to learn which tags a table holds, and each is re-checked through
// av_codec_get_id() before it is written.
struct TagRow {
  AVCodecID id;
  unsigned int tag;
};

struct Entry {
  uint32_t tag;  // big-endian FourCC as mp4kit stores it (or a plain number for OTIs)
  AVCodecID id;
};

// ff_mp4_obj_type (FFmpeg 5.1 libavformat/isom.c), in its order: objectTypeIndication ->
// codec. ff_codec_get_id() returns the first row with a matching value.
const Entry kObjectTypes[] = {
    {0x08, AV_CODEC_ID_MOV_TEXT},   {0x20, AV_CODEC_ID_MPEG4},        {0x21, AV_CODEC_ID_H264},
    {0x23, AV_CODEC_ID_HEVC},       {0x40, AV_CODEC_ID_AAC},          {0x40, AV_CODEC_ID_MP4ALS},
    {0x61, AV_CODEC_ID_MPEG2VIDEO}, {0x60, AV_CODEC_ID_MPEG2VIDEO},   {0x62, AV_CODEC_ID_MPEG2VIDEO},
    {0x63, AV_CODEC_ID_MPEG2VIDEO}, {0x64, AV_CODEC_ID_MPEG2VIDEO},   {0x65, AV_CODEC_ID_MPEG2VIDEO},
    {0x66, AV_CODEC_ID_AAC},        {0x67, AV_CODEC_ID_AAC},          {0x68, AV_CODEC_ID_AAC},
    {0x69, AV_CODEC_ID_MP3},        {0x69, AV_CODEC_ID_MP2},          {0x6A, AV_CODEC_ID_MPEG1VIDEO},
    {0x6B, AV_CODEC_ID_MP3},        {0x6C, AV_CODEC_ID_MJPEG},        {0x6D, AV_CODEC_ID_PNG},
    {0x6E, AV_CODEC_ID_JPEG2000},   {0xA3, AV_CODEC_ID_VC1},          {0xA4, AV_CODEC_ID_DIRAC},
    {0xA5, AV_CODEC_ID_AC3},        {0xA6, AV_CODEC_ID_EAC3},         {0xA9, AV_CODEC_ID_DTS},
    {0xAD, AV_CODEC_ID_OPUS},       {0xB1, AV_CODEC_ID_VP9},          {0xC1, AV_CODEC_ID_FLAC},
    {0xD0, AV_CODEC_ID_TSCC2},      {0xD1, AV_CODEC_ID_EVRC},         {0xDD, AV_CODEC_ID_VORBIS},
    {0xE0, AV_CODEC_ID_DVD_SUBTITLE}, {0xE1, AV_CODEC_ID_QCELP},      {0x01, AV_CODEC_ID_MPEG4SYSTEMS},
    {0x02, AV_CODEC_ID_MPEG4SYSTEMS},
};

// mp4_audio_types (isom.c): AudioSpecificConfig audioObjectType -> codec, used by
// ff_mp4_read_dec_config_descr() when the OTI says AAC.
const Entry kAudioObjectTypes[] = {
    {29, AV_CODEC_ID_MP3ON4}, {32, AV_CODEC_ID_MP3ON4}, {33, AV_CODEC_ID_MP3ON4},
    {34, AV_CODEC_ID_MP3ON4}, {36, AV_CODEC_ID_MP4ALS},
};

// ff_codec_movdata_tags (isom.c), for when the muxer's list does not carry it.
const Entry kDataCodecs[] = {{0x67706D64 /* gpmd */, AV_CODEC_ID_BIN_DATA}};

// Codecs codec_info.cpp names in special cases that mov.c makes outside the tables
// (mov_read_chapters, mov_parse_stsd_audio, ...): their names are taken from libavcodec too.
struct Named {
  const char* constant;
  AVCodecID id;
};
const Named kNamedCodecs[] = {
    {"kBinData", AV_CODEC_ID_BIN_DATA},       {"kAac", AV_CODEC_ID_AAC},
    {"kMp3", AV_CODEC_ID_MP3},                {"kMp2", AV_CODEC_ID_MP2},
    {"kMp1", AV_CODEC_ID_MP1},                {"kTrueHd", AV_CODEC_ID_TRUEHD},
    {"kMlp", AV_CODEC_ID_MLP},                {"kAlac", AV_CODEC_ID_ALAC},
    {"kAc3", AV_CODEC_ID_AC3},                {"kEac3", AV_CODEC_ID_EAC3},
    {"kDts", AV_CODEC_ID_DTS},                {"kMpeg4", AV_CODEC_ID_MPEG4},
    {"kH264", AV_CODEC_ID_H264},              {"kHevc", AV_CODEC_ID_HEVC},
    {"kAv1", AV_CODEC_ID_AV1},                {"kVp9", AV_CODEC_ID_VP9},
    {"kProres", AV_CODEC_ID_PRORES},          {"kDvdSubtitle", AV_CODEC_ID_DVD_SUBTITLE},
    {"kEia608", AV_CODEC_ID_EIA_608},         {"kMovText", AV_CODEC_ID_MOV_TEXT},
    {"kRawVideo", AV_CODEC_ID_RAWVIDEO},      {"kPcmU8", AV_CODEC_ID_PCM_U8},
    {"kWebvtt", AV_CODEC_ID_WEBVTT},          {"kTtml", AV_CODEC_ID_TTML},
    {"kMp4Als", AV_CODEC_ID_MP4ALS},          {"kOpus", AV_CODEC_ID_OPUS},
    {"kFlac", AV_CODEC_ID_FLAC},              {"kQcelp", AV_CODEC_ID_QCELP},
    {"kAmrNb", AV_CODEC_ID_AMR_NB},           {"kAmrWb", AV_CODEC_ID_AMR_WB},
};

// FFmpeg's tags are little-endian (MKTAG('a','v','c','1') == 'a' | 'v' << 8 | ...);
// mp4kit's FourCC is the big-endian reading of the same four bytes.
uint32_t to_be(unsigned int le) {
  return ((le & 0xFF) << 24) | (((le >> 8) & 0xFF) << 16) | (((le >> 16) & 0xFF) << 8) | (le >> 24);
}

// ffprobe's codec_name: the descriptor's name, none ("") without a descriptor.
const char* codec_name(AVCodecID id) {
  const AVCodecDescriptor* d = avcodec_descriptor_get(id);
  return d ? d->name : "";
}

const char* media_type_constant(AVCodecID id) {
  const AVCodecDescriptor* d = avcodec_descriptor_get(id);
  switch (d ? d->type : AVMEDIA_TYPE_UNKNOWN) {
    case AVMEDIA_TYPE_VIDEO: return "MediaType::kVideo";
    case AVMEDIA_TYPE_AUDIO: return "MediaType::kAudio";
    case AVMEDIA_TYPE_SUBTITLE: return "MediaType::kSubtitle";
    case AVMEDIA_TYPE_DATA: return "MediaType::kData";
    default: return "MediaType::kUnknown";
  }
}

// The rows of `table` whose tag FFmpeg's own lookup maps back to a codec, in table order,
// with the codec that lookup returns (the first matching row wins, as in ff_codec_get_id).
std::vector<Entry> read_table(const AVCodecTag* table, bool& ok) {
  std::vector<Entry> out;
  const AVCodecTag* const list[2] = {table, nullptr};
  const auto* rows = reinterpret_cast<const TagRow*>(table);
  for (size_t i = 0; rows[i].id != AV_CODEC_ID_NONE; ++i) {
    if (i > 4096) {
      std::fprintf(stderr, "gen_codec_tags: a tag table has no AV_CODEC_ID_NONE row in 4096 rows\n");
      ok = false;
      return {};
    }
    const AVCodecID id = av_codec_get_id(list, rows[i].tag);
    if (id == AV_CODEC_ID_NONE || !avcodec_descriptor_get(id)) {
      std::fprintf(stderr, "gen_codec_tags: row %zu (tag 0x%08x) does not map back through av_codec_get_id\n", i,
                   rows[i].tag);
      ok = false;
      return {};
    }
    const uint32_t be = to_be(rows[i].tag);
    // A later row with the same tag is unreachable for ff_codec_get_id: write it once.
    if (std::none_of(out.begin(), out.end(), [&](const Entry& e) { return e.tag == be; })) out.push_back({be, id});
  }
  return out;
}

void write_table(std::FILE* f, const char* name, const std::vector<Entry>& rows, const char* comment) {
  std::fprintf(f, "// %s\nconst CodecTag k%sRows[] = {\n", comment, name);
  for (const Entry& e : rows)
    std::fprintf(f, "    {0x%08X, \"%s\", %s},\n", e.tag, codec_name(e.id), media_type_constant(e.id));
  std::fprintf(f, "};\nconst CodecTagTable k%s{k%sRows, %zu};\n\n", name, name, rows.size());
}

// Hand-listed rows: each id must be one this libavcodec knows, except the pseudo codec
// AV_CODEC_ID_MPEG4SYSTEMS, which has no descriptor (ffprobe prints no codec_name for it).
std::vector<Entry> checked(const Entry* rows, size_t n, bool& ok) {
  std::vector<Entry> out;
  for (size_t i = 0; i < n; ++i) {
    if (!avcodec_descriptor_get(rows[i].id) && rows[i].id != AV_CODEC_ID_MPEG4SYSTEMS) {
      std::fprintf(stderr, "gen_codec_tags: codec id %d is unknown to this libavcodec\n", int(rows[i].id));
      ok = false;
    }
    out.push_back(rows[i]);
  }
  return out;
}


}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: gen_codec_tags OUTPUT.cpp\n");
    return 1;
  }
  bool ok = true;
  const std::vector<Entry> video = read_table(avformat_get_mov_video_tags(), ok);
  const std::vector<Entry> audio = read_table(avformat_get_mov_audio_tags(), ok);
  const std::vector<Entry> bmp = read_table(avformat_get_riff_video_tags(), ok);
  const std::vector<Entry> wav = read_table(avformat_get_riff_audio_tags(), ok);

  std::vector<Entry> subtitle, data;
  const AVOutputFormat* mov = av_guess_format("mov", nullptr, nullptr);
  if (!mov || !mov->codec_tag) {
    std::fprintf(stderr, "gen_codec_tags: this libavformat has no mov muxer with a codec_tag list\n");
    return 1;
  }
  for (const AVCodecTag* const* t = mov->codec_tag; *t; ++t) {
    if (*t == avformat_get_mov_video_tags() || *t == avformat_get_mov_audio_tags()) continue;
    for (const Entry& e : read_table(*t, ok)) {
      const AVCodecDescriptor* d = avcodec_descriptor_get(e.id);
      if (d->type == AVMEDIA_TYPE_SUBTITLE) subtitle.push_back(e);
      else if (d->type == AVMEDIA_TYPE_DATA) data.push_back(e);
    }
  }
  for (const Entry& e : checked(kDataCodecs, std::size(kDataCodecs), ok))
    if (std::none_of(data.begin(), data.end(), [&](const Entry& d) { return d.tag == e.tag; })) data.push_back(e);
  const std::vector<Entry> oti = checked(kObjectTypes, std::size(kObjectTypes), ok);
  const std::vector<Entry> aot = checked(kAudioObjectTypes, std::size(kAudioObjectTypes), ok);
  for (const Named& n : kNamedCodecs)
    if (!avcodec_descriptor_get(n.id)) {
      std::fprintf(stderr, "gen_codec_tags: %s is unknown to this libavcodec\n", n.constant);
      ok = false;
    }
  if (!ok) return 1;

  const std::string tmp = std::string(argv[1]) + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "w");
  if (!f) {
    std::fprintf(stderr, "gen_codec_tags: cannot write %s: %s\n", tmp.c_str(), std::strerror(errno));
    return 1;
  }
  std::fprintf(f,
               "// Generated at build time by tools/gen_codec_tags.cpp from %s and %s.\n"
               "// Do not edit and do not commit: it follows the FFmpeg mp4kit is built against.\n"
               "#include \"mp4/codec_tags.h\"\n\nnamespace mp4kit::codec_tags {\n\n",
               LIBAVFORMAT_IDENT, LIBAVCODEC_IDENT);
  std::fprintf(f, "const char kFFmpegVersions[] = \"%s %s\";\n\n", LIBAVFORMAT_IDENT, LIBAVCODEC_IDENT);
  write_table(f, "MovVideo", video, "ff_codec_movvideo_tags (avformat_get_mov_video_tags)");
  write_table(f, "MovAudio", audio, "ff_codec_movaudio_tags (avformat_get_mov_audio_tags)");
  write_table(f, "RiffVideo", bmp, "ff_codec_bmp_tags (avformat_get_riff_video_tags)");
  write_table(f, "RiffAudio", wav, "ff_codec_wav_tags (avformat_get_riff_audio_tags)");
  write_table(f, "MovSubtitle", subtitle, "ff_codec_movsubtitle_tags (the mov muxer's codec_tag list)");
  write_table(f, "MovData", data, "ff_codec_movdata_tags (the mov muxer's codec_tag list, isom.c)");
  write_table(f, "Mp4ObjectTypes", oti, "ff_mp4_obj_type (isom.c): esds objectTypeIndication");
  write_table(f, "Mp4AudioObjectTypes", aot, "mp4_audio_types (isom.c): AudioSpecificConfig audioObjectType");
  // Profile names (AVCodecDescriptor::profiles, what avcodec_profile_name() returns) and
  // av_get_bits_per_sample() of every codec in the tables above.
  std::vector<AVCodecID> ids;
  const std::vector<Entry>* const tables[] = {&video, &audio, &bmp, &wav, &subtitle, &data, &oti, &aot};
  for (const std::vector<Entry>* t : tables)
    for (const Entry& e : *t)
      if (std::find(ids.begin(), ids.end(), e.id) == ids.end()) ids.push_back(e.id);
  std::sort(ids.begin(), ids.end());
  std::fprintf(f, "const CodecProfile kProfileRows[] = {\n");
  size_t profiles = 0;
  for (AVCodecID id : ids) {
    const AVCodecDescriptor* d = avcodec_descriptor_get(id);
    if (!d || !d->profiles) continue;
    for (const AVProfile* pr = d->profiles; pr->profile != AV_PROFILE_UNKNOWN; ++pr, ++profiles)
      std::fprintf(f, "    {\"%s\", %d, \"%s\"},\n", d->name, pr->profile, pr->name);
  }
  std::fprintf(f, "};\nconst CodecProfileTable kProfiles{kProfileRows, %zu};\n\n", profiles);
  std::fprintf(f, "const CodecBits kBitsPerSampleRows[] = {\n");
  size_t bits = 0;
  for (AVCodecID id : ids) {
    const AVCodecDescriptor* d = avcodec_descriptor_get(id);
    if (!d || d->type != AVMEDIA_TYPE_AUDIO || av_get_bits_per_sample(id) <= 0) continue;
    std::fprintf(f, "    {\"%s\", %d},\n", d->name, av_get_bits_per_sample(id));
    ++bits;
  }
  // lpcm's codecs (ff_mov_get_lpcm_codec_id) are not all in the tables: every PCM codec.
  for (const AVCodecDescriptor* d = avcodec_descriptor_next(nullptr); d; d = avcodec_descriptor_next(d)) {
    if (d->type != AVMEDIA_TYPE_AUDIO || std::strncmp(d->name, "pcm_", 4) != 0 || av_get_bits_per_sample(d->id) <= 0)
      continue;
    if (std::find(ids.begin(), ids.end(), d->id) != ids.end()) continue;
    std::fprintf(f, "    {\"%s\", %d},\n", d->name, av_get_bits_per_sample(d->id));
    ++bits;
  }
  std::fprintf(f, "};\nconst CodecBitsTable kBitsPerSample{kBitsPerSampleRows, %zu};\n\n", bits);
  std::fprintf(f, "const char* const kIntraOnly[] = {\n");
  size_t intra = 0;
  for (AVCodecID id : ids) {
    const AVCodecDescriptor* d = avcodec_descriptor_get(id);
    if (!d || !(d->props & AV_CODEC_PROP_INTRA_ONLY)) continue;
    std::fprintf(f, "    \"%s\",\n", d->name);
    ++intra;
  }
  std::fprintf(f, "};\nconst size_t kIntraOnlyCount = %zu;\n\n", intra);
  std::fprintf(f, "namespace names {\n");
  for (const Named& n : kNamedCodecs) std::fprintf(f, "const char %s[] = \"%s\";\n", n.constant, codec_name(n.id));
  std::fprintf(f, "}  // namespace names\n\n}  // namespace mp4kit::codec_tags\n");
  if (std::fclose(f) != 0 || std::rename(tmp.c_str(), argv[1]) != 0) {
    std::fprintf(stderr, "gen_codec_tags: cannot write %s: %s\n", argv[1], std::strerror(errno));
    return 1;
  }
  return 0;
}
