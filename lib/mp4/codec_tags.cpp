#include "mp4/codec_tags.h"

#include <cstring>

namespace mp4kit::codec_tags {
namespace {

uint32_t toupper4(uint32_t x) {
  uint32_t out = 0;
  for (int shift = 24; shift >= 0; shift -= 8) {
    uint32_t c = (x >> shift) & 0xFF;
    if (c >= 'a' && c <= 'z') c -= 'a' - 'A';
    out |= c << shift;
  }
  return out;
}

}  // namespace

// libavformat/utils.c ff_codec_get_id(): exact match first, then a case-insensitive one.
const CodecTag* find(const CodecTagTable& table, uint32_t tag) {
  for (size_t i = 0; i < table.size; ++i)
    if (table.rows[i].tag == tag) return &table.rows[i];
  for (size_t i = 0; i < table.size; ++i)
    if (toupper4(table.rows[i].tag) == toupper4(tag)) return &table.rows[i];
  return nullptr;
}

const char* profile_name(const char* codec_name, int profile) {
  for (size_t i = 0; i < kProfiles.size; ++i)
    if (kProfiles.rows[i].profile == profile && std::strcmp(kProfiles.rows[i].codec_name, codec_name) == 0)
      return kProfiles.rows[i].name;
  return nullptr;
}

bool intra_only(const char* codec_name) {
  for (size_t i = 0; i < kIntraOnlyCount; ++i)
    if (std::strcmp(kIntraOnly[i], codec_name) == 0) return true;
  return false;
}

int bits_per_sample(const char* codec_name) {
  for (size_t i = 0; i < kBitsPerSample.size; ++i)
    if (std::strcmp(kBitsPerSample.rows[i].codec_name, codec_name) == 0) return kBitsPerSample.rows[i].bits;
  return 0;
}

}  // namespace mp4kit::codec_tags
