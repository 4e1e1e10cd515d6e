#include "mp4/key_flags.h"

#include <algorithm>

#include "codec/key_frame.h"
#include "codec/nal.h"
#include "mp4/codec_info.h"
#include "mp4/codec_tags.h"

namespace mp4kit {
namespace {

enum class Parser { kNone, kH264, kVp9, kAv1 };

Parser parser_of(const CodecInfo& ci) {
  namespace nm = codec_tags::names;
  if (ci.type != MediaType::kVideo) return Parser::kNone;
  if (ci.codec_name == nm::kH264) return Parser::kH264;
  if (ci.codec_name == nm::kVp9) return Parser::kVp9;
  if (ci.codec_name == nm::kAv1) return Parser::kAv1;
  return Parser::kNone;
}

}  // namespace

Result<std::vector<std::vector<uint32_t>>> parser_key_clears(const Movie& movie, const std::vector<StreamTimeline>& timelines) {
  std::vector<std::vector<uint32_t>> clears(timelines.size());
  if (!movie.source) return clears;
  for (size_t ti = 0; ti < movie.tracks.size() && ti < timelines.size(); ++ti) {
    const Track& t = movie.tracks[ti];
    const Parser parser = parser_of(codec_info_of(t));
    if (parser == Parser::kNone) continue;
    const uint64_t prefix = parser == Parser::kH264 ? 64 * 1024 : parser == Parser::kAv1 ? 4096 : 16;
    const auto& packets = timelines[ti].packets;
    for (size_t k = 0; k < packets.size(); ++k) {
      const Packet& p = packets[k];
      if (!p.key || !p.size || p.pos >= movie.file_size) continue;
      const size_t sdi = p.sample_description_index >= 1 && p.sample_description_index <= t.sample_entries.size()
                             ? p.sample_description_index - 1
                             : 0;
      if (t.sample_entries.empty()) break;
      const SampleEntry& e = t.sample_entries[sdi];
      const uint64_t n = std::min<uint64_t>({p.size, prefix, movie.file_size - p.pos});
      auto bytes = movie.source->read(p.pos, n);
      if (!bytes.ok()) return bytes.error();
      const uint8_t* d = bytes->data();
      const uint64_t got = bytes->size();
      std::optional<bool> key;
      switch (parser) {
        case Parser::kH264: {
          const unsigned ls = codec::avc_nal_length_size(e.avcC.data, e.avcC.size);
          if (ls) key = codec::h264_parser_key_frame(d, got, p.size, ls);
          break;
        }
        case Parser::kVp9:
          key = codec::vp9_parser_key_frame(d, got);
          break;
        case Parser::kAv1: {
          // av1C (AV1-ISOBMFF § 2.3.3): 4 bytes of fields, then configOBUs.
          const bool has_obus = e.av1C.size > 4;
          key = codec::av1_parser_key_frame(d, got, has_obus ? e.av1C.data + 4 : nullptr, has_obus ? e.av1C.size - 4 : 0);
          break;
        }
        case Parser::kNone:
          break;
      }
      if (key == false) clears[ti].push_back(static_cast<uint32_t>(k));
    }
  }
  return clears;
}

Status apply_parser_key_flags(const Movie& movie, std::vector<StreamTimeline>& timelines) {
  auto clears = parser_key_clears(movie, timelines);
  if (!clears.ok()) return clears.error();
  for (size_t ti = 0; ti < clears->size(); ++ti)
    for (uint32_t k : (*clears)[ti]) timelines[ti].packets[k].key = false;
  return Ok{};
}

}  // namespace mp4kit
