// Bounded big-endian reader over a box payload (ISO/IEC 14496-12:2022 § 4.2).
//
// A BoxReader sees `size` bytes starting at absolute file offset `file_offset`. It never
// reads outside them: a read that does not fit returns 0 and sets the sticky `failed()`
// flag, and `need()` reports the shortfall as an Error with the box path and offset. Child
// readers are clamped to min(remaining, box size), so a child never escapes its parent.
//
// A reader parses bytes that are already in memory: the payload of one box, read through
// a ByteSource into a Buffer (include/mp4kit/byte_source.h). The top-level walk reads box
// headers through the source one at a time (parse_box_header), so no code here needs the
// whole file to be addressable.
//
// Lifetime: the reader holds a raw pointer into a Buffer (or any memory); the Buffer must
// outlive the reader and every span it hands out.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "mp4/fourcc.h"
#include "mp4kit/error.h"

namespace mp4kit {

/// A box header as read from the file.
struct BoxHeader {
  FourCC type = 0;
  uint64_t offset = 0;       ///< absolute file offset of the first header byte
  uint32_t header_size = 0;  ///< 8, 16 (largesize), +16 for 'uuid' usertype
  uint64_t size = 0;         ///< whole box in bytes, header included (resolved for size==0)
  bool extends_to_eof = false;  ///< size field was 0 (§ 4.2: box extends to end of file)
  bool truncated = false;       ///< declared size ran past the parent/file; size was clamped
  std::array<uint8_t, 16> usertype{};  ///< for 'uuid' boxes

  uint64_t payload_offset() const { return offset + header_size; }
  uint64_t payload_size() const { return size - header_size; }
  uint64_t end() const { return offset + size; }
};

/// Largest box header in bytes: 16 (size 1 + largesize) + 16 ('uuid' usertype).
constexpr uint64_t kMaxBoxHeaderSize = 32;

/// Parses and validates the box header at `p`, absolute file offset `offset`, inside a
/// parent (or file) with `avail` bytes left from `offset` on; `p` must hold at least
/// min(avail, kMaxBoxHeaderSize) readable bytes. Errors (kMalformed) name `path` ("" =
/// the file) and the offset; `allow_to_eof` and `clamp_truncated` as for
/// BoxReader::next_header(), which calls this.
Result<BoxHeader> parse_box_header(const uint8_t* p, uint64_t offset, uint64_t avail, std::string_view path,
                                   bool allow_to_eof, bool clamp_truncated);

/// A view of bytes in the file: pointer, length and absolute offset. Does not own: it
/// points into a Buffer that someone else holds (for a Movie: Movie::buffers).
struct ByteSpan {
  const uint8_t* data = nullptr;
  uint64_t size = 0;
  uint64_t offset = 0;  ///< absolute file offset of data[0]
  bool empty() const { return size == 0; }
};

class BoxReader {
 public:
  BoxReader() = default;
  BoxReader(const uint8_t* data, uint64_t size, uint64_t file_offset, std::string path)
      : data_(data), size_(size), base_offset_(file_offset), path_(std::move(path)) {}

  const std::string& path() const { return path_; }
  uint64_t size() const { return size_; }
  uint64_t remaining() const { return size_ - pos_; }
  uint64_t tell() const { return base_offset_ + pos_; }  ///< absolute file offset of cursor
  uint64_t base_offset() const { return base_offset_; }
  bool at_end() const { return pos_ >= size_; }
  bool failed() const { return failed_; }
  const uint8_t* cursor() const { return data_ + pos_; }

  /// Ok when at least `n` bytes remain; otherwise an Error naming `what` and the shortfall.
  Status need(uint64_t n, std::string_view what) const;
  /// Checks `count * entry_size` (overflow-safe) against the bytes left before a table is
  /// used. `what` names the count field, e.g. "entry_count".
  Status need_table(uint64_t count, uint64_t entry_size, std::string_view what) const;

  uint8_t u8();
  uint16_t u16();
  uint32_t u24();
  uint32_t u32();
  uint64_t u64();
  int16_t i16() { return static_cast<int16_t>(u16()); }
  int32_t i32() { return static_cast<int32_t>(u32()); }
  int64_t i64() { return static_cast<int64_t>(u64()); }
  FourCC fourcc() { return u32(); }
  /// Reads version (8 bits) and flags (24 bits) of a FullBox (§ 4.2.2).
  void full_box(uint8_t& version, uint32_t& flags) {
    version = u8();
    flags = u24();
  }
  void skip(uint64_t n);
  /// The next `n` bytes as a span (clamped; sets failed() when short) and advances.
  ByteSpan bytes(uint64_t n);
  /// Everything left as a span and advances to the end.
  ByteSpan rest() { return bytes(remaining()); }

  /// Reads the header of the next child box at the cursor and validates it: a size smaller
  /// than its header, or one that runs past this reader, is an error (kMalformed) naming
  /// the child path and offset. `allow_to_eof` accepts size==0 (only valid at top level).
  /// When `clamp_truncated` is true, a box whose payload runs past the end is clamped and
  /// flagged `truncated` instead of failing (used for a top-level 'mdat' cut short).
  Result<BoxHeader> next_header(bool allow_to_eof = false, bool clamp_truncated = false);
  /// A reader clamped to `h`'s payload; `name` is appended to the path ("trak[1]").
  BoxReader child(const BoxHeader& h, std::string_view name) const;
  /// Moves the cursor to the end of box `h` (which must have come from next_header()).
  void skip_box(const BoxHeader& h) { seek_abs(h.end()); }
  void seek_abs(uint64_t abs_offset);

  /// An Error at the cursor (or `at`) with this reader's path.
  Error error(std::string message, ErrorCode code = ErrorCode::kMalformed) const;
  Error error_at(uint64_t abs_offset, std::string message, ErrorCode code = ErrorCode::kMalformed) const;

 private:
  /// The next `n` (1..8) bytes as a big-endian number; 0 and failed() when fewer remain.
  uint64_t take_be(unsigned n);

  const uint8_t* data_ = nullptr;
  uint64_t size_ = 0;
  uint64_t pos_ = 0;
  uint64_t base_offset_ = 0;
  bool failed_ = false;
  std::string path_;
};

/// Upper-case hex without prefix, for offsets in messages ("0DA3F2").
std::string fmt_hex(uint64_t v);

/// Big-endian loads for table views (no bounds checks: callers validated the table size).
inline uint32_t load_be32(const uint8_t* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}
inline uint16_t load_be16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }
inline uint64_t load_be64(const uint8_t* p) { return (uint64_t(load_be32(p)) << 32) | load_be32(p + 4); }

}  // namespace mp4kit
