// What every function of the module's table does at the boundary
// (include/mp4kit/decode_abi.h):
//  * errors: the caller's mp4kit_error is filled from an Error; the message and path are
//    allocated here (malloc) and freed by error_clear(), so messages of any length cross
//    the boundary whole;
//  * output structs (stats, frame info): the caller sets struct_size to the size it was
//    compiled with; the module writes at most that many bytes (an older caller's smaller
//    struct gets the fields it knows), so a newer module never writes past it.
#pragma once

#include <algorithm>
#include <cstring>
#include <string>

#include "mp4kit/decode_abi.h"
#include "mp4kit/error.h"

namespace mp4kit::decode {

/// Frees what `error` holds and zeroes it (offset -1); null is ignored.
void clear_error(mp4kit_error* error);
/// Stores `e` (its one-line to_string()) and `path` ("" = none) in `error` (null: nothing
/// stored) and returns the status code. Allocation failure leaves message null, never
/// the code unset.
int32_t store_error(mp4kit_error* error, const Error& e, const std::string& path = "");
/// store_error for a std::exception caught at the boundary (kInternal).
int32_t store_exception(mp4kit_error* error, const char* what);

/// Copies `full` into the caller's `out` (at most out->struct_size bytes; struct_size kept).
template <typename T>
void copy_out(const T& full, T* out) {
  if (!out) return;
  const uint32_t size = out->struct_size;
  std::memcpy(static_cast<void*>(out), &full, std::min<size_t>(size, sizeof(T)));
  if (size >= sizeof(uint32_t)) out->struct_size = size;
}

}  // namespace mp4kit::decode
