// Fuzz target (3): the decode path for small inputs. Demuxes the input like `mp4kit decode`
// (the Demuxer: movie, sample tables, timelines with edit lists), opens the decode module's
// decoder (lib/decode, the code behind decode_abi.h's decoder_open) on each stream and sends
// its first packets (decoder_send: padded copies, skip-samples side data) into libavcodec,
// single-threaded. FFmpeg's own libraries are not instrumented; what is fuzzed is mp4kit's
// side of the boundary: codec parameters from sample entries (extradata from avcC/hvcC/
// esds/...), packet sizes and offsets, the packet bridge, frame pooling.
#include "targets.h"

#include <memory>

extern "C" {
#include <libavutil/frame.h>
}

#include "decode/decoder.h"
#include "mp4kit/demuxer.h"
#include "pipeline/codec_abi.h"

using namespace mp4kit;

namespace {
constexpr size_t kMaxInput = 128 * 1024;
constexpr size_t kMaxPackets = 12;
constexpr uint32_t kMaxStreams = 4;

// Receives every frame the decoder has ready; checks what a frame promises.
void drain(decode::Decoder& dec, int64_t& frames) {
  for (;;) {
    AVFrame* frame = nullptr;
    auto got = dec.receive(frame);
    if (!got.ok()) {
      FUZZ_CHECK(!got.error().message.empty(), "receive error without a message");
      return;
    }
    if (*got != MP4KIT_OK) return;
    FUZZ_CHECK(frame && frame->width >= 0 && frame->height >= 0, "frame %dx%d", frame ? frame->width : -1, frame ? frame->height : -1);
    av_frame_free(&frame);
    if (++frames >= int64_t(kMaxPackets)) return;
  }
}
}  // namespace

int mp4kit::fuzz::decode(const uint8_t* data, size_t size) {
  if (size > kMaxInput) return 0;
  DemuxerOptions options;
  options.limits = fuzz_limits();
  auto demuxer = Demuxer::open(memory_source(data, size, "fuzz.mp4"), options);  // borrowed: no copy
  if (!demuxer.ok()) return 0;
  for (uint32_t s = 0; s < demuxer->streams().size() && s < kMaxStreams; ++s) {
    auto packets = demuxer->packets(s);
    if (!packets.ok()) return 0;
    if (packets->empty()) continue;
    auto par = demuxer->codec_parameters(s);
    if (!par.ok()) {
      FUZZ_CHECK(!par.error().message.empty(), "codec parameters error without a message");
      continue;
    }
    const mp4kit_codec_parameters abi = pipeline::abi_codec_parameters(*par);
    mp4kit_decoder_settings settings{};
    settings.struct_size = sizeof settings;
    settings.threads = 1;
    settings.frames_held = 1;
    auto decoder = decode::Decoder::open(abi, settings);
    if (!decoder.ok()) {
      FUZZ_CHECK(!decoder.error().message.empty(), "decoder error without a message");
      continue;
    }
    decode::Decoder& dec = **decoder;
    // Frames are allocated per call to get_buffer, where libavcodec checks max_pixels: a
    // fuzzed SPS may declare 16384x16384, which is legal but not what this target tests.
    dec.context()->max_pixels = 1 << 22;
    int64_t frames = 0;
    for (size_t i = 0; i < packets->size() && i < kMaxPackets && frames < int64_t(kMaxPackets); ++i) {
      const Packet& p = (*packets)[i];
      auto bytes = demuxer->read_packet(p);
      if (!bytes.ok()) break;
      mp4kit_packet pkt{};
      pkt.struct_size = sizeof pkt;
      pkt.data = bytes->data();
      pkt.size = static_cast<uint32_t>(bytes->size());
      pkt.flags = (p.key ? MP4KIT_PACKET_KEY : 0) | (p.discard ? MP4KIT_PACKET_DISCARD : 0) | (p.truncated ? MP4KIT_PACKET_CORRUPT : 0);
      pkt.pts = p.pts, pkt.dts = p.dts, pkt.duration = p.duration;
      pkt.pos = static_cast<int64_t>(p.pos);
      pkt.index = static_cast<int64_t>(i);
      // release == null: the decoder copies the bytes before send returns.
      for (int attempt = 0; attempt < 2; ++attempt) {
        auto sent = dec.send(&pkt);
        if (!sent.ok()) {
          FUZZ_CHECK(!sent.error().message.empty(), "send error without a message");
          break;
        }
        drain(dec, frames);
        if (*sent != MP4KIT_AGAIN) break;
      }
    }
    if (dec.send(nullptr).ok()) drain(dec, frames);
  }
  return 0;
}
