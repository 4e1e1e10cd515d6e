// The mmap byte source: a read-only memory mapping of a whole input file (internal; the
// public entry point is open_file() in include/mp4kit/byte_source.h).
//
// Reads are views: read() returns a Buffer pointing into the mapping, with no copy and no
// system call, whose owner is a reference on the mapping. The mapping is unmapped (and the
// file closed) when the last of the source and every Buffer read from it is released, so a
// Buffer may outlive the source. tail() of a view = the bytes of the file after it (what
// lib/decode's padding rule needs). Pages are faulted in lazily when someone touches the
// bytes: reading a view does not touch them, so parsing a box through read() costs what
// touching the parsed fields costs, no more.
//
// This concrete class also exposes what only measurement code (bench/) needs: the file
// descriptor (page-cache eviction, mincore, fadvise) and an fstat check of the size.
// lib/mp4 and lib/decode see only the ByteSource interface.
//
// Thread rules: immutable after open(); any thread may call any method and release it.
//
// Faults: if another process truncates the file while it is mapped, touching a page past
// the new end raises SIGBUS. With FileSourceOptions::fault_guard the mapping is registered
// with io/fault_guard.h, whose handler turns such a fault into a zero page and records it,
// so the process survives; every stage that read mapped bytes must then call
// check_intact() before it trusts or emits what it computed, and return its kIo error
// (exit 74) if there was a fault. Without the guard nothing is registered and no handler
// is installed: a touch past the new end raises SIGBUS as for any mapping (the embedding
// program's handler, or death), and check_intact() is always Ok, because every byte that
// was read without a signal was the file's own. (still_complete() still tells, by fstat,
// whether the file shrank.)
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "io/fault_guard.h"
#include "mp4kit/byte_source.h"
#include "mp4kit/error.h"

namespace mp4kit::io {

class MappedFileSource final : public ByteSource {
 public:
  /// Maps `path` read-only (MAP_PRIVATE). Errors: kCannotOpen for a missing, unreadable,
  /// non-regular or empty file (message names the path and errno text); kIo if mmap fails.
  static Result<std::shared_ptr<const MappedFileSource>> open(const std::string& path,
                                                              const FileSourceOptions& options = {});

  ~MappedFileSource() override = default;
  MappedFileSource(const MappedFileSource&) = delete;
  MappedFileSource& operator=(const MappedFileSource&) = delete;

  /// The path given to open().
  const std::string& name() const override { return path_; }
  /// File size in bytes at open time (the mapping length).
  uint64_t size() const override;
  /// A view of [offset, offset + size) clamped to the file; tail() = file bytes after it.
  /// Never fails (Result for the interface).
  Result<Buffer> read(uint64_t offset, uint64_t size) const override;
  bool is_mapped() const override { return true; }
  /// madvise over [offset, offset + length) clamped to the mapping; best effort, no error.
  /// kWillNeed (readahead) is skipped when sampled pages of a range of 32 pages or more are
  /// already in the page cache (a warm file: the call would start no I/O).
  void advise(Access access, uint64_t offset, uint64_t length) const override;
  /// Ok while every read of the mapping saw the file's own bytes. With the fault guard,
  /// after a read faulted because the file was truncated underneath (and got zeros, see
  /// io/fault_guard.h): kIo at box path "file", the offset of the first failed read, with
  /// the new and old sizes in the message. Cheap (two atomic loads while there is no
  /// fault). Without the guard: always Ok (see the header comment).
  Status check_intact() const override;
  /// bytes = 0 (pages fault in lazily), requests = read() calls so far.
  ReadStats stats() const override;

  const std::string& path() const { return path_; }
  /// Open file descriptor (read-only), valid while this object lives; for fadvise, mincore
  /// and pread in measurement code.
  int fd() const;
  /// True when the file on disk is still at least size() bytes long (fstat). A false
  /// answer means touching the bytes past the new end faults.
  bool still_complete() const;
  /// True when the mapping is registered with the fault guard.
  bool guarded() const;

 private:
  struct Mapping;
  explicit MappedFileSource(std::shared_ptr<const Mapping> mapping, std::string path)
      : mapping_(std::move(mapping)), path_(std::move(path)) {}
  std::shared_ptr<const Mapping> mapping_;  ///< also the owner of every Buffer handed out
  std::string path_;
  mutable std::atomic<uint64_t> requests_{0};
};

using MappedFileSourcePtr = std::shared_ptr<const MappedFileSource>;

}  // namespace mp4kit::io
