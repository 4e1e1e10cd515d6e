// A decode module that only has a table header, for the loader's version checks
// (decode_abi_test.cpp): built twice, with FAKE_MAJOR / FAKE_SHORT_TABLE set by CMake.
#include "mp4kit/decode_abi.h"

namespace {
mp4kit_decode_api make() {
  mp4kit_decode_api t{};
  t.struct_size = FAKE_SHORT_TABLE ? 16u : static_cast<uint32_t>(sizeof t);
  t.api_version = (static_cast<uint32_t>(FAKE_MAJOR) << 16) | MP4KIT_DECODE_API_MINOR;
  return t;
}
const mp4kit_decode_api kTable = make();
}  // namespace

extern "C" __attribute__((visibility("default"))) const mp4kit_decode_api* mp4kit_decode_get_api(void) { return &kTable; }
