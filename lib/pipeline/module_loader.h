// Finding and loading mp4kit's modules (mp4kit_decode.so; mp4kit_bench.so uses the same
// rules): the one loader of the project.
//
// Lookup, first match wins:
//   1. the path in the module's environment variable (MP4KIT_DECODE_MODULE, ...) when it is
//      set and not empty: only that path is tried;
//   2. FILE next to the executable's real path (/proc/self/exe, symlinks resolved): the
//      build tree, where mp4kit and its modules sit side by side;
//   3. <exe dir>/../lib/mp4kit/FILE: the installed layout (bin/mp4kit, lib/mp4kit/FILE).
// A module is dlopen()ed once per process (RTLD_NOW | RTLD_LOCAL: its libav* symbols stay
// private to it) and never closed, so the pointers it hands out stay valid.
//
// Errors: kInternal (exit 70), one line naming every path tried and why it failed
// (dlerror), and how to fix it.
// Thread rules: thread-safe (one mutex around the lookup).
#pragma once

#include <cstdint>
#include <string>

#include "mp4kit/error.h"

namespace mp4kit::pipeline {

struct ModuleSpec {
  const char* file_name;  ///< "mp4kit_decode.so"
  const char* env_var;    ///< "MP4KIT_DECODE_MODULE"
  const char* what;       ///< "decode module", for messages
};

/// The address of `symbol` in the module `spec` names, loading it on first use.
Result<void*> module_symbol(const ModuleSpec& spec, const char* symbol);

/// The file the module was loaded from ("" before it is loaded).
std::string module_path(const ModuleSpec& spec);

/// The table an entry point `const Api* entry()` returns, for modules whose table starts
/// with `uint32_t abi_version` and must match `abi_version` exactly (the bench module; the
/// decode module's versioning is richer: DecodeModule::load). Errors: kInternal, one line.
template <class Api>
Result<const Api*> module_table(const ModuleSpec& spec, const char* entry, uint32_t abi_version) {
  auto sym = module_symbol(spec, entry);
  if (!sym.ok()) return sym.error();
  const Api* api = reinterpret_cast<const Api* (*)()>(*sym)();
  if (!api || api->abi_version != abi_version)
    return make_error(ErrorCode::kInternal, "", 0,
                      std::string(spec.what) + " ABI version " + std::to_string(api ? api->abi_version : 0) + ", this mp4kit needs " +
                          std::to_string(abi_version) + " (rebuild with `cmake --build build`)");
  return api;
}

}  // namespace mp4kit::pipeline
