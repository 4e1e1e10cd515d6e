// mp4kit's one error type: ErrorCode, Error, Result<T> and Status (public API).
//
// Every fallible function of the library returns `Result<T>`: either a value or an `Error`
// that carries a code (mapped to the documented exit codes: README "Exit codes"), the box
// path, the absolute file offset and a one-line message with the numbers that made it fail.
// The library throws no exception. Calling `value()` on a Result that holds an error is a
// programming defect: it prints the error and aborts (it never throws bad_variant_access).
//
// Thread rules: Result and Error are plain values; no shared state.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <variant>

namespace mp4kit {

/// What went wrong, in the categories a caller can act on. The CLI maps these to the
/// sysexits-style codes documented in README.md (64, 65, 66, 70, 73, 74).
enum class ErrorCode : uint8_t {
  kUsage = 64,        ///< caller asked for something invalid (bad stream index, range).
  kMalformed = 65,    ///< the file violates ISO/IEC 14496-12 in a way we cannot demux.
  kCannotOpen = 66,   ///< missing, unreadable, not a regular file, or empty.
  kInternal = 70,     ///< a limit or invariant of mp4kit itself (see Limits).
  kCannotCreate = 73, ///< an output file could not be created.
  kIo = 74,           ///< read/write failed, or the input shrank while mapped.
};

struct Error {
  ErrorCode code = ErrorCode::kMalformed;
  std::string box_path;  ///< e.g. "moov/trak[1]/mdia/minf/stbl/stsz"; empty at file level.
  uint64_t offset = 0;   ///< absolute file offset in bytes of the offending box or field.
  std::string message;   ///< one line, with the numbers (counts, sizes) that failed.

  /// "moov/trak[1]/.../stsz at 0x0DA3F2: entry_count 4294967295 needs ..." (no newline).
  std::string to_string() const;
};

/// The stable snake_case name of a code, for JSON records: "usage", "malformed",
/// "cannot_open", "internal", "cannot_create", "io".
const char* error_code_name(ErrorCode code);

namespace detail {
/// Prints "mp4kit: Result::value() called on an error: <error>" to stderr and aborts.
[[noreturn]] void result_value_on_error(const Error& error);
}  // namespace detail

/// A minimal `std::expected`-like holder (C++20 has none). Check `ok()` before `value()`.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}    // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { check(); return *std::get_if<0>(&v_); }
  const T& value() const& { check(); return *std::get_if<0>(&v_); }
  T&& value() && { check(); return std::move(*std::get_if<0>(&v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  /// The error; only valid when !ok() (a defect otherwise: aborts).
  const Error& error() const {
    if (ok()) std::abort();
    return *std::get_if<1>(&v_);
  }

 private:
  void check() const {
    if (!ok()) detail::result_value_on_error(*std::get_if<1>(&v_));
  }
  std::variant<T, Error> v_;
};

/// Result for functions with no value.
struct Ok {};
using Status = Result<Ok>;

inline Error make_error(ErrorCode code, std::string box_path, uint64_t offset, std::string message) {
  return Error{code, std::move(box_path), offset, std::move(message)};
}

}  // namespace mp4kit

/// Propagate an error from an expression returning Result<...>.
#define MP4KIT_TRY(expr)                          \
  do {                                            \
    auto mp4kit_try_result_ = (expr);             \
    if (!mp4kit_try_result_.ok()) return mp4kit_try_result_.error(); \
  } while (0)
