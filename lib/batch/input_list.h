// The inputs of a batch, streamed: paths from the command line, then from a list file or
// standard input (one per line, or NUL-separated), then from directory walks filtered by a
// glob. Nothing holds the whole list: next() reads the list file in 64 KiB blocks and walks
// the directories with an iterator, so a 10,000,000-line list costs one block of memory.
//
// Errors: next() returns a Result: kCannotOpen for a list file or directory that cannot be
// opened, kIo for a read error, kUsage for an empty line inside a NUL-separated list or a
// path longer than PATH_MAX. Lines ending in "\r\n" lose the "\r"; empty lines of a
// newline-separated list are skipped (a trailing newline is not an input).
// Threads: one InputList is used by one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "mp4kit/error.h"

namespace mp4kit::batch {

struct InputListOptions {
  std::vector<std::string> paths;  ///< inputs named on the command line, in order
  std::string files_from;          ///< "" none, "-" standard input, else a list file
  bool nul_separated = false;      ///< -0: the list is NUL-separated (find -print0)
  std::vector<std::string> walk;   ///< directories walked recursively (sorted per directory level: no)
  std::string glob = "*";          ///< fnmatch(3) pattern the walked files' names must match
};

class InputList {
 public:
  explicit InputList(InputListOptions options);
  ~InputList();
  InputList(const InputList&) = delete;
  InputList& operator=(const InputList&) = delete;

  /// The next input into `path`: true, or false at the end of every source.
  Result<bool> next(std::string& path);

 private:
  Result<bool> next_from_file(std::string& path);
  Result<bool> next_from_walk(std::string& path);

  InputListOptions o_;
  size_t arg_at_ = 0;
  int fd_ = -1;
  bool file_open_ = false, file_done_ = false;
  std::vector<char> buf_;
  size_t buf_at_ = 0, buf_len_ = 0;
  uint64_t line_ = 0;
  size_t walk_at_ = 0;
  std::optional<std::filesystem::recursive_directory_iterator> it_;
};

}  // namespace mp4kit::batch
