// Seek planning on every video stream of samples/ and the corpus: frame numbering, time
// lookup, start sync samples and the non-reference classification. (Exactness of the
// decoded frames against ffmpeg's framemd5 is tested with the seek command.)
#include <doctest/doctest.h>

#include "mp4/codec_info.h"
#include "mp4/seek_plan.h"
#include "test_util.h"

using namespace mp4kit;

namespace {
struct Opened {
  Movie movie;
  std::vector<SampleTable> tables;
  std::vector<StreamTimeline> timelines;
};
Opened open_opened(const std::string& path) {
  Opened o;
  auto f = open_file(path);
  REQUIRE(f.ok());
  auto m = parse_movie(*f);
  REQUIRE(m.ok());
  o.movie = std::move(m.value());
  for (const Track& t : o.movie.tracks) o.tables.push_back(SampleTable::build(t).value());
  o.timelines = build_timelines(o.movie, o.tables).value();
  return o;
}
}  // namespace

TEST_CASE("presentation index, time lookup and seek plans are consistent on every video stream") {
  int streams = 0;
  uint64_t frames_checked = 0, disposable = 0;
  for (const std::string& path : test::media_files()) {
    CAPTURE(path);
    Opened o = open_opened(path);
    for (size_t ti = 0; ti < o.movie.tracks.size(); ++ti) {
      const Track& t = o.movie.tracks[ti];
      if (codec_info_of(t).type != MediaType::kVideo) continue;
      const StreamTimeline& tl = o.timelines[ti];
      PresentationIndex idx = PresentationIndex::build(tl);
      uint64_t shown = 0;
      for (const Packet& p : tl.packets) shown += !p.discard;
      CHECK(idx.frame_count() == shown);
      if (idx.frame_count() == 0) continue;
      ++streams;
      std::vector<uint64_t> all;
      for (uint64_t n = 0; n < idx.frame_count(); ++n) {
        if (n > 0) CHECK(tl.packets[idx.packet_of(n - 1)].pts <= tl.packets[idx.packet_of(n)].pts);
        auto back = idx.frame_at_pts(tl, tl.packets[idx.packet_of(n)].pts);
        REQUIRE(back.has_value());
        // Equal pts (damaged files) resolve to the last of them.
        CHECK(tl.packets[idx.packet_of(*back)].pts == tl.packets[idx.packet_of(n)].pts);
        all.push_back(n);
      }
      CHECK_FALSE(idx.frame_at_pts(tl, tl.packets[idx.packet_of(0)].pts - 1).has_value());
      auto plan = plan_seek(o.movie, t, tl, idx, all);
      REQUIRE(plan.ok());
      for (const SeekTarget& target : plan->targets) {
        ++frames_checked;
        CHECK(target.start_packet <= target.packet);
        const bool start_is_key = tl.packets[target.start_packet].key;
        CHECK((start_is_key || target.start_packet == 0));
        const SeekPass& pass = plan->passes[target.pass];
        CHECK(pass.start_packet == target.start_packet);
        CHECK_FALSE(pass.skip[target.packet - pass.start_packet]);  // a target is always decoded
      }
      for (const SeekPass& pass : plan->passes) {
        CHECK_FALSE(pass.skip[0]);  // the sync sample itself is always decoded
        disposable += pass.skipped;
        for (uint32_t i = pass.start_packet; i <= pass.last_packet; ++i)
          if (pass.skip[i - pass.start_packet]) CHECK_FALSE(tl.packets[i].key);
      }
      auto out_of_range = plan_seek(o.movie, t, tl, idx, {idx.frame_count()});
      REQUIRE_FALSE(out_of_range.ok());
      CHECK(out_of_range.error().code == ErrorCode::kUsage);
    }
  }
  MESSAGE("seek plans: " << streams << " video streams, " << frames_checked << " frames, " << disposable
                         << " packets provably skippable when every frame is requested");
  CHECK(streams >= 10);
}

TEST_CASE("x264 B-frames are classified by nal_ref_idc") {
  Opened o = open_opened(test::samples_dir() + "/h264_bframes_aac.mp4");
  const Track& t = o.movie.tracks[0];
  const StreamTimeline& tl = o.timelines[0];
  int disposable = 0, reference = 0;
  int64_t max_pts = INT64_MIN;
  for (const Packet& p : tl.packets) {
    auto bytes = o.movie.source->read(p.pos, p.size);
    REQUIRE(bytes.ok());
    auto d = sample_disposability(t.sample_entries[0], bytes->data(), bytes->size(), 0);
    CHECK(d != Disposability::kUnknown);
    if (d == Disposability::kDisposable) {
      ++disposable;
      CHECK_FALSE(p.key);
      CHECK(p.pts < max_pts);  // a B-frame: shown before a frame decoded ahead of it
    } else {
      ++reference;
    }
    max_pts = std::max(max_pts, p.pts);
  }
  CHECK(disposable > 0);
  CHECK(reference > 0);
  MESSAGE("h264_bframes_aac.mp4: " << disposable << " non-reference, " << reference << " reference pictures");
}
