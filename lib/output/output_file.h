// Where decoded output goes: a file written under a temporary name and renamed into place
// when complete, stdout, or an existing device or FIFO written in place. Buffered (1 MiB);
// large contiguous writes bypass the buffer.
//
// Errors: open() fails with kCannotCreate (the temporary file cannot be created, or an
// existing device or FIFO cannot be opened for writing: message names the path and errno
// text; a directory). write()/commit() fail with kIo (errno text, bytes
// written so far). When stdout is a pipe whose reader went away (EPIPE; SIGPIPE is ignored
// by the CLI), write() returns kIo and closed_by_reader() becomes true: the caller stops
// quietly, this is not an error for `mp4kit decode ... | head`.
//
// Lifetime: an OutputFile that is destroyed without commit() removes its temporary file,
// so a failed or interrupted decode never leaves a partial file under the final name.
// Signals: the first temporary installs handlers for SIGINT, SIGTERM, SIGHUP and SIGPIPE
// (except those the process ignores; SIGPIPE that our own write raises is ignored) that
// remove every temporary that exists and then take the signal's default action, so the
// shell sees 130/143/129/141 and no PATH.tmp-XXXXXX is left behind (README "Exit codes").
// Threads: one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "mp4kit/error.h"

namespace mp4kit::output {

class OutputFile {
 public:
  /// "-" is stdout; anything else a path (created as PATH.tmp-XXXXXX beside it). A path
  /// that exists and is not a regular file (a character device such as /dev/null, a FIFO:
  /// opening one waits for its reader) is opened and written in place, never renamed over
  /// and not seekable; a directory is refused (kCannotCreate).
  static Result<OutputFile> open(const std::string& path);

  OutputFile(OutputFile&& o) noexcept;
  OutputFile& operator=(OutputFile&&) = delete;
  OutputFile(const OutputFile&) = delete;
  ~OutputFile();

  Status write(const void* data, size_t size);
  /// Writes `size` bytes at absolute `offset` (flushes first). Only when seekable().
  Status write_at(uint64_t offset, const void* data, size_t size);
  /// Flushes, closes and (for a file) renames the temporary name to the final path.
  Status commit();

  bool seekable() const { return seekable_; }
  bool closed_by_reader() const { return closed_by_reader_; }
  uint64_t bytes_written() const { return written_ + buffer_.size(); }
  const std::string& path() const { return path_; }

 private:
  OutputFile() = default;
  Status flush();
  Status write_fully(const void* data, size_t size);
  Error io_error(const std::string& what, int err);

  int fd_ = -1;
  bool is_stdout_ = false;
  bool in_place_ = false;  // an existing non-regular path (device, FIFO): no temporary
  bool seekable_ = false;
  bool closed_by_reader_ = false;
  bool committed_ = false;
  std::string path_, temp_path_;
  std::vector<uint8_t> buffer_;
  uint64_t written_ = 0;
  int temp_slot_ = -1;   // in the signal handler's table of temporaries, -1 = none
};

}  // namespace mp4kit::output
