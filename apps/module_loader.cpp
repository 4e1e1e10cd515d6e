#include "module_loader.h"

#include <dlfcn.h>
#include <limits.h>
#include <unistd.h>

#include <cstdlib>
#include <map>

namespace mp4kit::cli {

void* module_symbol(const Module& module, const char* symbol, std::string& why) {
  static std::map<std::string, void*> handles;  // by file name; only successful opens
  void*& handle = handles[module.file];
  if (!handle) {
    std::string tried;
    auto try_path = [&](const std::string& path) {
      handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
      if (!handle) tried += (tried.empty() ? "" : "; ") + std::string(dlerror());
    };
    char exe[PATH_MAX] = {};
    const ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
      std::string dir(exe, static_cast<size_t>(n));
      try_path(dir.substr(0, dir.rfind('/')) + "/" + module.file);
    }
    if (!handle) {
      if (const char* env = std::getenv(module.env); env && *env) try_path(env);
    }
    if (!handle) {
      why = std::string("cannot load the ") + module.name + " module (" + tried + "); build it with `cmake --build build` or set " +
            module.env;
      return nullptr;
    }
  }
  void* sym = dlsym(handle, symbol);
  if (!sym)
    why = std::string("the ") + module.name + " module has no symbol " + symbol + " (module and mp4kit built from different sources?)";
  return sym;
}

}  // namespace mp4kit::cli
