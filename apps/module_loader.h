// Finds and loads the decode module (mp4kit_decode.so, lib/decode) on first use.
//
// Lookup: mp4kit_decode.so in the directory of /proc/self/exe, else $MP4KIT_DECODE_MODULE.
// The handle is opened once per process (RTLD_NOW | RTLD_LOCAL) and never closed.
// Thread rules: call from the main thread before starting others.
#pragma once

#include <string>

namespace mp4kit::cli {

/// The address of `symbol` in the decode module, or null with `why` set to one line that
/// says what was tried (the CLI exits 70 with it).
void* decode_module_symbol(const char* symbol, std::string& why);

}  // namespace mp4kit::cli
