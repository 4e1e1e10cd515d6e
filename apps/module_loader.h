// Finds and loads the CLI's modules on first use: the decode module (mp4kit_decode.so,
// lib/decode: decode and seek) and the bench module (mp4kit_bench.so, bench/: the work of
// `mp4kit bench` that needs libav*).
//
// Lookup: the path in its environment variable ($MP4KIT_DECODE_MODULE, $MP4KIT_BENCH_MODULE)
// when set (then nothing else is tried); else the module's file in the directory of the
// executable's real path (/proc/self/exe: the build tree), else in <that directory>/../lib/mp4kit/
// (an installed tree, `cmake --install`, the .deb). Each module is opened
// once per process (RTLD_NOW | RTLD_LOCAL) and never closed.
// Thread rules: call from the main thread before starting others.
#pragma once

#include <cstdint>
#include <string>

namespace mp4kit::cli {

/// One module the CLI may load.
struct Module {
  const char* file;     ///< file name next to the executable, e.g. "mp4kit_decode.so"
  const char* env;      ///< environment variable naming its path when it is not there
  const char* name;     ///< for messages: "decode" -> "the decode module"
};
inline constexpr Module kDecodeModule{"mp4kit_decode.so", "MP4KIT_DECODE_MODULE", "decode"};
inline constexpr Module kBenchModule{"mp4kit_bench.so", "MP4KIT_BENCH_MODULE", "bench"};

/// The address of `symbol` in `module`, or null with `why` set to one line that says what
/// was tried (the CLI exits 70 with it).
void* module_symbol(const Module& module, const char* symbol, std::string& why);

/// The table an entry point `const Api* entry()` of `module` returns, checked against the
/// ABI version this executable was built with; null with `why` set (one line) when the
/// module, the entry point or the right version is missing. `what` names the interface in
/// that line ("seek" -> "seek module ABI version ..."). Api must have `uint32_t abi_version`.
template <class Api>
const Api* module_api(const Module& module, const char* entry, uint32_t abi_version, const char* what, std::string& why) {
  using Entry = const Api* (*)();
  auto fn = reinterpret_cast<Entry>(module_symbol(module, entry, why));
  if (!fn) return nullptr;
  const Api* api = fn();
  if (!api || api->abi_version != abi_version) {
    why = std::string(what) + " module ABI version " + std::to_string(api ? api->abi_version : 0) + ", this mp4kit needs " +
          std::to_string(abi_version) + " (rebuild with `cmake --build build`)";
    return nullptr;
  }
  return api;
}

}  // namespace mp4kit::cli
