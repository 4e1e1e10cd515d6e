// Stream and format metadata with FFmpeg 5.1's rules (libavformat/mov.c): mov_read_ftyp,
// mov_read_mvhd / mov_read_mdhd + mov_metadata_creation_time, mov_read_hdlr,
// mov_parse_stsd_video / mov_parse_stsd_audio (vendor_id, encoder), mov_read_udta_string
// (QuickTime '©xxx' user data and iTunes 'ilst' items, with 'mdta' keys), mov_read_tkhd
// (default disposition) and mov_read_chapters (chapter pictures), and
// ff_mov_lang_to_iso639 (isom.c). Box layouts: ISO/IEC 14496-12 § 8.2.2, § 8.4.2,
// § 8.4.3, § 8.11.1; QuickTime File Format "Metadata" and "User data atoms".
#include "mp4/parse_metadata.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "mp4/box_reader.h"
#include "mp4/codec_info.h"
#include "mp4/fourcc.h"

namespace mp4kit {
namespace {

// Ordered dictionary with av_dict_set's behaviour: setting an existing key moves the
// last entry into its slot and appends the new value.
struct Dict {
  std::vector<Tag> tags;
  void set(const std::string& key, const std::string& value, bool dont_overwrite = false) {
    for (size_t i = 0; i < tags.size(); ++i) {
      if (tags[i].key != key) continue;
      if (dont_overwrite) return;
      tags[i] = tags.back();
      tags.pop_back();
      break;
    }
    tags.push_back({key, value});
  }
};

// Mac OS Roman 0x80..0xFF as Unicode (mov.c's mac_to_unicode).
constexpr uint16_t kMacRoman[128] = {
    0x00C4, 0x00C5, 0x00C7, 0x00C9, 0x00D1, 0x00D6, 0x00DC, 0x00E1, 0x00E0, 0x00E2, 0x00E4, 0x00E3, 0x00E5, 0x00E7, 0x00E9,
    0x00E8, 0x00EA, 0x00EB, 0x00ED, 0x00EC, 0x00EE, 0x00EF, 0x00F1, 0x00F3, 0x00F2, 0x00F4, 0x00F6, 0x00F5, 0x00FA, 0x00F9,
    0x00FB, 0x00FC, 0x2020, 0x00B0, 0x00A2, 0x00A3, 0x00A7, 0x2022, 0x00B6, 0x00DF, 0x00AE, 0x00A9, 0x2122, 0x00B4, 0x00A8,
    0x2260, 0x00C6, 0x00D8, 0x221E, 0x00B1, 0x2264, 0x2265, 0x00A5, 0x00B5, 0x2202, 0x2211, 0x220F, 0x03C0, 0x222B, 0x00AA,
    0x00BA, 0x03A9, 0x00E6, 0x00F8, 0x00BF, 0x00A1, 0x00AC, 0x221A, 0x0192, 0x2248, 0x2206, 0x00AB, 0x00BB, 0x2026, 0x00A0,
    0x00C0, 0x00C3, 0x00D5, 0x0152, 0x0153, 0x2013, 0x2014, 0x201C, 0x201D, 0x2018, 0x2019, 0x00F7, 0x25CA, 0x00FF, 0x0178,
    0x2044, 0x20AC, 0x2039, 0x203A, 0xFB01, 0xFB02, 0x2021, 0x00B7, 0x201A, 0x201E, 0x2030, 0x00C2, 0x00CA, 0x00C1, 0x00CB,
    0x00C8, 0x00CD, 0x00CE, 0x00CF, 0x00CC, 0x00D3, 0x00D4, 0xF8FF, 0x00D2, 0x00DA, 0x00DB, 0x00D9, 0x0131, 0x02C6, 0x02DC,
    0x00AF, 0x02D8, 0x02D9, 0x02DA, 0x00B8, 0x02DD, 0x02DB, 0x02C7};

void put_utf8(std::string& s, uint32_t cp) {
  if (cp < 0x80) {
    s += static_cast<char>(cp);
  } else if (cp < 0x800) {
    s += static_cast<char>(0xC0 | (cp >> 6));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    s += static_cast<char>(0xE0 | (cp >> 12));
    s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// mov_read_mac_string: Mac Roman to UTF-8; the C string ends at the first NUL.
std::string mac_string(const uint8_t* p, size_t n) {
  std::string s;
  for (size_t i = 0; i < n && p[i]; ++i) {
    if (p[i] < 0x80) s += static_cast<char>(p[i]);
    else put_utf8(s, kMacRoman[p[i] - 0x80]);
  }
  return s;
}

// Bytes as a C string (FFmpeg stores them NUL-terminated: the value ends at the first NUL).
std::string c_string(const uint8_t* p, size_t n) {
  size_t k = 0;
  while (k < n && p[k]) ++k;
  return std::string(reinterpret_cast<const char*>(p), k);
}

// ff_mov_lang_to_iso639 (isom.c): the packed ISO 639-2/T code, or a Macintosh language
// code. Only the Macintosh codes 0..17 are mapped here (mov_mdhd_language_map's first
// entries); others give no language, as for codes FFmpeg cannot map.
std::string lang_to_iso639(uint32_t code) {
  if (code >= 0x400 && code != 0x7FFF) {
    std::string s(3, ' ');
    for (int i = 2; i >= 0; --i) {
      s[i] = static_cast<char>(0x60 + (code & 0x1F));
      code >>= 5;
    }
    return s;
  }
  static constexpr const char* kMac[] = {"eng", "fra", "ger", "ita", "dut", "sve", "spa", "dan", "por",
                                         "nor", "heb", "jpn", "ara", "fin", "gre", "ice", "mlt", "tur"};
  return code < std::size(kMac) ? kMac[code] : "";
}

// The four bytes of a FourCC as they are in the file.
std::string fourcc_bytes(FourCC f) {
  return {static_cast<char>(f >> 24), static_cast<char>((f >> 16) & 0xFF), static_cast<char>((f >> 8) & 0xFF),
          static_cast<char>(f & 0xFF)};
}

// The keys of mov_read_udta_string's table; `parse` names its special readers.
enum class Parse { kString, kRaw, kInt8, kInt8Padded, kTrackOrDisc };
struct UdtaKey {
  const char* key;
  Parse parse;
};

UdtaKey udta_key(FourCC t) {
  switch (t) {
    case fourcc("@PRM"): return {"premiere_version", Parse::kRaw};
    case fourcc("@PRQ"): return {"quicktime_version", Parse::kRaw};
    case fourcc("aART"): return {"album_artist", Parse::kString};
    case fourcc("akID"): return {"account_type", Parse::kInt8};
    case fourcc("apID"): return {"account_id", Parse::kString};
    case fourcc("catg"): return {"category", Parse::kString};
    case fourcc("cpil"): return {"compilation", Parse::kInt8};
    case fourcc("cprt"): return {"copyright", Parse::kString};
    case fourcc("desc"): return {"description", Parse::kString};
    case fourcc("disk"): return {"disc", Parse::kTrackOrDisc};
    case fourcc("egid"): return {"episode_uid", Parse::kInt8};
    case fourcc("FIRM"): return {"firmware", Parse::kRaw};
    case fourcc("hdvd"): return {"hd_video", Parse::kInt8};
    case fourcc("keyw"): return {"keywords", Parse::kString};
    case fourcc("ldes"): return {"synopsis", Parse::kString};
    case fourcc("manu"): return {"make", Parse::kString};
    case fourcc("modl"): return {"model", Parse::kString};
    case fourcc("pcst"): return {"podcast", Parse::kInt8};
    case fourcc("pgap"): return {"gapless_playback", Parse::kInt8};
    case fourcc("purd"): return {"purchase_date", Parse::kString};
    case fourcc("rtng"): return {"rating", Parse::kInt8};
    case fourcc("soaa"): return {"sort_album_artist", Parse::kString};
    case fourcc("soal"): return {"sort_album", Parse::kString};
    case fourcc("soar"): return {"sort_artist", Parse::kString};
    case fourcc("soco"): return {"sort_composer", Parse::kString};
    case fourcc("sonm"): return {"sort_name", Parse::kString};
    case fourcc("sosn"): return {"sort_show", Parse::kString};
    case fourcc("stik"): return {"media_type", Parse::kInt8};
    case fourcc("trkn"): return {"track", Parse::kTrackOrDisc};
    case fourcc("tven"): return {"episode_id", Parse::kString};
    case fourcc("tves"): return {"episode_sort", Parse::kInt8Padded};
    case fourcc("tvnn"): return {"network", Parse::kString};
    case fourcc("tvsh"): return {"show", Parse::kString};
    case fourcc("tvsn"): return {"season_number", Parse::kInt8Padded};
    case fourcc("\xA9" "ART"): return {"artist", Parse::kString};
    case fourcc("\xA9" "PRD"): return {"producer", Parse::kString};
    case fourcc("\xA9" "alb"): return {"album", Parse::kString};
    case fourcc("\xA9" "aut"): return {"artist", Parse::kString};
    case fourcc("\xA9" "chp"): return {"chapter", Parse::kString};
    case fourcc("\xA9" "cmt"): return {"comment", Parse::kString};
    case fourcc("\xA9" "com"): return {"composer", Parse::kString};
    case fourcc("\xA9" "cpy"): return {"copyright", Parse::kString};
    case fourcc("\xA9" "day"): return {"date", Parse::kString};
    case fourcc("\xA9" "dir"): return {"director", Parse::kString};
    case fourcc("\xA9" "dis"): return {"disclaimer", Parse::kString};
    case fourcc("\xA9" "ed1"): return {"edit_date", Parse::kString};
    case fourcc("\xA9" "enc"): return {"encoder", Parse::kString};
    case fourcc("\xA9" "fmt"): return {"original_format", Parse::kString};
    case fourcc("\xA9" "gen"): return {"genre", Parse::kString};
    case fourcc("\xA9" "grp"): return {"grouping", Parse::kString};
    case fourcc("\xA9" "hst"): return {"host_computer", Parse::kString};
    case fourcc("\xA9" "inf"): return {"comment", Parse::kString};
    case fourcc("\xA9" "lyr"): return {"lyrics", Parse::kString};
    case fourcc("\xA9" "mak"): return {"make", Parse::kString};
    case fourcc("\xA9" "mod"): return {"model", Parse::kString};
    case fourcc("\xA9" "nam"): return {"title", Parse::kString};
    case fourcc("\xA9" "ope"): return {"original_artist", Parse::kString};
    case fourcc("\xA9" "prd"): return {"producer", Parse::kString};
    case fourcc("\xA9" "prf"): return {"performers", Parse::kString};
    case fourcc("\xA9" "req"): return {"playback_requirements", Parse::kString};
    case fourcc("\xA9" "src"): return {"original_source", Parse::kString};
    case fourcc("\xA9" "st3"): return {"subtitle", Parse::kString};
    case fourcc("\xA9" "swr"): return {"encoder", Parse::kString};
    case fourcc("\xA9" "too"): return {"encoder", Parse::kString};
    case fourcc("\xA9" "trk"): return {"track", Parse::kString};
    case fourcc("\xA9" "url"): return {"URL", Parse::kString};
    case fourcc("\xA9" "wrn"): return {"warning", Parse::kString};
    case fourcc("\xA9" "wrt"): return {"composer", Parse::kString};
    case fourcc("\xA9" "xyz"): return {"location", Parse::kString};
    default: return {nullptr, Parse::kString};  // a key may still come from meta/keys
  }
}

struct MetaState {
  Dict& dict;
  bool itunes = false;       // inside ilst (c->itunes_metadata)
  bool hdlr_mdta = false;    // meta/hdlr handler 'mdta' (c->found_hdlr_mdta)
  std::vector<std::string> keys;  // meta/keys, 1-based as in the file (keys[0] unused)
};

// 'loci' (3GPP TS 26.244 § 8.10): mov_metadata_loci prints it like '©xyz':
// "+lat+long[+alt]/place", the 16.16 values divided in single precision.
void read_loci(const uint8_t* p, size_t size, MetaState& st) {
  if (size < 4 + 2 + 1 + 1 + 12) return;
  const std::string language = lang_to_iso639((uint32_t(p[4]) << 8) | p[5]);
  size_t pos = 6;
  std::string place;
  while (pos < size && p[pos]) place += static_cast<char>(p[pos++]);
  if (pos < size) ++pos;  // the NUL
  if (size - pos < 1 + 12) return;
  ++pos;  // role
  const auto fixed = [&](size_t at) { return static_cast<double>(static_cast<float>(static_cast<int32_t>(load_be32(p + at))) / float(1 << 16)); };
  const double longitude = fixed(pos), latitude = fixed(pos + 4), altitude = fixed(pos + 8);
  char buf[200];
  int n = std::snprintf(buf, sizeof buf, "%+08.4f%+09.4f", latitude, longitude);
  if (altitude != 0 && n > 0 && n < int(sizeof buf)) n += std::snprintf(buf + n, sizeof buf - size_t(n), "%+f", altitude);
  std::string value = std::string(buf) + "/" + place.substr(0, 99);
  if (!language.empty() && language != "und") st.dict.set("location-" + language, value);
  st.dict.set("location", value);
}

// One user-data / ilst item (mov_read_udta_string).
void read_udta_item(FourCC type, const uint8_t* p, size_t size, MetaState& st) {
  if (type == fourcc("loci") && !st.itunes) return read_loci(p, size, st);
  UdtaKey k = udta_key(type);
  std::string key = k.key ? k.key : "";
  Parse parse = k.parse;
  uint32_t data_type = 0, langcode = 0;
  std::string language;
  size_t str_size = size;
  if (st.itunes && size > 8) {
    const uint32_t data_size = load_be32(p);
    const FourCC tag = load_be32(p + 4);
    if (tag != fourcc("data") || data_size > size || data_size < 16) return;
    data_type = load_be32(p + 8);
    str_size = data_size - 16;
    p += 16;
    if (key.empty() && st.hdlr_mdta && !st.keys.empty()) {
      const uint32_t index = type;  // the item's type is the 1-based key index
      if (index > 0 && index < st.keys.size()) key = st.keys[index];
    }
    if (type == fourcc("covr")) return;  // cover art: an attached-picture stream (parse_movie.cpp)
  } else if (size > 4 && !key.empty() && !st.itunes && parse != Parse::kRaw) {
    const size_t n = (size_t(p[0]) << 8) | p[1];
    if (n <= size) {
      str_size = n;
      langcode = (uint32_t(p[2]) << 8) | p[3];
      language = lang_to_iso639(langcode);
      p += 4;
      if (str_size > size - 4) str_size = size - 4;
    }
  }
  if (key.empty()) return;
  auto u8 = [&](size_t i) -> int { return i < str_size ? p[i] : 0; };
  switch (parse) {
    case Parse::kInt8:  // mov_metadata_int8_no_padding
      if (str_size >= 1) st.dict.set(key, std::to_string(u8(0)));
      return;
    case Parse::kInt8Padded:  // mov_metadata_int8_bypass_padding
      if (str_size >= 4) st.dict.set(key, std::to_string(u8(3)));
      return;
    case Parse::kTrackOrDisc: {  // mov_metadata_track_or_disc_number
      if (str_size < 6) return;
      const int current = (u8(2) << 8) | u8(3);
      const int total = str_size >= 6 ? (u8(4) << 8) | u8(5) : 0;
      st.dict.set(key, total ? std::to_string(current) + "/" + std::to_string(total) : std::to_string(current));
      return;
    }
    default:
      break;
  }
  std::string value;
  const bool raw = parse == Parse::kRaw;
  if (!raw && (data_type == 3 || (data_type == 0 && (langcode < 0x400 || langcode == 0x7FFF)))) {
    value = mac_string(p, str_size);
  } else if (data_type == 21 || data_type == 22) {  // big-endian integer of 1..4 bytes
    uint32_t v = 0;
    for (size_t i = 0; i < str_size && i < 4; ++i) v = (v << 8) | p[i];
    if (str_size > 4) v = 0;
    if (data_type == 21) {
      int64_t sv = v;
      if (str_size >= 1 && str_size <= 4 && (v >> (str_size * 8 - 1)) & 1) sv = int64_t(v) - (int64_t(1) << (str_size * 8));
      value = std::to_string(sv);
    } else {
      value = std::to_string(v);
    }
  } else if (data_type == 23 && str_size >= 4) {  // big-endian float32, printed "%f"
    uint32_t bits = load_be32(p);
    float f;
    std::memcpy(&f, &bits, sizeof f);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%f", static_cast<double>(f));
    value = buf;
  } else if (data_type > 1 && data_type != 4) {
    return;  // a type FFmpeg does not turn into a string
  } else {
    value = c_string(p, str_size);
  }
  st.dict.set(key, value);
  if (!language.empty() && language != "und") st.dict.set(key + "-" + language, value);
}

void read_container(const uint8_t* p, size_t size, FourCC container, MetaState& st, int depth);

// mov_read_meta: skips to the 'hdlr' child (works for the ISO FullBox and the QuickTime
// plain container), then reads the children.
void read_meta(const uint8_t* p, size_t size, MetaState& st, int depth) {
  for (size_t off = 0; off + 8 <= size; off += 4) {
    if (load_be32(p + off + 4) == fourcc("hdlr")) {
      read_container(p + off, size - off, box::meta, st, depth + 1);
      return;
    }
  }
}

void read_container(const uint8_t* p, size_t size, FourCC container, MetaState& st, int depth) {
  if (depth > 8) return;
  size_t off = 0;
  while (size - off >= 8) {
    uint64_t box_size = load_be32(p + off);
    const FourCC type = load_be32(p + off + 4);
    size_t header = 8;
    if (box_size == 1) {
      if (size - off < 16) return;
      box_size = load_be64(p + off + 8);
      header = 16;
    } else if (box_size == 0) {
      box_size = size - off;
    }
    if (box_size < header || box_size > size - off) return;
    const uint8_t* payload = p + off + header;
    const size_t n = static_cast<size_t>(box_size - header);
    if (type == box::meta) {
      read_meta(payload, n, st, depth);
    } else if (type == fourcc("hdlr") && container == box::meta) {
      if (n >= 12 && load_be32(payload + 8) == fourcc("mdta")) st.hdlr_mdta = true;
    } else if (type == fourcc("keys") && container == box::meta) {
      // mov_read_keys: version/flags, entry_count, then (size, 'mdta', key) entries.
      if (n >= 8) {
        const uint32_t count = load_be32(payload + 4);
        st.keys.assign(1, "");
        size_t k = 8;
        for (uint32_t i = 0; i < count && n - k >= 8 && st.keys.size() < 4096; ++i) {
          const uint32_t ks = load_be32(payload + k);
          if (ks < 8 || ks > n - k) break;
          st.keys.push_back(std::string(reinterpret_cast<const char*>(payload + k + 8), ks - 8));
          k += ks;
        }
      }
    } else if (type == fourcc("ilst")) {
      const bool was = st.itunes;
      st.itunes = true;
      read_container(payload, n, type, st, depth + 1);
      st.itunes = was;
    } else if (container == box::udta || container == fourcc("ilst")) {
      read_udta_item(type, payload, n, st);
    }
    off += static_cast<size_t>(box_size);
  }
}

}  // namespace

std::string creation_time_string(uint64_t t) {
  if (t == 0) return "";
  if (t >= 2082844800ull) t -= 2082844800ull;  // 1904-01-01 -> 1970-01-01
  if (t > uint64_t(INT64_MAX) / 1000000) return "";
  const time_t secs = static_cast<time_t>(t);
  struct tm tm_buf;
  if (!gmtime_r(&secs, &tm_buf)) return "";
  char buf[48];
  if (!std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm_buf)) return "";
  return std::string(buf) + ".000000Z";
}

std::vector<Tag> format_tags_of(const Movie& m) {
  Dict d;
  if (m.has_ftyp) {  // mov_read_ftyp
    std::string major = fourcc_bytes(m.major_brand);
    d.set("major_brand", c_string(reinterpret_cast<const uint8_t*>(major.data()), major.size()));
    d.set("minor_version", std::to_string(m.minor_version));
    std::string brands;
    for (FourCC b : m.compatible_brands) brands += fourcc_bytes(b);
    d.set("compatible_brands", c_string(reinterpret_cast<const uint8_t*>(brands.data()), brands.size()));
  }
  if (std::string ct = creation_time_string(m.creation_time); !ct.empty()) d.set("creation_time", ct);
  // mov_read_udta_string writes trak/udta entries to the format's metadata too; FFmpeg
  // meets the boxes in file order.
  std::vector<std::pair<FourCC, ByteSpan>> boxes = m.metadata_boxes;
  for (const Track& t : m.tracks)
    if (t.udta.size) boxes.emplace_back(box::udta, t.udta);
  std::stable_sort(boxes.begin(), boxes.end(), [](const auto& a, const auto& b) { return a.second.offset < b.second.offset; });
  MetaState st{.dict = d, .keys = {}};
  for (const auto& [type, span] : boxes) {
    if (type == box::udta) read_container(span.data, span.size, box::udta, st, 0);
    else read_meta(span.data, span.size, st, 0);
  }
  return d.tags;
}

std::vector<Tag> stream_tags_of(const Movie& m, const Track& t) {
  Dict d;
  if (std::string ct = creation_time_string(t.creation_time); !ct.empty()) d.set("creation_time", ct);
  if (std::string lang = lang_to_iso639(t.mdhd_language_code); !lang.empty()) d.set("language", lang);
  // mov_read_hdlr: the name is a C string; outside ISO files (no ftyp, or major brand
  // 'qt  ') a leading byte equal to the remaining length is a Pascal length and skipped.
  if (t.hdlr_name.size && t.hdlr_name.data[0]) {
    const bool isom = m.has_ftyp && m.major_brand != fourcc("qt  ");
    const size_t off = !isom && t.hdlr_name.data[0] < 0x80 && t.hdlr_name.data[0] == t.hdlr_name.size - 1 ? 1 : 0;
    d.set("handler_name", c_string(t.hdlr_name.data + off, t.hdlr_name.size - off), true);
  }
  for (const SampleEntry& e : t.sample_entries) {
    const MediaType type = codec_info_of(t, e).type;
    if (type == MediaType::kVideo) {
      d.set("vendor_id", fourcc_to_string(e.vendor));  // av_fourcc2str
      const std::string enc = mac_string(reinterpret_cast<const uint8_t*>(e.compressor_name.data()), e.compressor_name.size());
      if (!enc.empty()) d.set("encoder", enc);
    } else if (type == MediaType::kAudio) {
      d.set("vendor_id", fourcc_to_string(e.vendor));  // av_fourcc2str
    }
  }
  return d.tags;
}

Disposition disposition_of(const Movie& m, const Track& t) {
  Disposition d;
  d.default_ = (t.tkhd.flags & 1) ? 1 : 0;  // track_enabled
  // mov_read_chapters: a video track named by another track's tref/chap holds chapter
  // pictures: attached_pic + timed_thumbnails.
  if (t.handler_type == handler::vide) {
    for (const Track& o : m.tracks)
      for (uint32_t id : o.tref_chap)
        if (id == t.tkhd.track_id) d.attached_pic = d.timed_thumbnails = 1;
  }
  return d;
}

}  // namespace mp4kit
