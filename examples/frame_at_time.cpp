// Prints the frame a file's first video stream shows at time T: its index (presentation
// order after edit lists, as `mp4kit seek` numbers frames), its pts in ticks, and the MD5 of
// its packed pixels — the `frame`, `pts` and `md5` that `mp4kit seek --time T --json` prints.
//
//   frame_at_time FILE T        (T in seconds, a decimal such as 17.3)
//
// The frame shown at T is the last frame whose pts <= floor(T x timescale). This example
// decodes linearly from the first packet until that frame comes out (mp4kit seek starts at
// the right sync sample instead); the decoder tags each frame with its packet's index.
#include <mp4kit/byte_source.h>
#include <mp4kit/decoder.h>
#include <mp4kit/demuxer.h>

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <string>

namespace {

int fail(const mp4kit::Error& e) {
  std::fprintf(stderr, "frame_at_time: %s\n", e.to_string().c_str());
  return static_cast<int>(e.code);
}

// "17.3" -> floor(17.3 x timescale) ticks, exactly (no floating point); false if malformed.
bool seconds_to_ticks(const std::string& text, int64_t timescale, int64_t& ticks) {
  __int128 num = 0, den = 1;
  bool dot = false, digits = false;
  for (char c : text) {
    if (c == '.' && !dot) { dot = true; continue; }
    if (!std::isdigit(static_cast<unsigned char>(c)) || den > 1000000000000LL) return false;
    num = num * 10 + (c - '0');
    if (dot) den *= 10;
    digits = true;
  }
  if (!digits) return false;
  ticks = static_cast<int64_t>(num * timescale / den);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: frame_at_time FILE SECONDS\n");
    return 64;
  }
  auto source = mp4kit::open_file(argv[1]);
  if (!source.ok()) return fail(source.error());
  auto demuxer = mp4kit::Demuxer::open(*source);
  if (!demuxer.ok()) return fail(demuxer.error());
  auto stream = demuxer->select_stream(mp4kit::StreamSelector::first_video());
  if (!stream.ok()) return fail(stream.error());
  int64_t ticks = 0;
  if (!seconds_to_ticks(argv[2], demuxer->streams()[*stream].time_base.den, ticks)) {
    std::fprintf(stderr, "frame_at_time: bad time '%s' (seconds, e.g. 17.3)\n", argv[2]);
    return 64;
  }
  auto frame = demuxer->frame_at_pts(*stream, ticks);
  if (!frame.ok()) return fail(frame.error());
  if (!frame->has_value()) {
    std::fprintf(stderr, "frame_at_time: no frame is shown at %s s (it is before the first frame)\n", argv[2]);
    return 64;
  }
  auto target = demuxer->frame_packet(*stream, **frame);
  if (!target.ok()) return fail(target.error());
  auto packets = demuxer->packets(*stream);
  if (!packets.ok()) return fail(packets.error());
  int64_t end = INT64_MIN;  // the end of the last frame: nothing is shown from there on
  for (const mp4kit::Packet& p : *packets)
    if (!p.discard && p.pts + p.duration > end) end = p.pts + p.duration;
  if (ticks >= end) {
    std::fprintf(stderr, "frame_at_time: no frame is shown at %s s (the stream ends before)\n", argv[2]);
    return 64;
  }
  auto codec = demuxer->codec_parameters(*stream);
  if (!codec.ok()) return fail(codec.error());
  auto decoder = mp4kit::Decoder::open(*codec);
  if (!decoder.ok()) return fail(decoder.error());

  // Receives ready frames; true once the target came out (and was printed).
  auto drain = [&]() -> mp4kit::Result<bool> {
    for (;;) {
      mp4kit::Frame f;
      auto got = decoder->receive(f);
      if (!got.ok()) return got.error();
      if (*got != mp4kit::Decoder::Progress::kOk) return false;
      if (f.info().packet_index != static_cast<int64_t>(*target)) continue;
      auto md5 = f.packed_md5();
      if (!md5.ok()) return md5.error();
      std::printf("frame %llu pts %lld md5 %s\n", static_cast<unsigned long long>(**frame),
                  static_cast<long long>((*packets)[*target].pts), md5->md5.c_str());
      return true;
    }
  };
  for (size_t i = 0; i < packets->size(); ++i) {
    auto bytes = demuxer->read_packet((*packets)[i]);
    if (!bytes.ok()) return fail(bytes.error());
    mp4kit::Buffer data = std::move(bytes.value());
    for (;;) {
      auto sent = decoder->send((*packets)[i], std::move(data), static_cast<int64_t>(i));
      if (!sent.ok()) return fail(sent.error());
      auto done = drain();
      if (!done.ok()) return fail(done.error());
      if (*done) return 0;
      if (*sent == mp4kit::Decoder::Progress::kOk) break;  // kAgain: data untouched, send again
    }
  }
  if (auto f = decoder->flush(); !f.ok()) return fail(f.error());
  auto done = drain();
  if (!done.ok()) return fail(done.error());
  if (*done) return 0;
  std::fprintf(stderr, "frame_at_time: the decoder did not output frame %llu\n", static_cast<unsigned long long>(**frame));
  return 65;
}
