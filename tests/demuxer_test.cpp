// The public Demuxer facade (include/mp4kit/demuxer.h) against FFmpeg's own view of the
// same files: stream numbering, codec fields and the codec configuration bytes
// (`ffprobe -show_streams -show_data`: extradata as FFmpeg's mov demuxer stores it), and the
// facade's own promises (packet bytes are the file's bytes, the reading order covers every
// packet once, frame <-> pts lookups invert each other, stream selection names what exists).
#include <doctest/doctest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "mp4kit/byte_source.h"
#include "mp4kit/demuxer.h"
#include "test_util.h"

using namespace mp4kit;
using nlohmann::json;

namespace {

/// Every media file of samples/, the corpus and corpus2 (when present).
std::vector<std::string> all_files() {
  if (test::corpus2_dir().empty()) MESSAGE("corpus2 not found (set MP4KIT_CORPUS2): its files are skipped");
  return test::media_files();
}

Demuxer open_demuxer(const std::string& path) {
  auto src = open_file(path);
  REQUIRE_MESSAGE(src.ok(), path);
  auto d = Demuxer::open(*src);
  REQUIRE_MESSAGE(d.ok(), path << ": " << d.error().to_string());
  return std::move(d.value());
}

// ffprobe's -show_data hex dump ("00000000: 0164 001f ffe1 ...  .d...") -> bytes.
std::vector<uint8_t> parse_hexdump(const std::string& text) {
  std::vector<uint8_t> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    const size_t colon = line.find(": ");
    if (colon == std::string::npos) continue;
    // 8 groups of 4 hex digits at most, then two spaces and the ASCII column.
    const std::string hex = line.substr(colon + 2, 40);
    for (size_t i = 0; i + 1 < hex.size();) {
      if (hex[i] == ' ') { ++i; continue; }
      if (!std::isxdigit(static_cast<unsigned char>(hex[i])) || !std::isxdigit(static_cast<unsigned char>(hex[i + 1]))) break;
      out.push_back(static_cast<uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
      i += 2;
    }
  }
  return out;
}

}  // namespace

// Differences from ffprobe, asserted exactly (a new one, or one of these going away, fails
// the test), each with the reason FFmpeg and mp4kit disagree.
const std::set<std::string> kKnownStreamDifferences = {
    // A QuickTime chapter-image track (tref/chap to a 'vide' track of JPEGs): FFmpeg's
    // mov_read_chapters gives it the attached_pic and timed_thumbnails dispositions and
    // queues its first sample as a picture. StreamInfo::attached_picture means an untimed
    // iTunes cover (no timeline, not in the reading order); this track keeps its timeline
    // (lib/mp4/chapters.h), so the facade reports it as a video track.
    "mp4parser_test-pod.m4a #3 attached_pic mk=0 ff=1",
};

TEST_CASE("Demuxer: streams and codec parameters equal ffprobe -show_streams -show_data") {
  if (!test::have_ffprobe()) {
    MESSAGE("ffprobe not found: skipped");
    return;
  }
  int files = 0, streams = 0, extradata_compared = 0;
  std::set<std::string> diffs;
  for (const std::string& path : all_files()) {
    auto src = open_file(path);
    REQUIRE(src.ok());
    auto dmx = Demuxer::open(*src);
    const auto probe = test::oracle("ffprobe -v error -show_streams -show_data -of json " + test::quote(path) + " 2>/dev/null");
    if (!dmx.ok()) continue;  // damaged files: the parity tests cover their errors
    json ff = json::parse(probe.out, nullptr, false);
    if (ff.is_discarded() || !ff.contains("streams")) continue;
    ++files;
    INFO(path);
    REQUIRE(dmx->streams().size() == ff["streams"].size());
    const std::string name = std::filesystem::path(path).filename().string();
    const auto expect = [&](uint32_t i, const std::string& field, const std::string& mk, const std::string& theirs) {
      if (mk != theirs) diffs.insert(name + " #" + std::to_string(i) + " " + field + " mk=" + mk + " ff=" + theirs);
    };
    for (const json& s : ff["streams"]) {
      const uint32_t i = s["index"].get<uint32_t>();
      const StreamInfo& mine = dmx->streams()[i];
      CHECK(mine.index == i);
      const std::string type = s.value("codec_type", "");
      if (type != "video" && type != "audio") continue;
      ++streams;
      expect(i, "codec_type", media_type_name(mine.codec.type), type);
      expect(i, "codec_name", mine.codec.codec_name, s.value("codec_name", ""));
      expect(i, "time_base", std::to_string(mine.time_base.num) + "/" + std::to_string(mine.time_base.den),
             s.value("time_base", ""));
      const bool ff_pic = s.contains("disposition") && s["disposition"].value("attached_pic", 0) == 1;
      expect(i, "attached_pic", mine.attached_picture ? "1" : "0", ff_pic ? "1" : "0");
      auto par = dmx->codec_parameters(i);
      if (!par.ok()) {
        diffs.insert(name + " #" + std::to_string(i) + " codec_parameters: " + par.error().to_string());
        continue;
      }
      CHECK(par->codec_name == mine.codec.codec_name);
      if (type == "video" && !mine.attached_picture) {
        expect(i, "width", std::to_string(par->width), std::to_string(s.value("width", 0)));
        expect(i, "height", std::to_string(par->height), std::to_string(s.value("height", 0)));
      }
      if (type == "audio") expect(i, "channels", std::to_string(par->channels), std::to_string(s.value("channels", 0)));
      // FFmpeg's extradata after avformat_find_stream_info may be replaced by a decoder or
      // parser (in-band parameter sets); compare where the sizes say it is still the
      // container's.
      const size_t ff_size = s.value("extradata_size", 0);
      if (ff_size == par->extradata.size() && ff_size > 0) {
        if (parse_hexdump(s.value("extradata", "")) != par->extradata) diffs.insert(name + " #" + std::to_string(i) + " extradata bytes");
        ++extradata_compared;
      }
    }
  }
  MESSAGE(files << " files, " << streams << " audio/video streams, " << extradata_compared
                << " extradata blobs compared with ffprobe's");
  for (const std::string& d : diffs)
    if (!kKnownStreamDifferences.count(d)) FAIL_CHECK("new difference: " << d);
  for (const std::string& d : kKnownStreamDifferences)
    if (!diffs.count(d) && files > 60) FAIL_CHECK("listed difference no longer seen: " << d);
  CHECK(extradata_compared > 20);
}

TEST_CASE("Demuxer: packet bytes are the file's bytes; the reading order lists every packet once") {
  for (const std::string& path : test::media_files()) {
    auto src = open_file(path);
    REQUIRE(src.ok());
    auto dmx = Demuxer::open(*src);
    if (!dmx.ok()) continue;
    auto order = dmx->reading_order();
    if (!order.ok()) continue;  // a file whose tables contradict each other: probe's tests cover it
    INFO(path);
    std::ifstream in(path, std::ios::binary);
    size_t total = 0;
    std::set<std::pair<uint32_t, uint32_t>> seen;
    for (auto [si, pi] : *order) CHECK(seen.insert({si, pi}).second);
    for (uint32_t s = 0; s < dmx->streams().size(); ++s) {
      if (dmx->streams()[s].attached_picture) continue;  // untimed: not in the reading order
      auto packets = dmx->packets(s);
      REQUIRE(packets.ok());
      total += packets->size();
      // The first, a middle and the last packet: a Buffer view of exactly the file's bytes.
      for (size_t k : {size_t{0}, packets->size() / 2, packets->size() ? packets->size() - 1 : 0}) {
        if (k >= packets->size()) continue;
        const Packet& p = (*packets)[k];
        auto buf = dmx->read_packet(p);
        REQUIRE(buf.ok());
        CHECK(buf->offset() == p.pos);
        CHECK(buf->size() == p.size);
        std::vector<char> want(p.size);
        in.seekg(static_cast<std::streamoff>(p.pos));
        in.read(want.data(), static_cast<std::streamsize>(p.size));
        CHECK(std::equal(want.begin(), want.end(), reinterpret_cast<const char*>(buf->data())));
      }
    }
    CHECK(seen.size() <= total);
  }
}

TEST_CASE("Demuxer: frame_at_pts(pts of frame N) is N, and frame_packet is the presentation order") {
  int streams = 0;
  for (const std::string& path : test::media_files()) {
    auto src = open_file(path);
    REQUIRE(src.ok());
    auto dmx = Demuxer::open(*src);
    if (!dmx.ok()) continue;
    for (const StreamInfo& s : dmx->streams()) {
      if (s.codec.type != MediaType::kVideo || s.attached_picture) continue;
      auto count = dmx->frame_count(s.index);
      if (!count.ok() || *count == 0) continue;
      INFO(path << " stream " << s.index);
      ++streams;
      auto packets = dmx->packets(s.index);
      REQUIRE(packets.ok());
      int64_t prev_pts = INT64_MIN;
      for (uint64_t n = 0; n < *count; ++n) {
        auto pk = dmx->frame_packet(s.index, n);
        REQUIRE(pk.ok());
        const Packet& p = (*packets)[*pk];
        CHECK_FALSE(p.discard);
        CHECK(p.pts >= prev_pts);  // presentation order
        auto back = dmx->frame_at_pts(s.index, p.pts);
        REQUIRE(back.ok());
        REQUIRE(back->has_value());
        // Equal pts (a duplicate timestamp): the lookup returns the last frame at that pts.
        if (p.pts != prev_pts) CHECK(**back >= n);
        prev_pts = p.pts;
      }
      auto before = dmx->frame_at_pts(s.index, (*packets)[*dmx->frame_packet(s.index, 0)].pts - 1);
      REQUIRE(before.ok());
      CHECK_FALSE(before->has_value());
      auto past = dmx->frame_packet(s.index, *count);
      REQUIRE_FALSE(past.ok());
      CHECK(past.error().code == ErrorCode::kUsage);
    }
  }
  CHECK(streams >= 10);
}

TEST_CASE("Demuxer: stream selection names what the file has") {
  Demuxer av = open_demuxer(test::samples_dir() + "/h264_bframes_aac.mp4");  // #0 video, #1 audio
  CHECK(*av.select_stream(StreamSelector::first_video()) == 0);
  CHECK(*av.select_stream(StreamSelector::first_audio()) == 1);
  CHECK(*av.select_stream(StreamSelector::by_index(1)) == 1);
  auto missing = av.select_stream(StreamSelector::by_index(7));
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code == ErrorCode::kUsage);
  CHECK(missing.error().message == "no stream 7 (the file has 2 streams)");
  StreamSelector video_only = StreamSelector::by_index(1);
  video_only.require_kind = true;
  auto wrong = av.select_stream(video_only);
  REQUIRE_FALSE(wrong.ok());
  CHECK(wrong.error().message == "stream 1 is not a video stream");

  Demuxer audio = open_demuxer(test::samples_dir() + "/audio_only_pcm.mov");
  CHECK(*audio.select_stream(StreamSelector::video_else_audio()) == 0);
  auto no_video = audio.select_stream(StreamSelector::first_video());
  REQUIRE_FALSE(no_video.ok());
  CHECK(no_video.error().message == "the file has no video stream");
  CHECK(no_video.error().code == ErrorCode::kMalformed);  // the file's shortcoming: exit 65, not 64

  Demuxer video = open_demuxer(test::samples_dir() + "/vfr.mp4");
  auto no_audio = video.select_stream(StreamSelector::first_audio());
  REQUIRE_FALSE(no_audio.ok());
  CHECK(no_audio.error().message == "the file has no audio stream");
  CHECK(no_audio.error().code == ErrorCode::kMalformed);
}

TEST_CASE("Demuxer: open passes on the parser's errors; Limits reach the timelines") {
  auto src = open_file(test::samples_dir() + "/h264_bframes_aac.mp4");
  REQUIRE(src.ok());
  DemuxerOptions tiny;
  tiny.limits.max_index_bytes = 1;
  auto d = Demuxer::open(*src, tiny);
  REQUIRE(d.ok());  // parsing needs no packet table
  auto packets = d->packets(0);
  REQUIRE_FALSE(packets.ok());
  CHECK(packets.error().code == ErrorCode::kInternal);
  CHECK(packets.error().message.find("--max-index-mb") != std::string::npos);

  const std::vector<uint8_t> not_mp4 = {0, 0, 0, 8, 'f', 'r', 'e', 'e'};
  auto bad = Demuxer::open(memory_source(not_mp4, "free-only"));
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code == ErrorCode::kMalformed);
}
