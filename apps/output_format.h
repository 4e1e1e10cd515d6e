// `-o FILE.ext` without `--format`: the format the extension names (README "decode",
// "seek"). Shared by decode and seek.
#pragma once

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "mp4kit/error.h"

namespace mp4kit::cli {

/// Extension (lower case, without the dot) -> format, for the formats one subcommand writes.
using ExtensionTable = std::vector<std::pair<std::string, std::string>>;

/// The lower-cased extension of `path`'s last component ("" for none, "-" or a dot file).
inline std::string output_extension(const std::string& path) {
  const size_t slash = path.rfind('/');
  const std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  const size_t dot = name.rfind('.');
  if (dot == std::string::npos || dot == 0) return "";
  std::string ext = name.substr(dot + 1);
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return ext;
}

/// The format to write. `given` is --format ("" when absent), `output` is -o ("" when
/// absent), `fallback` the subcommand's default when neither says anything.
/// Errors (kUsage, exit 64): --format and the extension disagree; -o has an extension that
/// names no format and --format is absent.
inline Result<std::string> choose_format(const std::string& given, const std::string& output, const ExtensionTable& table,
                                         const std::string& fallback) {
  const std::string ext = output == "-" ? "" : output_extension(output);
  std::string by_ext;
  for (const auto& [e, f] : table)
    if (e == ext) by_ext = f;
  if (!given.empty()) {
    if (!by_ext.empty() && by_ext != given)
      return make_error(ErrorCode::kUsage, "", 0,
                        "--format " + given + " conflicts with -o " + output + ", whose extension means " + by_ext);
    return given;
  }
  if (!by_ext.empty()) return by_ext;
  if (!ext.empty()) {
    std::string known;
    for (const auto& [e, f] : table) known += (known.empty() ? "." : ", .") + e;
    return make_error(ErrorCode::kUsage, "", 0,
                      "cannot tell the format from -o " + output + ": give --format, or an extension among " + known);
  }
  return fallback;
}

}  // namespace mp4kit::cli
