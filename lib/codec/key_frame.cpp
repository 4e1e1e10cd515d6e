#include "codec/key_frame.h"

#include <algorithm>


namespace mp4kit::codec {
namespace {

// SEI messages of one H.264 SEI NAL unit (§ 7.3.2.3.1): payloadType and payloadSize are
// sums of 0xFF bytes plus a last byte. Emulation prevention bytes (00 00 03) are skipped
// while reading. True when one of them is a recovery point (payloadType 6).
bool sei_has_recovery_point(const uint8_t* nal, uint64_t size) {
  uint64_t i = 1;  // past the NAL unit header
  int zeros = 0;
  auto next = [&](uint32_t& out) -> bool {
    while (i < size) {
      const uint8_t b = nal[i++];
      if (zeros >= 2 && b == 3) {  // emulation_prevention_three_byte
        zeros = 0;
        continue;
      }
      zeros = b == 0 ? zeros + 1 : 0;
      out = b;
      return true;
    }
    return false;
  };
  for (;;) {
    uint32_t type = 0, len = 0, b = 0;
    do {
      if (!next(b)) return false;
      type += b;
    } while (b == 0xFF);
    if (type == 0x80 && b == 0x80) return false;  // rbsp_trailing_bits: no more messages
    do {
      if (!next(b)) return false;
      len += b;
    } while (b == 0xFF);
    if (type == 6) return true;
    for (uint32_t k = 0; k < len; ++k)
      if (!next(b)) return false;
  }
}

// Reads bits MSB first; reads past the end give zeros and set `bad`.
struct Bits {
  const uint8_t* p;
  uint64_t n;
  uint64_t pos = 0;
  bool bad = false;
  uint32_t get(int k) {
    uint32_t v = 0;
    for (int i = 0; i < k; ++i) {
      if (pos >= n * 8) {
        bad = true;
        return v << (k - i);
      }
      v = (v << 1) | ((p[pos >> 3] >> (7 - (pos & 7))) & 1);
      ++pos;
    }
    return v;
  }
};

// leb128() (AV1 § 4.10.5): at most 8 bytes.
bool leb128(const uint8_t* p, uint64_t n, uint64_t& i, uint64_t& value) {
  value = 0;
  for (int k = 0; k < 8; ++k) {
    if (i >= n) return false;
    const uint8_t b = p[i++];
    value |= uint64_t(b & 0x7F) << (7 * k);
    if (!(b & 0x80)) return true;
  }
  return false;
}

constexpr uint8_t kObuSequenceHeader = 1, kObuFrameHeader = 3, kObuFrame = 6;

// Walks OBUs (§ 5.3); calls f(type, payload, payload_size) until it returns false.
template <typename F>
void for_each_obu(const uint8_t* p, uint64_t n, F&& f) {
  uint64_t i = 0;
  while (i < n) {
    const uint8_t h = p[i++];
    const uint8_t type = (h >> 3) & 0xF;
    const bool ext = h & 4, has_size = h & 2;
    if (ext) ++i;
    uint64_t len = 0;
    if (has_size) {
      if (!leb128(p, n, i, len)) return;
    } else {
      len = i <= n ? n - i : 0;
    }
    if (i > n || len > n - i) return;
    if (!f(type, p + i, len)) return;
    i += len;
  }
}

// sequence_header_obu (§ 5.5.1): seq_profile(3) still_picture(1) reduced_still_picture_header(1).
std::optional<bool> reduced_still_picture_header(const uint8_t* p, uint64_t n) {
  std::optional<bool> out;
  for_each_obu(p, n, [&](uint8_t type, const uint8_t* payload, uint64_t len) {
    if (type != kObuSequenceHeader) return true;
    if (len >= 1) out = (payload[0] >> 3) & 1;
    return false;
  });
  return out;
}

}  // namespace

std::optional<bool> h264_parser_key_frame(const uint8_t* data, uint64_t available, uint64_t sample_size,
                                          unsigned nal_length_size) {
  if (nal_length_size < 1 || nal_length_size > 4 || available > sample_size) return std::nullopt;
  bool recovery = false;
  uint64_t i = 0;
  // Like for_each_nal, but lengths are checked against the whole sample while only its
  // first `available` bytes are at hand (h264_parser.c checks the packet it was given).
  while (i + nal_length_size <= sample_size) {
    if (i + nal_length_size >= available) return std::nullopt;  // the next header was not read
    uint64_t n = 0;
    for (unsigned k = 0; k < nal_length_size; ++k) n = (n << 8) | data[i + k];
    i += nal_length_size;
    if (n == 0 || n > sample_size - i) return false;  // "AVC-parser: nal size ... remaining": no slice met
    const uint64_t end = i + n;
    // ff_h2645_extract_rbsp stops at a start code inside a length-prefixed NAL unit, and
    // the parser then looks for further NAL units after start codes up to the length's
    // end (find_start_code): each piece is a NAL unit of its own.
    uint64_t unit = i;
    while (unit < end) {
      const uint8_t type = data[unit] & 0x1F;
      if (type == 5) return true;      // IDR slice: key_frame = 1
      if (type == 1) return recovery;  // a non-IDR slice ends the walk
      uint64_t next = unit + 1;
      while (next + 2 < end && !(data[next] == 0 && data[next + 1] == 0 && data[next + 2] == 1)) {
        if (next + 2 >= available) return std::nullopt;  // the rest of this unit was not read
        ++next;
      }
      const bool more = next + 2 < end;
      if (!more && end > available && type == 6) return std::nullopt;  // an SEI longer than what was read
      if (type == 6) recovery = recovery || sei_has_recovery_point(data + unit, (more ? next : std::min(end, available)) - unit);
      if (!more) break;
      unit = next + 3;
      if (unit >= available && unit < end) return std::nullopt;
    }
    i = end;
  }
  return false;
}

std::optional<bool> vp9_parser_key_frame(const uint8_t* data, uint64_t size) {
  if (!size) return std::nullopt;
  Bits b{data, size};
  b.get(2);  // frame_marker
  uint32_t profile = b.get(1);
  profile |= b.get(1) << 1;
  if (profile == 3) profile += b.get(1);
  if (profile > 3) return std::nullopt;
  if (b.get(1)) return false;  // show_existing_frame
  return b.get(1) == 0;        // frame_type: 0 = KEY_FRAME
}

std::optional<bool> av1_parser_key_frame(const uint8_t* data, uint64_t size, const uint8_t* config_obus,
                                         uint64_t config_size) {
  std::optional<bool> reduced = reduced_still_picture_header(data, size);
  if (!reduced && config_obus) reduced = reduced_still_picture_header(config_obus, config_size);
  std::optional<bool> key;
  for_each_obu(data, size, [&](uint8_t type, const uint8_t* payload, uint64_t len) {
    if (type != kObuFrameHeader && type != kObuFrame) return true;
    if (reduced.value_or(false)) {
      key = true;  // § 5.9.2: frame_type = KEY_FRAME, show_frame = 1
      return false;
    }
    Bits b{payload, len};
    const bool show_existing_frame = b.get(1);
    if (!show_existing_frame && !b.bad) key = b.get(2) == 0;
    return false;
  });
  return key;
}

}  // namespace mp4kit::codec
