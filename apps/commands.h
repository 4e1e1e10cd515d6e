// Subcommand registration for the mp4kit CLI. Each subcommand lives in its own file
// (probe_cmd.cpp, decode_cmd.cpp, ...) and adds itself to the CLI11 app; main.cpp only
// dispatches. Exit codes are documented in README.md ("Exit codes").
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "mp4kit/error.h"

namespace mp4kit::cli {

/// Exit codes (sysexits.h values), shared by every subcommand.
enum Exit : int {
  kExitOk = 0,
  kExitThreshold = 1,   ///< bench: a --min-fps / --max-regression check failed
  kExitUsage = 64,
  kExitMalformed = 65,
  kExitCannotOpen = 66,
  kExitInternal = 70,
  kExitCannotCreate = 73,
  kExitIo = 74,
};

/// Several inputs: the exit code is the largest of the inputs' codes (README "Exit codes"),
/// so one failed input among many is never hidden by later successes.
inline int worse_exit(int rc, int code) { return code > rc ? code : rc; }

/// `-` as an input: mp4kit maps its input and reads the index wherever it is (often at the
/// end), so standard input is refused with a plain message (exit 66) rather than
/// "No such file or directory". Ok for any other path.
inline Status refuse_stdin_input(const std::string& path) {
  if (path != "-") return Ok{};
  return make_error(ErrorCode::kCannotOpen, "", 0,
                    "standard input cannot be an input: mp4kit needs a seekable file (it maps the file and reads its index "
                    "wherever it lies); save the stream to a file first");
}

/// `message` without the quoted name of `file` when it holds it ("cannot open 'f.mp4': ..."
/// -> "cannot open: ..."), for lines and records that name the file already.
std::string message_without_file(const std::string& file, const std::string& message);

/// "1 frame", "2 frames".
inline std::string plural(uint64_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

/// Prints "mp4kit: <file>: <error>" on one line to stderr and returns the exit code for it.
int report_error(const std::string& file, const Error& error);

/// Each register_* adds a subcommand and sets `run` to the function main() calls when
/// that subcommand was chosen.
void register_probe(CLI::App& app, std::function<int()>& run);
void register_decode(CLI::App& app, std::function<int()>& run);
void register_seek(CLI::App& app, std::function<int()>& run);
void register_bench(CLI::App& app, std::function<int()>& run);
void register_batch(CLI::App& app, std::function<int()>& run);
/// `mp4kit batch ... -- SUBCOMMAND OPTIONS...`: main() passes what follows the first "--".
void set_batch_command(std::vector<std::string> tail);

}  // namespace mp4kit::cli
