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

#include "decode/codec_params.h"
#include "mp4/codec_info.h"
#include "mp4/sample_table.h"
#include "mp4/timeline.h"

using namespace mp4kit;

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: mp4kit_decode_ceiling FILE THREADS\n");
    return 64;
  }
  auto file = open_file(argv[1], {.fault_guard = true});
  if (!file.ok()) return std::fprintf(stderr, "%s\n", file.error().to_string().c_str()), 66;
  auto movie = parse_movie(*file);
  if (!movie.ok()) return std::fprintf(stderr, "%s\n", movie.error().to_string().c_str()), 65;
  std::vector<SampleTable> tables;
  for (const Track& t : movie->tracks) tables.push_back(SampleTable::build(t).value());
  auto tl = build_timelines(*movie, tables).value();
  size_t ti = 0;
  while (ti < movie->tracks.size() && codec_info_of(movie->tracks[ti]).type != MediaType::kVideo) ++ti;
  if (ti == movie->tracks.size()) return std::fprintf(stderr, "no video stream\n"), 64;
  const Track& track = movie->tracks[ti];
  auto par = decode::make_codec_parameters(track, track.sample_entries.front(), codec_info_of(track));
  if (!par.ok()) return std::fprintf(stderr, "%s\n", par.error().to_string().c_str()), 65;

  std::vector<AVPacket*> packets;
  for (const Packet& p : tl[ti].packets) {
    AVPacket* pkt = av_packet_alloc();
    av_new_packet(pkt, static_cast<int>(p.size));  // zeroed padding
    auto bytes = (*file)->read(p.pos, p.size);
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
  ctx->pkt_timebase = AVRational{1, static_cast<int>(track.timescale)};
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
