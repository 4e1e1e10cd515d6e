// FFmpeg's codec tables for MP4/QuickTime sample entries, generated at build time from the
// FFmpeg mp4kit is built against (tools/gen_codec_tags.cpp writes the definitions into the
// build tree; they are never committed). Plain data: no FFmpeg library is linked or loaded.
//
// Thread rules: immutable static tables, safe from any thread.
#pragma once

#include <cstddef>
#include <cstdint>

#include "mp4kit/demuxer.h"

namespace mp4kit::codec_tags {

/// One row: a tag (a big-endian FourCC as mp4kit stores sample-entry types, or a small
/// number for objectTypeIndication / audioObjectType tables), the codec FFmpeg's lookup
/// returns for it (avcodec_get_name) and that codec's media type (its AVCodecDescriptor).
struct CodecTag {
  uint32_t tag;
  const char* codec_name;
  MediaType type;
};

/// A table in FFmpeg's order (the order decides which row a case-folded match finds).
struct CodecTagTable {
  const CodecTag* rows;
  size_t size;
};

/// The FFmpeg libraries the tables were generated from ("Lavf59.27.100 Lavc59.37.100").
extern const char kFFmpegVersions[];

extern const CodecTagTable kMovVideo;            ///< ff_codec_movvideo_tags
extern const CodecTagTable kMovAudio;            ///< ff_codec_movaudio_tags
extern const CodecTagTable kRiffVideo;           ///< ff_codec_bmp_tags
extern const CodecTagTable kRiffAudio;           ///< ff_codec_wav_tags (16-bit WAVE format tags)
extern const CodecTagTable kMovSubtitle;         ///< ff_codec_movsubtitle_tags
extern const CodecTagTable kMovData;             ///< ff_codec_movdata_tags
extern const CodecTagTable kMp4ObjectTypes;      ///< ff_mp4_obj_type: esds objectTypeIndication
extern const CodecTagTable kMp4AudioObjectTypes; ///< mp4_audio_types: AAC config object types

/// A profile name of a codec: AVCodecDescriptor::profiles (avcodec_profile_name()).
struct CodecProfile {
  const char* codec_name;
  int profile;       ///< FF_PROFILE_* value
  const char* name;  ///< "Simple Profile", "DTS", "High" ...
};
struct CodecProfileTable {
  const CodecProfile* rows;
  size_t size;
};
extern const CodecProfileTable kProfiles;

/// av_get_bits_per_sample() of an audio codec (PCM and other fixed-size codecs only).
struct CodecBits {
  const char* codec_name;
  int bits;
};
struct CodecBitsTable {
  const CodecBits* rows;
  size_t size;
};
extern const CodecBitsTable kBitsPerSample;

/// avcodec_profile_name(codec, profile); nullptr when the codec has no such profile.
const char* profile_name(const char* codec_name, int profile);

/// av_get_bits_per_sample() of the codec named `codec_name`; 0 when it has none.
int bits_per_sample(const char* codec_name);

/// Names of the codecs (of the tables above) whose descriptor has AV_CODEC_PROP_INTRA_ONLY.
extern const char* const kIntraOnly[];
extern const size_t kIntraOnlyCount;

/// True when `codec_name` is in kIntraOnly.
bool intra_only(const char* codec_name);

/// FFmpeg's ff_codec_get_id(): the first row whose tag equals `tag`, else the first whose
/// tag equals it with each byte upper-cased (avpriv_toupper4); nullptr when none does.
const CodecTag* find(const CodecTagTable& table, uint32_t tag);

/// Names of codecs that mov.c assigns outside the tables (chapters, QuickTime sound
/// description special cases ...), as this libavcodec spells them.
namespace names {
extern const char kBinData[], kAac[], kMp3[], kMp2[], kMp1[], kTrueHd[], kMlp[], kAlac[], kAc3[], kEac3[], kDts[],
    kMpeg4[], kH264[], kHevc[], kAv1[], kVp9[], kProres[], kDvdSubtitle[], kEia608[], kMovText[], kRawVideo[],
    kPcmU8[], kWebvtt[], kTtml[], kMp4Als[], kOpus[], kFlac[], kQcelp[], kAmrNb[], kAmrWb[];
}  // namespace names

}  // namespace mp4kit::codec_tags
