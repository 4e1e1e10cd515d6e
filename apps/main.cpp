// mp4kit: inspect, decode, seek and benchmark MP4 / QuickTime / fragmented MP4 files.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <system_error>

#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "json_record.h"
#include "mp4kit/version.h"

namespace mp4kit::cli {

int report_error(const std::string& file, const Error& error) {
  if (file.empty()) fmt::print(stderr, "mp4kit: {}\n", error.to_string());
  else fmt::print(stderr, "mp4kit: {}: {}\n", file, error.to_string());
  return static_cast<int>(error.code);
}

namespace {

// True when stdout is a pipe or socket whose reading end is closed (what EPIPE means),
// asked of the descriptor itself: errno after a buffered write is not reliable.
bool stdout_reader_gone() {
  struct stat st {};
  if (fstat(STDOUT_FILENO, &st) != 0 || !(S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))) return false;
  pollfd p{STDOUT_FILENO, POLLOUT, 0};
  return poll(&p, 1, 0) == 1 && (p.revents & (POLLERR | POLLHUP));
}

// Errors writing stdout, handled once for every subcommand. A reader that went away
// (`mp4kit probe --packets f | head`; SIGPIPE is ignored, so writes fail with EPIPE) is
// not an error: the command stops quietly with its status so far. Anything else (ENOSPC,
// EIO, EBADF) is exit 74 with one line. `write_errno` is an error already seen, or 0.
int finish_stdout(int rc, int write_errno) {
  errno = 0;
  if (write_errno == 0 && std::fflush(stdout) == 0 && !std::ferror(stdout)) return rc;
  if (write_errno == 0) write_errno = errno ? errno : EIO;
  if (write_errno == EPIPE || stdout_reader_gone()) return rc;
  fmt::print(stderr, "mp4kit: cannot write to standard output: {}\n", std::strerror(write_errno));
  return rc == kExitOk ? kExitIo : rc;
}

}  // namespace
}  // namespace mp4kit::cli

int main(int argc, char** argv) {
  using namespace mp4kit::cli;
  std::signal(SIGPIPE, SIG_IGN);  // a closed stdout pipe is reported as EPIPE and handled quietly
  CLI::App app{"mp4kit: inspect, decode, seek and benchmark MP4 / QuickTime / fragmented MP4 files"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("mp4kit ") + mp4kit::version());
  std::function<int()> run;
  std::function<int()> run_probe, run_decode, run_seek, run_bench;
  register_probe(app, run_probe);
  register_decode(app, run_decode);
  register_seek(app, run_seek);
  register_bench(app, run_bench);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // One line on stderr, exit 64 (EX_USAGE).
    fmt::print(stderr, "mp4kit: {} (see --help)\n", e.what());
    return kExitUsage;
  }
  int rc = kExitUsage;
  try {
    for (auto* sub : app.get_subcommands()) {
      const std::string& n = sub->get_name();
      if (n == "probe") rc = run_probe();
      else if (n == "decode") rc = run_decode();
      else if (n == "seek") rc = run_seek();
      else if (n == "bench") rc = run_bench();
    }
  } catch (const std::system_error& e) {
    // fmt::print throws std::system_error (with errno) when a write to stdout fails.
    return finish_stdout(kExitOk, e.code().value() ? e.code().value() : EIO);
  }
  return finish_stdout(rc, stdout_write_errno());
}
