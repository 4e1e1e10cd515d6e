// Byte sources: "the bytes of one file", however they are reached (public API).
//
// Everything above this layer (box parser, sample tables, demuxer, decoder bridge) reads
// input bytes only through a ByteSource, never through a pointer to the whole file, so
// that a source which fetches byte ranges over the network works without touching the box
// parser. Three implementations ship:
//   * open_file(): a read-only memory mapping (mmap + madvise). read() returns views into
//     the mapping (no copy); a view holds a reference on the mapping.
//   * memory_source(): bytes already in memory (tests, fuzzers, programs that embed us).
//   * open_source() on an http:// or https:// URL: HTTP(S) byte ranges through libcurl, in
//     the module mp4kit_http.so that is dlopen()ed on the first URL (so local files never
//     load libcurl). Fixed-size blocks in a bounded LRU cache (HttpOptions); read() copies
//     or shares cached blocks, and may block on the network.
//
// Ownership and lifetime: a Buffer is a reference-counted view. Copying a Buffer shares the
// bytes; they stay valid and unchanged while any copy (or slice) lives, even after the
// ByteSource that produced it is gone. A ByteSource is shared (std::shared_ptr) by the
// Demuxer and everything built from it.
//
// Thread rules: ByteSource methods are const and may be called from any thread at once;
// Buffers may be copied and released on any thread.
//
// Errors: read() fails with kIo (exit 74) when the underlying storage fails. A mapped
// file's read() never fails (a view touches no byte); a file that shrank while mapped shows
// in check_intact() once a stage touched the lost pages with the fault guard on (see
// FileSourceOptions::fault_guard). open_file() fails with kCannotOpen (exit 66).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "mp4kit/error.h"

namespace mp4kit {

/// A reference-counted run of input bytes: `size()` bytes at `data()`, which are the
/// source's bytes at absolute offset `offset()`. Cheap to copy (one atomic increment).
class Buffer {
 public:
  Buffer() = default;
  /// Adopts a view: `owner` keeps `data` valid. `tail` = readable bytes after the end that
  /// belong to the same owner (for a mapping: the next bytes of the file), 0 if unknown.
  Buffer(const uint8_t* data, uint64_t size, uint64_t offset, std::shared_ptr<const void> owner, uint64_t tail = 0)
      : data_(data), size_(size), offset_(offset), tail_(tail), owner_(std::move(owner)) {}

  /// Owned copy of `size` bytes (tail() is 0).
  static Buffer copy_of(const uint8_t* data, uint64_t size, uint64_t offset);

  const uint8_t* data() const { return data_; }
  uint64_t size() const { return size_; }
  /// Absolute source offset of data()[0], bytes.
  uint64_t offset() const { return offset_; }
  uint64_t end() const { return offset_ + size_; }
  bool empty() const { return size_ == 0; }
  /// Readable bytes after data() + size() within the same owner (libavcodec's padding rule
  /// needs 64: AV_INPUT_BUFFER_PADDING_SIZE). Not part of [offset, end).
  uint64_t tail() const { return tail_; }
  /// The bytes [rel, rel + n) of this buffer (clamped), sharing the owner.
  Buffer slice(uint64_t rel, uint64_t n) const;
  /// What keeps the bytes alive (for bridging into other reference counts, e.g. AVBufferRef).
  const std::shared_ptr<const void>& owner() const { return owner_; }

 private:
  const uint8_t* data_ = nullptr;
  uint64_t size_ = 0;
  uint64_t offset_ = 0;
  uint64_t tail_ = 0;
  std::shared_ptr<const void> owner_;
};

/// How the caller is about to use a range (madvise-like hint; sources may ignore it).
enum class Access { kNormal, kSequential, kRandom, kWillNeed, kDontNeed };

/// What a source has fetched from its storage so far (all threads).
struct ReadStats {
  uint64_t bytes = 0;     ///< bytes fetched (a mapping counts 0: pages fault in lazily)
  uint64_t requests = 0;  ///< read requests made to the storage / server
};

/// Bytes [offset, offset + size) of a source.
struct ByteRange {
  uint64_t offset = 0;  ///< bytes from the start of the source
  uint64_t size = 0;    ///< bytes
};

/// The bytes of one file. Implementations must be safe to call from several threads.
class ByteSource {
 public:
  virtual ~ByteSource() = default;

  /// The name used in messages and JSON: a path (or, for a remote source, its URL with
  /// any query string redacted).
  virtual const std::string& name() const = 0;
  /// Size in bytes, fixed at open time.
  virtual uint64_t size() const = 0;
  /// Bytes [offset, offset + size) clamped to size(): a range that runs past the end
  /// gives the part that exists (possibly empty), never an error. Errors: kIo.
  virtual Result<Buffer> read(uint64_t offset, uint64_t size) const = 0;
  /// True when read() returns views into memory that is already addressable (a mapping),
  /// so that many small reads cost nothing; false when each read may fetch or copy.
  virtual bool is_mapped() const { return false; }
  /// Access hint for [offset, offset + length); best effort, no error.
  virtual void advise(Access access, uint64_t offset, uint64_t length) const {
    (void)access, (void)offset, (void)length;
  }
  /// True when prefetch() can save round trips (a remote source): worth a caller's extra
  /// work to learn ranges ahead (e.g. reading an index at the end of the file). False for
  /// mappings and memory, where a read costs nothing.
  virtual bool batches_reads() const { return false; }
  /// Hint: the caller is about to read `ranges` (ascending offsets). A remote source fetches
  /// the missing ones in as few requests as it can, one request for ranges whose gaps are
  /// small (HttpOptions::coalesce_gap_bytes), within a budget that keeps them cached (half
  /// the cache). Returns how many of the leading ranges are now held (all of them for a
  /// local source), so that a caller walking a long list hints the next window from where
  /// this one stopped. Never fails: a failed fetch is left for read() to report.
  virtual size_t prefetch(const std::vector<ByteRange>& ranges) const { return ranges.size(); }
  /// Ok while every byte handed out was the file's own. kIo naming the source, the first
  /// failed offset and the new size after the file shrank under a mapping (fault guard).
  /// Cheap; call it at the end of each stage before trusting what was computed.
  virtual Status check_intact() const { return Ok{}; }
  /// Counters of what was fetched so far.
  virtual ReadStats stats() const { return {}; }
};

using ByteSourcePtr = std::shared_ptr<const ByteSource>;

struct FileSourceOptions {
  /// Install mp4kit's SIGBUS handler (process-wide, once) and register this mapping with
  /// it: a page that faults because another process truncated the file reads as zeros and
  /// check_intact() reports kIo, instead of the process dying of SIGBUS. Off by default,
  /// because it replaces any SIGBUS handler the embedding program has (the previous one
  /// is still called for faults outside mp4kit's mappings). The mp4kit CLI turns it on.
  bool fault_guard = false;
};

/// Opens `path` read-only and maps it. Errors: kCannotOpen for a missing, unreadable,
/// non-regular or empty file (the message names the path and the errno text); kIo if
/// mmap fails.
Result<ByteSourcePtr> open_file(const std::string& path, const FileSourceOptions& options = {});

/// A source over `size` bytes at `data` that the caller owns and keeps alive and unchanged
/// for as long as the source or any Buffer read from it lives. No copy is made.
ByteSourcePtr memory_source(const uint8_t* data, uint64_t size, std::string name);

/// A source that owns `bytes`.
ByteSourcePtr memory_source(std::vector<uint8_t> bytes, std::string name);

/// A message a source passes to its user (e.g. "the server ignores Range"); called on the
/// thread that called read(), at most once per distinct warning.
using SourceWarning = std::function<void(const std::string& message)>;

/// How open_source() reaches an http:// or https:// URL (ignored for paths).
///
/// Memory: the source holds at most `cache_bytes` of cached blocks (rounded down to whole
/// blocks, at least 4 blocks). The blocks one request fetched share one allocation, which
/// counts in full against the cap while any of its blocks is cached. Buffers the caller
/// still holds keep their request's bytes alive past eviction. A read() within the blocks
/// of one request returns a view (no copy); one spanning blocks of several requests, a copy.
struct HttpOptions {
  uint64_t block_bytes = 256 << 10;    ///< fetch unit, bytes (4 KiB .. 64 MiB)
  uint64_t cache_bytes = 64ull << 20;  ///< cap on cached blocks, bytes (see above)
  /// Sequential read-ahead cap, bytes: a miss right after the previous fetch's end grows
  /// the next request (doubling, from one block) up to this many bytes. 0 = none.
  uint64_t readahead_bytes = 8ull << 20;
  /// prefetch(): two ranges go into one request when the bytes between them are at most
  /// this many (downloading 1 MiB costs about one round trip at 100 Mbit/s and 80 ms).
  uint64_t coalesce_gap_bytes = 1ull << 20;
  /// Extra request headers, "Name: value" each (e.g. Authorization). Never printed.
  std::vector<std::string> headers;
  bool insecure = false;                ///< skip TLS certificate and host verification
  std::string ca_file;                  ///< PEM CA bundle to trust ("" = the system's, or $CURL_CA_BUNDLE)
  double timeout_s = 30;                ///< connect timeout, and the longest stall mid-transfer, seconds
  uint32_t retries = 3;                 ///< extra tries on 5xx, resets and timeouts (backoff 0.1 s, doubling)
  uint32_t max_redirects = 10;          ///< redirects followed per request (any host)
  /// A server that ignores Range (200 instead of 206) is read from the start: at most this
  /// many bytes in all, then kIo.
  uint64_t max_download_bytes = 256ull << 20;
  bool show_url_query = false;          ///< name() and messages keep the URL's query string
  SourceWarning on_warning;             ///< null: warnings are dropped
};

/// Everything open_source() needs, for either kind of input.
struct SourceOptions {
  FileSourceOptions file;
  HttpOptions http;
};

/// True when `s` starts with "http://" or "https://" (case-insensitive scheme).
bool is_url(std::string_view s);

/// `url` as messages and JSON show it: user:password@ removed, and the query string replaced
/// by "?REDACTED" unless `show_query`.
std::string redact_url(std::string_view url, bool show_query);

/// Opens a local path (open_file) or an http(s):// URL. For a URL the first request fetches
/// block 0 and learns the size (Content-Range); read() then fails with kIo (exit 74) on a
/// network or server failure after the retries, naming the (redacted) URL and byte range.
/// Errors at open: kCannotOpen (66) for 401/403/404/410 (with the status line), a missing
/// host or an empty file; kIo (74) for the rest (TLS failure, 5xx after the retries, a bad
/// Content-Range, a redirect loop); kInternal (70) when mp4kit_http.so cannot be loaded
/// (lookup as for the decode module; $MP4KIT_HTTP_MODULE overrides).
/// Threads: any thread; the returned source serialises its fetches (one connection).
Result<ByteSourcePtr> open_source(const std::string& path_or_url, const SourceOptions& options = {});

}  // namespace mp4kit
