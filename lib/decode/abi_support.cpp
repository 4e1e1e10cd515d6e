#include "decode/abi_support.h"

#include <cstdlib>
#include <cstring>

namespace mp4kit::decode {
namespace {

char* dup(const std::string& s) {
  auto* p = static_cast<char*>(std::malloc(s.size() + 1));
  if (p) std::memcpy(p, s.c_str(), s.size() + 1);
  return p;
}

}  // namespace

void clear_error(mp4kit_error* error) {
  if (!error) return;
  std::free(error->message);
  std::free(error->path);
  error->code = 0;
  error->message = nullptr;
  error->path = nullptr;
  error->offset = -1;
}

int32_t store_error(mp4kit_error* error, const Error& e, const std::string& path) {
  const auto code = static_cast<int32_t>(e.code);
  if (!error) return code;
  clear_error(error);
  error->code = code;
  error->message = dup(e.to_string());
  error->path = path.empty() ? nullptr : dup(path);
  error->offset = e.box_path.empty() && e.offset == 0 ? -1 : static_cast<int64_t>(e.offset);
  return code;
}

int32_t store_exception(mp4kit_error* error, const char* what) {
  try {
    return store_error(error, make_error(ErrorCode::kInternal, "", 0, std::string("internal error: ") + (what ? what : "unknown")));
  } catch (...) {  // out of memory for the message too: the code alone
    if (error) {
      clear_error(error);
      error->code = MP4KIT_ERR_INTERNAL;
    }
    return MP4KIT_ERR_INTERNAL;
  }
}

}  // namespace mp4kit::decode
