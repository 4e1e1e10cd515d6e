// mp4kit: inspect, decode, seek and benchmark MP4 / QuickTime / fragmented MP4 files.
#include <fmt/core.h>
#include <fmt/ranges.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <iterator>
#include <string>
#include <vector>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <system_error>

#include <malloc.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "json_record.h"
#include "source_flags.h"
#include "mp4kit/version.h"

namespace mp4kit::cli {

std::string message_without_file(const std::string& file, const std::string& message) {
  if (file.empty()) return message;
  // "cannot open 'f.mp4': No such file" under "mp4kit: f.mp4: " names the file once.
  std::string out = message;
  const std::string quoted = " '" + file + "'";
  if (size_t at = out.find(quoted); at != std::string::npos) out.erase(at, quoted.size());
  return out;
}

int report_error(const std::string& input, const Error& error) {
  const std::string file = display_name(input);  // a URL's query string stays out (--show-url-query)
  Error e = error;
  e.message = message_without_file(file, e.message);
  if (file.empty()) fmt::print(stderr, "mp4kit: {}\n", e.to_string());
  else fmt::print(stderr, "mp4kit: {}: {}\n", file, e.to_string());
  return static_cast<int>(error.code);
}

namespace {

// Levenshtein distance, for "did you mean" (short strings: O(a x b) is nothing).
size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

// " Did you mean 'x'?" for the nearest of `names` within a third of the word (at least 2
// edits), or a name that starts with `word`; "" when nothing is near.
std::string did_you_mean(const std::string& word, const std::vector<std::string>& names) {
  std::string best;
  size_t best_d = std::max<size_t>(2, word.size() / 3) + 1;
  for (const std::string& n : names) {
    const size_t d = n.rfind(word, 0) == 0 && word.size() >= 3 ? 1 : edit_distance(word, n);
    if (d < best_d) best = n, best_d = d;
  }
  return best.empty() ? "" : " Did you mean '" + best + "'?";
}

std::vector<std::string> subcommand_names(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) names.push_back(sub->get_name());
  return names;
}

// The first argument of `sub`'s command line that looks like a long option it does not
// have ("--pakets", "--pakets=1"), or "". Arguments after "--" are operands.
std::string unknown_long_option(const CLI::App& sub, int argc, char** argv, int first) {
  for (int i = first; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--") break;
    if (a.size() < 3 || a.compare(0, 2, "--") != 0) continue;
    const std::string name = a.substr(0, a.find('='));
    if (!sub.get_option_no_throw(name) && name != "--help" && name != "--version") return name;
  }
  return "";
}

std::vector<std::string> long_option_names(const CLI::App& sub) {
  std::vector<std::string> names;
  for (const CLI::Option* o : sub.get_options([](const CLI::Option*) { return true; }))
    for (const std::string& n : o->get_lnames()) names.push_back("--" + n);
  return names;
}

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

namespace {

// Keeps freed frame-sized blocks in the heap instead of giving them back to the kernel.
// libavcodec frees and reallocates its per-picture tables (qscale, mb_type, motion
// vectors, ~2.5 MB per 1080p H.264 picture and frame thread, zeroed) at every
// avcodec_flush_buffers, i.e. at every seek pass; under glibc's default dynamic threshold
// those blocks are mmap'ed and munmap'ed each time, and every reuse page-faults again
// (measured on `seek --uniform 8` of a 1080p file: 25k -> 15k page faults, about 15% less
// CPU time). 32 MiB is glibc's largest mmap threshold on 64-bit (DEFAULT_MMAP_THRESHOLD_MAX);
// the trim threshold keeps up to 256 MiB of free heap top before returning it. Peak RSS
// is unchanged: the blocks are reused, not added to.
void tune_allocator() {
#ifdef M_MMAP_THRESHOLD
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
#endif
}

}  // namespace

int main(int argc, char** argv) {
  using namespace mp4kit::cli;
  tune_allocator();
  std::signal(SIGPIPE, SIG_IGN);  // a closed stdout pipe is reported as EPIPE and handled quietly
  CLI::App app{"mp4kit: inspect, decode, seek and benchmark MP4 / QuickTime / fragmented MP4 files", "mp4kit"};
  app.footer("'mp4kit help SUBCOMMAND' or 'mp4kit SUBCOMMAND --help' for a subcommand's options; exit codes and JSON "
             "records: README.md");
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("mp4kit ") + mp4kit::version());
  // A first argument that names a subcommand registers that one alone: CLI11 builds every
  // option at registration (~3 million instructions for all five subcommands, as much as
  // the rest of a plain probe of a 2-hour file), and only the named one can match. Help,
  // version and unknown words see them all.
  struct Subcommand {
    const char* name;
    void (*add)(CLI::App&, std::function<int()>&);
    std::function<int()> run;
  };
  Subcommand subcommands[] = {{"probe", register_probe, {}},
                              {"decode", register_decode, {}},
                              {"seek", register_seek, {}},
                              {"bench", register_bench, {}},
                              {"batch", register_batch, {}}};
  const auto named = [&](const char* word) {
    return std::any_of(std::begin(subcommands), std::end(subcommands),
                       [&](const Subcommand& s) { return std::strcmp(s.name, word) == 0; });
  };
  const bool only_named = argc >= 2 && named(argv[1]);
  for (Subcommand& s : subcommands)
    if (!only_named || std::strcmp(s.name, argv[1]) == 0) s.add(app, s.run);
  // `batch ... -- SUBCOMMAND OPTIONS...`: what follows the first "--" is the subcommand
  // batch runs, not batch's own arguments.
  if (argc >= 2 && std::string(argv[1]) == "batch")
    for (int i = 2; i < argc; ++i)
      if (std::string(argv[i]) == "--") {
        set_batch_command(std::vector<std::string>(argv + i + 1, argv + argc));
        argc = i;
        break;
      }
  const std::string version = std::string("mp4kit ") + mp4kit::version();
  for (CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) sub->set_version_flag("--version", version);
  const std::vector<std::string> subs = subcommand_names(app);
  const auto is_sub = [&](const std::string& n) { return std::find(subs.begin(), subs.end(), n) != subs.end(); };
  // `mp4kit help [SUBCOMMAND]`, and a first word that is no subcommand: answered here, since
  // CLI11 would only say "A subcommand is required".
  if (argc >= 2 && std::string(argv[1]) == "help") {
    if (argc == 2) return fmt::print("{}", app.help()), kExitOk;
    if (argc == 3 && is_sub(argv[2])) return fmt::print("{}", app.get_subcommand(argv[2])->help()), kExitOk;
    fmt::print(stderr, "mp4kit: help: unknown subcommand '{}'.{} (subcommands: {})\n", argc > 2 ? argv[2] : "",
               argc > 2 ? did_you_mean(argv[2], subs) : "", fmt::join(subs, ", "));
    return kExitUsage;
  }
  if (argc >= 2 && argv[1][0] != '-' && !is_sub(argv[1])) {
    fmt::print(stderr, "mp4kit: unknown subcommand '{}'.{} (subcommands: {}; see mp4kit help)\n", argv[1],
               did_you_mean(argv[1], subs), fmt::join(subs, ", "));
    return kExitUsage;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // One line on stderr, exit 64 (EX_USAGE); an unknown option gets the nearest known one.
    if (argc >= 2 && is_sub(argv[1])) {
      const CLI::App& sub = *app.get_subcommand(argv[1]);
      if (const std::string bad = unknown_long_option(sub, argc, argv, 2); !bad.empty()) {
        fmt::print(stderr, "mp4kit: {}: unknown option '{}'.{} (see mp4kit help {})\n", argv[1], bad,
                   did_you_mean(bad, long_option_names(sub)), argv[1]);
        return kExitUsage;
      }
      fmt::print(stderr, "mp4kit: {}: {} (see mp4kit help {})\n", argv[1], e.what(), argv[1]);
      return kExitUsage;
    }
    fmt::print(stderr, "mp4kit: {} (see mp4kit help)\n", e.what());
    return kExitUsage;
  }
  int rc = kExitUsage;
  try {
    for (auto* sub : app.get_subcommands())
      for (Subcommand& s : subcommands)
        if (sub->get_name() == s.name && s.run) rc = s.run();
  } catch (const std::system_error& e) {
    // fmt::print throws std::system_error (with errno) when a write to stdout fails.
    return finish_stdout(kExitOk, e.code().value() ? e.code().value() : EIO);
  }
  return finish_stdout(rc, stdout_write_errno());
}
