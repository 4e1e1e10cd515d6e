// The HTTP(S) byte source: blocks, cache, request policy and response checks (see
// io/http_source.h). The transport (libcurl) is in the module behind io/http_abi.h.
#include "io/http_source.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <list>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "io/large_allocator.h"

namespace mp4kit {

bool is_url(std::string_view s) {
  const auto has = [&](std::string_view scheme) {
    if (s.size() < scheme.size()) return false;
    for (size_t i = 0; i < scheme.size(); ++i)
      if (std::tolower(static_cast<unsigned char>(s[i])) != scheme[i]) return false;
    return true;
  };
  return has("http://") || has("https://");
}

std::string redact_url(std::string_view url, bool show_query) {
  std::string u(url);
  const size_t scheme_end = u.find("://");
  if (scheme_end != std::string::npos) {
    const size_t host_begin = scheme_end + 3;
    const size_t host_end = u.find_first_of("/?#", host_begin);
    const size_t at = u.rfind('@', host_end == std::string::npos ? u.size() : host_end);
    if (at != std::string::npos && at >= host_begin) u.erase(host_begin, at + 1 - host_begin);  // user:password@
  }
  const size_t hash = u.find('#');
  if (hash != std::string::npos) u.erase(hash);
  if (!show_query) {
    const size_t q = u.find('?');
    if (q != std::string::npos) u = u.substr(0, q) + "?REDACTED";
  }
  return u;
}

namespace io {
namespace {

// The body of one response: the bytes of one fetch, received straight into one allocation
// sized for the range asked for (no regrowth; 2 MiB and more from LargeAllocator, so that
// the kernel can back a moov-sized run with huge pages). Its blocks are views into it.
// `cached_blocks` (under the source's mutex) counts its blocks in the cache: the run's
// memory counts against the cap while any of them is cached.
struct Run {
  struct Bytes {  // a fixed-capacity byte array (no zeroing, no per-byte construct)
    uint8_t* p = nullptr;
    uint64_t cap = 0, n = 0;
    Bytes() = default;
    Bytes(const Bytes&) = delete;
    Bytes& operator=(const Bytes&) = delete;
    ~Bytes() {
      if (p) LargeAllocator<uint8_t>().deallocate(p, cap);
    }
    void reserve(uint64_t c) {  // once, before the first append
      if (c <= cap) return;
      p = LargeAllocator<uint8_t>().allocate(c);
      cap = c;
    }
    void append(const uint8_t* d, uint64_t k) {  // k <= cap - n (the sink's bound)
      std::memcpy(p + n, d, k);
      n += k;
    }
    const uint8_t* data() const { return p; }
    uint64_t size() const { return n; }
    void shrink_to(uint64_t k) { n = std::min(n, k); }
  };
  Bytes bytes;
  uint64_t cached_blocks = 0;
};
using RunPtr = std::shared_ptr<Run>;

// One cached block: bytes [rel, rel + len) of a run.
struct Block {
  RunPtr run;
  uint64_t rel = 0, len = 0;
  explicit operator bool() const { return run != nullptr; }
  const uint8_t* data() const { return run->bytes.data() + rel; }
  uint64_t size() const { return len; }
};
constexpr uint64_t kNoSize = UINT64_MAX;

std::string range_text(uint64_t first, uint64_t last) { return "bytes " + std::to_string(first) + "-" + std::to_string(last); }

class HttpSource final : public ByteSource {
 public:
  HttpSource(const mp4kit_http_api& api, void* conn, std::string url, const HttpOptions& o)
      : api_(api), conn_(conn), url_(std::move(url)), name_(redact_url(url_, o.show_url_query)), o_(o) {
    block_ = std::clamp<uint64_t>(o.block_bytes, 4 << 10, 64ull << 20);
    cap_blocks_ = std::max<uint64_t>(4, o.cache_bytes / block_);
    cap_bytes_ = cap_blocks_ * block_;
    readahead_cap_blocks_ = std::min(o.readahead_bytes / block_, cap_blocks_ / 4);
  }
  ~HttpSource() override { api_.close(conn_); }

  // The first request: block 0, which gives the size (Content-Range total) and validators.
  Status open() {
    std::lock_guard<std::mutex> lock(mutex_);
    auto bytes = fetch(0, block_ - 1);
    if (!bytes.ok()) return bytes.error();
    if (size_ == 0) return make_error(ErrorCode::kCannotOpen, "", 0, "'" + name_ + "': the file is empty");
    store_run(0, std::move(bytes.value()));
    return Ok{};
  }

  const std::string& name() const override { return name_; }
  uint64_t size() const override { return size_; }
  bool is_mapped() const override { return false; }
  ReadStats stats() const override { return {bytes_.load(), requests_.load()}; }

  Result<Buffer> read(uint64_t offset, uint64_t size) const override {
    if (offset > size_) offset = size_;
    const uint64_t n = std::min(size, size_ - offset);
    if (n == 0) return Buffer(nullptr, 0, offset, nullptr, 0);
    std::lock_guard<std::mutex> lock(mutex_);
    const uint64_t b0 = offset / block_, b1 = (offset + n - 1) / block_;
    auto blocks = blocks_for(b0, b1, /*readahead=*/sequential_);
    if (!blocks.ok()) return blocks.error();
    // Blocks that lie back to back in one run (fetched by one request): a view into the
    // run, which the Buffer keeps alive. Otherwise a copy.
    const Block& first = (*blocks)[0];
    bool one_run = true;
    for (uint64_t b = b0 + 1; b <= b1 && one_run; ++b) {
      const Block& blk = (*blocks)[b - b0];
      one_run = blk.run == first.run && blk.rel == first.rel + (b - b0) * block_;
    }
    if (one_run) {
      const uint64_t rel = first.rel + (offset - b0 * block_);
      return Buffer(first.run->bytes.data() + rel, n, offset, std::shared_ptr<const void>(first.run),
                    first.run->bytes.size() - rel - n);
    }
    std::shared_ptr<uint8_t[]> out(new uint8_t[n]);
    uint64_t done = 0;
    for (uint64_t b = b0; b <= b1; ++b) {
      const Block& blk = (*blocks)[b - b0];
      const uint64_t start = b == b0 ? offset - b0 * block_ : 0;
      const uint64_t take = std::min<uint64_t>(blk.size() - start, n - done);
      std::memcpy(out.get() + done, blk.data() + start, take);
      done += take;
    }
    const uint8_t* p = out.get();
    return Buffer(p, n, offset, std::move(out), 0);
  }

  void advise(Access access, uint64_t offset, uint64_t length) const override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (access == Access::kRandom) sequential_ = false;
    if (access == Access::kSequential || access == Access::kNormal) sequential_ = true;
    if (access != Access::kWillNeed || offset >= size_ || length == 0) return;
    const uint64_t end = std::min(size_, offset + length);
    const uint64_t b0 = offset / block_, b1 = (end - 1) / block_;
    if (b1 - b0 + 1 > cap_blocks_ / 2) return;  // would evict what it prefetches
    (void)blocks_for(b0, b1, false);  // best effort: read() reports the failure if it recurs
  }

  bool batches_reads() const override { return true; }

  // Missing blocks of the leading ranges, grouped: a gap of at most coalesce_gap_bytes
  // between two missing blocks is fetched with them (one request instead of two). Stops
  // before the fetched blocks would pass half the cache, so that none evicts another.
  size_t prefetch(const std::vector<ByteRange>& ranges) const override {
    std::lock_guard<std::mutex> lock(mutex_);
    const uint64_t gap_blocks = o_.coalesce_gap_bytes / block_;
    const uint64_t budget = cap_blocks_ / 2;
    std::vector<std::pair<uint64_t, uint64_t>> groups;  // inclusive block spans
    uint64_t planned = 0;
    size_t covered = 0;
    for (const ByteRange& r : ranges) {
      if (r.offset >= size_ || r.size == 0) {
        ++covered;
        continue;
      }
      const uint64_t b0 = r.offset / block_, b1 = (std::min(size_, r.offset + r.size) - 1) / block_;
      // Planned tentatively: a range that does not fit the budget is taken back.
      const size_t saved_count = groups.size();
      const auto saved_back = groups.empty() ? std::pair<uint64_t, uint64_t>{} : groups.back();
      uint64_t next_planned = planned;
      for (uint64_t b = b0; b <= b1 && next_planned <= budget; ++b) {
        if (cached(b) || (!groups.empty() && b >= groups.back().first && b <= groups.back().second)) continue;
        if (!groups.empty() && b > groups.back().second && b - groups.back().second - 1 <= gap_blocks) {
          next_planned += b - groups.back().second;
          groups.back().second = b;
        } else {
          groups.emplace_back(b, b);
          next_planned += 1;
        }
      }
      if (next_planned > budget) {
        groups.resize(saved_count);
        if (saved_count) groups.back() = saved_back;
        break;
      }
      planned = next_planned;
      ++covered;
    }
    for (const auto& [g0, g1] : groups) {
      auto bytes = fetch(g0 * block_, std::min(size_, (g1 + 1) * block_) - 1);
      if (!bytes.ok()) return 0;  // best effort: read() reports the failure if it recurs
      store_run(g0, std::move(bytes.value()));
    }
    return covered;
  }

 private:
  struct Entry {
    Block block;
    std::list<uint64_t>::iterator pos;
  };

  // Blocks b0..b1, fetching each run of missing blocks with one request (the last run grown
  // by the read-ahead when it continues the previous fetch). Caller holds mutex_.
  Result<std::vector<Block>> blocks_for(uint64_t b0, uint64_t b1, bool readahead) const {
    std::vector<Block> out(b1 - b0 + 1);
    for (uint64_t b = b0; b <= b1; ++b) out[b - b0] = lookup(b);
    const uint64_t last_block = (size_ - 1) / block_;
    for (uint64_t b = b0; b <= b1;) {
      if (out[b - b0]) {
        ++b;
        continue;
      }
      uint64_t e = b;
      while (e + 1 <= b1 && !out[e + 1 - b0]) ++e;
      uint64_t fetch_end = e;
      if (readahead && readahead_cap_blocks_ && b == next_block_) {
        ra_blocks_ = std::clamp<uint64_t>(ra_blocks_ * 2, 1, readahead_cap_blocks_);
        while (fetch_end < last_block && fetch_end - e < ra_blocks_ && !cached(fetch_end + 1)) ++fetch_end;
      } else if (b != next_block_) {
        ra_blocks_ = 0;
      }
      const uint64_t first = b * block_, last = std::min(size_, (fetch_end + 1) * block_) - 1;
      auto bytes = fetch(first, last);
      if (!bytes.ok()) return bytes.error();
      std::vector<Block> run = store_run(b, std::move(bytes.value()));
      for (uint64_t k = b; k <= e; ++k) out[k - b0] = run[k - b];
      next_block_ = fetch_end + 1;
      b = e + 1;
    }
    return out;
  }

  bool cached(uint64_t b) const { return index_.count(b) != 0; }

  Block lookup(uint64_t b) const {
    auto it = index_.find(b);
    if (it == index_.end()) return Block{};
    lru_.splice(lru_.begin(), lru_, it->second.pos);
    return it->second.block;
  }

  // Caches the blocks of a fetch that starts at block `b` (views into `fetched`, no copy).
  // Least recently used blocks leave first, while the runs with a block in the cache hold
  // more than the cap. Returns the new blocks.
  std::vector<Block> store_run(uint64_t b, RunPtr fetched) const {
    std::vector<Block> run;
    const uint64_t total = fetched->bytes.size();
    for (uint64_t at = 0; at < total; at += block_, ++b) {
      Block blk{fetched, at, std::min<uint64_t>(block_, total - at)};
      run.push_back(blk);
      if (auto it = index_.find(b); it != index_.end()) evict(it);
      lru_.push_front(b);
      if (fetched->cached_blocks++ == 0) held_bytes_ += total;
      index_.emplace(b, Entry{std::move(blk), lru_.begin()});
    }
    while (!index_.empty() && (index_.size() > cap_blocks_ || held_bytes_ > cap_bytes_)) evict(index_.find(lru_.back()));
    return run;
  }

  void evict(std::unordered_map<uint64_t, Entry>::iterator it) const {
    Run& r = *it->second.block.run;
    if (--r.cached_blocks == 0) held_bytes_ -= r.bytes.size();
    lru_.erase(it->second.pos);
    index_.erase(it);
  }

  Error fail(ErrorCode code, uint64_t first, uint64_t last, const std::string& what) const {
    return make_error(code, "", first, "'" + name_ + "' " + range_text(first, last) + ": " + what);
  }

  // Checks a response's validators against the first response's. Caller holds mutex_.
  Status same_version(const mp4kit_http_response& r, uint64_t first, uint64_t last) const {
    const auto changed = [&](const char* what, const std::string& was, const std::string& now) {
      return fail(ErrorCode::kIo, first, last, std::string("changed on the server (") + what + " " + was + " -> " + now +
                                                   "); not mixing two versions of the file");
    };
    if (!etag_.empty() && r.etag[0] && etag_ != r.etag) return changed("ETag", etag_, r.etag);
    if (!last_modified_.empty() && r.last_modified[0] && last_modified_ != r.last_modified)
      return changed("Last-Modified", last_modified_, r.last_modified);
    if (size_ != kNoSize && r.status == 206 && r.has_content_range && r.range_total != size_)
      return changed("size", std::to_string(size_), r.range_total == UINT64_MAX ? "*" : std::to_string(r.range_total));
    if (size_ != kNoSize && r.status == 200 && r.content_length >= 0 && static_cast<uint64_t>(r.content_length) != size_)
      return changed("size", std::to_string(size_), std::to_string(r.content_length));
    return Ok{};
  }

  struct Sink {
    uint64_t first = 0, want = 0;  // bytes [first, first + want) of the file
    uint64_t skip = 0;             // bytes before `first` still to drop (a 200 starts at 0)
    uint64_t limit = UINT64_MAX;   // total bytes the sink may receive (--max-download)
    uint64_t received = 0;
    bool over_limit = false;
    RunPtr run = std::make_shared<Run>();
  };
  static size_t on_body(void* ctx, const uint8_t* data, size_t n) {
    auto* s = static_cast<Sink*>(ctx);
    Run::Bytes& bytes = s->run->bytes;
    const uint64_t needed = s->skip + (s->want - bytes.size());  // bytes of this body still of use
    if (s->received + std::min<uint64_t>(n, needed) > s->limit) {
      s->over_limit = true;
      return 0;
    }
    size_t used = 0;
    if (s->skip) {
      const uint64_t d = std::min<uint64_t>(s->skip, n);
      s->skip -= d, used += d;
    }
    const uint64_t take = std::min<uint64_t>(n - used, s->want - bytes.size());
    if (take) bytes.append(data + used, take);
    used += take;
    // Stop once everything asked for is here (the rest of a 200 body is not wanted).
    const size_t consumed = bytes.size() == s->want ? used : n;
    s->received += consumed;
    return consumed;
  }

  // Bytes [first, last] (clamped to the size once known), with retries. Caller holds mutex_.
  Result<RunPtr> fetch(uint64_t first, uint64_t last) const {
    if (size_ != kNoSize) last = std::min(last, size_ - 1);
    std::string last_failure;
    const uint32_t tries = o_.retries + 1;
    for (uint32_t attempt = 0; attempt < tries; ++attempt) {
      if (attempt) {
        const auto backoff = std::chrono::milliseconds(std::min<uint64_t>(100ull << std::min<uint32_t>(attempt - 1, 6), 5000));
        std::this_thread::sleep_for(backoff);
      }
      // Once the server ignored Range, ask from byte 0: a 200 and a 206 then both start there.
      const uint64_t req_first = no_range_ ? 0 : first;
      Sink sink;
      sink.first = first;
      sink.want = last - first + 1;
      sink.run->bytes.reserve(sink.want);
      if (no_range_) {
        sink.skip = first;
        sink.limit = o_.max_download_bytes > downloaded_ ? o_.max_download_bytes - downloaded_ : 0;
      }
      mp4kit_http_response r{};
      api_.get(conn_, req_first, last, &HttpSource::on_body, &sink, &r);
      requests_.fetch_add(1, std::memory_order_relaxed);
      bytes_.fetch_add(sink.received, std::memory_order_relaxed);
      if (no_range_) downloaded_ += sink.received;
      if (sink.over_limit)
        return fail(ErrorCode::kIo, first, last,
                    "the server ignores Range requests and reading this far would download more than --max-download (" +
                        std::to_string(o_.max_download_bytes) + " bytes)");
      switch (r.outcome) {
        case MP4KIT_HTTP_RETRYABLE:
          last_failure = r.error;
          continue;
        case MP4KIT_HTTP_REDIRECT_LOOP:
          return fail(ErrorCode::kIo, first, last, "redirect loop (more than " + std::to_string(o_.max_redirects) + " redirects): " + r.error);
        case MP4KIT_HTTP_NO_HOST:
          return fail(ErrorCode::kCannotOpen, first, last, r.error);
        case MP4KIT_HTTP_FATAL:
          return fail(ErrorCode::kIo, first, last, r.error);
        default:
          break;  // DONE, or STOPPED by the sink once it had every byte asked for
      }
      const std::string status_line = r.status_line[0] ? r.status_line : "HTTP status " + std::to_string(r.status);
      if (r.status == 401 || r.status == 403 || r.status == 404 || r.status == 410)
        return fail(ErrorCode::kCannotOpen, first, last, status_line);
      if (r.status >= 500 || r.status == 408 || r.status == 429) {
        last_failure = status_line;
        continue;
      }
      if (r.status == 416 && size_ == kNoSize && r.has_content_range && r.range_total == 0) {
        size_ = 0;  // "bytes */0": an empty file
        return std::make_shared<Run>();
      }
      if (r.status != 200 && r.status != 206) return fail(ErrorCode::kIo, first, last, "unexpected " + status_line);
      MP4KIT_TRY(same_version(r, first, last));
      if (r.status == 206) {
        if (!r.has_content_range) return fail(ErrorCode::kIo, first, last, "206 response without a Content-Range");
        if (size_ == kNoSize) {
          if (r.range_total == UINT64_MAX)
            return fail(ErrorCode::kIo, first, last, "the server does not say the file's size (Content-Range total '*')");
          size_ = r.range_total;
          last = std::min(last, size_ - 1);
          sink.want = std::min<uint64_t>(sink.want, last - first + 1);
        }
        if (r.range_first != req_first || r.range_last != last)
          return fail(ErrorCode::kIo, first, last,
                      "Content-Range bytes " + std::to_string(r.range_first) + "-" + std::to_string(r.range_last) + "/" +
                          std::to_string(r.range_total) + " does not match the range asked for");
      } else {  // 200: the whole file, from byte 0
        if (size_ == kNoSize) {
          if (r.content_length < 0)
            return fail(ErrorCode::kIo, first, last, "the server ignores Range requests and does not say the file's size");
          size_ = static_cast<uint64_t>(r.content_length);
          last = size_ ? std::min(last, size_ - 1) : 0;
          sink.want = size_ ? std::min<uint64_t>(sink.want, last - first + 1) : 0;
        }
        if (!no_range_) {
          no_range_ = true;
          downloaded_ += sink.received;
          if (o_.on_warning)
            o_.on_warning("'" + name_ + "': the server ignores Range requests (HTTP 200); reading the file from the start, at most " +
                          std::to_string(o_.max_download_bytes) + " bytes in all (--max-download)");
          if (downloaded_ > o_.max_download_bytes)
            return fail(ErrorCode::kIo, first, last,
                        "the server ignores Range requests and this read alone downloaded more than --max-download (" +
                            std::to_string(o_.max_download_bytes) + " bytes)");
        }
      }
      if (!validators_set_) {
        validators_set_ = true;
        etag_ = r.etag;
        last_modified_ = r.last_modified;
      }
      if (size_ == 0) return std::make_shared<Run>();
      Run::Bytes& bytes = sink.run->bytes;
      if (bytes.size() < last - first + 1) {
        return fail(ErrorCode::kIo, first, last,
                    "short body: " + std::to_string(bytes.size()) + " of " + std::to_string(last - first + 1) + " bytes");
      }
      bytes.shrink_to(last - first + 1);
      return std::move(sink.run);
    }
    return fail(ErrorCode::kIo, first, last, last_failure + " (after " + std::to_string(tries) + (tries == 1 ? " try)" : " tries)"));
  }

  const mp4kit_http_api& api_;
  void* conn_;
  std::string url_, name_;
  HttpOptions o_;
  uint64_t block_ = 0, cap_blocks_ = 0, cap_bytes_ = 0, readahead_cap_blocks_ = 0;
  mutable std::mutex mutex_;
  mutable uint64_t size_ = kNoSize;
  mutable std::string etag_, last_modified_;
  mutable std::unordered_map<uint64_t, Entry> index_;
  mutable std::list<uint64_t> lru_;  // most recently used first
  mutable uint64_t held_bytes_ = 0;  // bytes of the runs with a block in the cache
  mutable uint64_t next_block_ = 0;  // the block after the previous fetch's end
  mutable uint64_t ra_blocks_ = 0;
  mutable bool sequential_ = true;
  mutable bool no_range_ = false;
  mutable bool validators_set_ = false;
  mutable uint64_t downloaded_ = 0;  // bytes received since the server was seen ignoring Range
  mutable std::atomic<uint64_t> bytes_{0}, requests_{0};
};

}  // namespace

Result<ByteSourcePtr> open_http_source(const mp4kit_http_api& api, const std::string& url, const HttpOptions& o) {
  std::vector<const char*> headers;
  for (const std::string& h : o.headers) headers.push_back(h.c_str());
  std::string ca = o.ca_file;
  if (ca.empty())
    if (const char* env = std::getenv("CURL_CA_BUNDLE"); env && *env) ca = env;
  mp4kit_http_config cfg{url.c_str(),
                         headers.data(),
                         static_cast<uint32_t>(headers.size()),
                         o.insecure ? 1 : 0,
                         ca.c_str(),
                         static_cast<uint32_t>(std::clamp(o.timeout_s, 0.001, 3600.0) * 1000),
                         o.max_redirects};
  char error[512] = {0};
  void* conn = api.open(&cfg, error, sizeof error);
  if (!conn) return make_error(ErrorCode::kIo, "", 0, "'" + redact_url(url, o.show_url_query) + "': " + error);
  auto src = std::make_shared<HttpSource>(api, conn, url, o);
  MP4KIT_TRY(src->open());
  return ByteSourcePtr(std::move(src));
}

}  // namespace io
}  // namespace mp4kit
