#include "module_loader.h"

#include <dlfcn.h>
#include <limits.h>
#include <unistd.h>

#include <cstdlib>

namespace mp4kit::cli {

void* decode_module_symbol(const char* symbol, std::string& why) {
  static void* handle = nullptr;
  static std::string tried;
  if (!handle) {
    auto try_path = [&](const std::string& path) {
      handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
      if (!handle) tried += (tried.empty() ? "" : "; ") + std::string(dlerror());
    };
    char exe[PATH_MAX] = {};
    const ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
      std::string dir(exe, static_cast<size_t>(n));
      try_path(dir.substr(0, dir.rfind('/')) + "/mp4kit_decode.so");
    }
    if (!handle) {
      if (const char* env = std::getenv("MP4KIT_DECODE_MODULE"); env && *env) try_path(env);
    }
    if (!handle) {
      why = "cannot load the decode module (" + tried + "); build it with `cmake --build build` or set MP4KIT_DECODE_MODULE";
      return nullptr;
    }
  }
  void* sym = dlsym(handle, symbol);
  if (!sym) why = std::string("the decode module has no symbol ") + symbol + " (module and mp4kit built from different sources?)";
  return sym;
}

}  // namespace mp4kit::cli
