// Shared helpers for the doctest suite: locating inputs, running commands, and a small
// box builder for annotated byte fixtures (including boxes that lie about their sizes).
#pragma once

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <filesystem>
#include <string>
#include <vector>

namespace mp4kit::test {

/// The real-world corpus: $MP4KIT_CORPUS, else ../shared/corpus beside the source tree;
/// empty when absent (callers print a visible MESSAGE and skip).
inline std::string corpus_dir() {
  if (const char* e = std::getenv("MP4KIT_CORPUS"); e && *e && std::filesystem::is_directory(e)) return e;
  std::filesystem::path p = std::filesystem::path(MP4KIT_SOURCE_DIR).parent_path() / "shared" / "corpus";
  return std::filesystem::is_directory(p) ? p.string() : std::string{};
}

/// The second real-world corpus (issue 10): $MP4KIT_CORPUS2, else ../shared/corpus2 beside
/// the source tree; empty when absent or when MP4KIT_CORPUS2 is not a directory (e.g. "none",
/// which the sanitizer stage uses for the decode suite); callers print a visible MESSAGE.
inline std::string corpus2_dir() {
  if (const char* e = std::getenv("MP4KIT_CORPUS2"); e && *e) return std::filesystem::is_directory(e) ? e : std::string{};
  std::filesystem::path p = std::filesystem::path(MP4KIT_SOURCE_DIR).parent_path() / "shared" / "corpus2";
  return std::filesystem::is_directory(p) ? p.string() : std::string{};
}

inline std::string samples_dir() { return std::string(MP4KIT_SOURCE_DIR) + "/samples"; }

/// True for the extensions of the media files the corpora hold (.mp4 .mov .3gp .m4a .m4v
/// .m4b, any case).
inline bool is_media_file(const std::filesystem::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return ext == ".mp4" || ext == ".mov" || ext == ".3gp" || ext == ".m4a" || ext == ".m4v" || ext == ".m4b";
}

/// Every media file in samples/ and, with `with_corpus`, in the corpus and corpus2, sorted
/// by path. A corpus that is absent is skipped (see corpus_dir(), corpus2_dir()).
inline std::vector<std::string> media_files(bool with_corpus = true) {
  std::vector<std::string> out;
  auto add = [&](const std::string& dir) {
    if (dir.empty()) return;
    for (auto& e : std::filesystem::directory_iterator(dir))
      if (e.is_regular_file() && is_media_file(e.path())) out.push_back(e.path().string());
  };
  add(samples_dir());
  if (with_corpus) {
    add(corpus_dir());
    add(corpus2_dir());
  }
  std::sort(out.begin(), out.end());
  return out;
}

struct CommandResult {
  int exit_code = -1;
  std::string out;
};

/// Runs `cmd` through /bin/sh and captures stdout (stderr is merged if the command says 2>&1).
inline CommandResult run(const std::string& cmd) {
  CommandResult r;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int st = pclose(p);
  r.exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  return r;
}

inline std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

/// Runs an oracle command (ffprobe, or ffmpeg writing to stdout) like run(), memoised in
/// the directory $MP4KIT_ORACLE_CACHE when it is set (scripts/test.sh sets it to a fresh
/// build/oracle-cache for each run, so the sanitizer stage reuses the normal stage's FFmpeg
/// answers instead of recomputing them). Without the variable it is run() itself.
///
/// The key is the command, FFmpeg's version line, and the size, mtime (ns) and inode of every
/// single-quoted argument (test::quote) that names an existing regular file, so a fixture
/// rebuilt at test time misses. Only for commands whose whole result is their stdout and
/// exit code (never one that writes files). Entries are written to a temporary name and
/// renamed: tests in parallel processes share the cache.
inline CommandResult oracle(const std::string& cmd) {
  const char* dir = std::getenv("MP4KIT_ORACLE_CACHE");
  if (!dir || !*dir) return run(cmd);
  static const std::string version = run("ffmpeg -hide_banner -version 2>/dev/null | head -n 1").out;
  std::string key = cmd + "\n" + version;
  std::string token;
  bool quoted = false, in_token = false;
  auto add_file = [&](const std::string& t) {
    struct stat st {};
    if (::stat(t.c_str(), &st) == 0 && S_ISREG(st.st_mode))
      key += "\n" + t + " " + std::to_string(st.st_size) + " " + std::to_string(st.st_mtim.tv_sec) + "." +
             std::to_string(st.st_mtim.tv_nsec) + " " + std::to_string(st.st_ino);
  };
  for (size_t i = 0; i < cmd.size(); ++i) {
    const char c = cmd[i];
    if (quoted) {
      if (c == '\'') quoted = false;
      else token += c;
    } else if (c == '\'') {
      quoted = in_token = true;
    } else if (c == '\\' && i + 1 < cmd.size() && cmd[i + 1] == '\'' && in_token) {
      token += '\'';
      ++i;
    } else {
      if (in_token) add_file(token);
      token.clear();
      in_token = false;
    }
  }
  if (in_token) add_file(token);
  uint64_t h = 1469598103934665603ull;  // FNV-1a 64
  for (unsigned char c : key) h = (h ^ c) * 1099511628211ull;
  char name[32];
  std::snprintf(name, sizeof name, "/%016llx", static_cast<unsigned long long>(h));
  const std::string path = std::string(dir) + name;
  if (FILE* f = std::fopen(path.c_str(), "rb")) {
    std::string data;
    char buf[65536];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) data.append(buf, n);
    std::fclose(f);
    // Layout: key, NUL, exit code, NUL, stdout.
    const size_t a = data.find('\0');
    const size_t b = a == std::string::npos ? a : data.find('\0', a + 1);
    if (b != std::string::npos && data.compare(0, a, key) == 0) {
      CommandResult r;
      r.exit_code = std::atoi(data.c_str() + a + 1);
      r.out = data.substr(b + 1);
      return r;
    }
  }
  CommandResult r = run(cmd);
  std::filesystem::create_directories(dir);
  const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  if (FILE* f = std::fopen(tmp.c_str(), "wb")) {
    const std::string head = key + '\0' + std::to_string(r.exit_code) + '\0';
    const bool ok = std::fwrite(head.data(), 1, head.size(), f) == head.size() &&
                    std::fwrite(r.out.data(), 1, r.out.size(), f) == r.out.size();
    if (std::fclose(f) == 0 && ok) std::rename(tmp.c_str(), path.c_str());
    else std::remove(tmp.c_str());
  }
  return r;
}

inline bool have_ffprobe() { return run("command -v ffprobe >/dev/null 2>&1 && echo y").out == "y\n"; }

/// Big-endian byte writer for fixtures. `box()` writes a header whose size field is
/// patched at `end()`, or forced to a given (possibly lying) value.
class Bytes {
 public:
  Bytes& u8(uint8_t v) { b_.push_back(v); return *this; }
  Bytes& u16(uint16_t v) { return u8(uint8_t(v >> 8)).u8(uint8_t(v)); }
  Bytes& u24(uint32_t v) { return u8(uint8_t(v >> 16)).u8(uint8_t(v >> 8)).u8(uint8_t(v)); }
  Bytes& u32(uint32_t v) { return u16(uint16_t(v >> 16)).u16(uint16_t(v)); }
  Bytes& u64(uint64_t v) { return u32(uint32_t(v >> 32)).u32(uint32_t(v)); }
  Bytes& str(const char* s) { while (*s) u8(uint8_t(*s++)); return *this; }
  Bytes& zeros(size_t n) { b_.insert(b_.end(), n, 0); return *this; }
  /// Opens a box of `type`; its 32-bit size is written by end() unless `forced_size` is set.
  Bytes& box(const char* type, int64_t forced_size = -1) {
    stack_.push_back({b_.size(), forced_size});
    u32(0).str(type);
    return *this;
  }
  Bytes& full_box(const char* type, uint8_t version, uint32_t flags) { return box(type).u8(version).u24(flags); }
  Bytes& end() {
    auto [start, forced] = stack_.back();
    stack_.pop_back();
    uint64_t size = forced >= 0 ? uint64_t(forced) : b_.size() - start;
    for (int i = 0; i < 4; ++i) b_[start + i] = uint8_t(size >> (24 - 8 * i));
    return *this;
  }
  const std::vector<uint8_t>& data() const { return b_; }
  size_t size() const { return b_.size(); }

  /// Writes the bytes to a fresh file under the build's temp dir and returns its path.
  std::string to_file(const std::string& name) const {
    auto dir = std::filesystem::temp_directory_path() / "mp4kit-tests";
    std::filesystem::create_directories(dir);
    auto path = (dir / name).string();
    FILE* f = std::fopen(path.c_str(), "wb");
    std::fwrite(b_.data(), 1, b_.size(), f);
    std::fclose(f);
    return path;
  }

 private:
  std::vector<uint8_t> b_;
  std::vector<std::pair<size_t, int64_t>> stack_;
};

}  // namespace mp4kit::test
