#include "source_flags.h"

#include <fmt/format.h>

#include <atomic>
#include <cstdio>

namespace mp4kit::cli {
namespace {
std::atomic<bool> g_show_url_query{false};
}

SourceOptions SourceFlags::options() const {
  g_show_url_query = show_url_query;
  SourceOptions s;
  s.file.fault_guard = true;
  HttpOptions& h = s.http;
  h.headers = headers;
  h.insecure = insecure;
  h.ca_file = ca_file;
  h.show_url_query = show_url_query;
  h.retries = retries;
  h.timeout_s = timeout_s;
  h.max_download_bytes = max_download_mb << 20;
  h.block_bytes = block_kb << 10;
  h.cache_bytes = cache_mb << 20;
  h.on_warning = [](const std::string& m) { fmt::print(stderr, "mp4kit: warning: {}\n", m); };
  return s;
}

void add_source_flags(CLI::App& sub, SourceFlags& f) {
  auto* g = "Remote inputs (http:// and https:// URLs)";
  sub.add_option("--http-header", f.headers, "Extra request header 'Name: value' (repeatable; values are never printed)")->group(g);
  sub.add_flag("--insecure", f.insecure, "Do not verify the server's TLS certificate and host name")->group(g);
  sub.add_option("--ca-file", f.ca_file, "PEM file of CA certificates to trust (default: the system's, or $CURL_CA_BUNDLE)")->group(g);
  sub.add_flag("--show-url-query", f.show_url_query, "Print URLs with their query string (redacted by default)")->group(g);
  sub.add_option("--retries", f.retries, "Extra tries on 5xx, resets and timeouts (backoff from 0.1 s, doubling)")
      ->capture_default_str()->group(g);
  sub.add_option("--timeout", f.timeout_s, "Seconds to connect, and the longest stall mid-transfer")
      ->capture_default_str()->check(CLI::Range(0.001, 3600.0))->group(g);
  sub.add_option("--max-download", f.max_download_mb, "MiB read at most from a server that ignores Range (then exit 74)")
      ->capture_default_str()->group(g);
  sub.add_option("--http-block-kb", f.block_kb, "Fetch block size, KiB")->capture_default_str()->check(CLI::Range(4, 65536))->group(g);
  sub.add_option("--http-cache-mb", f.cache_mb, "Block cache cap, MiB (at least 4 blocks)")->capture_default_str()->group(g);
}

std::string display_name(const std::string& input) {
  return is_url(input) ? redact_url(input, g_show_url_query.load()) : input;
}

}  // namespace mp4kit::cli
