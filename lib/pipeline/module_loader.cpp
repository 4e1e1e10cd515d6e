#include "pipeline/module_loader.h"

#include <dlfcn.h>
#include <limits.h>
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <mutex>
#include <vector>

namespace mp4kit::pipeline {
namespace {

struct Loaded {
  void* handle = nullptr;
  std::string path;
};

std::mutex g_mutex;
std::map<std::string, Loaded>& loaded() {
  static auto* m = new std::map<std::string, Loaded>;  // never destroyed: modules are never unloaded
  return *m;
}

// The directory of the running executable's real path, "" when /proc is unavailable.
std::string exe_dir() {
  std::vector<char> buf(PATH_MAX);
  for (;;) {
    const ssize_t n = readlink("/proc/self/exe", buf.data(), buf.size());
    if (n < 0) return "";
    if (static_cast<size_t>(n) < buf.size()) {
      std::string path(buf.data(), static_cast<size_t>(n));
      if (char* real = realpath(path.c_str(), nullptr)) {
        path = real;
        std::free(real);
      }
      const size_t slash = path.rfind('/');
      return slash == std::string::npos ? "" : path.substr(0, slash);
    }
    buf.resize(buf.size() * 2);
  }
}

Result<Loaded> load(const ModuleSpec& spec) {
  std::vector<std::string> candidates;
  const char* env = std::getenv(spec.env_var);
  const bool from_env = env && *env;
  if (from_env) {
    candidates.push_back(env);
  } else if (const std::string dir = exe_dir(); !dir.empty()) {
    candidates.push_back(dir + "/" + spec.file_name);
    candidates.push_back(dir + "/../lib/mp4kit/" + spec.file_name);
  }
  std::string tried;
  for (const std::string& path : candidates) {
    // RTLD_LAZY: the dependencies that are not linked with BIND_NOW (libav*'s and libcurl's
    // trees have many) bind their functions on first call instead of all ~13,000 symbols at
    // load (HTTP module: 21.1M -> ~17M instructions). The modules themselves are linked
    // with -z now, so a symbol missing from them still fails here, with this message.
    if (void* h = dlopen(path.c_str(), RTLD_LAZY | RTLD_LOCAL)) return Loaded{h, path};
    const char* why = dlerror();
    tried += (tried.empty() ? "" : "; ") + std::string(why ? why : path + ": dlopen failed");
  }
  if (candidates.empty()) tried = "cannot find the executable's directory (/proc/self/exe)";
  return make_error(ErrorCode::kInternal, "", 0,
                    "cannot load the " + std::string(spec.what) + " (" + (from_env ? std::string(spec.env_var) + ": " : "") +
                        tried + "); build it with `cmake --build build` or set " + spec.env_var);
}

}  // namespace

Result<void*> module_symbol(const ModuleSpec& spec, const char* symbol) {
  std::lock_guard<std::mutex> lock(g_mutex);
  auto it = loaded().find(spec.file_name);
  if (it == loaded().end()) {
    auto l = load(spec);
    if (!l.ok()) return l.error();  // not cached: a later call (after setting the variable) tries again
    it = loaded().emplace(spec.file_name, *l).first;
  }
  dlerror();
  void* sym = dlsym(it->second.handle, symbol);
  if (!sym)
    return make_error(ErrorCode::kInternal, "", 0,
                      "the " + std::string(spec.what) + " " + it->second.path + " has no symbol " + symbol +
                          " (module and mp4kit built from different sources? rebuild with `cmake --build build`)");
  return sym;
}

std::string module_path(const ModuleSpec& spec) {
  std::lock_guard<std::mutex> lock(g_mutex);
  auto it = loaded().find(spec.file_name);
  return it == loaded().end() ? std::string() : it->second.path;
}

}  // namespace mp4kit::pipeline
