// JSON records on stdout, the contract of README "JSON output": every --json output of
// every subcommand is one record per input (or per run), one compact object on one line
// by default (JSON Lines whatever the number of inputs), or indented with --pretty.
//
// Each record goes out with a single write(2) of the whole text (looped only when the
// kernel takes part of it, EINTR retried), so that parallel writers appending to one file
// (`xargs -P4 mp4kit probe --json >> all.jsonl`) never interleave inside a line. stdio's
// stdout buffer is flushed first, so records stay in order with fmt::print output.
//
// Errors: none returned. A failed write is remembered (stdout_write_errno()) and later
// records are dropped; main() turns it into exit 74, or into nothing for EPIPE (a reader
// that went away, `| head`). Threads: the calling (main) thread only.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "mp4kit/error.h"

namespace mp4kit::cli {

using ordered_json = nlohmann::ordered_json;

/// `j` as one line (compact) or indented by 2 (`pretty`), without the final newline.
std::string dump_record(const ordered_json& j, bool pretty);

/// Writes `text` and a newline to stdout in one write(2) (see above).
void write_record(std::string text);
/// The same for a record already ending in its newline (a large buffer, not copied).
void write_record_line(std::string_view line);
inline void write_record(const ordered_json& j, bool pretty) { write_record(dump_record(j, pretty)); }

/// The errno of the first failed stdout write, 0 if none.
int stdout_write_errno();

/// The record of an input that failed: {"filename": FILE, "error": {"exit_code", "code",
/// "box_path", "offset", "message"}} (README "JSON output").
ordered_json error_record(const std::string& file, const Error& error);

}  // namespace mp4kit::cli
