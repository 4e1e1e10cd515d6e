// A NumPy .npy writer (format version 1.0, numpy/lib/format.py): one C-order array whose
// first dimension grows as rows are appended (video: frames x H x W x C; audio later:
// samples x channels), streamed to an OutputFile so that nothing is held in memory.
//
// The header is written first with the first dimension 0 and room for any count (it is
// padded so that the data starts at a multiple of 64 bytes, as format.py writes it);
// finish() rewrites it in place with the real count (the temporary file is seekable), so
// numpy.load and numpy.load(mmap_mode='r') read it. Not for stdout: the count is only
// known at the end.
//
// Errors: kUsage a row of another size than the first (the message names both shapes);
// kIo from the output. Threads: one thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "mp4kit/error.h"
#include "output/output_file.h"

namespace mp4kit::output {

class NpyWriter {
 public:
  /// `descr` is the dtype as numpy spells it ("|u1", "<u2", "<f4", "<i2"); `item_size` its
  /// bytes; `row_shape` the dimensions after the first (H, W, C), each > 0.
  NpyWriter(std::unique_ptr<OutputFile> out, std::string descr, size_t item_size, std::vector<uint64_t> row_shape);

  /// Appends rows: `bytes` is a whole number of rows of row_shape (C order). The header
  /// goes out before the first row.
  Status append(const void* bytes, size_t size);
  /// The same in pieces (a frame row by row): write_part() the bytes, then count_rows()
  /// the rows they complete. Errors: kUsage when the pieces are not whole rows.
  Status write_part(const void* bytes, size_t size);
  Status count_rows(uint64_t rows);
  /// Patches the first dimension and commits the file.
  Status finish();

  uint64_t rows() const { return rows_; }
  size_t row_bytes() const { return row_bytes_; }
  const std::vector<uint64_t>& row_shape() const { return row_shape_; }
  OutputFile* output() { return out_.get(); }

  /// The header format.py writes for this dtype and shape (magic, version 1.0, length,
  /// the dict padded with spaces to `total` bytes including the final '\n').
  static std::string header(const std::string& descr, uint64_t first, const std::vector<uint64_t>& row_shape, size_t total);

 private:
  std::unique_ptr<OutputFile> out_;
  std::string descr_;
  std::vector<uint64_t> row_shape_;
  size_t row_bytes_ = 0;
  size_t header_size_ = 0;
  uint64_t rows_ = 0;
  uint64_t part_bytes_ = 0;  // written since the last count_rows
  bool started_ = false;
};

}  // namespace mp4kit::output
