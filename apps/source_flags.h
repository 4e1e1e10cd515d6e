// The input flags every subcommand takes for http(s):// inputs (README "Remote files"):
// they fill the SourceOptions that open_source() gets, so a URL works wherever a path does.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "mp4kit/byte_source.h"

namespace mp4kit::cli {

struct SourceFlags {
  std::vector<std::string> headers;
  bool insecure = false;
  std::string ca_file;
  bool show_url_query = false;
  uint32_t retries = HttpOptions{}.retries;
  double timeout_s = HttpOptions{}.timeout_s;
  uint64_t max_download_mb = HttpOptions{}.max_download_bytes >> 20;
  uint64_t block_kb = HttpOptions{}.block_bytes >> 10;
  uint64_t cache_mb = HttpOptions{}.cache_bytes >> 20;

  /// The options for open_source(): the fault guard on for files (a file cut while read is
  /// exit 74), warnings printed to stderr as "mp4kit: warning: ...". Also sets what
  /// display_name() shows (the query string or not).
  SourceOptions options() const;
};

void add_source_flags(CLI::App& sub, SourceFlags& f);

/// How an input is named in messages and JSON: a path as given, a URL redacted
/// (redact_url) unless --show-url-query was given.
std::string display_name(const std::string& input);

}  // namespace mp4kit::cli
