// The decode module's C ABI itself (include/mp4kit/decode_abi.h), through the real module
// and the C++ handles of include/mp4kit/decoder.h: version checks, default settings,
// messages of any length, per-decoder log capture, and the packet release contract.
#include <doctest/doctest.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "decode_test_util.h"
#include "mp4kit/decoder.h"

namespace mp4kit::test {
namespace {

const mp4kit_decode_api& abi() {
  setenv("MP4KIT_DECODE_MODULE", MP4KIT_DECODE_MODULE_FILE, 1);
  auto m = DecodeModule::load();
  REQUIRE_MESSAGE(m.ok(), (m.ok() ? "" : m.error().to_string()));
  return (*m)->api();
}

// PCM: libavcodec's decoder logs "Invalid PCM packet" and fails for a packet shorter
// than one sample of every channel, and decodes anything else: a deterministic source of
// decoder errors and log messages without any file.
CodecParameters pcm_s16_stereo() {
  CodecParameters c;
  c.codec_name = "pcm_s16le";
  c.type = MediaType::kAudio;
  c.sample_rate = 48000;
  c.channels = 2;
  c.time_base = {1, 48000};
  return c;
}

struct Counted {
  std::vector<uint8_t> bytes;
  std::atomic<int> releases{0};
};

void count_release(void* opaque) { ++static_cast<Counted*>(opaque)->releases; }

mp4kit_packet raw_packet(Counted& c, int64_t index, uint64_t tail = 0) {
  mp4kit_packet p{};
  p.struct_size = sizeof p;
  p.data = c.bytes.data();
  p.size = static_cast<uint32_t>(c.bytes.size() - tail);
  p.tail = tail;
  p.flags = MP4KIT_PACKET_KEY;
  p.pts = p.dts = index * 256;
  p.duration = 256;
  p.pos = -1;
  p.index = index;
  p.release = &count_release;
  p.release_opaque = &c;
  return p;
}

mp4kit_decoder* open_raw(const char* codec_name, int media, int strict = 0, int threads = 1) {
  const mp4kit_decode_api& a = abi();
  mp4kit_codec_parameters par{};
  par.struct_size = sizeof par;
  par.codec_name = codec_name;
  par.media_type = media;
  par.sample_rate = 48000;
  par.channels = 2;
  par.width = 64;
  par.height = 64;
  par.time_base_num = 1;
  par.time_base_den = 48000;
  mp4kit_decoder_settings s{};
  a.decoder_default_settings(&s);
  s.strict = strict;
  s.threads = threads;
  mp4kit_decoder* d = nullptr;
  mp4kit_error e{};
  const int32_t st = a.decoder_open(&par, &s, &d, &e);
  INFO((e.message ? e.message : ""));
  REQUIRE(st == MP4KIT_OK);
  a.error_clear(&e);
  return d;
}

int drain_frames(mp4kit_decoder* d) {
  const mp4kit_decode_api& a = abi();
  int n = 0;
  for (;;) {
    mp4kit_frame* f = nullptr;
    const int32_t st = a.decoder_receive(d, &f, nullptr);
    if (st != MP4KIT_OK) return n;
    a.frame_release(f);
    ++n;
  }
}

}  // namespace

TEST_CASE("decode ABI: the module's table has this header's version and size; the loader refuses others") {
  const mp4kit_decode_api& a = abi();
  CHECK(a.api_version == MP4KIT_DECODE_API_VERSION);
  CHECK(a.struct_size == sizeof(mp4kit_decode_api));
  CHECK(std::string(a.library_versions()).find("libavcodec 59.") == 0);
  // Through the CLI (DecodeModule::load runs once per process): another major, and a
  // table shorter than this header's, are refused with exit 70 and one line that says so.
  const std::string f = quote(samples_dir() + "/h264_bframes_aac.mp4");
  auto major = run("MP4KIT_DECODE_MODULE=" + quote(MP4KIT_FAKE_MODULE_MAJOR) + " " + MP4KIT_BINARY + " decode " + f + " 2>&1");
  CHECK(major.exit_code == 70);
  CHECK(major.out.find("has API version 2." + std::to_string(MP4KIT_DECODE_API_MINOR) + ", this mp4kit needs 3." + std::to_string(MP4KIT_DECODE_API_MINOR)) != std::string::npos);
  CHECK(std::count(major.out.begin(), major.out.end(), '\n') == 1);
  auto shorter = run("MP4KIT_DECODE_MODULE=" + quote(MP4KIT_FAKE_MODULE_SHORT) + " " + MP4KIT_BINARY + " decode " + f + " 2>&1");
  CHECK(shorter.exit_code == 70);
  CHECK(shorter.out.find("has a function table of 16 bytes") != std::string::npos);
  // $MP4KIT_DECODE_MODULE wins over the module next to the executable; a bad one is named.
  auto missing = run("MP4KIT_DECODE_MODULE=/nonexistent/mp4kit_decode.so " + std::string(MP4KIT_BINARY) + " decode " + f + " 2>&1");
  CHECK(missing.exit_code == 70);
  CHECK(missing.out.find("MP4KIT_DECODE_MODULE: /nonexistent/mp4kit_decode.so: cannot open shared object file") != std::string::npos);
}

TEST_CASE("decode ABI: default settings, and struct sizes the module checks") {
  const mp4kit_decode_api& a = abi();
  mp4kit_decoder_settings s;
  std::memset(&s, 0xAB, sizeof s);
  a.decoder_default_settings(&s);
  CHECK(s.struct_size == sizeof s);
  CHECK(s.threads == 0);
  CHECK(s.strict == 0);
  CHECK(s.packet_copy == MP4KIT_PACKET_COPY_AUTO);
  CHECK(s.frames_held == 1);
  CHECK(s.packet_size_hint == 0);
  mp4kit_sink_settings k;
  std::memset(&k, 0xAB, sizeof k);
  a.sink_default_settings(&k);
  CHECK(k.struct_size == sizeof k);
  CHECK(std::string(k.format) == "null");
  CHECK(k.path == nullptr);
  // A settings struct from a caller that did not fill it (struct_size 0) is refused.
  mp4kit_codec_parameters par{};
  par.struct_size = sizeof par;
  par.codec_name = "pcm_s16le";
  par.media_type = MP4KIT_MEDIA_AUDIO;
  par.channels = 2;
  par.sample_rate = 48000;
  mp4kit_decoder_settings zero{};
  mp4kit_decoder* d = nullptr;
  mp4kit_error e{};
  CHECK(a.decoder_open(&par, &zero, &d, &e) == MP4KIT_ERR_USAGE);
  CHECK(d == nullptr);
  REQUIRE(e.message);
  CHECK(std::string(e.message).find("struct_size is 0") != std::string::npos);
  a.error_clear(&e);
  CHECK(e.message == nullptr);
  CHECK(e.code == 0);
  // Output structs: the module writes no more than the caller's struct_size.
  mp4kit_decoder* ok = open_raw("pcm_s16le", MP4KIT_MEDIA_AUDIO);
  mp4kit_decoder_stats st;
  std::memset(&st, 0x5A, sizeof st);
  st.struct_size = offsetof(mp4kit_decoder_stats, frames);  // an "older" caller that knows only `packets`
  a.decoder_stats(ok, &st);
  CHECK(st.packets == 0);
  CHECK(st.frames == 0x5A5A5A5A5A5A5A5A);  // untouched
  a.decoder_close(ok);
}

TEST_CASE("decode ABI: error messages longer than 1024 bytes cross the boundary whole") {
  const mp4kit_decode_api& a = abi();
  // A codec name of 3000 characters: the module's message quotes it entirely.
  const std::string name(3000, 'x');
  mp4kit_codec_parameters par{};
  par.struct_size = sizeof par;
  par.codec_name = name.c_str();
  par.media_type = MP4KIT_MEDIA_VIDEO;
  mp4kit_decoder* d = nullptr;
  mp4kit_error e{};
  CHECK(a.decoder_open(&par, nullptr, &d, &e) == MP4KIT_ERR_MALFORMED);
  REQUIRE(e.message);
  CHECK(e.code == MP4KIT_ERR_MALFORMED);
  CHECK(std::string(e.message) == "this libavcodec does not know codec '" + name + "'");
  a.error_clear(&e);
  // An output path of 2000 characters in a folder that does not exist (kCannotCreate),
  // through the C++ handle: message and path both whole.
  std::string dir = "/nonexistent";
  for (int i = 0; i < 10; ++i) dir += "/" + std::string(200, 'd');  // components under NAME_MAX
  SinkSettings s;
  s.format = "y4m";
  s.path = dir + "/out.y4m";
  auto sink = Sink::open(s);
  REQUIRE_FALSE(sink.ok());
  CHECK(sink.error().code == ErrorCode::kCannotCreate);
  CHECK(sink.error().message.size() > 2000);
  CHECK(sink.error().message.find(s.path) != std::string::npos);
  CHECK(sink.error().message.rfind("No such file or directory") == sink.error().message.size() - 25);
}

TEST_CASE("decode ABI: two decoders in one process each count only their own libavcodec errors") {
  const mp4kit_decode_api& a = abi();
  // Decoder `bad` gets packets of 1 byte (each: one "Invalid PCM packet" message and a
  // failed call), decoder `good` whole samples; first interleaved on one thread, then on
  // two threads at once.
  const auto run_pair = [&](bool threads) {
    mp4kit_decoder* bad = open_raw("pcm_s16le", MP4KIT_MEDIA_AUDIO);
    mp4kit_decoder* good = open_raw("pcm_s16le", MP4KIT_MEDIA_AUDIO);
    constexpr int kPackets = 200;
    const auto feed = [&](mp4kit_decoder* d, size_t bytes, int i) {
      Counted c;
      c.bytes.assign(bytes, 0x11);
      mp4kit_packet p = raw_packet(c, i);
      CHECK(a.decoder_send(d, &p, nullptr) == MP4KIT_OK);
      drain_frames(d);
      CHECK(c.releases == 1);
    };
    if (threads) {
      std::thread t1([&] { for (int i = 0; i < kPackets; ++i) feed(bad, 1, i); });
      std::thread t2([&] { for (int i = 0; i < kPackets; ++i) feed(good, 1024, i); });
      t1.join();
      t2.join();
    } else {
      for (int i = 0; i < kPackets; ++i) {
        feed(bad, 1, i);
        feed(good, 1024, i);
      }
    }
    mp4kit_decoder_stats sb{}, sg{};
    sb.struct_size = sizeof sb;
    sg.struct_size = sizeof sg;
    a.decoder_stats(bad, &sb);
    a.decoder_stats(good, &sg);
    CHECK(sb.error_messages == kPackets);
    CHECK(sb.decode_errors == kPackets);
    CHECK(sg.error_messages == 0);
    CHECK(sg.decode_errors == 0);
    CHECK(sg.frames == kPackets);
    CHECK(std::string(a.decoder_first_log_message(bad)).find("Invalid PCM packet") != std::string::npos);
    CHECK(std::string(a.decoder_first_error(bad)) == "send at packet 0: Invalid data found when processing input");
    CHECK(std::string(a.decoder_first_log_message(good)).empty());
    a.decoder_close(bad);
    a.decoder_close(good);
  };
  SUBCASE("one thread") { run_pair(false); }
  SUBCASE("two threads") { run_pair(true); }
}

TEST_CASE("decode ABI: frame-threaded decoders of real streams count their own messages, at the same time") {
  use_built_module();
  // A damaged HEVC stream (its concealed damage is reported only through av_log) decoded
  // with frame threads, whose messages come from libavcodec's per-thread context copies,
  // while a clean H.264 stream is decoded on another thread.
  const std::string damaged = damaged_copy(samples_dir() + "/hevc_aac.mp4", "abi_log_hevc.mp4", 1);
  auto bad_src = open_file(damaged);
  auto good_src = open_file(samples_dir() + "/h264_bframes_aac.mp4");
  REQUIRE(bad_src.ok());
  REQUIRE(good_src.ok());
  const TestStream bad = open_test_stream(*bad_src, 0), good = open_test_stream(*good_src, 0);
  const auto decode = [](const TestStream& s, int threads) {
    DecoderSettings opt;
    opt.threads = threads;
    auto dec = Decoder::open(s.codec, opt);
    REQUIRE(dec.ok());
    decode_all(*dec, s, [](Frame&) -> Result<bool> { return true; });
    return dec->stats();
  };
  const int64_t alone = decode(bad, 1).error_messages;
  REQUIRE(alone > 0);
  for (int round = 0; round < 3; ++round) {
    mp4kit_decoder_stats sb{}, sg{}, sb1{};
    std::thread t1([&] { sb = decode(bad, 2); });
    std::thread t2([&] { sg = decode(good, 2); });
    std::thread t3([&] { sb1 = decode(bad, 1); });
    t1.join();
    t2.join();
    t3.join();
    CHECK(sb.error_messages > 0);   // routed from the frame threads' contexts
    CHECK(sb1.error_messages == alone);
    CHECK(sg.error_messages == 0);
    CHECK(sg.frames == 72);
  }
}

TEST_CASE("decode ABI: a packet's release is called exactly once: taken, refused (AGAIN) then resent, failed") {
  const mp4kit_decode_api& a = abi();
  SUBCASE("copied packet: released when send returns") {
    mp4kit_decoder* d = open_raw("pcm_s16le", MP4KIT_MEDIA_AUDIO);
    Counted c;
    c.bytes.assign(4096, 0);
    mp4kit_packet p = raw_packet(c, 0);
    CHECK(a.decoder_send(d, &p, nullptr) == MP4KIT_OK);
    CHECK(c.releases == 1);
    CHECK(drain_frames(d) == 1);
    a.decoder_close(d);
    CHECK(c.releases == 1);
  }
  SUBCASE("zero-copy packet (H.264, 64 bytes follow): released once libavcodec is done with it") {
    mp4kit_decoder* d = open_raw("h264", MP4KIT_MEDIA_VIDEO, 0, 2);
    std::vector<std::unique_ptr<Counted>> sent;
    for (int i = 0; i < 8; ++i) {
      auto c = std::make_unique<Counted>();
      c->bytes.assign(1000 + 64, static_cast<uint8_t>(i));  // garbage: decoding fails, the contract holds
      mp4kit_packet p = raw_packet(*c, i, 64);
      int32_t st;
      while ((st = a.decoder_send(d, &p, nullptr)) == MP4KIT_AGAIN) drain_frames(d);
      CHECK(st == MP4KIT_OK);
      drain_frames(d);
      sent.push_back(std::move(c));
    }
    mp4kit_decoder_stats s{};
    s.struct_size = sizeof s;
    a.decoder_stats(d, &s);
    CHECK(s.packets_zero_copy == 8);
    CHECK(s.packets_copied == 0);
    a.decoder_send(d, nullptr, nullptr);
    drain_frames(d);
    a.decoder_close(d);
    for (auto& c : sent) CHECK(c->releases == 1);
  }
  SUBCASE("AGAIN: not taken, not released; released once after it is sent again") {
    mp4kit_decoder* d = open_raw("pcm_s16le", MP4KIT_MEDIA_AUDIO);
    // Without receiving: the first packet is decoded into libavcodec's frame buffer, the
    // second waits in its packet queue, the third is refused.
    Counted c[3];
    mp4kit_packet p[3];
    for (int i = 0; i < 3; ++i) {
      c[i].bytes.assign(4096, 0);
      p[i] = raw_packet(c[i], i);
    }
    CHECK(a.decoder_send(d, &p[0], nullptr) == MP4KIT_OK);
    CHECK(a.decoder_send(d, &p[1], nullptr) == MP4KIT_OK);
    CHECK(a.decoder_send(d, &p[2], nullptr) == MP4KIT_AGAIN);
    CHECK(c[2].releases == 0);
    CHECK(drain_frames(d) >= 1);
    CHECK(a.decoder_send(d, &p[2], nullptr) == MP4KIT_OK);
    CHECK(c[2].releases == 1);
    a.decoder_close(d);
    for (auto& x : c) CHECK(x.releases == 1);
  }
  SUBCASE("strict decoder, failing packet: the error names the call, the packet is released") {
    mp4kit_decoder* d = open_raw("pcm_s16le", MP4KIT_MEDIA_AUDIO, /*strict=*/1);
    Counted c;
    c.bytes.assign(1, 0);
    mp4kit_packet p = raw_packet(c, 7);
    mp4kit_error e{};
    CHECK(a.decoder_send(d, &p, &e) == MP4KIT_ERR_MALFORMED);
    REQUIRE(e.message);
    CHECK(std::string(e.message) == "send at packet 7: Invalid data found when processing input");
    a.error_clear(&e);
    CHECK(c.releases == 1);
    a.decoder_close(d);
    CHECK(c.releases == 1);
  }
  SUBCASE("bad packet refused before libavcodec (sent after the end of stream): released") {
    mp4kit_decoder* d = open_raw("pcm_s16le", MP4KIT_MEDIA_AUDIO);
    CHECK(a.decoder_send(d, nullptr, nullptr) == MP4KIT_OK);
    Counted c;
    c.bytes.assign(4, 0);
    mp4kit_packet p = raw_packet(c, 0);
    CHECK(a.decoder_send(d, &p, nullptr) == MP4KIT_ERR_USAGE);
    CHECK(c.releases == 1);
    a.decoder_close(d);
  }
}

TEST_CASE("decode ABI: the C++ Decoder gives a refused packet's Buffer back and frees a taken one") {
  abi();
  auto dec = Decoder::open(pcm_s16_stereo());
  REQUIRE(dec.ok());
  auto owner = std::make_shared<int>(0);
  std::vector<uint8_t> bytes(4096, 0);
  const auto buffer = [&] { return Buffer(bytes.data(), bytes.size(), 0, owner); };
  Packet pk;
  pk.size = 4096;
  pk.key = true;
  Buffer b0 = buffer(), b1 = buffer(), b2 = buffer();
  CHECK(*dec->send(pk, std::move(b0), 0) == Decoder::Progress::kOk);
  CHECK(*dec->send(pk, std::move(b1), 1) == Decoder::Progress::kOk);
  CHECK(*dec->send(pk, std::move(b2), 2) == Decoder::Progress::kAgain);
  CHECK(b2.data() == bytes.data());  // left as it was
  CHECK(owner.use_count() == 2);     // b2 only: the copied packets were freed
  Frame f;
  int frames = 0;
  while (*dec->receive(f) == Decoder::Progress::kOk) {
    CHECK(f.info().packet_index == frames);
    CHECK(f.info().nb_samples == 1024);
    ++frames;
  }
  CHECK(*dec->send(pk, std::move(b2), 2) == Decoder::Progress::kOk);
  CHECK(owner.use_count() == 1);
  REQUIRE(dec->flush().ok());
  while (*dec->receive(f) == Decoder::Progress::kOk) ++frames;
  CHECK(frames == 3);
  CHECK(dec->stats().packets == 3);
  CHECK(dec->stats().packets_copied == 3);
}

}  // namespace mp4kit::test
