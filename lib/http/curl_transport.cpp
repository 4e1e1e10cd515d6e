// mp4kit_http.so: the HTTP(S) transport behind lib/io/http_abi.h, on libcurl's easy
// interface. One easy handle per connection, reused for every GET so that libcurl keeps the
// connection alive (and negotiates HTTP/2 over TLS when the server offers it through ALPN).
// It reports what the server said; lib/io/http_source.cpp decides what that means.
#include <curl/curl.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

#include "io/http_abi.h"

namespace {

void copy_str(char* dst, size_t cap, const std::string& s) {
  if (!cap) return;
  const size_t n = std::min(cap - 1, s.size());
  std::memcpy(dst, s.data(), n);
  dst[n] = '\0';
}

struct Connection {
  CURL* curl = nullptr;
  curl_slist* headers = nullptr;
  std::string url, ca_file;
  // Per GET:
  mp4kit_http_response* response = nullptr;
  mp4kit_http_sink sink = nullptr;
  void* sink_ctx = nullptr;
  bool stopped = false;
};

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\r' || s.back() == '\n' || s.back() == ' ' || s.back() == '\t')) s.pop_back();
  size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  return s.substr(i);
}

bool starts_with_nocase(const std::string& s, const char* prefix) {
  const size_t n = std::strlen(prefix);
  if (s.size() < n) return false;
  for (size_t i = 0; i < n; ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != std::tolower(static_cast<unsigned char>(prefix[i]))) return false;
  return true;
}

// Header lines of every response (redirects included): a status line starts a new set, so
// what is left at the end belongs to the final response.
size_t on_header(char* data, size_t size, size_t n, void* user) {
  auto* c = static_cast<Connection*>(user);
  mp4kit_http_response* r = c->response;
  const std::string line = trim(std::string(data, size * n));
  if (starts_with_nocase(line, "HTTP/")) {
    const uint32_t redirects = r->redirects;
    *r = mp4kit_http_response{};
    r->redirects = redirects;
    r->content_length = -1;
    copy_str(r->status_line, sizeof r->status_line, line);
    const size_t sp = line.find(' ');
    if (sp != std::string::npos) r->status = std::atoi(line.c_str() + sp + 1);
    if (r->status >= 300 && r->status < 400) r->redirects += 1;
  } else if (starts_with_nocase(line, "content-range:")) {
    unsigned long long a = 0, b = 0, t = 0;
    const std::string v = trim(line.substr(14));
    if (std::sscanf(v.c_str(), "bytes %llu-%llu/%llu", &a, &b, &t) == 3) {
      r->has_content_range = 1, r->range_first = a, r->range_last = b, r->range_total = t;
    } else if (std::sscanf(v.c_str(), "bytes %llu-%llu/*", &a, &b) == 2) {
      r->has_content_range = 1, r->range_first = a, r->range_last = b, r->range_total = UINT64_MAX;
    }
  } else if (starts_with_nocase(line, "content-length:")) {
    r->content_length = std::strtoll(trim(line.substr(15)).c_str(), nullptr, 10);
  } else if (starts_with_nocase(line, "etag:")) {
    copy_str(r->etag, sizeof r->etag, trim(line.substr(5)));
  } else if (starts_with_nocase(line, "last-modified:")) {
    copy_str(r->last_modified, sizeof r->last_modified, trim(line.substr(14)));
  }
  return size * n;
}

size_t on_body(char* data, size_t size, size_t n, void* user) {
  auto* c = static_cast<Connection*>(user);
  const size_t bytes = size * n;
  // Bodies of error and redirect responses are read and dropped (the status says it all).
  if (c->response->status < 200 || c->response->status >= 300) return bytes;
  const size_t taken = c->sink(c->sink_ctx, reinterpret_cast<const uint8_t*>(data), bytes);
  c->response->body_bytes += taken;
  if (taken != bytes) c->stopped = true;
  return taken;
}

void* http_open(const mp4kit_http_config* cfg, char* error, uint32_t error_cap) {
  static std::once_flag init;
  std::call_once(init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  auto* c = new Connection;
  c->curl = curl_easy_init();
  if (!c->curl) {
    copy_str(error, error_cap, "curl_easy_init failed");
    delete c;
    return nullptr;
  }
  c->url = cfg->url;
  if (cfg->ca_file) c->ca_file = cfg->ca_file;
  for (uint32_t i = 0; i < cfg->header_count; ++i) c->headers = curl_slist_append(c->headers, cfg->headers[i]);
  CURL* h = c->curl;
  curl_easy_setopt(h, CURLOPT_URL, c->url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(h, CURLOPT_MAXREDIRS, static_cast<long>(cfg->max_redirects));
  // Presigned URLs redirect to other hosts. libcurl (>= 7.58) sends a custom Authorization
  // or Cookie header only to the host the user named, never to the one redirected to.
  curl_easy_setopt(h, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
  // 512 KiB receive buffer (libcurl's default is 16 KiB): a moov-sized body in a few dozen
  // recv() calls instead of hundreds.
  curl_easy_setopt(h, CURLOPT_BUFFERSIZE, 512L << 10);
  curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, nullptr);  // identity: byte ranges of the file itself
  curl_easy_setopt(h, CURLOPT_USERAGENT, "mp4kit");
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(cfg->timeout_ms));
  // A stall of timeout_ms mid-body is a timeout; a long but moving transfer is not.
  const long stall_s = std::max(1L, static_cast<long>(cfg->timeout_ms / 1000));
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, stall_s);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, cfg->insecure ? 0L : 1L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, cfg->insecure ? 0L : 2L);
  if (!c->ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, c->ca_file.c_str());
  if (c->headers) curl_easy_setopt(h, CURLOPT_HTTPHEADER, c->headers);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, c);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, c);
  return c;
}

int32_t http_get(void* conn, uint64_t first, uint64_t last, mp4kit_http_sink sink, void* ctx, mp4kit_http_response* r) {
  auto* c = static_cast<Connection*>(conn);
  *r = mp4kit_http_response{};
  r->content_length = -1;
  c->response = r;
  c->sink = sink;
  c->sink_ctx = ctx;
  c->stopped = false;
  const std::string range = std::to_string(first) + "-" + std::to_string(last);
  curl_easy_setopt(c->curl, CURLOPT_RANGE, range.c_str());
  char errbuf[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, errbuf);
  const CURLcode rc = curl_easy_perform(c->curl);
  curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, nullptr);
  long version = 0;
  curl_easy_getinfo(c->curl, CURLINFO_HTTP_VERSION, &version);
  r->http_version = version == CURL_HTTP_VERSION_1_0 ? 10 : version == CURL_HTTP_VERSION_1_1 ? 11
                  : version == CURL_HTTP_VERSION_2_0 ? 20 : version == CURL_HTTP_VERSION_3 ? 30 : 0;
  if (rc == CURLE_OK) return r->outcome = MP4KIT_HTTP_DONE;
  copy_str(r->error, sizeof r->error, std::string(curl_easy_strerror(rc)) + (errbuf[0] ? std::string(": ") + errbuf : ""));
  switch (rc) {
    case CURLE_WRITE_ERROR:
      r->outcome = c->stopped ? MP4KIT_HTTP_STOPPED : MP4KIT_HTTP_FATAL;
      break;
    case CURLE_COULDNT_RESOLVE_HOST:
      r->outcome = MP4KIT_HTTP_NO_HOST;
      break;
    case CURLE_TOO_MANY_REDIRECTS:
      r->outcome = MP4KIT_HTTP_REDIRECT_LOOP;
      break;
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_SSL_CONNECT_ERROR:
      r->outcome = MP4KIT_HTTP_RETRYABLE;
      break;
    default:
      r->outcome = MP4KIT_HTTP_FATAL;
      break;
  }
  return r->outcome;
}

void http_close(void* conn) {
  auto* c = static_cast<Connection*>(conn);
  if (!c) return;
  curl_easy_cleanup(c->curl);
  curl_slist_free_all(c->headers);
  delete c;
}

const mp4kit_http_api kApi{MP4KIT_HTTP_ABI_VERSION, http_open, http_get, http_close};

}  // namespace

extern "C" __attribute__((visibility("default"))) const mp4kit_http_api* mp4kit_http_module_api() { return &kApi; }
