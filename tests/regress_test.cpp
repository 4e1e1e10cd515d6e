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
     "the overflow check and SeekIndex::sample_at_dts overflowed (UBSan)",
     65, "moov/trak[0]/mdia/minf/stbl/stts at 0x"},
    {"stss-entry-past-last-sample.mp4",
     "SeekIndex::sync_after answered an stss sample number beyond the track's samples",
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
