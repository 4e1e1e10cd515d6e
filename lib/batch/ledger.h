// The records file of a batch: the ledger. One compact JSON object per input, one line
// each (schema mp4kit.batch/1, README "mp4kit batch"), each appended with a single write(2)
// to a file opened O_APPEND (or to standard output), so that writers never interleave
// inside a line and a `kill -9` at any moment leaves at most one torn last line, which
// load_ledger() detects and cuts off before a resumed run appends to the file.
//
// The resume set holds a 128-bit hash (XXH3-128) of each recorded input path, 16 bytes per
// recorded input in a sorted vector (about 16 MB per million inputs); two different paths
// share a hash with a probability near 2^-128 per pair, which we accept in exchange for not
// holding the paths.
//
// Errors: Result/Status with kCannotOpen (the file cannot be opened or created), kIo (a
// read, write or truncate failed; the message names the file and errno).
// Threads: one thread per Ledger; ResumeSet is immutable after load.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "mp4kit/error.h"

namespace mp4kit::batch {

/// XXH3-128 of a path, for resume and summary sets.
struct PathKey {
  uint64_t lo = 0, hi = 0;
  friend bool operator==(const PathKey&, const PathKey&) = default;
  friend auto operator<=>(const PathKey&, const PathKey&) = default;
};
PathKey path_key(std::string_view path);

/// Inputs that a resumed run must not run again, and (with --retry-failed) the inputs that
/// failed before, which it runs again and records with "retry": true.
class ResumeSet {
 public:
  bool done(std::string_view input) const { return contains(done_, path_key(input)); }
  bool failed_before(std::string_view input) const { return contains(failed_, path_key(input)); }
  size_t done_count() const { return done_.size(); }
  size_t failed_count() const { return failed_.size(); }

 private:
  friend struct LedgerLoader;
  static bool contains(const std::vector<PathKey>& v, const PathKey& k);
  std::vector<PathKey> done_, failed_;
};

/// What load_ledger() found.
struct LedgerScan {
  ResumeSet resume;
  uint64_t records = 0;       ///< complete lines that are records
  uint64_t bad_lines = 0;     ///< complete lines that are not records (ignored, kept)
  uint64_t torn_bytes = 0;    ///< bytes of a torn last line, cut off (0: none)
};

/// Reads the records file `path` (streamed in 1 MiB blocks), cutting off a torn last line
/// (bytes after the last newline). A status of "ok" or "skipped" makes the input done; any
/// other status ("failed", "timeout", "crashed") does too unless `retry_failed`, in which
/// case it goes to the failed-before set (an input recorded ok after failing is done).
/// A missing file is an empty ledger.
Result<LedgerScan> load_ledger(const std::string& path, bool retry_failed);

/// Reads `fd` to its end in 1 MiB blocks and calls `on_line` with each complete line (without
/// its '\n'). Returns the bytes after the last newline (a torn line; "" when the file ends
/// in a newline). `what` names the file in a read error (kIo).
Result<std::string> read_lines(int fd, const std::string& what, const std::function<void(std::string_view line)>& on_line);

/// The record line's "input" and "status" values, or false when the line is not a record.
bool record_input_status(std::string_view line, std::string& input, std::string& status);

class Ledger {
 public:
  /// "-" is standard output; a file is created 0644 and opened O_WRONLY|O_APPEND, truncated
  /// first when `truncate`.
  static Result<Ledger> open(const std::string& path, bool truncate);
  Ledger(Ledger&& other) noexcept : fd_(other.fd_), own_(other.own_), errno_(other.errno_), path_(std::move(other.path_)) {
    other.fd_ = -1;
  }
  Ledger& operator=(Ledger&&) = delete;
  ~Ledger();

  /// Appends `line` (which ends in '\n') with one write(2), completed by further writes
  /// only when the kernel takes part of it; EINTR is retried.
  Status append(std::string_view line);
  const std::string& path() const { return path_; }
  /// The errno of the last failed append (EPIPE: a reader of standard output went away).
  int last_errno() const { return errno_; }

 private:
  Ledger(int fd, bool own, std::string path) : fd_(fd), own_(own), path_(std::move(path)) {}
  int fd_ = -1;
  bool own_ = false;
  int errno_ = 0;
  std::string path_;
};

}  // namespace mp4kit::batch
