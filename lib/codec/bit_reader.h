// A bounded MSB-first bit reader for codec headers (H.264/HEVC parameter sets, AV1 OBUs)
// and the removal of H.264/HEVC emulation-prevention bytes.
//
// Reading past the end never touches memory outside the buffer: it yields zero bits and
// sets overread(), so a parser reads on and checks once. Exp-Golomb codes longer than 32
// bits (impossible in a valid stream) also set overread() and yield UINT32_MAX.
// Thread rules: a BitReader is a plain value; the bytes it reads must outlive it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace mp4kit::codec {

class BitReader {
 public:
  BitReader(const uint8_t* data, size_t size) : data_(data), bits_(uint64_t(size) * 8) {}

  /// The next `n` bits (0 <= n <= 32) as an unsigned number.
  uint32_t u(unsigned n) {
    uint32_t v = 0;
    for (unsigned i = 0; i < n; ++i) v = (v << 1) | bit();
    return v;
  }
  bool flag() { return bit() != 0; }
  void skip(uint64_t n) {
    if (n > bits_ - pos_) { pos_ = bits_; over_ = true; return; }
    pos_ += n;
  }
  /// ue(v) (H.264 § 9.1): unsigned Exp-Golomb.
  uint32_t ue() {
    unsigned zeros = 0;
    while (!bit()) {
      if (over_ || ++zeros > 31) { over_ = true; return UINT32_MAX; }
    }
    return static_cast<uint32_t>(((uint64_t(1) << zeros) - 1) + u(zeros));
  }
  /// se(v) (H.264 § 9.1.1): signed Exp-Golomb.
  int32_t se() {
    uint32_t k = ue();
    if (k == UINT32_MAX) return 0;
    return (k & 1) ? static_cast<int32_t>((k + 1) / 2) : -static_cast<int32_t>(k / 2);
  }
  /// leb128() (AV1 § 4.10.5), at most 8 bytes.
  uint64_t leb128() {
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) {
      uint32_t b = u(8);
      v |= uint64_t(b & 0x7F) << (i * 7);
      if (!(b & 0x80)) break;
    }
    return v;
  }
  bool overread() const { return over_; }
  uint64_t bits_left() const { return bits_ - pos_; }
  uint64_t position() const { return pos_; }

 private:
  uint32_t bit() {
    if (pos_ >= bits_) { over_ = true; return 0; }
    uint32_t b = (data_[pos_ >> 3] >> (7 - (pos_ & 7))) & 1;
    ++pos_;
    return b;
  }
  const uint8_t* data_;
  uint64_t bits_;
  uint64_t pos_ = 0;
  bool over_ = false;
};

/// The RBSP of a NAL unit payload: `data` with every emulation_prevention_three_byte
/// (0x000003 -> 0x0000, H.264 § 7.4.1) removed, at most `max_bytes` bytes of output.
std::vector<uint8_t> unescape_rbsp(const uint8_t* data, size_t size, size_t max_bytes = 4096);

}  // namespace mp4kit::codec
