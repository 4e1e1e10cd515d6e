// Fuzz target (3): the decode path for small inputs. Parses the input like `mp4kit decode`
// (movie, sample tables, timelines with edit lists), opens lib/decode's Decoder on each
// track and sends its first packets through PacketSource (zero-copy views or padded
// copies) into avcodec_send_packet / avcodec_receive_frame, single-threaded. FFmpeg's own
// libraries are not instrumented; what is fuzzed is mp4kit's side of the boundary: codec
// parameters from sample entries (extradata from avcC/hvcC/esds/...), packet sizes,
// offsets and padding at the end of the mapping, skip-samples side data, frame pooling.
#include "targets.h"

#include <memory>

#include "decode/decoder.h"
#include "mp4/sample_table.h"
#include "mp4/timeline.h"

using namespace mp4kit;

namespace {
constexpr size_t kMaxInput = 128 * 1024;
constexpr size_t kMaxPackets = 12;
constexpr size_t kMaxTracks = 4;
}  // namespace

int mp4kit::fuzz::decode(const uint8_t* data, size_t size) {
  if (size > kMaxInput) return 0;
  // libav* log lines go to a counter instead of stderr (process-wide, set once).
  static decode::LogCapture* const quiet = new decode::LogCapture();
  (void)quiet;
  const Limits limits = fuzz_limits();
  ByteSourcePtr file = memory_source(data, size, "fuzz.mp4");  // borrowed: no copy
  auto movie = parse_movie(file, limits);
  if (!movie.ok()) return 0;
  std::vector<SampleTable> tables;
  for (const Track& t : movie->tracks) {
    auto table = SampleTable::build(t, limits);
    if (!table.ok()) return 0;
    tables.push_back(std::move(table.value()));
  }
  auto timelines = build_timelines(*movie, tables, TimelineOptions{}, limits);
  if (!timelines.ok()) return 0;
  for (size_t i = 0; i < movie->tracks.size() && i < kMaxTracks; ++i) {
    StreamTimeline tl = (*timelines)[i];  // a copy cut to the first packets: small inputs, bounded time
    if (tl.packets.size() > kMaxPackets) tl.packets.resize(kMaxPackets);
    if (tl.packets.empty()) continue;
    decode::DecoderOptions options;
    options.threads = 1;
    auto decoder = decode::Decoder::open(file, movie->tracks[i], tl, options);
    if (!decoder.ok()) {
      FUZZ_CHECK(!decoder.error().message.empty(), "decoder error without a message");
      continue;
    }
    // Frames are allocated per call to get_buffer, where libavcodec checks max_pixels: a
    // fuzzed SPS may declare 16384x16384, which is legal but not what this target tests.
    const_cast<AVCodecContext*>((*decoder)->context())->max_pixels = 1 << 22;
    int64_t frames = 0;
    Status st = (*decoder)->run([&](const AVFrame* frame) -> Result<bool> {
      FUZZ_CHECK(frame->width >= 0 && frame->height >= 0, "frame %dx%d", frame->width, frame->height);
      return ++frames < int64_t(kMaxPackets);
    });
    if (!st.ok()) FUZZ_CHECK(!st.error().message.empty(), "decode error without a message");
  }
  return 0;
}
