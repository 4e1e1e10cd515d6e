// Decoding reads sample bytes only through the ByteSource: decoding every stream of
// samples/ through a source that copies each read (tests/copying_source.h, not mapped)
// gives the same frames as through the mapping, with every packet copied; through the
// mapping, H.264 packets are zero-copy views.
#include <doctest/doctest.h>

#include "../copying_source.h"
#include "decode_test_util.h"

namespace mp4kit::test {
namespace {

struct Decoded {
  std::vector<std::string> frames;  // per frame: pts, md5 and size of its packed bytes
  uint64_t packets = 0, zero_copy = 0, copied = 0;
};

Decoded decode_stream(const ByteSourcePtr& source, uint32_t stream) {
  Decoded out;
  const TestStream ts = open_test_stream(source, stream);
  DecoderSettings opt;
  opt.threads = 1;
  auto dec = Decoder::open(ts.codec, opt);
  REQUIRE_MESSAGE(dec.ok(), (dec.ok() ? "" : dec.error().to_string()));
  decode_all(*dec, ts, [&](Frame& f) -> Result<bool> {
    auto md5 = f.packed_md5();
    if (!md5.ok()) return md5.error();
    out.frames.push_back(std::to_string(f.info().pts) + " " + md5->md5 + " " + std::to_string(md5->size));
    return true;
  });
  const mp4kit_decoder_stats st = dec->stats();
  out.packets = static_cast<uint64_t>(st.packets);
  out.zero_copy = static_cast<uint64_t>(st.packets_zero_copy);
  out.copied = static_cast<uint64_t>(st.packets_copied);
  return out;
}

}  // namespace

TEST_CASE("decoding through a non-mapped, copying source gives the mapping's frames, every packet copied") {
  use_built_module();
  int streams = 0, zero_copy_streams = 0;
  for (const std::string& file : media_files(/*with_corpus=*/false)) {
    auto mapped = open_file(file);
    REQUIRE(mapped.ok());
    auto dmx = Demuxer::open(*mapped);
    REQUIRE(dmx.ok());
    for (const mp4kit::StreamInfo& s : dmx->streams()) {
      if (s.attached_picture || (s.codec.type != MediaType::kVideo && s.codec.type != MediaType::kAudio)) continue;
      INFO(file << " stream " << s.index);
      const Decoded want = decode_stream(*mapped, s.index);
      auto copying = std::make_shared<const CopyingSource>(*mapped);
      const Decoded got = decode_stream(copying, s.index);
      CHECK(got.frames == want.frames);
      CHECK_FALSE(want.frames.empty());
      CHECK(got.zero_copy == 0);
      CHECK(got.copied == got.packets);
      // Packets are read one at a time: at most the parse's reads plus one per packet.
      CHECK(copying->stats().requests <= 2 * (dmx->movie().top_level.size() + dmx->movie().buffers.size()) + got.packets);
      ++streams;
      zero_copy_streams += want.zero_copy > 0;
    }
  }
  CHECK(streams >= 10);
  CHECK(zero_copy_streams >= 1);  // H.264 / AV1 through the mapping
  MESSAGE(streams << " streams decoded through both sources; " << zero_copy_streams << " zero-copy through the mapping");
}

}  // namespace mp4kit::test
