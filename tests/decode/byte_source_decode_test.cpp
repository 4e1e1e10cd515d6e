// lib/decode reads sample bytes only through the ByteSource: decoding every stream of
// samples/ through a source that copies each read (tests/copying_source.h, not mapped)
// gives the same frames as through the mapping, with every packet copied; through the
// mapping, H.264 packets are zero-copy views.
#include <doctest/doctest.h>

extern "C" {
#include <libavutil/samplefmt.h>
}

#include "../copying_source.h"
#include "decode/decoder.h"
#include "decode/seek_runner.h"
#include "decode_test_util.h"

namespace mp4kit::test {
namespace {

// FNV-1a over bytes, enough to tell frames apart.
uint64_t fnv(uint64_t h, const uint8_t* p, size_t n) {
  for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 0x100000001B3ull;
  return h;
}

struct Decoded {
  std::vector<std::string> frames;  // per frame: pts and a digest of its samples/pixels
  uint64_t packets = 0, zero_copy = 0, copied = 0;
};

Decoded decode_stream(const ByteSourcePtr& source, size_t track_index) {
  Decoded out;
  auto movie = parse_movie(source);
  REQUIRE(movie.ok());
  std::vector<SampleTable> tables;
  for (const Track& t : movie->tracks) tables.push_back(SampleTable::build(t).value());
  auto tl = build_timelines(*movie, tables);
  REQUIRE(tl.ok());
  decode::DecoderOptions opt;
  opt.threads = 1;
  auto dec = decode::Decoder::open(source, movie->tracks[track_index], (*tl)[track_index], opt);
  REQUIRE_MESSAGE(dec.ok(), dec.error().to_string());
  Status st = (*dec)->run([&](const AVFrame* f) -> Result<bool> {
    std::string line = std::to_string(f->pts) + " ";
    if (f->nb_samples > 0 && f->width == 0) {
      const int planes = av_sample_fmt_is_planar(static_cast<AVSampleFormat>(f->format)) ? f->ch_layout.nb_channels : 1;
      const int bytes = f->nb_samples * av_get_bytes_per_sample(static_cast<AVSampleFormat>(f->format)) *
                        (planes == 1 ? f->ch_layout.nb_channels : 1);
      uint64_t h = 0xCBF29CE484222325ull;
      for (int p = 0; p < planes; ++p) h = fnv(h, f->extended_data[p], size_t(bytes));
      line += std::to_string(h);
    } else {
      char md5[33];
      int size = 0;
      decode::packed_frame_md5(f, md5, size);
      line += std::string(md5) + " " + std::to_string(size);
    }
    out.frames.push_back(line);
    return true;
  });
  REQUIRE_MESSAGE(st.ok(), st.error().to_string());
  out.packets = static_cast<uint64_t>((*dec)->counters().packets);
  out.zero_copy = (*dec)->packets().zero_copy_count();
  out.copied = (*dec)->packets().copied_count();
  return out;
}

}  // namespace

TEST_CASE("decoding through a non-mapped, copying source gives the mapping's frames, every packet copied") {
  decode::LogCapture quiet;  // libavcodec's notices go to a counter, not the test log
  int streams = 0, zero_copy_streams = 0;
  for (const std::string& file : media_files(/*with_corpus=*/false)) {
    auto mapped = open_file(file);
    REQUIRE(mapped.ok());
    auto movie = parse_movie(*mapped);
    REQUIRE(movie.ok());
    for (size_t i = 0; i < movie->tracks.size(); ++i) {
      const MediaType type = codec_info_of(movie->tracks[i]).type;
      if (type != MediaType::kVideo && type != MediaType::kAudio) continue;
      INFO(file << " track " << i);
      const Decoded want = decode_stream(*mapped, i);
      auto copying = std::make_shared<const CopyingSource>(*mapped);
      const Decoded got = decode_stream(copying, i);
      CHECK(got.frames == want.frames);
      CHECK_FALSE(want.frames.empty());
      CHECK(got.zero_copy == 0);
      CHECK(got.copied == got.packets);
      // Packets are read one at a time: at most the parse's reads plus one per packet.
      CHECK(copying->stats().requests <= 2 * (movie->top_level.size() + movie->buffers.size()) + got.packets);
      ++streams;
      zero_copy_streams += want.zero_copy > 0;
    }
  }
  CHECK(streams >= 10);
  CHECK(zero_copy_streams >= 1);  // H.264 / AV1 through the mapping
  MESSAGE(streams << " streams decoded through both sources; " << zero_copy_streams << " zero-copy through the mapping");
}

}  // namespace mp4kit::test
