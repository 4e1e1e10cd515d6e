// Decodes the first N frames of a file's first video stream (else its first audio stream)
// and prints, per frame, its index, pts (ticks), packed size and MD5: the size and md5
// columns equal `mp4kit decode --format framemd5 --frames N FILE` (and FFmpeg's framemd5).
//
//   decode_frames FILE N
//
// Uses only the public API: open_file + Demuxer (packets) and Decoder (the decode module,
// loaded on first use: $MP4KIT_DECODE_MODULE, else next to / ../lib/mp4kit from the program).
#include <mp4kit/byte_source.h>
#include <mp4kit/decoder.h>
#include <mp4kit/demuxer.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

int fail(const mp4kit::Error& e) {
  std::fprintf(stderr, "decode_frames: %s\n", e.to_string().c_str());
  return static_cast<int>(e.code);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: decode_frames FILE N\n");
    return 64;
  }
  const long long wanted = std::atoll(argv[2]);
  auto source = mp4kit::open_file(argv[1]);
  if (!source.ok()) return fail(source.error());
  auto demuxer = mp4kit::Demuxer::open(*source);
  if (!demuxer.ok()) return fail(demuxer.error());
  auto stream = demuxer->select_stream(mp4kit::StreamSelector::video_else_audio());
  if (!stream.ok()) return fail(stream.error());
  auto codec = demuxer->codec_parameters(*stream);
  if (!codec.ok()) return fail(codec.error());
  auto packets = demuxer->packets(*stream);
  if (!packets.ok()) return fail(packets.error());
  auto decoder = mp4kit::Decoder::open(*codec);
  if (!decoder.ok()) return fail(decoder.error());

  long long shown = 0;
  // Prints every frame the decoder has ready; false once N frames were printed.
  auto drain = [&]() -> mp4kit::Result<bool> {
    for (;;) {
      mp4kit::Frame frame;
      auto got = decoder->receive(frame);
      if (!got.ok()) return got.error();
      if (*got != mp4kit::Decoder::Progress::kOk) return true;
      auto md5 = frame.packed_md5();
      if (!md5.ok()) return md5.error();
      std::printf("%lld pts %lld size %lld md5 %s\n", shown, static_cast<long long>(frame.info().best_effort_pts),
                  static_cast<long long>(md5->size), md5->md5.c_str());
      if (++shown >= wanted) return false;
    }
  };
  for (size_t i = 0; i < packets->size() && shown < wanted; ++i) {
    const mp4kit::Packet& p = (*packets)[i];
    auto bytes = demuxer->read_packet(p);
    if (!bytes.ok()) return fail(bytes.error());
    mp4kit::Buffer data = std::move(bytes.value());
    for (;;) {
      auto sent = decoder->send(p, std::move(data), static_cast<int64_t>(i));
      if (!sent.ok()) return fail(sent.error());
      auto more = drain();
      if (!more.ok()) return fail(more.error());
      if (!*more || *sent == mp4kit::Decoder::Progress::kOk) break;  // kAgain: data untouched, send again
    }
  }
  if (shown < wanted) {
    if (auto f = decoder->flush(); !f.ok()) return fail(f.error());
    auto more = drain();
    if (!more.ok()) return fail(more.error());
  }
  return 0;
}
