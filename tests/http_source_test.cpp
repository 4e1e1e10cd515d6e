// The HTTP source's request policy and response checks (lib/io/http_source.cpp), over a fake
// transport that serves a byte vector through the module's C ABI (lib/io/http_abi.h) and
// misbehaves on request. No network: tests/http/http_test.py runs the same source against
// nginx and a fault proxy.
#include <doctest/doctest.h>

#include <cstring>
#include <deque>
#include <string>
#include <vector>

#include "io/http_source.h"

using namespace mp4kit;

namespace {

// One fake server. `conn` handed to the source is a pointer to it.
struct FakeServer {
  std::vector<uint8_t> file;
  std::string etag = "\"v1\"";
  bool ignore_range = false;       // answer 200 with the whole file
  int64_t shift_range = 0;         // Content-Range start moved by this much
  bool short_body = false;         // one byte less than the Content-Range says
  std::deque<int> statuses;        // statuses to answer (then 206) — e.g. 503, 503
  std::deque<int> outcomes;        // transport outcomes to report first (RETRYABLE ...)
  std::vector<std::pair<uint64_t, uint64_t>> requests;  // ranges asked for
};

void* fake_open(const mp4kit_http_config* cfg, char*, uint32_t) {
  return reinterpret_cast<FakeServer*>(std::strtoull(cfg->url + std::strlen("http://fake/"), nullptr, 16));
}

int32_t fake_get(void* conn, uint64_t first, uint64_t last, mp4kit_http_sink sink, void* ctx, mp4kit_http_response* r) {
  auto* s = static_cast<FakeServer*>(conn);
  *r = mp4kit_http_response{};
  r->content_length = -1;
  s->requests.emplace_back(first, last);
  if (!s->outcomes.empty()) {
    r->outcome = s->outcomes.front();
    s->outcomes.pop_front();
    std::strcpy(r->error, "Connection reset by peer");
    return r->outcome;
  }
  if (!s->statuses.empty()) {
    r->status = s->statuses.front();
    s->statuses.pop_front();
    std::snprintf(r->status_line, sizeof r->status_line, "HTTP/1.1 %d Status", r->status);
    return r->outcome = MP4KIT_HTTP_DONE;
  }
  std::snprintf(r->etag, sizeof r->etag, "%s", s->etag.c_str());
  const uint64_t size = s->file.size();
  uint64_t a = first, b = std::min<uint64_t>(last, size - 1);
  if (s->ignore_range) {
    a = 0, b = size - 1;
    r->status = 200;
    r->content_length = static_cast<int64_t>(size);
  } else {
    r->status = 206;
    r->has_content_range = 1;
    r->range_first = a + static_cast<uint64_t>(s->shift_range);
    r->range_last = b + static_cast<uint64_t>(s->shift_range);
    r->range_total = size;
  }
  const uint64_t n = b - a + 1 - (s->short_body ? 1 : 0);
  const size_t taken = sink(ctx, s->file.data() + a, n);
  r->body_bytes = taken;
  return r->outcome = taken == n ? MP4KIT_HTTP_DONE : MP4KIT_HTTP_STOPPED;
}

void fake_close(void*) {}

const mp4kit_http_api kFake{MP4KIT_HTTP_ABI_VERSION, fake_open, fake_get, fake_close};

std::string url_for(FakeServer& s, const std::string& query = "") {
  char buf[64];
  std::snprintf(buf, sizeof buf, "http://fake/%llx", static_cast<unsigned long long>(reinterpret_cast<uintptr_t>(&s)));
  return buf + query;
}

constexpr uint64_t kBlock = 4096;

HttpOptions small_blocks() {
  HttpOptions o;
  o.block_bytes = kBlock;
  o.cache_bytes = 64 * kBlock;
  o.readahead_bytes = 8 * kBlock;
  o.retries = 2;
  return o;
}

FakeServer server_of(size_t n) {
  FakeServer s;
  s.file.resize(n);
  for (size_t i = 0; i < n; ++i) s.file[i] = static_cast<uint8_t>(i * 13 + 5);
  return s;
}

void check_bytes(const Buffer& b, const FakeServer& s, uint64_t offset, uint64_t n) {
  REQUIRE(b.size() == n);
  CHECK(b.offset() == offset);
  CHECK(std::memcmp(b.data(), s.file.data() + offset, n) == 0);
}

}  // namespace

TEST_CASE("http source: open fetches block 0 and learns the size; adjacent misses are one request") {
  FakeServer s = server_of(20 * kBlock + 100);
  auto src = io::open_http_source(kFake, url_for(s), small_blocks());
  REQUIRE(src.ok());
  CHECK((*src)->size() == s.file.size());
  REQUIRE(s.requests.size() == 1);
  CHECK(s.requests[0] == std::pair<uint64_t, uint64_t>(0, kBlock - 1));
  (*src)->advise(Access::kRandom, 0, (*src)->size());  // no read-ahead
  auto b = (*src)->read(3 * kBlock + 10, 4 * kBlock);  // blocks 3..7: one request
  REQUIRE(b.ok());
  check_bytes(*b, s, 3 * kBlock + 10, 4 * kBlock);
  REQUIRE(s.requests.size() == 2);
  CHECK(s.requests[1] == std::pair<uint64_t, uint64_t>(3 * kBlock, 8 * kBlock - 1));
  // Cached now; a read over cached and missing blocks fetches only the missing run.
  auto c = (*src)->read(kBlock, 9 * kBlock);  // blocks 1..9: 1-2 and 8-9 missing
  REQUIRE(c.ok());
  check_bytes(*c, s, kBlock, 9 * kBlock);
  REQUIRE(s.requests.size() == 4);
  CHECK(s.requests[2] == std::pair<uint64_t, uint64_t>(kBlock, 3 * kBlock - 1));
  CHECK(s.requests[3] == std::pair<uint64_t, uint64_t>(8 * kBlock, 10 * kBlock - 1));
  // The last, short block; past the end is clamped.
  auto tail = (*src)->read(20 * kBlock, 1000);
  REQUIRE(tail.ok());
  check_bytes(*tail, s, 20 * kBlock, 100);
  CHECK(s.requests.back() == std::pair<uint64_t, uint64_t>(20 * kBlock, 20 * kBlock + 99));
  CHECK((*src)->stats().requests == s.requests.size());
  CHECK((*src)->name() == url_for(s));
}

TEST_CASE("http source: the cache stays under its cap (LRU) and sequential misses grow by read-ahead") {
  FakeServer s = server_of(40 * kBlock);
  HttpOptions o = small_blocks();
  o.cache_bytes = 4 * kBlock;
  o.readahead_bytes = 0;
  auto src = io::open_http_source(kFake, url_for(s), o);
  REQUIRE(src.ok());
  for (uint64_t b = 1; b <= 5; ++b) REQUIRE((*src)->read(b * kBlock, 1).ok());
  const size_t before = s.requests.size();
  REQUIRE((*src)->read(5 * kBlock, 1).ok());  // most recent: cached
  CHECK(s.requests.size() == before);
  REQUIRE((*src)->read(1 * kBlock, 1).ok());  // evicted (cap 4 blocks): fetched again
  CHECK(s.requests.size() == before + 1);

  FakeServer t = server_of(64 * kBlock);
  auto seq = io::open_http_source(kFake, url_for(t), small_blocks());  // read-ahead up to 8 blocks
  REQUIRE(seq.ok());
  for (uint64_t at = kBlock; at < 64 * kBlock; at += 1000) {
    auto b = (*seq)->read(at, 1000);
    REQUIRE(b.ok());
    check_bytes(*b, t, at, std::min<uint64_t>(1000, 64 * kBlock - at));
  }
  // 63 blocks after block 0 in requests of 2, 4, 8, 8, ... blocks: far fewer than 63.
  CHECK(t.requests.size() <= 12);
}

TEST_CASE("http source: prefetch coalesces ranges with small gaps, within half the cache, and says how many it holds") {
  FakeServer s = server_of(200 * kBlock);
  HttpOptions o = small_blocks();  // cache 64 blocks: a prefetch takes at most 32
  o.coalesce_gap_bytes = 2 * kBlock;
  auto src = io::open_http_source(kFake, url_for(s), o);
  REQUIRE(src.ok());
  CHECK((*src)->batches_reads());
  // Blocks 10, 12, 15 (gaps of 1 and 2 blocks: one request 10..15), then 30 (gap 14: a second request).
  const std::vector<ByteRange> near = {{10 * kBlock + 5, 10}, {12 * kBlock, 32}, {15 * kBlock + 4000, 200}, {30 * kBlock, 8}};
  CHECK((*src)->prefetch(near) == near.size());
  REQUIRE(s.requests.size() == 3);
  CHECK(s.requests[1] == std::pair<uint64_t, uint64_t>(10 * kBlock, 17 * kBlock - 1));  // 15 * kBlock + 4000 + 200 spills into 16
  CHECK(s.requests[2] == std::pair<uint64_t, uint64_t>(30 * kBlock, 31 * kBlock - 1));
  for (const ByteRange& r : near) {  // all cached: no request
    auto b = (*src)->read(r.offset, r.size);
    REQUIRE(b.ok());
    check_bytes(*b, s, r.offset, r.size);
  }
  CHECK(s.requests.size() == 3);
  CHECK((*src)->prefetch(near) == near.size());  // nothing missing: nothing fetched
  CHECK(s.requests.size() == 3);
  // 40 ranges of one block each, 4 blocks apart (gap 3 > 2: one request each), from block
  // 40 on: the budget (32 blocks) stops it after 32; the caller resumes from the 33rd.
  std::vector<ByteRange> many;
  for (uint64_t i = 0; i < 40; ++i) many.push_back({(40 + 4 * i) * kBlock, 100});
  const size_t covered = (*src)->prefetch(many);
  CHECK(covered == 32);
  CHECK(s.requests.size() == 3 + 32);
  for (size_t i = 0; i < covered; ++i) REQUIRE((*src)->read(many[i].offset, many[i].size).ok());
  CHECK(s.requests.size() == 3 + 32);  // they stayed cached
  // A local source holds every range already.
  std::vector<uint8_t> bytes(100);
  CHECK(memory_source(bytes.data(), bytes.size(), "m")->prefetch(near) == near.size());
  CHECK_FALSE(memory_source(bytes.data(), bytes.size(), "m")->batches_reads());
}

TEST_CASE("http source: a view of one block outlives its eviction") {
  FakeServer s = server_of(16 * kBlock);
  HttpOptions o = small_blocks();
  o.cache_bytes = 4 * kBlock;
  auto src = io::open_http_source(kFake, url_for(s), o);
  REQUIRE(src.ok());
  auto held = (*src)->read(2 * kBlock + 5, 100);
  REQUIRE(held.ok());
  for (uint64_t b = 4; b < 16; ++b) REQUIRE((*src)->read(b * kBlock, 1).ok());
  check_bytes(*held, s, 2 * kBlock + 5, 100);
  CHECK(held->tail() == kBlock - 105);  // the rest of its block
}

TEST_CASE("http source: retries on 5xx and resets, then kIo naming the range") {
  FakeServer s = server_of(8 * kBlock);
  s.statuses = {503, 503};
  auto ok = io::open_http_source(kFake, url_for(s), small_blocks());  // 2 retries: enough
  REQUIRE(ok.ok());
  CHECK(s.requests.size() == 3);

  FakeServer t = server_of(8 * kBlock);
  auto src = io::open_http_source(kFake, url_for(t, "?sig=SECRET"), small_blocks());
  REQUIRE(src.ok());
  t.outcomes = {MP4KIT_HTTP_RETRYABLE, MP4KIT_HTTP_RETRYABLE, MP4KIT_HTTP_RETRYABLE};
  auto b = (*src)->read(5 * kBlock, 10);
  REQUIRE(!b.ok());
  CHECK(b.error().code == ErrorCode::kIo);
  CHECK(b.error().message.find("bytes 20480-") != std::string::npos);
  CHECK(b.error().message.find("after 3 tries") != std::string::npos);
  CHECK(b.error().message.find("SECRET") == std::string::npos);
  CHECK(b.error().message.find("?REDACTED") != std::string::npos);
}

TEST_CASE("http source: 404 is kCannotOpen; a changed ETag, a wrong Content-Range, a short body are kIo") {
  FakeServer s = server_of(8 * kBlock);
  s.statuses = {404};
  auto missing = io::open_http_source(kFake, url_for(s), small_blocks());
  REQUIRE(!missing.ok());
  CHECK(missing.error().code == ErrorCode::kCannotOpen);
  CHECK(missing.error().message.find("404") != std::string::npos);

  FakeServer t = server_of(8 * kBlock);
  auto src = io::open_http_source(kFake, url_for(t), small_blocks());
  REQUIRE(src.ok());
  t.etag = "\"v2\"";
  auto changed = (*src)->read(3 * kBlock, 10);
  REQUIRE(!changed.ok());
  CHECK(changed.error().code == ErrorCode::kIo);
  CHECK(changed.error().message.find("changed on the server") != std::string::npos);

  t.etag = "\"v1\"";
  t.shift_range = 1;
  auto shifted = (*src)->read(4 * kBlock, 10);
  REQUIRE(!shifted.ok());
  CHECK(shifted.error().message.find("does not match the range asked for") != std::string::npos);

  t.shift_range = 0;
  t.short_body = true;
  auto cut = (*src)->read(5 * kBlock, 10);
  REQUIRE(!cut.ok());
  CHECK(cut.error().message.find("short body") != std::string::npos);
}

TEST_CASE("http source: a server ignoring Range: a warning, reads from the start, --max-download cap") {
  FakeServer s = server_of(10 * kBlock);
  s.ignore_range = true;
  HttpOptions o = small_blocks();
  std::vector<std::string> warnings;
  o.on_warning = [&](const std::string& w) { warnings.push_back(w); };
  o.max_download_bytes = 6 * kBlock;
  auto src = io::open_http_source(kFake, url_for(s), o);
  REQUIRE(src.ok());
  CHECK((*src)->size() == s.file.size());
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0].find("ignores Range") != std::string::npos);
  (*src)->advise(Access::kRandom, 0, (*src)->size());
  auto b = (*src)->read(3 * kBlock + 7, 100);  // bytes 0..4 blocks received: under the cap
  REQUIRE(b.ok());
  check_bytes(*b, s, 3 * kBlock + 7, 100);
  auto far = (*src)->read(9 * kBlock, 100);  // would need 10 more blocks in all
  REQUIRE(!far.ok());
  CHECK(far.error().code == ErrorCode::kIo);
  CHECK(far.error().message.find("--max-download") != std::string::npos);
  CHECK(warnings.size() == 1);
}

TEST_CASE("redact_url and is_url") {
  CHECK(redact_url("https://user:pw@host.example/a/b.mp4?X-Amz-Signature=abc#t=3", false) ==
        "https://host.example/a/b.mp4?REDACTED");
  CHECK(redact_url("https://host/a.mp4?x=1", true) == "https://host/a.mp4?x=1");
  CHECK(redact_url("http://host/a.mp4", false) == "http://host/a.mp4");
  CHECK(is_url("HTTPS://x/y"));
  CHECK(is_url("http://x"));
  CHECK_FALSE(is_url("samples/http.mp4"));
  CHECK_FALSE(is_url("ftp://x/y"));
}
