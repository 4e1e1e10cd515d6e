#include "decode/frame_pool.h"

extern "C" {
#include <libavutil/imgutils.h>
#include <libavutil/mem.h>
#include <libavutil/pixdesc.h>
#include <libavutil/samplefmt.h>
}

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <vector>

#include <sys/mman.h>

namespace mp4kit::decode {
namespace {

// libavcodec's STRIDE_ALIGN on x86-64 builds with AVX-512 (Debian's), and the extra bytes
// avcodec_default_get_buffer2 adds after every plane (16 + STRIDE_ALIGN - 1).
constexpr size_t kAlign = 64;
constexpr size_t kPlaneSlack = 16 + kAlign - 1;

size_t align_up(size_t v) { return (v + kAlign - 1) & ~(kAlign - 1); }

// Slots of at least this size sit on 2 MiB boundaries and ask for transparent huge pages
// (madvise mode, the usual default): a 1080p frame then costs 2 page faults instead of
// ~760 on first touch (measured: the zeroing of new slots was 20% of the CPU time of a
// 6-keyframe seek). The memory is zeroed either way; what the decoder sees is the same.
constexpr size_t kHugePage = size_t{2} << 20;

uint8_t* slot_alloc(size_t bytes) {
  if (bytes < kHugePage) return static_cast<uint8_t*>(av_mallocz(bytes));
  const size_t rounded = (bytes + kHugePage - 1) & ~(kHugePage - 1);
  void* p = std::aligned_alloc(kHugePage, rounded);
  if (!p) return nullptr;
#ifdef MADV_HUGEPAGE
  madvise(p, rounded, MADV_HUGEPAGE);  // advice only: without THP it is ordinary memory
#endif
  std::memset(p, 0, bytes);  // zeroed, as av_buffer_allocz in FFmpeg's pools
  return static_cast<uint8_t*>(p);
}

void slot_free(uint8_t* mem, size_t bytes) {
  if (bytes < kHugePage) av_free(mem);
  else std::free(mem);
}

}  // namespace

// One frame's memory: every plane in one allocation.
struct Slot {
  FramePool::Shared* owner = nullptr;
  uint8_t* mem = nullptr;
  size_t bytes = 0;
  uint64_t generation = 0;
  bool pooled = true;  // false: an overflow buffer, freed on release
  int refs = 0;        // planes still referenced; guarded by owner->mutex
};

/// The geometry every slot of one generation shares.
struct Geometry {
  bool audio = false;
  int format = -1;
  int width = 0, height = 0;          // video: frame size asked for
  int channels = 0, nb_samples = 0;   // audio: capacity in samples per plane
  int planes = 0;
  int linesize[AV_NUM_DATA_POINTERS] = {};
  size_t plane_offset[AV_NUM_DATA_POINTERS] = {};
  size_t plane_size[AV_NUM_DATA_POINTERS] = {};
  size_t slot_bytes = 0;
};

struct FramePool::Shared {
  std::mutex mutex;
  uint32_t max_slots = 0;
  std::vector<Slot*> ring;        // free slots of the current generation (used as a stack of capacity max_slots)
  std::vector<Slot*> all;         // every live slot (registry for owns())
  Geometry geometry;
  uint64_t generation = 0;
  uint32_t out = 0;               // slots currently handed out
  bool pool_alive = true;         // false once ~FramePool ran; the last release deletes this
  FramePoolStats stats;

  // Both called with the mutex held.
  void free_slot(Slot* s) {
    all.erase(std::find(all.begin(), all.end(), s));
    slot_free(s->mem, s->bytes);
    delete s;
    stats.slots = static_cast<uint32_t>(std::count_if(all.begin(), all.end(), [](Slot* x) { return x->pooled; }));
  }
  Slot* new_slot(bool pooled) {
    auto* s = new Slot;
    s->owner = this;
    s->bytes = geometry.slot_bytes;
    s->mem = slot_alloc(s->bytes);  // zeroed, as av_buffer_allocz in FFmpeg's pools
    if (!s->mem) {
      delete s;
      return nullptr;
    }
    s->generation = generation;
    s->pooled = pooled;
    all.push_back(s);
    if (pooled) ++stats.slots;
    return s;
  }
};

namespace {

// AVBufferRef free callback for one plane: drops a reference on the slot; the last one
// returns the slot to the ring (or frees it when it is an overflow buffer, from an old
// generation, or the pool is gone). Runs on whichever thread released the frame.
void release_plane(void* opaque, uint8_t*) {
  auto* slot = static_cast<Slot*>(opaque);
  FramePool::Shared* sh = slot->owner;
  bool delete_shared = false;
  {
    std::lock_guard<std::mutex> lock(sh->mutex);
    if (--slot->refs > 0) return;
    --sh->out;
    if (sh->pool_alive && slot->pooled && slot->generation == sh->generation && sh->ring.size() < sh->max_slots) {
      sh->ring.push_back(slot);
    } else {
      sh->free_slot(slot);
    }
    delete_shared = !sh->pool_alive && sh->all.empty();
  }
  if (delete_shared) delete sh;
}

// Video plane layout as avcodec_default_get_buffer2 computes it (FFmpeg 5.1
// libavcodec/get_buffer.c update_frame_pool): dimensions aligned for the codec, the width
// grown until every linesize is a multiple of the codec's stride alignment.
bool video_geometry(AVCodecContext* ctx, const AVFrame* frame, Geometry& g) {
  const AVPixFmtDescriptor* desc = av_pix_fmt_desc_get(static_cast<AVPixelFormat>(frame->format));
  if (!desc || (desc->flags & AV_PIX_FMT_FLAG_HWACCEL)) return false;
  int w = frame->width, h = frame->height;
  int stride_align[AV_NUM_DATA_POINTERS];
  avcodec_align_dimensions2(ctx, &w, &h, stride_align);
  int linesize[4] = {};
  for (int tries = 0;; ++tries) {
    if (av_image_fill_linesizes(linesize, static_cast<AVPixelFormat>(frame->format), w) < 0 || tries > 16) return false;
    w += w & ~(w - 1);
    int unaligned = 0;
    for (int i = 0; i < 4; ++i) unaligned |= stride_align[i] ? linesize[i] % stride_align[i] : 0;
    if (!unaligned) break;
  }
  ptrdiff_t ls[4];
  for (int i = 0; i < 4; ++i) ls[i] = linesize[i];
  size_t sizes[4] = {};
  if (av_image_fill_plane_sizes(sizes, static_cast<AVPixelFormat>(frame->format), h, ls) < 0) return false;
  g = Geometry{};
  g.audio = false;
  g.format = frame->format;
  g.width = frame->width;
  g.height = frame->height;
  size_t off = 0;
  for (int i = 0; i < 4 && sizes[i]; ++i) {
    g.linesize[i] = linesize[i];
    g.plane_offset[i] = off;
    g.plane_size[i] = sizes[i] + kPlaneSlack;
    off += align_up(g.plane_size[i]);
    g.planes = i + 1;
  }
  g.slot_bytes = off;
  return g.planes > 0;
}

// Audio layout as FFmpeg's audio_get_buffer: one plane per channel when planar, else one.
bool audio_geometry(const AVFrame* frame, int nb_samples, Geometry& g) {
  const int ch = frame->ch_layout.nb_channels;
  const auto fmt = static_cast<AVSampleFormat>(frame->format);
  const int planes = av_sample_fmt_is_planar(fmt) ? ch : 1;
  if (ch <= 0 || planes > AV_NUM_DATA_POINTERS) return false;
  int linesize = 0;
  if (av_samples_get_buffer_size(&linesize, ch, nb_samples, fmt, 0) < 0) return false;
  g = Geometry{};
  g.audio = true;
  g.format = frame->format;
  g.channels = ch;
  g.nb_samples = nb_samples;
  g.planes = planes;
  size_t off = 0;
  for (int i = 0; i < planes; ++i) {
    g.linesize[i] = i == 0 ? linesize : 0;
    g.plane_offset[i] = off;
    g.plane_size[i] = static_cast<size_t>(linesize);
    off += align_up(static_cast<size_t>(linesize) + kPlaneSlack);
  }
  g.slot_bytes = off;
  return true;
}

}  // namespace

FramePool::FramePool(Config config) : shared_(new Shared) { shared_->max_slots = std::max<uint32_t>(config.max_slots, 1); shared_->ring.reserve(shared_->max_slots); }

FramePool::~FramePool() {
  bool delete_shared = false;
  {
    std::lock_guard<std::mutex> lock(shared_->mutex);
    shared_->pool_alive = false;
    for (Slot* s : shared_->ring) shared_->free_slot(s);
    shared_->ring.clear();
    delete_shared = shared_->all.empty();
  }
  if (delete_shared) delete shared_;
}

uint32_t FramePool::suggested_max_slots(int threads, int reorder, int queue) {
  // 16: the largest DPB of H.264/HEVC (max_dec_frame_buffering), plus the frame each
  // thread decodes into, the reorder delay, the consumer's queue and the frame in hand.
  const int t = std::max(threads, 1);
  return static_cast<uint32_t>(16 + t + std::max(reorder, 0) + std::max(queue, 0) + 2);
}

void FramePool::attach(AVCodecContext* ctx, CodecHooks& hooks) {
  hooks.pool = this;
  ctx->opaque = &hooks;
  ctx->get_buffer2 = &FramePool::get_buffer2;
}

bool FramePool::owns(const AVFrame* frame) const {
  if (!frame->buf[0]) return false;
  void* opaque = av_buffer_get_opaque(frame->buf[0]);
  std::lock_guard<std::mutex> lock(shared_->mutex);
  return std::find(shared_->all.begin(), shared_->all.end(), static_cast<Slot*>(opaque)) != shared_->all.end();
}

void FramePool::count_foreign_frame() {
  std::lock_guard<std::mutex> lock(shared_->mutex);
  ++shared_->stats.misses;
}

FramePoolStats FramePool::stats() const {
  std::lock_guard<std::mutex> lock(shared_->mutex);
  FramePoolStats s = shared_->stats;
  s.slot_bytes = shared_->geometry.slot_bytes;
  return s;
}

int FramePool::get_buffer2(AVCodecContext* ctx, AVFrame* frame, int flags) {
  auto* self = static_cast<CodecHooks*>(ctx->opaque)->pool;
  Shared* sh = self->shared_;
  const bool audio = ctx->codec_type == AVMEDIA_TYPE_AUDIO;
  Slot* slot = nullptr;
  Geometry g;
  {
    std::lock_guard<std::mutex> lock(sh->mutex);
    const Geometry& cur = sh->geometry;
    bool fits;
    if (audio) {
      fits = cur.audio && cur.format == frame->format && cur.channels == frame->ch_layout.nb_channels &&
             frame->nb_samples <= cur.nb_samples;
    } else {
      fits = !cur.audio && cur.format == frame->format && cur.width == frame->width && cur.height == frame->height;
    }
    if (!fits) {
      Geometry next;
      const bool ok = audio ? audio_geometry(frame, frame->nb_samples, next) : video_geometry(ctx, frame, next);
      if (!ok) {
        ++sh->stats.unpooled;
        ++sh->stats.misses;
      } else {
        // A new generation: free ring slots now, outstanding ones on release.
        if (cur.planes) ++sh->stats.reconfigures;
        for (Slot* s : sh->ring) sh->free_slot(s);
        sh->ring.clear();
        sh->geometry = next;
        ++sh->generation;
      }
      if (!ok) {
        // Not poolable (hardware format, too many channels): FFmpeg's allocator.
        return avcodec_default_get_buffer2(ctx, frame, flags);
      }
    }
    g = sh->geometry;
    if (!sh->ring.empty()) {
      slot = sh->ring.back();
      sh->ring.pop_back();
      ++sh->stats.hits;
    } else {
      const uint32_t pooled = sh->stats.slots;
      slot = sh->new_slot(pooled < sh->max_slots);
      if (!slot) return AVERROR(ENOMEM);
      ++sh->stats.misses;
      if (!slot->pooled) ++sh->stats.overflow;
    }
    slot->refs = g.planes;
    ++sh->out;
    sh->stats.peak_out = std::max(sh->stats.peak_out, sh->out);
  }

  // Hand the planes out (outside the lock: av_buffer_create may call malloc).
  for (int i = 0; i < g.planes; ++i) {
    uint8_t* p = slot->mem + g.plane_offset[i];
    AVBufferRef* ref = av_buffer_create(p, g.plane_size[i], release_plane, slot, 0);
    if (!ref) {
      // Drop the references of the planes not created; created ones free themselves.
      for (int k = i; k < g.planes; ++k) release_plane(slot, nullptr);
      for (int k = 0; k < i; ++k) av_buffer_unref(&frame->buf[k]);
      return AVERROR(ENOMEM);
    }
    frame->buf[i] = ref;
    frame->data[i] = p;
  }
  if (audio) {
    frame->linesize[0] = g.linesize[0];
    frame->extended_data = frame->data;
  } else {
    for (int i = 0; i < 4; ++i) frame->linesize[i] = g.linesize[i];
    frame->extended_data = frame->data;
  }
  return 0;
}

}  // namespace mp4kit::decode
