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
    // $ENV, when set, is the only place tried; else next to the executable's real path
    // (the build tree), else ../lib/mp4kit/ from it (an installed tree: bin/ + lib/mp4kit/).
    const char* env = std::getenv(module.env);
    if (env && *env) try_path(env);
    char exe[PATH_MAX] = {};
    const ssize_t n = (env && *env) ? 0 : readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
      std::string path(exe, static_cast<size_t>(n));
      const std::string dir = path.substr(0, path.rfind('/'));
      try_path(dir + "/" + module.file);
      if (!handle) try_path(dir + "/../lib/mp4kit/" + module.file);
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
