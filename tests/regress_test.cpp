// Regression files: every crash, hang or broken invariant found by fuzzing or by the
// mutation test is kept as a minimized file in tests/regress/, named after the defect, and
// listed in kRegressions with what the CLI must answer for it now. Each file goes through
// the fuzz targets' own code (fuzz/targets.h: all their invariants) and through
// `mp4kit probe --packets --json` in a child process. Every sample and corpus file goes
// through the fuzz targets too, so their invariants hold on real files as well.
#include <doctest/doctest.h>

#include <filesystem>
#include <set>

#include "child_process.h"
#include "fixture_movie.h"
#include "mp4/timeline.h"
#include "targets.h"
#include "test_util.h"

using namespace mp4kit::test;

namespace {

struct Regression {
  const char* file;          ///< in tests/regress/
  const char* defect;        ///< what went wrong before the fix
  int exit_code;             ///< of `mp4kit probe --packets --json FILE` now
  const char* stderr_has;    ///< a piece of the one-line message (exit != 0), or "" for exit 0
};

const Regression kRegressions[] = {
    {"stts-span-overflows-int64.mp4",
     "stts sample_count x sample_delta above INT64_MAX was cast to a negative span: decode times went backwards past "
     "the overflow check and SeekIndex::sample_at_dts (since removed) overflowed (UBSan)",
     65, "moov/trak[0]/mdia/minf/stbl/stts at 0x"},
    {"stss-entry-past-last-sample.mp4",
     "SeekIndex::sync_after (since removed) answered an stss sample number beyond the track's samples",
     0, ""},
    {"stss-not-increasing.mp4",
     "with stss out of order, the cursor (sequential, like FFmpeg) and sample_at (binary search) disagreed on which "
     "samples are sync samples",
     0, ""},
    {"trun-empty-first-run.mp4",
     "(1) a fragmented track whose first trun has sample_count 0 and no moov samples: the cursor read sample 0 from the "
     "empty run's (zero-length) entry table, past its end, and disagreed with sample_at; (2) another track's trun "
     "without per-sample fields declares 3.9 billion samples in 20 bytes: SampleTable::build summed their durations "
     "one by one (4 s) before checking the sample limit",
     70, "samples exceed the limit of 134217728 per track (raise with --max-samples)"},
    {"stsc-first-chunk-not-1.mp4",
     "stsc's first entry has first_chunk 33: the cursor (like FFmpeg) applied it from chunk 1, sample_at and "
     "the chunk capacity from chunk 33, so random access returned other offsets than sequential reading",
     0, ""},
};

std::string regress_dir() { return std::string(MP4KIT_SOURCE_DIR) + "/tests/regress"; }

std::vector<uint8_t> bytes_of(const std::string& path) {
  std::string s = slurp(path);
  return {s.begin(), s.end()};
}

// `mp4kit probe --packets --json` on a byte-built file: exit code and stderr.
ChildResult probe_packets(const std::string& path) {
  ChildSpec spec;
  spec.argv = {MP4KIT_BINARY, "probe", "--packets", "--json", path};
  return run_child(spec);
}

// A byte-built fragmented file: through the fuzz targets' invariants first (under UBSan an
// overflow aborts there), then written to `name` and parsed.
struct BuiltFile {
  std::string path;
  mp4kit::Result<mp4kit::Movie> movie;
};
BuiltFile build_fragmented(const mp4kit::test::FixtureFragmented& f, const std::string& name) {
  const auto bytes = mp4kit::test::fragmented_fixture_movie(f);
  mp4kit::fuzz::box_tree(bytes.data().data(), bytes.size());
  mp4kit::fuzz::sample_table(bytes.data().data(), bytes.size());
  std::string path = bytes.to_file(name);
  auto movie = mp4kit::parse_movie(mp4kit::open_file(path).value());
  return {std::move(path), std::move(movie)};
}

}  // namespace

TEST_CASE("regress: every file in tests/regress/ is listed, passes the fuzz invariants and gets its CLI answer") {
  std::set<std::string> listed;
  for (const Regression& r : kRegressions) {
    CAPTURE(r.file);
    CAPTURE(r.defect);
    listed.insert(r.file);
    const std::string path = regress_dir() + "/" + r.file;
    REQUIRE(std::filesystem::is_regular_file(path));
    std::vector<uint8_t> b = bytes_of(path);
    mp4kit::fuzz::box_tree(b.data(), b.size());      // aborts on a broken invariant
    mp4kit::fuzz::sample_table(b.data(), b.size());

    ChildSpec spec;
    spec.argv = {MP4KIT_BINARY, "probe", "--packets", "--json", path};
    ChildResult res = run_child(spec);
    CHECK(res.signal == 0);
#if !defined(__SANITIZE_ADDRESS__)
    CHECK_MESSAGE(res.wall_s < 2.0, "took " << res.wall_s << " s");  // hangs are defects too
#endif
    CHECK(res.exit_code == r.exit_code);
    if (r.exit_code != 0) {
      CHECK(std::count(res.err.begin(), res.err.end(), '\n') == 1);
      CHECK_MESSAGE(res.err.find(r.stderr_has) != std::string::npos, res.err);
    } else {
      CHECK(res.err.empty());
    }
  }
  for (const auto& e : std::filesystem::directory_iterator(regress_dir())) {
    const std::string name = e.path().filename().string();
    if (name == "README.md") continue;
    CHECK_MESSAGE(listed.count(name), "tests/regress/" << name << " is not listed in kRegressions");
  }
}

TEST_CASE("fuzz targets: their invariants hold on every sample and corpus file") {
  const auto files = media_files(true);
  REQUIRE(!files.empty());
  for (const std::string& f : files) {
    CAPTURE(f);
    std::vector<uint8_t> b = bytes_of(f);
    mp4kit::fuzz::box_tree(b.data(), b.size());
    mp4kit::fuzz::sample_table(b.data(), b.size());
  }
}

// Byte-built files whose 64-bit offsets or decode times do not fit (checked.h).

TEST_CASE("regress: trun data_offset on a tfhd base_data_offset just below 2^63 (signed overflow)") {
  // Caught: parse_trun summed int64(base_data_offset) + data_offset in signed 64 bits:
  // UBSan signed-integer-overflow; without UBSan the sum wrapped negative and the run was
  // refused as "points before the file start". The offset is a valid 64-bit file offset
  // (past the end of this file): the run is kept there and reading stops at it.
  mp4kit::test::FixtureFragmented f;
  f.fragments[0].base_data_offset = 0x7FFFFFFFFFFFFFF0ull;
  f.fragments[0].data_offset = 0x100;
  auto [path, m] = build_fragmented(f, "trun-data-offset-above-int64.mp4");
  REQUIRE_MESSAGE(m.ok(), m.error().to_string());
  REQUIRE(m->tracks[0].runs.size() == 1);
  CHECK(m->tracks[0].runs[0].data_offset == 0x80000000000000F0ull);  // 0x7FFFFFFFFFFFFFF0 + 0x100
  auto table = mp4kit::SampleTable::build(m->tracks[0]);
  REQUIRE(table.ok());
  CHECK(table->sample_at(1)->offset == 0x80000000000000F0ull + 10);  // after the first sample's 10 bytes
  ChildResult r = probe_packets(path);
  CHECK(r.exit_code == 0);
  CHECK(r.err.empty());
}

TEST_CASE("regress: trun data that runs past 2^64 bytes is malformed, not wrapped to a small offset") {
  // Caught: a wrong value. base_data_offset + data_offset (or the run's end, which becomes
  // the next run's implicit offset) was wrapped modulo 2^64 to an offset inside the file,
  // so a crafted run "pointed" at the ftyp box.
  SUBCASE("base_data_offset + data_offset") {
    mp4kit::test::FixtureFragmented f;
    f.fragments[0].base_data_offset = 0xFFFFFFFFFFFFFF00ull;
    f.fragments[0].data_offset = 0x200;  // 2^64 + 0x100
    auto [path, m] = build_fragmented(f, "trun-data-offset-past-2-64.mp4");
    REQUIRE_FALSE(m.ok());
    CHECK(m.error().code == mp4kit::ErrorCode::kMalformed);
    CHECK(m.error().box_path == "moof/traf[0]/trun");
    CHECK_MESSAGE(m.error().message.find("18446744073709551360 + data_offset 512") != std::string::npos, m.error().message);
    ChildResult r = probe_packets(path);
    CHECK(r.exit_code == 65);
    CHECK_MESSAGE(r.err.find("moof/traf[0]/trun at 0x") != std::string::npos, r.err);
  }
  SUBCASE("the end of the run's sample data") {
    mp4kit::test::FixtureFragmented f;
    f.fragments[0].base_data_offset = 0xFFFFFFFFFFFFFF00ull;
    f.fragments[0].data_offset = 0;
    f.fragments[0].samples = {{512, 0x80}, {512, 0x81}};  // ends at 2^64 + 1
    auto [path, m] = build_fragmented(f, "trun-data-end-past-2-64.mp4");
    REQUIRE_FALSE(m.ok());
    CHECK(m.error().box_path == "moof/traf[0]/trun");
    CHECK_MESSAGE(m.error().message.find("sample sizes") != std::string::npos, m.error().message);
  }
}

TEST_CASE("regress: a fragment's decode time minus the edit list's time offset overflows int64") {
  // Caught: build_timelines computed tfdt - time_offset (an empty edit makes time_offset
  // negative) and then dts += duration in signed 64 bits: UBSan signed-integer-overflow;
  // without UBSan the decode times wrapped to about -2^63, a wrong value that ffprobe-style
  // output printed as is. Decode times that do not fit are malformed (as SampleTable::build
  // already says for tfdt + durations), named at the run.
  mp4kit::test::FixtureFragmented f;
  f.elst = {{1000, -1}, {0, 0}};  // 1 s empty edit (12288 track ticks), then media from 0
  f.fragments[0].tfdt = 0x7FFFFFFFFFFFFFFFull - 4096;  // + 2 x 512 still fits: SampleTable::build accepts it
  auto [path, m] = build_fragmented(f, "tfdt-minus-time-offset-overflows.mp4");
  REQUIRE_MESSAGE(m.ok(), m.error().to_string());
  std::vector<mp4kit::SampleTable> tables;
  tables.push_back(mp4kit::SampleTable::build(m->tracks[0]).value());
  auto tl = mp4kit::build_timelines(*m, tables);
  REQUIRE_FALSE(tl.ok());
  CHECK(tl.error().code == mp4kit::ErrorCode::kMalformed);
  CHECK(tl.error().box_path == "moof");
  CHECK(tl.error().offset == m->tracks[0].runs[0].trun_offset);
  CHECK_MESSAGE(tl.error().message.find("overflows 64 bits") != std::string::npos, tl.error().message);
  ChildResult r = probe_packets(path);
  CHECK(r.exit_code == 65);
  CHECK_MESSAGE(r.err.find("moof at 0x") != std::string::npos, r.err);
}
