// The frame pool: hits, misses, geometry changes, release from other threads, release after
// the pool is gone; and the steady state of a real decode: no pool miss and no frame-sized
// heap allocation per frame once warmed up (every malloc of the process is counted here).
#include <doctest/doctest.h>

extern "C" {
#include <libavcodec/avcodec.h>
}

#include <atomic>
#include <cstdlib>
#include <thread>

#include "decode_test_util.h"
#include "decode/frame_pool.h"

// --- Counting every heap allocation of the process (libavcodec's included) ------------
// Not under sanitizers: AddressSanitizer owns malloc and calls it before this binary's
// statics exist, so replacing it there crashes at start-up; the pool-miss check still runs.
#if !defined(MP4KIT_SANITIZED)
// The test binary interposes the C allocator and forwards to glibc's own entry points.
extern "C" {
void* __libc_malloc(size_t);
void* __libc_calloc(size_t, size_t);
void* __libc_realloc(void*, size_t);
void* __libc_memalign(size_t, size_t);
void __libc_free(void*);
}
namespace {
std::atomic<bool> g_counting{false};
std::atomic<uint64_t> g_small{0}, g_large{0};
constexpr size_t kLarge = 64 * 1024;  // anything frame-sized (a 160x120 plane is 19 KiB; 1080p 2 MiB)
inline void count(size_t n) {
  if (!g_counting.load(std::memory_order_relaxed)) return;
  (n >= kLarge ? g_large : g_small).fetch_add(1, std::memory_order_relaxed);
}
}  // namespace
extern "C" {
void* malloc(size_t n) { count(n); return __libc_malloc(n); }
void* calloc(size_t a, size_t b) { count(a * b); return __libc_calloc(a, b); }
void* realloc(void* p, size_t n) { count(n); return __libc_realloc(p, n); }
void free(void* p) { __libc_free(p); }
int posix_memalign(void** out, size_t align, size_t n) {
  count(n);
  void* p = __libc_memalign(align, n);
  if (!p) return ENOMEM;
  *out = p;
  return 0;
}
void* aligned_alloc(size_t align, size_t n) { count(n); return __libc_memalign(align, n); }
void* memalign(size_t align, size_t n) { count(n); return __libc_memalign(align, n); }
}
#else
namespace {
std::atomic<bool> g_counting{false};
std::atomic<uint64_t> g_small{0}, g_large{0};
}  // namespace
#endif

namespace mp4kit::test {
namespace {

using decode::CodecHooks;
using decode::FramePool;


struct Ctx {
  AVCodecContext* ctx = nullptr;
  explicit Ctx(AVCodecID id) {
    const AVCodec* codec = avcodec_find_decoder(id);
    ctx = avcodec_alloc_context3(codec);
    ctx->thread_count = 1;
    REQUIRE(avcodec_open2(ctx, codec, nullptr) == 0);  // FFmpeg's default allocator needs an open context
  }
  ~Ctx() { avcodec_free_context(&ctx); }
};

AVFrame* request(AVCodecContext* ctx, int w, int h, AVPixelFormat fmt = AV_PIX_FMT_YUV420P) {
  AVFrame* f = av_frame_alloc();
  f->width = w;
  f->height = h;
  f->format = fmt;
  ctx->pix_fmt = fmt;  // as ff_get_buffer: libavcodec aligns with the context's pixel format
  REQUIRE(ctx->get_buffer2(ctx, f, 0) == 0);
  return f;
}

}  // namespace

TEST_CASE("frame pool: a miss allocates, a release returns the slot, the next request hits") {
  Ctx c(AV_CODEC_ID_H264);
  CodecHooks hooks;
  FramePool pool(FramePool::Config{4});
  pool.attach(c.ctx, hooks);
  AVFrame* a = request(c.ctx, 320, 240);
  CHECK(pool.stats().misses == 1);
  CHECK(pool.owns(a));
  // Strides as FFmpeg's own allocator chooses them for this codec (decoders may assume them).
  AVFrame* ref = av_frame_alloc();
  ref->width = 320;
  ref->height = 240;
  ref->format = AV_PIX_FMT_YUV420P;
  REQUIRE(avcodec_default_get_buffer2(c.ctx, ref, 0) == 0);
  for (int i = 0; i < 4; ++i) CHECK(a->linesize[i] == ref->linesize[i]);
  for (int i = 0; i < 3; ++i) CHECK(a->buf[i]->size >= ref->buf[i]->size);  // same plane sizes, padding included
  av_frame_free(&ref);
  CHECK(reinterpret_cast<uintptr_t>(a->data[0]) % 64 == 0);
  CHECK(a->buf[0] != nullptr);
  CHECK(a->buf[2] != nullptr);
  av_frame_free(&a);  // every plane released -> the slot is back in the ring
  AVFrame* b = request(c.ctx, 320, 240);
  CHECK(pool.stats().hits == 1);
  CHECK(pool.stats().misses == 1);
  CHECK(pool.stats().slots == 1);
  av_frame_free(&b);
}

TEST_CASE("frame pool: beyond max_slots a request still succeeds, as an overflow miss") {
  Ctx c(AV_CODEC_ID_H264);
  CodecHooks hooks;
  FramePool pool(FramePool::Config{2});
  pool.attach(c.ctx, hooks);
  AVFrame* f[3] = {request(c.ctx, 64, 64), request(c.ctx, 64, 64), request(c.ctx, 64, 64)};
  CHECK(pool.stats().misses == 3);
  CHECK(pool.stats().overflow == 1);
  CHECK(pool.stats().slots == 2);
  for (AVFrame*& x : f) av_frame_free(&x);
  AVFrame* again = request(c.ctx, 64, 64);
  CHECK(pool.stats().hits == 1);  // the overflow buffer was freed, not pooled
  av_frame_free(&again);
}

TEST_CASE("frame pool: a new geometry retires the old slots; releases from other threads; release after the pool is gone") {
  Ctx c(AV_CODEC_ID_H264);
  CodecHooks hooks;
  auto pool = std::make_unique<FramePool>(FramePool::Config{8});
  pool->attach(c.ctx, hooks);
  AVFrame* old_size = request(c.ctx, 320, 240);
  AVFrame* new_size = request(c.ctx, 640, 480);
  CHECK(pool->stats().reconfigures == 1);
  std::thread t([&] { av_frame_free(&old_size); });  // released on another thread
  t.join();
  CHECK(pool->stats().slots == 1);  // the old-geometry slot was freed, not pooled
  AVFrame* kept = request(c.ctx, 640, 480);
  av_frame_free(&new_size);
  pool.reset();            // the pool goes away while `kept` still holds a slot
  av_frame_free(&kept);    // the last release frees the slot and the shared state
}

// A real decode, through the decode module as `mp4kit decode` runs it: once warm, every
// frame buffer comes from the ring (no pool miss) and the process makes no frame-sized heap
// allocation per frame. Small allocations remain: libavutil mallocs an AVBufferRef handle
// per plane and per packet reference (there is no API to place one in caller storage), and
// the ABI a frame handle and a packet holder; their count per frame is reported, not hidden.
TEST_CASE("steady state: zero pool misses and zero frame-sized allocations per frame after warm-up") {
  std::string path = corpus_dir().empty() ? samples_dir() + "/h264_bframes_aac.mp4" : corpus_dir() + "/mediabunny_video.mp4";
  if (corpus_dir().empty()) MESSAGE("corpus not found: steady state measured on samples/h264_bframes_aac.mp4");
  auto file = open_file(path);
  REQUIRE(file.ok());
  use_built_module();
  const TestStream ts = open_test_stream(*file, 0);
  DecoderSettings opt;
  opt.threads = 2;
  auto dec = Decoder::open(ts.codec, opt);
  REQUIRE_MESSAGE(dec.ok(), (dec.ok() ? "" : dec.error().to_string()));
  int64_t total = 0;
  for (const Packet& p : ts.packets) total += p.discard ? 0 : 1;
  const int64_t warm = std::min<int64_t>(dec->stats().warmup_frames, total / 2);
  const int64_t stop = total - 8;  // leave the flush out: end of stream is not steady state
  int64_t frames = 0;
  uint64_t misses_at_warm = 0, misses_at_stop = 0;
  decode_all(*dec, ts, [&](Frame&) -> Result<bool> {
    ++frames;
    if (frames == warm) {
      misses_at_warm = dec->stats().pool_misses;
      g_small = 0;
      g_large = 0;
      g_counting = true;
    }
    if (frames == stop) {
      g_counting = false;
      misses_at_stop = dec->stats().pool_misses;
    }
    return true;
  });
  g_counting = false;
  REQUIRE(stop > warm);
  const int64_t measured = stop - warm;
  const mp4kit_decoder_stats s = dec->stats();
  MESSAGE(path << ": " << frames << " frames, warm after " << warm << ", pool " << s.pool_hits << " hits / " << s.pool_misses
               << " misses, " << s.pool_slots << " slots; over " << measured << " steady frames: " << (misses_at_stop - misses_at_warm)
               << " pool misses, " << g_large.load() << " allocations >= 64 KiB, " << double(g_small.load()) / double(measured)
               << " small allocations per frame");
  CHECK(misses_at_stop - misses_at_warm == 0);
#if !defined(MP4KIT_SANITIZED)
  CHECK(g_large.load() == 0);
#else
  MESSAGE("sanitized build: heap allocations are not counted (the allocator belongs to ASan)");
#endif
  CHECK(s.pool_hits > 0);
}

}  // namespace mp4kit::test
