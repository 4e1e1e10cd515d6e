#include "mp4/box_reader.h"

#include <cstdio>

namespace mp4kit {

std::string fourcc_to_string(FourCC code) {
  std::string out;
  for (int shift = 24; shift >= 0; shift -= 8) {
    unsigned char c = static_cast<unsigned char>((code >> shift) & 0xFF);
    // Same convention as FFmpeg's av_fourcc2str: printable ASCII as is, else "[N]".
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
        c == '.' || c == ' ' || c == '-' || c == '_') {
      out.push_back(static_cast<char>(c));
    } else {
      out += "[" + std::to_string(c) + "]";
    }
  }
  return out;
}

std::string fmt_hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%llX", static_cast<unsigned long long>(v));
  return buf;
}

Status BoxReader::need(uint64_t n, std::string_view what) const {
  if (remaining() >= n) return Ok{};
  return error(std::string(what) + " needs " + std::to_string(n) + " bytes, box has " +
               std::to_string(remaining()) + " left");
}

Status BoxReader::need_table(uint64_t count, uint64_t entry_size, std::string_view what) const {
  uint64_t bytes = 0;
  if (__builtin_mul_overflow(count, entry_size, &bytes) || bytes > remaining()) {
    char buf[160];
    std::snprintf(buf, sizeof buf, " %llu needs %llu x %llu bytes, box has %llu",
                  static_cast<unsigned long long>(count), static_cast<unsigned long long>(count),
                  static_cast<unsigned long long>(entry_size), static_cast<unsigned long long>(remaining()));
    return error(std::string(what) + buf);
  }
  return Ok{};
}

uint64_t BoxReader::take_be(unsigned n) {
  if (remaining() < n) { failed_ = true; pos_ = size_; return 0; }
  uint64_t v = 0;
  for (unsigned k = 0; k < n; ++k) v = (v << 8) | data_[pos_ + k];
  pos_ += n;
  return v;
}
uint8_t BoxReader::u8() { return static_cast<uint8_t>(take_be(1)); }
uint16_t BoxReader::u16() { return static_cast<uint16_t>(take_be(2)); }
uint32_t BoxReader::u24() { return static_cast<uint32_t>(take_be(3)); }
uint32_t BoxReader::u32() { return static_cast<uint32_t>(take_be(4)); }
uint64_t BoxReader::u64() { return take_be(8); }
void BoxReader::skip(uint64_t n) {
  if (remaining() < n) { failed_ = true; pos_ = size_; return; }
  pos_ += n;
}
ByteSpan BoxReader::bytes(uint64_t n) {
  if (remaining() < n) { failed_ = true; n = remaining(); }
  ByteSpan s{data_ + pos_, n, base_offset_ + pos_};
  pos_ += n;
  return s;
}
void BoxReader::seek_abs(uint64_t abs_offset) {
  if (abs_offset < base_offset_) { pos_ = 0; return; }
  uint64_t rel = abs_offset - base_offset_;
  pos_ = rel > size_ ? size_ : rel;
}

Result<BoxHeader> parse_box_header(const uint8_t* p, uint64_t offset, uint64_t avail, std::string_view path,
                                   bool allow_to_eof, bool clamp_truncated) {
  const auto error_at = [&](std::string message) {
    return Error{ErrorCode::kMalformed, path.empty() ? std::string("file") : std::string(path), offset, std::move(message)};
  };
  BoxHeader h;
  h.offset = offset;
  if (avail < 8) {
    return error_at("box header needs 8 bytes, " + std::to_string(avail) + " left");
  }
  uint64_t size = load_be32(p);
  h.type = load_be32(p + 4);
  h.header_size = 8;
  if (size == 1) {  // § 4.2: largesize follows the type
    if (avail < 16) {
      return error_at(fourcc_to_string(h.type) + " largesize header needs 16 bytes, " + std::to_string(avail) + " left");
    }
    size = load_be64(p + 8);
    h.header_size = 16;
  } else if (size == 0) {  // § 4.2: box extends to the end of the file
    if (!allow_to_eof) {
      return error_at(fourcc_to_string(h.type) + " has size 0 (to end of file), only allowed at top level");
    }
    h.extends_to_eof = true;
    size = avail;
  }
  if (h.type == box::uuid) {
    if (avail < uint64_t(h.header_size) + 16) {
      return error_at("uuid box header needs " + std::to_string(h.header_size + 16) + " bytes");
    }
    for (int i = 0; i < 16; ++i) h.usertype[i] = p[h.header_size + i];
    h.header_size += 16;
  }
  if (size < h.header_size) {
    return error_at(fourcc_to_string(h.type) + " size " + std::to_string(size) + " is smaller than its " +
                    std::to_string(h.header_size) + "-byte header");
  }
  if (size > avail) {
    if (!clamp_truncated) {
      std::string where = path.empty() ? "the file" : std::string(path);
      return error_at(fourcc_to_string(h.type) + " size " + std::to_string(size) + " runs past " + where + " (" +
                      std::to_string(avail) + " bytes left)");
    }
    h.truncated = true;
    size = avail;
  }
  h.size = size;
  return h;
}

Result<BoxHeader> BoxReader::next_header(bool allow_to_eof, bool clamp_truncated) {
  return parse_box_header(data_ + pos_, tell(), remaining(), path_, allow_to_eof, clamp_truncated);
}

BoxReader BoxReader::child(const BoxHeader& h, std::string_view name) const {
  uint64_t rel = h.payload_offset() - base_offset_;
  uint64_t len = h.payload_size();
  if (rel > size_) rel = size_;
  if (len > size_ - rel) len = size_ - rel;
  std::string p = path_.empty() ? std::string(name) : path_ + "/" + std::string(name);
  return BoxReader(data_ + rel, len, base_offset_ + rel, std::move(p));
}

Error BoxReader::error(std::string message, ErrorCode code) const {
  return Error{code, path_.empty() ? std::string("file") : path_, tell(), std::move(message)};
}
Error BoxReader::error_at(uint64_t abs_offset, std::string message, ErrorCode code) const {
  return Error{code, path_.empty() ? std::string("file") : path_, abs_offset, std::move(message)};
}

}  // namespace mp4kit
