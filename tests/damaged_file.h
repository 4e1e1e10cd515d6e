// Damaged variants of a real file, systematically: a box walker that is independent of
// lib/mp4 (the oracle must not share the parser's mistakes) and the mutations of issue 6:
//  - truncation at every box start, inside every box header, in the middle of every box
//    and at every box end;
//  - every box's 32-bit size field set to 0, 1, 7, 8, parent size + 1 and 0xFFFFFFFF;
//  - the entry counts of stts, ctts, stss, stsz/stz2 (sample_count), stsc, stco/co64,
//    elst and trun set to 0, 2^31 and 2^32-1.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mp4kit::test {

struct WalkedBox {
  std::string path;        ///< "moov/trak/mdia/..." (types joined by '/')
  uint32_t type = 0;
  uint64_t offset = 0;     ///< absolute offset of the size field
  uint64_t header_size = 8;
  uint64_t size = 0;       ///< whole box
  uint64_t parent_size = 0;  ///< size of the enclosing box (the file size at top level)
};

namespace walk_detail {

inline uint64_t be(const std::vector<uint8_t>& b, uint64_t at, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; ++i) v = (v << 8) | b[at + i];
  return v;
}

inline uint32_t fcc(const char* s) {
  return (uint32_t(uint8_t(s[0])) << 24) | (uint32_t(uint8_t(s[1])) << 16) | (uint32_t(uint8_t(s[2])) << 8) | uint8_t(s[3]);
}

inline std::string name(uint32_t t) {
  std::string s;
  for (int sh = 24; sh >= 0; sh -= 8) {
    char c = char((t >> sh) & 0xFF);
    s += (c >= 32 && c < 127) ? c : '?';
  }
  return s;
}

inline bool is_container(uint32_t t) {
  for (const char* c : {"moov", "trak", "edts", "mdia", "minf", "dinf", "stbl", "mvex", "moof", "traf", "mfra", "udta",
                        "sinf", "schi", "wave", "tref", "gmhd", "ilst"})
    if (t == fcc(c)) return true;
  return false;
}

// True when [begin, end) is exactly tiled by well-formed boxes.
inline bool tiles(const std::vector<uint8_t>& b, uint64_t begin, uint64_t end) {
  if (begin == end) return true;
  uint64_t p = begin;
  while (p + 8 <= end) {
    uint64_t s = be(b, p, 4);
    if (s < 8 || s > end - p) return false;
    p += s;
  }
  return p == end;
}

inline void walk(const std::vector<uint8_t>& b, uint64_t begin, uint64_t end, const std::string& parent_path,
                 uint32_t parent_type, uint64_t parent_size, int depth, std::vector<WalkedBox>& out) {
  uint64_t p = begin;
  while (p + 8 <= end && depth < 16) {
    WalkedBox box;
    box.offset = p;
    box.type = uint32_t(be(b, p + 4, 4));
    box.size = be(b, p, 4);
    box.parent_size = parent_size;
    if (box.size == 1 && p + 16 <= end) {
      box.size = be(b, p + 8, 8);
      box.header_size = 16;
    } else if (box.size == 0) {
      box.size = end - p;
    }
    if (box.size < box.header_size || box.size > end - p) return;  // the input itself is damaged here
    box.path = parent_path.empty() ? name(box.type) : parent_path + "/" + name(box.type);
    out.push_back(box);
    const uint64_t payload = p + box.header_size, box_end = p + box.size;
    if (is_container(box.type)) {
      walk(b, payload, box_end, box.path, box.type, box.size, depth + 1, out);
    } else if (box.type == fcc("meta")) {
      // ISO FullBox 'meta' (version/flags first) or QuickTime's plain container.
      uint64_t skip = tiles(b, payload, box_end) ? 0 : 4;
      walk(b, payload + skip, box_end, box.path, box.type, box.size, depth + 1, out);
    } else if (box.type == fcc("stsd") && box.size >= box.header_size + 8) {
      walk(b, payload + 8, box_end, box.path, box.type, box.size, depth + 1, out);
    } else if (parent_type == fcc("stsd")) {
      // A sample entry: child boxes follow a fixed part of 78 bytes (visual, § 12.1.3) or
      // 28/44/64 (audio, § 12.2.3 and QuickTime sound description v1/v2), counted from the
      // end of the header; take the first that the rest of the entry tiles exactly.
      for (uint64_t fixed : {78u, 28u, 44u, 64u}) {
        if (box.size >= box.header_size + fixed && tiles(b, payload + fixed, box_end)) {
          walk(b, payload + fixed, box_end, box.path, box.type, box.size, depth + 1, out);
          break;
        }
      }
    }
    p = box_end;
  }
}

}  // namespace walk_detail

/// Every box of `bytes` that the walker can reach, in file order.
inline std::vector<WalkedBox> walk_boxes(const std::vector<uint8_t>& bytes) {
  std::vector<WalkedBox> out;
  walk_detail::walk(bytes, 0, bytes.size(), "", 0, bytes.size(), 0, out);
  return out;
}

struct Mutation {
  enum Kind { kTruncate, kSize, kCount } kind = kTruncate;
  uint64_t offset = 0;  ///< truncation length, or where the 32-bit value is written
  uint32_t value = 0;
  std::string what;     ///< "truncate at 1234 (mid moov/trak)", "moov/trak size=0", ...

  std::vector<uint8_t> apply(const std::vector<uint8_t>& in) const {
    if (kind == kTruncate) return {in.begin(), in.begin() + long(offset)};
    std::vector<uint8_t> out = in;
    for (int i = 0; i < 4; ++i) out[offset + i] = uint8_t(value >> (24 - 8 * i));
    return out;
  }
};

/// All mutations of issue 6 for a file whose boxes are `boxes`.
inline std::vector<Mutation> mutations(const std::vector<uint8_t>& bytes, const std::vector<WalkedBox>& boxes) {
  using walk_detail::fcc;
  std::vector<Mutation> out;
  std::vector<bool> cut(bytes.size() + 1, false);
  auto truncate = [&](uint64_t at, const std::string& why) {
    if (at == 0 || at >= bytes.size() || cut[at]) return;
    cut[at] = true;
    out.push_back({Mutation::kTruncate, at, 0, "truncate to " + std::to_string(at) + " bytes (" + why + ")"});
  };
  for (const WalkedBox& b : boxes) {
    truncate(b.offset, "start of " + b.path);
    truncate(b.offset + b.header_size / 2, "inside the header of " + b.path);
    truncate(b.offset + b.size / 2, "middle of " + b.path);
    truncate(b.offset + b.size, "end of " + b.path);
  }
  for (const WalkedBox& b : boxes) {
    const uint64_t parent_plus_1 = b.parent_size + 1 > 0xFFFFFFFFull ? 0xFFFFFFFFull : b.parent_size + 1;
    for (uint64_t v : {uint64_t(0), uint64_t(1), uint64_t(7), uint64_t(8), parent_plus_1, uint64_t(0xFFFFFFFF)}) {
      out.push_back({Mutation::kSize, b.offset, uint32_t(v), b.path + " at " + std::to_string(b.offset) + ": size=" + std::to_string(v)});
    }
  }
  for (const WalkedBox& b : boxes) {
    uint64_t field = 0;  // offset of the count within the payload
    if (b.type == fcc("stts") || b.type == fcc("ctts") || b.type == fcc("stss") || b.type == fcc("stsc") ||
        b.type == fcc("stco") || b.type == fcc("co64") || b.type == fcc("elst") || b.type == fcc("trun"))
      field = 4;  // after version and flags
    else if (b.type == fcc("stsz") || b.type == fcc("stz2"))
      field = 8;  // sample_count, after version/flags and sample_size (or reserved + field_size)
    else
      continue;
    const uint64_t at = b.offset + b.header_size + field;
    if (at + 4 > b.offset + b.size) continue;
    for (uint32_t v : {0u, 0x80000000u, 0xFFFFFFFFu}) {
      out.push_back({Mutation::kCount, at, v, b.path + " at " + std::to_string(b.offset) + ": count=" + std::to_string(v)});
    }
  }
  return out;
}

}  // namespace mp4kit::test
