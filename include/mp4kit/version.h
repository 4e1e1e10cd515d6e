// mp4kit's version (public API).
//
// version() is the version of the library a program is linked with (CMake's
// project(VERSION), e.g. "0.1.0"); the decode module reports its own ABI version
// separately (decode_abi.h: mp4kit_decode_api::api_version).
// Thread rules: may be called from any thread.
#pragma once

namespace mp4kit {

/// "MAJOR.MINOR.PATCH" (static storage).
const char* version();

}  // namespace mp4kit
