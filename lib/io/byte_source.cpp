// Buffer, the memory sources and open_file() (include/mp4kit/byte_source.h).
#include "mp4kit/byte_source.h"

#include <atomic>
#include <cstring>

#include "io/mapped_file.h"

namespace mp4kit {

Buffer Buffer::copy_of(const uint8_t* data, uint64_t size, uint64_t offset) {
  if (size == 0) return Buffer(nullptr, 0, offset, nullptr, 0);
  // make_shared<uint8_t[]> would value-initialise (zero) the bytes before the copy.
  std::shared_ptr<uint8_t[]> bytes(new uint8_t[size]);
  std::memcpy(bytes.get(), data, size);
  const uint8_t* p = bytes.get();
  return Buffer(p, size, offset, std::move(bytes), 0);
}

Buffer Buffer::slice(uint64_t rel, uint64_t n) const {
  if (rel > size_) rel = size_;
  if (n > size_ - rel) n = size_ - rel;
  return Buffer(data_ ? data_ + rel : nullptr, n, offset_ + rel, owner_, tail_ + (size_ - rel - n));
}

namespace {

// Bytes already in memory: read() hands out views (is_mapped() is true: they cost nothing).
// `owner_` is the shared storage for an owned source, null for a borrowed one (the caller
// keeps the bytes alive, as memory_source() documents).
class MemorySource final : public ByteSource {
 public:
  MemorySource(const uint8_t* data, uint64_t size, std::shared_ptr<const void> owner, std::string name)
      : data_(data), size_(size), owner_(std::move(owner)), name_(std::move(name)) {}

  const std::string& name() const override { return name_; }
  uint64_t size() const override { return size_; }
  Result<Buffer> read(uint64_t offset, uint64_t size) const override {
    requests_.fetch_add(1, std::memory_order_relaxed);
    if (offset > size_) offset = size_;
    const uint64_t n = size < size_ - offset ? size : size_ - offset;
    return Buffer(data_ ? data_ + offset : nullptr, n, offset, owner_, size_ - offset - n);
  }
  bool is_mapped() const override { return true; }
  ReadStats stats() const override { return ReadStats{0, requests_.load(std::memory_order_relaxed)}; }

 private:
  const uint8_t* data_;
  uint64_t size_;
  std::shared_ptr<const void> owner_;
  std::string name_;
  mutable std::atomic<uint64_t> requests_{0};
};

}  // namespace

ByteSourcePtr memory_source(const uint8_t* data, uint64_t size, std::string name) {
  return std::make_shared<const MemorySource>(data, size, nullptr, std::move(name));
}

ByteSourcePtr memory_source(std::vector<uint8_t> bytes, std::string name) {
  auto storage = std::make_shared<const std::vector<uint8_t>>(std::move(bytes));
  const uint8_t* data = storage->data();
  const uint64_t size = storage->size();
  return std::make_shared<const MemorySource>(data, size, std::move(storage), std::move(name));
}

Result<ByteSourcePtr> open_file(const std::string& path, const FileSourceOptions& options) {
  auto file = io::MappedFileSource::open(path, options);
  if (!file.ok()) return file.error();
  return ByteSourcePtr(std::move(file.value()));
}

}  // namespace mp4kit
