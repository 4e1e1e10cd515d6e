// A test-only ByteSource that behaves like a remote one: every read() fetches a private
// copy of the range (Buffer::copy_of, tail() 0) and is counted, and is_mapped() is false.
// Parsing through it proves that lib/mp4 and lib/decode need nothing but ByteSource
// reads: no pointer into "the whole file", no bytes past a read, no reliance on views.
#pragma once

#include <atomic>
#include <string>

#include "mp4kit/byte_source.h"

namespace mp4kit::test {

class CopyingSource final : public ByteSource {
 public:
  /// Reads through `inner` (e.g. the mmap source of the same file) and copies each range.
  explicit CopyingSource(ByteSourcePtr inner) : inner_(std::move(inner)) {}

  const std::string& name() const override { return inner_->name(); }
  uint64_t size() const override { return inner_->size(); }
  Result<Buffer> read(uint64_t offset, uint64_t size) const override {
    auto view = inner_->read(offset, size);
    if (!view.ok()) return view.error();
    requests_.fetch_add(1, std::memory_order_relaxed);
    bytes_.fetch_add(view->size(), std::memory_order_relaxed);
    return Buffer::copy_of(view->data(), view->size(), view->offset());
  }
  bool is_mapped() const override { return false; }
  Status check_intact() const override { return inner_->check_intact(); }
  ReadStats stats() const override {
    return ReadStats{bytes_.load(std::memory_order_relaxed), requests_.load(std::memory_order_relaxed)};
  }

 private:
  ByteSourcePtr inner_;
  mutable std::atomic<uint64_t> requests_{0}, bytes_{0};
};

}  // namespace mp4kit::test
