// mp4kit_decode_ceiling FILE THREADS: the ceiling for `mp4kit decode`'s speed. Every packet
// of the first video stream is read into memory first (padded copies); then only
// libavcodec's send/receive loop is timed, with FFmpeg's default frame allocator and the
// given thread count. Prints "frames N decode_s S fps F". Used by scripts/bench-decode.sh.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <vector>

extern "C" {
#include <libavcodec/avcodec.h>
}

#include "decode/codec_parameters.h"
#include "mp4kit/demuxer.h"
#include "pipeline/codec_abi.h"

using namespace mp4kit;

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: mp4kit_decode_ceiling FILE THREADS\n");
    return 64;
  }
  auto file = open_file(argv[1], {.fault_guard = true});
  if (!file.ok()) return std::fprintf(stderr, "%s\n", file.error().to_string().c_str()), 66;
  auto dmx = Demuxer::open(*file);
  if (!dmx.ok()) return std::fprintf(stderr, "%s\n", dmx.error().to_string().c_str()), 65;
  auto stream = dmx->select_stream(StreamSelector::first_video());
  if (!stream.ok()) return std::fprintf(stderr, "no video stream\n"), 64;
  auto codec_par = dmx->codec_parameters(*stream);
  if (!codec_par.ok()) return std::fprintf(stderr, "%s\n", codec_par.error().to_string().c_str()), 65;
  auto par = decode::to_av_codec_parameters(pipeline::abi_codec_parameters(*codec_par));
  if (!par.ok()) return std::fprintf(stderr, "%s\n", par.error().to_string().c_str()), 65;
  auto timeline = dmx->packets(*stream);
  if (!timeline.ok()) return std::fprintf(stderr, "%s\n", timeline.error().to_string().c_str()), 65;

  std::vector<AVPacket*> packets;
  for (const Packet& p : *timeline) {
    AVPacket* pkt = av_packet_alloc();
    av_new_packet(pkt, static_cast<int>(p.size));  // zeroed padding
    auto bytes = dmx->read_packet(p);
    if (!bytes.ok()) return std::fprintf(stderr, "%s\n", bytes.error().to_string().c_str()), 74;
    std::memcpy(pkt->data, bytes->data(), bytes->size());
    pkt->pts = p.pts;
    pkt->dts = p.dts;
    pkt->duration = p.duration;
    pkt->flags = (p.key ? AV_PKT_FLAG_KEY : 0) | (p.discard ? AV_PKT_FLAG_DISCARD : 0);
    packets.push_back(pkt);
  }
  const AVCodec* codec = avcodec_find_decoder((*par)->codec_id);
  AVCodecContext* ctx = avcodec_alloc_context3(codec);
  avcodec_parameters_to_context(ctx, par->get());
  ctx->pkt_timebase = AVRational{1, static_cast<int>(codec_par->time_base.den)};
  ctx->thread_count = std::atoi(argv[2]);
  if (avcodec_open2(ctx, codec, nullptr) < 0) return std::fprintf(stderr, "cannot open decoder\n"), 65;
  AVFrame* frame = av_frame_alloc();
  int64_t frames = 0;
  auto drain = [&] {
    while (avcodec_receive_frame(ctx, frame) == 0) {
      ++frames;
      av_frame_unref(frame);
    }
  };
  const auto t0 = std::chrono::steady_clock::now();
  for (AVPacket* pkt : packets) {
    while (avcodec_send_packet(ctx, pkt) == AVERROR(EAGAIN)) drain();
    drain();
  }
  avcodec_send_packet(ctx, nullptr);
  drain();
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("frames %lld decode_s %.4f fps %.2f\n", static_cast<long long>(frames), s, double(frames) / s);
  for (AVPacket*& p : packets) av_packet_free(&p);
  av_frame_free(&frame);
  avcodec_free_context(&ctx);
  return 0;
}
