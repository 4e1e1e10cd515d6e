#include "output/npy_writer.h"

#include <fmt/core.h>

namespace mp4kit::output {

NpyWriter::NpyWriter(std::unique_ptr<OutputFile> out, std::string descr, size_t item_size, std::vector<uint64_t> row_shape)
    : out_(std::move(out)), descr_(std::move(descr)), row_shape_(std::move(row_shape)) {
  row_bytes_ = item_size;
  for (uint64_t d : row_shape_) row_bytes_ *= d;
  // Room for a 20-digit first dimension: the largest header this array can need, rounded
  // up to the 64-byte alignment format.py keeps.
  const size_t longest = header(descr_, UINT64_MAX, row_shape_, 0).size();
  header_size_ = (longest + 63) / 64 * 64;
}

std::string NpyWriter::header(const std::string& descr, uint64_t first, const std::vector<uint64_t>& row_shape, size_t total) {
  std::string shape = fmt::format("({}", first);
  for (uint64_t d : row_shape) shape += fmt::format(", {}", d);
  if (row_shape.empty()) shape += ",";
  shape += ")";
  std::string dict = fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': {}, }}", descr, shape);
  const size_t prefix = 10;  // "\x93NUMPY" 1 0 and the uint16 length
  size_t len = dict.size() + 1;
  if (total > prefix + len) len = total - prefix;
  dict.append(len - 1 - dict.size(), ' ');
  dict += '\n';
  std::string h = "\x93NUMPY";
  h += char(1);
  h += char(0);
  h += char(len & 0xFF);
  h += char((len >> 8) & 0xFF);
  return h + dict;
}

Status NpyWriter::write_part(const void* bytes, size_t size) {
  if (!started_) {
    started_ = true;
    const std::string h = header(descr_, 0, row_shape_, header_size_);
    MP4KIT_TRY(out_->write(h.data(), h.size()));
  }
  if (size) MP4KIT_TRY(out_->write(bytes, size));
  part_bytes_ += size;
  return Ok{};
}

Status NpyWriter::count_rows(uint64_t rows) {
  if (row_bytes_ == 0 || part_bytes_ != rows * row_bytes_)
    return make_error(ErrorCode::kUsage, "", 0,
                      fmt::format("npy: {} bytes are not {} rows of {} bytes", part_bytes_, rows, row_bytes_));
  part_bytes_ = 0;
  rows_ += rows;
  return Ok{};
}

Status NpyWriter::append(const void* bytes, size_t size) {
  MP4KIT_TRY(write_part(bytes, size));
  return count_rows(row_bytes_ ? size / row_bytes_ : 0);
}

Status NpyWriter::finish() {
  if (!started_) MP4KIT_TRY(write_part(nullptr, 0));
  if (!out_->seekable()) return make_error(ErrorCode::kUsage, "", 0, "npy needs a regular file (its header is completed at the end), not a pipe or a device");
  const std::string h = header(descr_, rows_, row_shape_, header_size_);
  MP4KIT_TRY(out_->write_at(0, h.data(), h.size()));
  return out_->commit();
}

}  // namespace mp4kit::output
