// mp4kit: inspect, decode, seek and benchmark MP4 / QuickTime / fragmented MP4 files.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <csignal>

#include "commands.h"

namespace mp4kit::cli {

int report_error(const std::string& file, const Error& error) {
  if (file.empty()) fmt::print(stderr, "mp4kit: {}\n", error.to_string());
  else fmt::print(stderr, "mp4kit: {}: {}\n", file, error.to_string());
  return static_cast<int>(error.code);
}

}  // namespace mp4kit::cli

int main(int argc, char** argv) {
  using namespace mp4kit::cli;
  std::signal(SIGPIPE, SIG_IGN);  // a closed stdout pipe is reported as EPIPE and handled quietly
  CLI::App app{"mp4kit: inspect, decode, seek and benchmark MP4 / QuickTime / fragmented MP4 files"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "mp4kit 0.1.0");
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
  for (auto* sub : app.get_subcommands()) {
    const std::string& n = sub->get_name();
    if (n == "probe") return run_probe();
    if (n == "decode") return run_decode();
    if (n == "seek") return run_seek();
    if (n == "bench") return run_bench();
  }
  return kExitUsage;
}
