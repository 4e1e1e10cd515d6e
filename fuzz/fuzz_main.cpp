// libFuzzer entry point; each fuzz_* executable is this file compiled with
// -DMP4KIT_FUZZ_ENTRY=<function from targets.h>.
#include "targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return mp4kit::fuzz::MP4KIT_FUZZ_ENTRY(data, size);
}
