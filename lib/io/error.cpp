// Error formatting and the Result defect path (include/mp4kit/error.h).
#include "mp4kit/error.h"

#include <cstdio>
#include <cstdlib>

namespace mp4kit {

std::string Error::to_string() const {
  std::string out;
  if (!box_path.empty()) {
    char buf[32];
    std::snprintf(buf, sizeof buf, " at 0x%llX", static_cast<unsigned long long>(offset));
    out = box_path + buf + ": ";
  }
  return out + message;
}

const char* error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::kUsage: return "usage";
    case ErrorCode::kMalformed: return "malformed";
    case ErrorCode::kCannotOpen: return "cannot_open";
    case ErrorCode::kInternal: return "internal";
    case ErrorCode::kCannotCreate: return "cannot_create";
    case ErrorCode::kIo: return "io";
  }
  return "internal";
}

namespace detail {
void result_value_on_error(const Error& error) {
  std::fprintf(stderr, "mp4kit: defect: Result::value() called on an error: %s\n", error.to_string().c_str());
  std::abort();
}
}  // namespace detail

}  // namespace mp4kit
