#include "json_record.h"
#include "source_flags.h"

#include "commands.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>

namespace mp4kit::cli {
namespace {
int g_stdout_errno = 0;
}  // namespace

std::string dump_record(const ordered_json& j, bool pretty) {
  // Invalid UTF-8 in a file name or tag is replaced (U+FFFD) rather than thrown.
  return j.dump(pretty ? 2 : -1, ' ', false, nlohmann::detail::error_handler_t::replace);
}

void write_record(std::string text) {
  text += '\n';
  write_record_line(text);
}

void write_record_line(std::string_view line) {
  if (g_stdout_errno) return;
  if (std::fflush(stdout) != 0) {
    g_stdout_errno = errno ? errno : EIO;
    return;
  }
  const char* p = line.data();
  size_t left = line.size();
  while (left > 0) {
    const ssize_t n = ::write(STDOUT_FILENO, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      g_stdout_errno = errno;
      return;
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
}

int stdout_write_errno() { return g_stdout_errno; }

ordered_json error_record(const std::string& file, const Error& error) {
  ordered_json e;
  e["exit_code"] = static_cast<int>(error.code);
  e["code"] = error_code_name(error.code);
  e["box_path"] = error.box_path;
  e["offset"] = error.offset;
  const std::string name = display_name(file);
  e["message"] = message_without_file(name, error.message);
  ordered_json j;
  j["filename"] = name;
  j["error"] = std::move(e);
  return j;
}

}  // namespace mp4kit::cli
