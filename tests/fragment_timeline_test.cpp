// Fragmented files as packagers write them, built byte by byte (fixture_movie.h) for the
// cases the corpus does not cover one by one, each compared with `ffprobe -show_packets`
// run at test time: the packet rows (pts, dts, size, pos, K and D flags) must be FFmpeg's.
// What each case pins down is FFmpeg 5.1's mov_read_trun / mov_read_tfdt / mov_read_sidx
// behaviour (see lib/mp4/timeline.cpp and RunStart in lib/mp4/movie.h).
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "fixture_movie.h"
#include "mp4/movie.h"
#include "mp4kit/demuxer.h"

using namespace mp4kit;

namespace {

// "pts dts size pos flags" of every packet of stream 0.
std::vector<std::string> ffprobe_rows(const std::string& path) {
  auto r = test::oracle("ffprobe -v quiet -select_streams 0 -show_packets -of json " + test::quote(path));
  REQUIRE_MESSAGE(r.exit_code == 0, "ffprobe failed on " << path);
  std::vector<std::string> rows;
  for (const auto& p : nlohmann::json::parse(r.out).value("packets", nlohmann::json::array())) {
    rows.push_back(std::to_string(p.value("pts", int64_t(0))) + " " + std::to_string(p.value("dts", int64_t(0))) + " " +
                   p["size"].get<std::string>() + " " + p["pos"].get<std::string>() + " " + p["flags"].get<std::string>());
  }
  return rows;
}

// The same rows from the public Demuxer (the timeline every command uses).
std::vector<std::string> mp4kit_rows(const std::string& path) {
  auto file = open_file(path);
  REQUIRE(file.ok());
  auto dmx = Demuxer::open(*file);
  REQUIRE_MESSAGE(dmx.ok(), dmx.error().to_string());
  auto packets = dmx->packets(0);
  REQUIRE_MESSAGE(packets.ok(), packets.error().to_string());
  std::vector<std::string> rows;
  for (const Packet& p : *packets)
    rows.push_back(std::to_string(p.pts) + " " + std::to_string(p.dts) + " " + std::to_string(p.size) + " " +
                   std::to_string(p.pos) + " " + (p.key ? "K" : "_") + (p.discard ? "D" : "_"));
  return rows;
}

void check_against_ffprobe(const test::FixtureFragmented& f, const std::string& name) {
  const std::string path = test::fragmented_fixture_movie(f).to_file(name);
  CAPTURE(name);
  const auto expected = ffprobe_rows(path);
  CHECK(expected.size() > 1);
  const auto got = mp4kit_rows(path);
  std::string table;
  for (size_t i = 0; i < std::max(got.size(), expected.size()); ++i)
    table += "\n  ff " + (i < expected.size() ? expected[i] : "-") + "  |  mk " + (i < got.size() ? got[i] : "-");
  CHECK_MESSAGE(got == expected, table);
}

test::FixtureFragment frag(std::optional<uint64_t> tfdt, std::vector<std::pair<uint32_t, uint32_t>> samples) {
  test::FixtureFragment fr;
  fr.tfdt = tfdt;
  fr.samples = std::move(samples);
  return fr;
}

}  // namespace

TEST_CASE("fragments: packagers' layouts give ffprobe's packet rows") {
  if (!test::have_ffprobe()) {
    MESSAGE("ffprobe not installed: fragment fixtures skipped");
    return;
  }
  const std::vector<std::pair<uint32_t, uint32_t>> three = {{512, 10}, {512, 20}, {512, 30}};
  const std::vector<std::pair<uint32_t, uint32_t>> no_durations = {{0, 10}, {0, 20}, {0, 30}};
  SUBCASE("mvex before trak, every duration from trex (GPAC, mp4parser)") {
    test::FixtureFragmented f;
    f.mvex_before_trak = true;
    f.trex_default_sample_duration = 1001;
    f.fragments = {frag(0, no_durations), frag(3003, no_durations)};
    for (auto& fr : f.fragments) fr.sample_durations = false;
    check_against_ffprobe(f, "frag_trex_first.mp4");
  }
  SUBCASE("no tfdt: each fragment continues where the track ended") {
    test::FixtureFragmented f;
    f.fragments = {frag(std::nullopt, three), frag(std::nullopt, three), frag(std::nullopt, {{256, 5}})};
    check_against_ffprobe(f, "frag_no_tfdt.mp4");
  }
  SUBCASE("segments: styp + sidx without tfdt take the sidx time; with tfdt, the tfdt") {
    test::FixtureFragmented f;
    f.fragments = {frag(std::nullopt, three), frag(std::nullopt, three), frag(9000, three)};
    f.fragments[0].sidx_ept = 0;
    f.fragments[1].sidx_ept = 4000;  // a gap after the first segment's 1536 ticks
    f.fragments[2].sidx_ept = 5000;  // differs from its tfdt: FFmpeg uses the tfdt
    check_against_ffprobe(f, "frag_sidx.mp4");
  }
  SUBCASE("tfdt that restarts (overlap: discarded) and that jumps ahead") {
    test::FixtureFragmented f;
    f.fragments = {frag(0, three), frag(512, three), frag(100000, three)};
    check_against_ffprobe(f, "frag_tfdt_restart_jump.mp4");
  }
  SUBCASE("several truns per traf, emsg and prft between fragments, mfra at the end") {
    test::FixtureFragmented f;
    f.fragments = {frag(0, {{512, 10}, {512, 20}, {512, 30}, {512, 40}}), frag(std::nullopt, three)};
    f.fragments[0].runs = 2;
    f.fragments[1].runs = 3;
    f.fragments[0].emsg_prft_after = true;
    f.fragments[0].sidx_ept = 0;
    f.mfra = true;
    check_against_ffprobe(f, "frag_truns_emsg_mfra.mp4");
  }
  SUBCASE("an edit list's offset applies to tfdt, sidx and track-end times alike") {
    test::FixtureFragmented f;
    f.elst = {{100, 1024}};  // media_time 1024 ticks
    f.fragments = {frag(2048, three), frag(std::nullopt, three), frag(std::nullopt, three)};
    f.fragments[2].sidx_ept = 8192;
    check_against_ffprobe(f, "frag_elst_offset.mp4");
  }
}

TEST_CASE("fragments: a hierarchical sidx (which FFmpeg refuses) changes no timing") {
  // FFmpeg 5.1 stops with "sidx reference_type 1 ... patches welcome"; mp4kit notes the
  // sidx, warns, and times the fragments by their tfdt.
  test::FixtureFragmented f;
  f.fragments = {frag(0, {{512, 10}, {512, 20}}), frag(4096, {{512, 10}})};
  f.fragments[1].sidx_ept = 2048;
  test::Bytes b = test::fragmented_fixture_movie(f);
  std::vector<uint8_t> bytes = b.data();
  // The sidx's one reference: mark it reference_type 1 (it points at another sidx).
  const std::string sidx = "sidx";
  auto at = std::search(bytes.begin(), bytes.end(), sidx.begin(), sidx.end());
  REQUIRE(at != bytes.end());
  const size_t ref = size_t(at - bytes.begin()) + 4 + 4 + 8 + 16 + 4;  // type, version/flags, id+timescale, ept+offset, reserved+count
  bytes[ref] |= 0x80;
  test::Bytes out;
  for (uint8_t x : bytes) out.u8(x);
  const std::string path = out.to_file("frag_nested_sidx.mp4");
  const auto rows = mp4kit_rows(path);
  REQUIRE(rows.size() == 3);
  CHECK(rows[2].rfind("4096 4096 ", 0) == 0);
  auto file = open_file(path);
  auto movie = parse_movie(*file);
  REQUIRE(movie.ok());
  bool warned = false;
  for (const auto& w : movie->warnings) warned = warned || w.find("points at another sidx") != std::string::npos;
  CHECK(warned);
}
