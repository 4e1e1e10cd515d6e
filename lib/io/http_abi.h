// The C ABI between mp4kit_core's HTTP byte source (lib/io/http_source.cpp: blocks, cache,
// validation, retries) and the transport module mp4kit_http.so (lib/http/curl_transport.cpp:
// libcurl), which open_source() dlopen()s on the first URL so that a local probe never
// loads libcurl and its TLS stack.
//
// The module only moves bytes: one GET per call on one reused connection (keep-alive;
// HTTP/2 where TLS ALPN offers it), redirects followed up to the configured bound, and the
// final response's status and validators reported. Everything that decides what a
// response means (Content-Range checks, "changed on the server", retries) is on the core
// side, where it is tested without a network.
//
// Threads: a connection is used by one thread at a time (the source holds a mutex around
// it). Strings in the structs are NUL-terminated, truncated to their capacity.
#pragma once

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MP4KIT_HTTP_ABI_VERSION 1u
#define MP4KIT_HTTP_ENTRY "mp4kit_http_module_api"

struct mp4kit_http_config {
  const char* url;                  ///< http:// or https://, not null
  const char* const* headers;       ///< "Name: value" lines, `header_count` of them
  uint32_t header_count;
  int32_t insecure;                 ///< 1: no TLS peer/host verification
  const char* ca_file;              ///< PEM bundle, or null/"" for the default
  uint32_t timeout_ms;              ///< connect timeout, and the longest stall mid-body
  uint32_t max_redirects;
};

/// How a GET ended, apart from the HTTP status.
enum mp4kit_http_outcome {
  MP4KIT_HTTP_DONE = 0,             ///< a response was received in full (any status)
  MP4KIT_HTTP_RETRYABLE = 1,        ///< reset, timeout, refused connection, partial body
  MP4KIT_HTTP_FATAL = 2,            ///< TLS failure, unknown host, malformed URL, ...
  MP4KIT_HTTP_REDIRECT_LOOP = 3,    ///< more than max_redirects redirects
  MP4KIT_HTTP_STOPPED = 4,          ///< the sink returned less than it was given
  MP4KIT_HTTP_NO_HOST = 5,          ///< the host name does not resolve
};

struct mp4kit_http_response {
  int32_t outcome;                  ///< enum mp4kit_http_outcome
  int32_t status;                   ///< final HTTP status (0 when none arrived)
  char status_line[160];            ///< "HTTP/1.1 404 Not Found" (final response)
  char error[320];                  ///< the transport's reason when outcome != DONE
  int32_t has_content_range;        ///< 1: range_* are set from "Content-Range: bytes a-b/t"
  uint64_t range_first, range_last; ///< inclusive
  uint64_t range_total;             ///< UINT64_MAX for "/*"
  int64_t content_length;           ///< -1 when absent
  char etag[160];                   ///< "" when absent
  char last_modified[64];           ///< "" when absent
  uint64_t body_bytes;              ///< body bytes given to the sink
  uint32_t redirects;               ///< redirects followed
  int32_t http_version;             ///< 10, 11, 20, 30 (0 unknown)
};

/// Receives body bytes of a 2xx response in order; returns `n` to go on, less to stop
/// (the GET then ends with MP4KIT_HTTP_STOPPED). Not called for other statuses.
typedef size_t (*mp4kit_http_sink)(void* ctx, const uint8_t* data, size_t n);

struct mp4kit_http_api {
  uint32_t abi_version;             ///< MP4KIT_HTTP_ABI_VERSION
  /// A connection for `config` (copied). Null on failure, with a reason in `error`.
  void* (*open)(const struct mp4kit_http_config* config, char* error, uint32_t error_cap);
  /// GET with "Range: bytes=first-last" (inclusive). Fills `response`; returns its outcome.
  int32_t (*get)(void* connection, uint64_t first, uint64_t last, mp4kit_http_sink sink, void* ctx,
                 struct mp4kit_http_response* response);
  void (*close)(void* connection);
};

#ifdef __cplusplus
}
#endif
