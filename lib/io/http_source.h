// The HTTP(S) byte source (public entry point: open_source() in include/mp4kit/byte_source.h).
//
// Fixed-size blocks (HttpOptions::block_bytes) fetched with Range requests through the
// transport module's C ABI (io/http_abi.h) and kept in an LRU cache capped at
// HttpOptions::cache_bytes. Each response is received into one allocation of the range's
// size, and its blocks are views into it: one copy, out of the transport's buffer. One
// read() fetches every missing block it needs with one request per run of adjacent missing
// blocks; a miss right after the previous fetch's end grows that request by a read-ahead
// that doubles up to HttpOptions::readahead_bytes (decode's sequential pass), unless
// advise(kRandom) turned it off. advise(kWillNeed) fetches a range ahead (seek passes);
// prefetch() fetches a list of ranges (a fragmented file's moof headers,
// mp4/moof_prefetch.h; a moov-at-the-end file's tail, parse_movie.cpp) with one request per
// group of missing blocks whose gaps are at most HttpOptions::coalesce_gap_bytes, within
// half the cache. The first request (block 0, at open) learns the size and the validators
// (ETag, Last-Modified); every later response must agree with them and with the
// Content-Range asked for, or read() fails with kIo "changed on the server".
//
// Threads: all methods may be called from any thread; one mutex serialises the cache and
// the connection (one connection, reused).
#pragma once

#include <memory>
#include <string>

#include "io/http_abi.h"
#include "mp4kit/byte_source.h"

namespace mp4kit::io {

/// Opens `url` through `api` (the loaded transport). Errors: see open_source().
Result<ByteSourcePtr> open_http_source(const mp4kit_http_api& api, const std::string& url, const HttpOptions& options);

}  // namespace mp4kit::io
