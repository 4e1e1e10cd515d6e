// The subcommand a batch runs for each input: `mp4kit SUBCOMMAND OPTIONS... INPUT`, with
// per-input placeholders in OPTIONS: {stem} (file name without its last extension), {name}
// (file name), {dir} (the input's directory, "." when it has none) and {index} (the input's
// position in the whole input list, from 0, the same in every shard). `{{` and `}}` are
// literal braces. The values of -o/--output are the input's outputs (recorded, their
// directories created, an existing one not overwritten unless asked). For an http(s)://
// input the placeholders come from the URL's path: its query string (a presigned URL's
// signature) and fragment are left out.
//
// Errors: make_command() returns kUsage with a message naming the argument.
// Threads: plain values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "mp4kit/error.h"

namespace mp4kit::batch {

struct CommandTemplate {
  std::vector<std::string> args;   ///< SUBCOMMAND OPTIONS..., placeholders not expanded
  std::vector<size_t> output_args; ///< indices in args of -o/--output values (or "--output=X" arguments)
  bool has_placeholders = false;
  /// probe --json without --pretty: one record line per input, so one child may take many
  /// inputs and its records be told apart (see Supervisor).
  bool groupable = false;
  /// The command has --show-url-query: the child prints URLs whole, and so do the records.
  bool show_url_query = false;
};

/// Checks the subcommand (probe, decode, seek or bench; not batch) and the placeholders.
/// An output without a placeholder is refused when `many_inputs` (every input would write
/// the same path).
Result<CommandTemplate> make_command(std::vector<std::string> args, bool many_inputs);

struct ExpandedCommand {
  std::vector<std::string> args;     ///< SUBCOMMAND OPTIONS... INPUT
  std::vector<std::string> outputs;  ///< the expanded output paths ("-" excluded)
};

ExpandedCommand expand_command(const CommandTemplate& t, std::string_view input, uint64_t index);

/// How an input is named in its record and in the child's output: a path as given; a URL
/// redacted as the subcommand shows it (mp4kit::redact_url: no user:password@, the query
/// string "?REDACTED" unless `show_url_query`). --resume matches inputs by this name.
std::string shown_input(std::string_view input, bool show_url_query);

/// True when `path` is an output pattern with a printf number (%d, %06d): one file per frame.
bool is_frame_pattern(std::string_view path);

}  // namespace mp4kit::batch
