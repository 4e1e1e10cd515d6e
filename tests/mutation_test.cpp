// Damaged input, systematically (issue 6): every mutation of tests/damaged_file.h applied
// to every sample file, each variant run through the real CLI in a child process with a
// time limit and RLIMIT_AS, as `mp4kit probe --packets --json FILE`. Each variant must
// exit 0 with well-formed output, or 65 / 74 with exactly one line on stderr that names
// the box path and offset; no signal, no sanitizer report, under 2 s and 256 MiB.
//
// Scale (environment):
//   MP4KIT_MUTATION_FILES=quick    (default) three samples that cover the box families:
//                                  h264_bframes_aac.mp4 (moov + edit lists + ctts),
//                                  fragmented.mp4 (moof/traf/trun), audio_only_pcm.mov
//                                  (QuickTime, mdat first, grouped PCM); ~1,500 variants
//   MP4KIT_MUTATION_FILES=samples  every file in samples/ (~6,000 variants)
//   MP4KIT_MUTATION_FILES=all      samples/ and the corpus (~17,700 variants)
//   MP4KIT_MUTATION_SAVE_DIR=DIR   copy every failing variant there (for minimizing)
//   MP4KIT_MUTATION_JOBS=N         children at once (default: number of CPUs)
// scripts/test-hardening.sh runs the full set under the sanitizer build.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "child_process.h"
#include "damaged_file.h"
#include "test_util.h"

using namespace mp4kit;
using namespace mp4kit::test;

namespace {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kSanitized = true;  // shadow memory: no RLIMIT_AS, RSS not comparable, slower
#else
constexpr bool kSanitized = false;
#endif

constexpr double kTimeLimitS = 2.0;
constexpr uint64_t kMemoryLimit = 256ull << 20;

std::vector<uint8_t> read_bytes(const std::string& path) {
  std::string s = slurp(path);
  return {s.begin(), s.end()};
}

void write_bytes(const std::string& path, const std::vector<uint8_t>& b) {
  FILE* f = std::fopen(path.c_str(), "wb");
  REQUIRE(f);
  if (!b.empty()) std::fwrite(b.data(), 1, b.size(), f);
  std::fclose(f);
}

struct Variant {
  std::string source;   ///< original file
  Mutation mutation;
  uint64_t size = 0;    ///< bytes in the variant
};

// What a good answer looks like; returns an empty string when the result is acceptable.
std::string judge(const Variant& v, const std::string& path, const ChildResult& r) {
  if (r.timed_out) return "timed out";
  if (r.signal) return "killed by signal " + std::to_string(r.signal) + ": " + r.err.substr(0, 400);
  if (!kSanitized && r.wall_s > kTimeLimitS) return "took " + std::to_string(r.wall_s) + " s";
  if (!kSanitized && r.max_rss_kb * 1024 > kMemoryLimit) return "peak RSS " + std::to_string(r.max_rss_kb) + " KiB";
  if (r.exit_code == 0) {
    if (!r.err.empty()) return "exit 0 but stderr: " + r.err.substr(0, 400);
    nlohmann::json j = nlohmann::json::parse(r.out, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) return "exit 0 but stdout is not one JSON object";
    if (!j.contains("streams") || !j["streams"].is_array()) return "exit 0 but no streams array";
    if (!j.contains("packets") || !j["packets"].is_array()) return "exit 0 but no packets array";
    for (const auto& p : j["packets"]) {
      const uint64_t pos = p.value("pos", uint64_t(0)), size = p.value("size", uint64_t(0));
      if (pos > v.size || size > v.size - pos)
        return "packet at pos " + std::to_string(pos) + " size " + std::to_string(size) + " lies outside the " +
               std::to_string(v.size) + "-byte file";
    }
    return {};
  }
  if (r.exit_code != 65 && r.exit_code != 74) return "exit " + std::to_string(r.exit_code) + ": " + r.err.substr(0, 400);
  if (!r.out.empty()) {  // --json: the failed input's error record (README "JSON output"), and nothing else
    nlohmann::json e = nlohmann::json::parse(r.out, nullptr, /*allow_exceptions=*/false);
    if (e.is_discarded() || !e.is_object() || !e.contains("error") || e["filename"] != path ||
        e["error"].value("exit_code", -1) != r.exit_code || std::count(r.out.begin(), r.out.end(), '\n') != 1)
      return "exit " + std::to_string(r.exit_code) + " but stdout is not one error record: " + r.out.substr(0, 400);
  }
  if (r.err.empty() || r.err.back() != '\n' || std::count(r.err.begin(), r.err.end(), '\n') != 1)
    return "stderr is not exactly one line: " + r.err.substr(0, 400);
  const std::string prefix = "mp4kit: " + path + ": ";
  if (r.err.rfind(prefix, 0) != 0) return "stderr does not start with '" + prefix + "': " + r.err;
  if (r.err.find(" at 0x") == std::string::npos) return "message names no box path and offset: " + r.err;
  return {};
}

}  // namespace

TEST_CASE("mutation: every damaged variant of the samples gives output or a one-line error (probe --packets --json)") {
  const char* env = std::getenv("MP4KIT_MUTATION_FILES");
  const std::string scale = env && *env ? env : "quick";
  REQUIRE_MESSAGE((scale == "quick" || scale == "samples" || scale == "all"), "MP4KIT_MUTATION_FILES=" << scale);
  std::vector<std::string> files;
  if (scale == "quick") {
    for (const char* f : {"h264_bframes_aac.mp4", "fragmented.mp4", "audio_only_pcm.mov"}) files.push_back(samples_dir() + "/" + f);
  } else {
    files = media_files(scale == "all");
  }
  REQUIRE(!files.empty());

  std::vector<Variant> variants;
  std::map<std::string, std::vector<uint8_t>> originals;
  for (const std::string& f : files) {
    std::vector<uint8_t> bytes = read_bytes(f);
    std::vector<WalkedBox> boxes = walk_boxes(bytes);
    REQUIRE_MESSAGE(boxes.size() >= 3, f << ": the walker found only " << boxes.size() << " boxes");
    for (Mutation& m : mutations(bytes, boxes)) {
      uint64_t size = m.kind == Mutation::kTruncate ? m.offset : bytes.size();
      variants.push_back({f, std::move(m), size});
    }
    originals[f] = std::move(bytes);
  }

  unsigned jobs = std::max(1u, std::thread::hardware_concurrency());
  if (const char* e = std::getenv("MP4KIT_MUTATION_JOBS")) jobs = unsigned(std::max(1, std::atoi(e)));
  const char* save_dir = std::getenv("MP4KIT_MUTATION_SAVE_DIR");
  const std::string dir = scratch_dir();
  auto variant_path = [&](size_t i) { return dir + "/variant-" + std::to_string(i) + ".mp4"; };

  std::map<int, size_t> by_exit;
  std::vector<std::string> failures;
  double max_wall = 0;
  uint64_t max_rss = 0;
  std::string slowest, biggest;
  const double t0 = now_s();
  run_parallel(
      variants.size(), jobs,
      [&](size_t i) {
        write_bytes(variant_path(i), variants[i].mutation.apply(originals[variants[i].source]));
        ChildSpec spec;
        spec.argv = {MP4KIT_BINARY, "probe", "--packets", "--json", variant_path(i)};
        spec.timeout_s = kSanitized ? 30 : 10;
        spec.address_space_limit = kSanitized ? 0 : kMemoryLimit;
        return spec;
      },
      [&](size_t i, const ChildResult& r) {
        const Variant& v = variants[i];
        const std::string label = std::filesystem::path(v.source).filename().string() + ": " + v.mutation.what;
        ++by_exit[r.signal ? -r.signal : r.exit_code];
        if (r.wall_s > max_wall) { max_wall = r.wall_s; slowest = label; }
        if (r.max_rss_kb > max_rss) { max_rss = r.max_rss_kb; biggest = label; }
        std::string verdict = judge(v, variant_path(i), r);
        if (!verdict.empty()) {
          failures.push_back(label + ": " + verdict);
          if (save_dir) std::filesystem::copy_file(variant_path(i), std::string(save_dir) + "/variant-" + std::to_string(i) + ".mp4",
                                                   std::filesystem::copy_options::overwrite_existing);
        }
        std::filesystem::remove(variant_path(i));
      });

  std::string dist;
  for (auto [code, n] : by_exit) dist += (dist.empty() ? "" : ", ") + (code < 0 ? "signal " + std::to_string(-code) : "exit " + std::to_string(code)) + ": " + std::to_string(n);
  MESSAGE(variants.size() << " variants of " << files.size() << " files in " << (now_s() - t0) << " s (" << jobs
                          << " jobs); " << dist << "; slowest " << max_wall << " s (" << slowest << "); peak RSS "
                          << max_rss / 1024 << " MiB (" << biggest << ")");
  for (size_t k = 0; k < failures.size() && k < 25; ++k) FAIL_CHECK(failures[k]);
  CHECK_MESSAGE(failures.empty(), failures.size() << " of " << variants.size() << " variants failed");
}
