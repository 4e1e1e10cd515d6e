// Sample tables over annotated fixtures: iteration, random access, edit list timelines,
// and tables that lie about their counts.
#include <doctest/doctest.h>

#include <type_traits>

#include "fixture_movie.h"
#include "mp4/timeline.h"

using namespace mp4kit;
using test::FixtureTables;

// A SampleTable points at a Track inside a Movie: neither can be copied by accident (a
// table built from a copy would dangle when the copy dies); moving keeps tracks in place.
static_assert(!std::is_copy_constructible_v<Movie> && !std::is_copy_assignable_v<Movie>);
static_assert(std::is_nothrow_move_constructible_v<Movie> && std::is_nothrow_move_assignable_v<Movie>);
static_assert(!std::is_copy_constructible_v<SampleTable> && !std::is_copy_assignable_v<SampleTable>);
static_assert(std::is_nothrow_move_constructible_v<SampleTable> && !std::is_default_constructible_v<SampleTable>);

namespace {
struct Loaded {
  ByteSourcePtr file;
  Movie movie;
  std::vector<SampleTable> tables;
};

Result<Movie> load_movie(const FixtureTables& t, const std::string& name) {
  auto f = open_file(test::fixture_movie(t).to_file(name));
  if (!f.ok()) return f.error();
  return parse_movie(*f);
}
}  // namespace

TEST_CASE("stsc/stco/stsz/stts/stss: samples in decode order with offsets, times and sync flags") {
  FixtureTables t;  // 6 samples, 2 per chunk, delta 512, sync samples 1 and 4
  auto m = load_movie(t, "basic.mp4");
  REQUIRE_MESSAGE(m.ok(), m.error().to_string());
  REQUIRE(m->tracks.size() == 1);
  auto st = SampleTable::build(m->tracks[0]);
  REQUIRE(st.ok());
  CHECK(st->sample_count() == 6);
  CHECK(st->total_bytes() == 310);
  auto all_r = st->all();
  REQUIRE(all_r.ok());
  std::vector<Sample> all = std::move(all_r.value());
  REQUIRE(all.size() == 6);
  const uint64_t base = all[0].offset;
  const uint64_t expect_off[6] = {0, 100, 110, 130, 240, 270};
  for (size_t i = 0; i < 6; ++i) {
    CAPTURE(i);
    CHECK(all[i].offset - base == expect_off[i]);
    CHECK(all[i].dts == int64_t(i) * 512);
    CHECK(all[i].duration == 512);
    CHECK(all[i].is_sync == (i == 0 || i == 3));
    // random access agrees with iteration
    auto s = st->sample_at(i);
    REQUIRE(s.ok());
    CHECK(s->offset == all[i].offset);
    CHECK(s->dts == all[i].dts);
    CHECK(s->is_sync == all[i].is_sync);
  }
  CHECK_FALSE(st->sample_at(6).ok());
}

TEST_CASE("stz2 with 4-, 8- and 16-bit entries: per-sample sizes and total_bytes are the sizes written") {
  for (uint8_t field_size : {uint8_t(4), uint8_t(8), uint8_t(16)}) {
    CAPTURE(int(field_size));
    FixtureTables t;
    // 7 samples (an odd count: the last 4-bit entry shares its byte with padding), sizes
    // that fit the field, their sum the mdat payload.
    t.stsz = field_size == 4 ? std::vector<uint32_t>{15, 1, 0, 9, 7, 15, 3}
             : field_size == 8 ? std::vector<uint32_t>{255, 1, 0, 90, 7, 200, 3}
                               : std::vector<uint32_t>{65535, 1, 0, 900, 7, 2000, 3};
    t.stts = {{7, 512}};
    t.stsc = {{1, 7, 1}};
    t.stss = {1};
    t.stz2_field_size = field_size;
    uint64_t sum = 0;
    for (uint32_t v : t.stsz) sum += v;
    t.mdat_payload = uint32_t(sum);
    auto m = load_movie(t, "stz2_" + std::to_string(field_size) + ".mp4");
    REQUIRE_MESSAGE(m.ok(), m.error().to_string());
    auto st = SampleTable::build(m->tracks[0]);
    REQUIRE(st.ok());
    CHECK(st->total_bytes() == sum);
    auto all = st->all();
    REQUIRE(all.ok());
    REQUIRE(all->size() == t.stsz.size());
    for (size_t i = 0; i < t.stsz.size(); ++i) CHECK((*all)[i].size == t.stsz[i]);
  }
}

TEST_CASE("tables built before the Movie moves still read the moved Movie's tracks") {
  FixtureTables t;
  auto m = load_movie(t, "moved.mp4");
  REQUIRE(m.ok());
  Movie movie = std::move(m.value());
  const Track* before = &movie.tracks[0];
  SampleTable table = SampleTable::build(movie.tracks[0]).value();
  Movie moved = std::move(movie);
  CHECK(&moved.tracks[0] == before);
  CHECK(&table.track() == &moved.tracks[0]);
  std::vector<SampleTable> tables;
  tables.push_back(std::move(table));
  CHECK(tables[0].sample_at(5)->size == 40);
}

TEST_CASE("stss: sync samples by iteration and by binary search agree, 1-based and 0-based tables") {
  struct Case {
    std::vector<uint32_t> stss;
    std::vector<bool> sync;  // per sample
  };
  const Case cases[] = {
      {{2, 3, 6}, {false, true, true, false, false, true}},
      {{1}, {true, false, false, false, false, false}},
      {{0, 2, 5}, {true, false, true, false, false, true}},  // first entry 0: a 0-based table (FFmpeg's key_off)
      {{6, 7, 9}, {false, false, false, false, false, true}},  // entries past the last sample match nothing
  };
  for (const Case& c : cases) {
    FixtureTables t;
    t.stss = c.stss;
    auto m = load_movie(t, "stss.mp4");
    REQUIRE(m.ok());
    auto st = SampleTable::build(m->tracks[0]).value();
    auto all = st.all().value();
    REQUIRE(all.size() == 6);
    for (size_t i = 0; i < 6; ++i) {
      CAPTURE(c.stss.front());
      CAPTURE(i);
      CHECK(all[i].is_sync == c.sync[i]);
      CHECK(st.sample_at(i)->is_sync == c.sync[i]);
    }
  }
}

TEST_CASE("stsc with several entries and co64 offsets") {
  FixtureTables t;
  // chunks 1-2: 1 sample, sample description 1; chunks 3..: 2 samples, description 2
  t.stsc = {{1, 1, 1}, {3, 2, 2}};
  t.co64 = true;
  auto m = load_movie(t, "stsc.mp4");
  REQUIRE(m.ok());
  auto st = SampleTable::build(m->tracks[0]).value();
  auto all_r = st.all();
  REQUIRE(all_r.ok());
  const auto& all = all_r.value();
  REQUIRE(all.size() == 6);
  // Which stsc entry a sample falls in, by iteration and by random access.
  const uint32_t expect_sdi[6] = {1, 1, 2, 2, 2, 2};
  for (size_t i = 0; i < all.size(); ++i) {
    CAPTURE(i);
    CHECK(all[i].sample_description_index == expect_sdi[i]);
    auto s = st.sample_at(i);
    REQUIRE(s.ok());
    CHECK(s->offset == all[i].offset);
    CHECK(s->sample_description_index == expect_sdi[i]);
  }
  CHECK(all[5].offset - all[0].offset == 270);
}

TEST_CASE("ctts with B-frame reordering and an edit list give FFmpeg's pts/dts") {
  // Decode order I P B B P B; composition offsets as x264 writes them with 2 B-frames.
  FixtureTables t;
  t.ctts = {{1, 1024}, {1, 2560}, {1, 512}, {1, 1024}, {1, 2048}, {1, 512}};
  t.elst = {{250, 1024}};  // 0.25 s of movie time starting at media time 1024 (one frame delay)
  auto m = load_movie(t, "bframes.mp4");
  REQUIRE(m.ok());
  std::vector<SampleTable> tables;
  tables.push_back(SampleTable::build(m->tracks[0]).value());
  auto tl = build_timelines(*m, tables);
  REQUIRE(tl.ok());
  const auto& p = (*tl)[0].packets;
  REQUIRE(p.size() == 6);
  // FFmpeg shifts dts so the first presented frame has pts 0: dts starts at -1024.
  CHECK(p[0].dts == -1024);
  CHECK(p[0].pts == 0);
  CHECK(p[1].dts == -512);
  CHECK(p[1].pts == -512 + 2560);
  CHECK(p[2].pts == 0 + 512);
  CHECK(p[0].key);
  CHECK_FALSE(p[1].key);
  CHECK((*tl)[0].duration == 3072);  // 250 ms at timescale 12288
}

TEST_CASE("lying counts are refused before anything is allocated") {
  SUBCASE("stsz sample_count larger than the table") {
    FixtureTables t;
    t.stsz_count_override = 0x7FFFFFFF;
    auto m = load_movie(t, "lying_stsz.mp4");
    REQUIRE_FALSE(m.ok());
    CHECK(m.error().code == ErrorCode::kMalformed);
    CHECK(m.error().box_path == "moov/trak[0]/mdia/minf/stbl/stsz");
    CHECK(m.error().message.find("sample_count 2147483647 needs") != std::string::npos);
  }
  SUBCASE("stts entry_count 2^32-1") {
    FixtureTables t;
    t.stts_count_override = 0xFFFFFFFF;
    auto m = load_movie(t, "lying_stts.mp4");
    REQUIRE_FALSE(m.ok());
    CHECK(m.error().box_path == "moov/trak[0]/mdia/minf/stbl/stts");
  }
  SUBCASE("stsc first_chunk going backwards") {
    FixtureTables t;
    t.stsc = {{2, 2, 1}, {1, 2, 1}};
    auto m = load_movie(t, "lying_stsc.mp4");
    REQUIRE(m.ok());
    auto st = SampleTable::build(m->tracks[0]);
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().message.find("first_chunk") != std::string::npos);
  }
  SUBCASE("chunks hold fewer samples than stsz declares: extra samples are dropped with a warning") {
    FixtureTables t;
    t.stsz = {100, 10, 20, 110, 30, 40, 7, 7};
    t.stsc = {{1, 2, 1}};
    auto bytes = test::fixture_movie(t);
    auto m = load_movie(t, "short_chunks.mp4");
    REQUIRE(m.ok());
    auto st = SampleTable::build(m->tracks[0]);
    REQUIRE(st.ok());
    CHECK(st->sample_count() == 8);  // chunk table was written for all 8 here
  }
}

TEST_CASE("an empty stss marks only the first video sample as a keyframe, as FFmpeg does") {
  FixtureTables t;
  t.stss.clear();
  auto m = load_movie(t, "empty_stss.mp4");
  REQUIRE(m.ok());
  std::vector<SampleTable> tables;
  tables.push_back(SampleTable::build(m->tracks[0]).value());
  auto tl = build_timelines(*m, tables).value();
  REQUIRE(tl[0].packets.size() == 6);
  CHECK(tl[0].packets[0].key);
  for (size_t i = 1; i < 6; ++i) CHECK_FALSE(tl[0].packets[i].key);
}

TEST_CASE("no stss: every sample is a sync sample") {
  FixtureTables t;
  t.with_stss = false;
  auto m = load_movie(t, "no_stss.mp4");
  REQUIRE(m.ok());
  auto st = SampleTable::build(m->tracks[0]).value();
  auto all_r = st.all();
  REQUIRE(all_r.ok());
  for (const Sample& s : all_r.value()) CHECK(s.is_sync);
  CHECK(st.sync_sample_count() == 6);
}

TEST_CASE("the synthetic fixtures also match ffprobe") {
  if (!test::have_ffprobe()) {
    MESSAGE("ffprobe not installed: skipped");
    return;
  }
  std::vector<std::pair<std::string, FixtureTables>> cases;
  FixtureTables b;
  b.ctts = {{1, 1024}, {1, 2560}, {1, 512}, {1, 1024}, {1, 2048}, {1, 512}};
  b.elst = {{250, 1024}};
  cases.push_back({"fx_bframes.mp4", b});
  FixtureTables e;
  e.elst = {{100, -1}, {400, 512}};  // an empty edit then media from 512
  cases.push_back({"fx_empty_edit.mp4", e});
  FixtureTables n;
  n.stss.clear();
  cases.push_back({"fx_empty_stss.mp4", n});
  FixtureTables c;
  c.stsc = {{1, 1, 1}, {3, 2, 1}};
  c.co64 = true;
  cases.push_back({"fx_co64.mp4", c});
  for (auto& [name, t] : cases) {
    CAPTURE(name);
    std::string path = test::fixture_movie(t).to_file(name);
    auto ff = test::oracle("ffprobe -v quiet -show_packets -of csv=p=0 -show_entries packet=pts,dts,size,pos,flags " + test::quote(path));
    REQUIRE(ff.exit_code == 0);
    auto m = parse_movie(open_file(path).value());
    REQUIRE(m.ok());
    std::vector<SampleTable> tables;
    tables.push_back(SampleTable::build(m->tracks[0]).value());
    auto tl = build_timelines(*m, tables);
    REQUIRE(tl.ok());
    std::string ours;
    for (const Packet& p : (*tl)[0].packets)
      ours += std::to_string(p.pts) + "," + std::to_string(p.dts) + "," + std::to_string(p.size) + "," + std::to_string(p.pos) +
              "," + (p.key ? "K" : "_") + (p.discard ? "D" : "_") + "\n";
    CHECK(ours == ff.out);
  }
}
