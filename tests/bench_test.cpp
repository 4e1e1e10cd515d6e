// `mp4kit bench` and its measurement machinery (bench/page_cache, io_stats,
// bench_harness, latency_histogram): the JSON schema, the CI exits, and on a generated
// 300 MB MP4 in a real filesystem that cold runs really read the file from storage and
// warm runs really do not.
#include <dlfcn.h>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "bench/bench_harness.h"
#include "bench/bench_module.h"
#include "bench/latency_histogram.h"
#include "bench/page_cache.h"
#include "fixture_movie.h"
#include "mp4kit/byte_source.h"
#include "test_util.h"

using namespace mp4kit;
using namespace mp4kit::test;
using nlohmann::json;

namespace {

const char* const kRunFigures[] = {
    "run", "frames", "fps", "wall_s", "user_s", "sys_s", "cpu_utilization", "storage_read_bytes", "requested_bytes",
    "major_faults", "minor_faults", "peak_rss_bytes", "residency_before", "latency_p50_ms", "latency_p95_ms",
    "latency_p99_ms", "latency_max_ms", "pool_misses_per_frame", "packets", "payload_bytes", "proc_read_bytes",
    "device_read_bytes", "block_requests", "decode_errors", "seek_targets_missed", "bytes_read", "requests"};

std::string bin() { return MP4KIT_BINARY; }
std::string build_dir() { return std::filesystem::path(MP4KIT_BINARY).parent_path().string(); }

// Runs `mp4kit bench ARGS`, stdout captured, stderr to `err` (a file) for one-line checks.
CommandResult bench(const std::string& args, std::string* err = nullptr) {
  const std::string err_path = (std::filesystem::temp_directory_path() / "mp4kit-bench-test.err").string();
  CommandResult r = run(quote(bin()) + " bench " + args + " 2>" + quote(err_path));
  if (err) {
    std::ifstream in(err_path);
    err->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return r;
}

// A valid MP4 of `samples` x `sample_size` bytes: one 'cvid' track, 10 samples per chunk,
// moov before mdat; the payload is streamed to disk (it is never held in memory).
// Reused when it exists with the right size.
std::string big_movie(const std::string& path, uint32_t samples, uint32_t sample_size) {
  FixtureTables t;
  t.stts = {{samples, 512}};
  t.with_stss = false;                 // every sample is a sync sample
  t.stsc = {{1, 10, 1}};               // first_chunk 1, 10 samples per chunk
  t.stsz.assign(samples, sample_size);
  t.mdat_payload = 0;                  // the mdat header is rewritten below
  const Bytes head = fixture_movie(t);
  const uint64_t payload = uint64_t(samples) * sample_size;
  const uint64_t total = head.size() + payload;
  std::error_code ec;
  if (std::filesystem::exists(path, ec) && std::filesystem::file_size(path, ec) == total) return path;
  std::FILE* f = std::fopen((path + ".tmp").c_str(), "wb");
  REQUIRE(f);
  std::fwrite(head.data().data(), 1, head.size() - 8, f);  // all but the empty mdat header
  Bytes mdat_header;
  mdat_header.u32(uint32_t(8 + payload)).str("mdat");
  std::fwrite(mdat_header.data().data(), 1, 8, f);
  std::vector<uint8_t> block(1 << 20);
  for (size_t i = 0; i < block.size(); ++i) block[i] = uint8_t(i * 131 + 7);
  for (uint64_t left = payload; left;) {
    const size_t n = size_t(std::min<uint64_t>(left, block.size()));
    REQUIRE(std::fwrite(block.data(), 1, n, f) == n);
    left -= n;
  }
  REQUIRE(std::fclose(f) == 0);
  std::filesystem::rename(path + ".tmp", path);
  return path;
}

void check_figures(const json& figs, bool with_run) {
  for (const char* k : kRunFigures) {
    if (!with_run && std::string(k) == "run") {
      CHECK_FALSE(figs.contains("run"));
      continue;
    }
    INFO("figure ", k);
    REQUIRE(figs.contains(k));
    CHECK((figs[k].is_number() || figs[k].is_null()));
  }
}

}  // namespace

TEST_CASE("latency histogram: exact below 64 ns; 1/64 relative error above; exact max") {
  LatencyHistogram h;
  CHECK(h.quantile_ms(0.5) == 0);
  for (uint64_t v = 1; v <= 1000; ++v) h.add_ns(v * 1000);  // 1 us .. 1 ms
  CHECK(h.count() == 1000);
  CHECK(h.max_ms() == doctest::Approx(1.0));
  CHECK(h.quantile_ms(0.50) == doctest::Approx(0.5).epsilon(1.0 / 64));
  CHECK(h.quantile_ms(0.99) == doctest::Approx(0.99).epsilon(1.0 / 64));
  CHECK(h.quantile_ms(1.0) <= h.max_ms());
  LatencyHistogram small;
  small.add_ns(5);
  small.add_ns(40);
  CHECK(small.quantile_ms(0.5) == doctest::Approx(5e-6));
  CHECK(small.quantile_ms(1.0) == doctest::Approx(40e-6));
  LatencyHistogram huge;
  huge.add_ns(UINT64_MAX / 2);  // past the range: last bucket, no overflow
  CHECK(huge.count() == 1);
}

TEST_CASE("touch_bytes reads every byte (word sum plus tail)") {
  std::vector<uint8_t> v(19, 1);
  CHECK(touch_bytes(v.data(), 0) == 0);
  CHECK(touch_bytes(v.data(), 3) == 3);
  CHECK(touch_bytes(v.data(), 16) == 2 * 0x0101010101010101ull);
}

TEST_CASE("block device discovery and /proc/self/io") {
  const int fd = open(MP4KIT_BINARY, O_RDONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  struct stat st {};
  REQUIRE(fstat(fd, &st) == 0);
  auto dev = block_device_of(st.st_dev);
  const FilesystemInfo fs = filesystem_of(fd);
  MESSAGE("build dir on ", fs.name, ": ", dev.ok() ? "/dev/" + dev->name + " (disk " + dev->disk + ")" : dev.error().message);
  if (dev.ok()) {
    CHECK(!dev->name.empty());
    CHECK(!dev->request_devs.empty());
    auto s = read_block_stat(*dev);
    CHECK(s.ok());
  } else {
    CHECK(dev.error().message.rfind("no block device", 0) == 0);
  }
  const ProcIo io = read_proc_io();
  if (io.available) CHECK(io.rchar > 0);
  if (!dev.ok()) {
    close(fd);
    return;
  }
  auto counter = BlockRequestCounter::open(dev.value());
  if (!counter.ok()) {
    MESSAGE("block:block_rq_issue: ", counter.error().message);
    const std::string& m = counter.error().message;
    CHECK((m.rfind("not permitted", 0) == 0 || m.rfind("unsupported", 0) == 0 || m.rfind("no block device", 0) == 0));
  }
  close(fd);
}

TEST_CASE("DirectReader returns the file's bytes through aligned O_DIRECT windows") {
  const std::string path = samples_dir() + "/h264_bframes_aac.mp4";
  auto mapped = open_file(path);
  REQUIRE(mapped.ok());
  auto whole = (*mapped)->read(0, (*mapped)->size());
  REQUIRE(whole.ok());
  auto reader = DirectReader::open(path, 8192);
  if (!reader.ok()) {
    MESSAGE("O_DIRECT unavailable here: ", reader.error().message);
    return;
  }
  const uint8_t* want = whole->data();
  const uint64_t size = (*mapped)->size();
  CHECK(reader->file_size() == size);
  for (uint64_t off : {uint64_t(0), uint64_t(1), uint64_t(4095), uint64_t(8190), size - 100}) {
    auto v = reader->read(off, 3000);  // crosses window and alignment boundaries
    REQUIRE(v.ok());
    CHECK(v->size == std::min<uint64_t>(3000, size - off));
    CHECK(std::memcmp(v->data, want + off, size_t(v->size)) == 0);
  }
  auto big = reader->read(0, size);  // larger than the window: it grows
  REQUIRE(big.ok());
  CHECK(std::memcmp(big->data, want, size_t(size)) == 0);
  CHECK(reader->read(size, 10)->size == 0);
  CHECK(reader->reads() > 0);
  CHECK(reader->bytes_transferred() >= size);
}

TEST_CASE("bench --json: schema mp4kit.bench/1 with every figure per run and min/median/max") {
  const std::string file = samples_dir() + "/h264_bframes_aac.mp4";
  CommandResult r = bench("--mode demux --runs 2 --warmup 1 --json " + quote(file));
  REQUIRE(r.exit_code == 0);
  const json j = json::parse(r.out);
  CHECK(j["schema"] == "mp4kit.bench/1");
  CHECK(j["file"]["path"] == file);
  CHECK(j["file"]["size"] == std::filesystem::file_size(file));
  CHECK(j["file"]["filesystem"].is_string());
  CHECK(j["mode"] == "demux");
  CHECK(j["threads"] == 0);
  CHECK(j["direct"] == false);
  CHECK(j["runs"] == 2);
  CHECK(j["isolation"]["process_per_run"] == true);
  CHECK(j["io"]["storage_read_source"].is_string());
  CHECK(j["io"]["block_requests"].is_string());
  CHECK(j["against"].is_null());
  CHECK(j["warnings"].is_array());
  REQUIRE(j["cache"].contains("cold"));
  REQUIRE(j["cache"].contains("warm"));
  for (const char* state : {"cold", "warm"}) {
    const json& c = j["cache"][state];
    INFO("cache ", state);
    if (!c["available"].get<bool>()) {
      CHECK(c["reason"].is_string());
      MESSAGE(state, " unavailable: ", c["reason"].get<std::string>());
      continue;
    }
    REQUIRE(c["runs"].size() == 2);
    for (const json& run : c["runs"]) {
      check_figures(run, true);
      CHECK(run["frames"] == run["packets"]);
      CHECK(run["frames"].get<int64_t>() > 0);
      CHECK(run["pool_misses_per_frame"].is_null());  // demux decodes nothing
      CHECK(run["latency_p50_ms"].is_number());
    }
    for (const char* s : {"min", "median", "max"}) check_figures(c[s], false);
    CHECK(c["min"]["wall_s"].get<double>() <= c["median"]["wall_s"].get<double>());
    CHECK(c["median"]["wall_s"].get<double>() <= c["max"]["wall_s"].get<double>());
  }

  // Only the state asked for; probe has no per-frame latency.
  r = bench("--mode probe --cache warm --runs 1 --warmup 0 --json " + quote(file));
  REQUIRE(r.exit_code == 0);
  const json p = json::parse(r.out);
  CHECK_FALSE(p["cache"].contains("cold"));
  REQUIRE(p["cache"]["warm"]["runs"].size() == 1);
  CHECK(p["cache"]["warm"]["runs"][0]["latency_p50_ms"].is_null());
  CHECK(p["cache"]["warm"]["runs"][0]["residency_before"].get<double>() >= 0.95);
}

TEST_CASE("bench exits: --min-fps and --baseline give 1 with one line; usage 64; missing file 66") {
  const std::string file = samples_dir() + "/h264_bframes_aac.mp4";
  std::string err;
  CommandResult r = bench("--mode probe --cache warm --runs 1 --warmup 0 --min-fps 1e12 " + quote(file), &err);
  CHECK(r.exit_code == 1);
  CHECK(err.find("below --min-fps") != std::string::npos);
  CHECK(std::count(err.begin(), err.end(), '\n') == 1);

  r = bench("--mode probe --cache warm --runs 1 --warmup 0 --json " + quote(file));
  REQUIRE(r.exit_code == 0);
  json doc = json::parse(r.out);
  const auto base = std::filesystem::temp_directory_path() / "mp4kit-bench-baseline.json";
  doc["cache"]["warm"]["median"]["fps"] = 1e12;  // a baseline nobody can match
  std::ofstream(base) << doc.dump();
  r = bench("--mode probe --cache warm --runs 1 --warmup 0 --baseline " + quote(base.string()) + " --max-regression 5 " + quote(file), &err);
  CHECK(r.exit_code == 1);
  CHECK(err.find("below the baseline") != std::string::npos);
  CHECK(std::count(err.begin(), err.end(), '\n') == 1);
  doc["cache"]["warm"]["median"]["fps"] = 1e-3;  // an easy one
  std::ofstream(base) << doc.dump();
  r = bench("--mode probe --cache warm --runs 1 --warmup 0 --baseline " + quote(base.string()) + " " + quote(file), &err);
  CHECK(r.exit_code == 0);

  CHECK(bench("--mode probe --direct " + quote(file), &err).exit_code == 64);
  CHECK(std::count(err.begin(), err.end(), '\n') == 1);
  CHECK(bench("--max-regression 5 " + quote(file), &err).exit_code == 64);
  CHECK(bench("--mode nope " + quote(file), &err).exit_code == 64);
  CHECK(bench("--mode probe /nonexistent/file.mp4", &err).exit_code == 66);
  CHECK(std::count(err.begin(), err.end(), '\n') == 1);
}

TEST_CASE("the bench entry point is in mp4kit_bench.so and not in the decode module; found beside the executable or through MP4KIT_BENCH_MODULE") {
  for (const std::string module : {"mp4kit_decode.so", "mp4kit_bench.so"}) {
    INFO(module);
    void* handle = dlopen((build_dir() + "/" + module).c_str(), RTLD_LAZY | RTLD_LOCAL);
    REQUIRE_MESSAGE(handle, dlerror());
    CHECK((dlsym(handle, MP4KIT_BENCH_ENTRY) != nullptr) == (module == "mp4kit_bench.so"));
    dlclose(handle);
  }

  // The executable with the decode module beside it but not the bench module.
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / "mp4kit-bench-no-module";
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::copy_file(MP4KIT_BINARY, dir / "mp4kit");
  fs::copy_file(build_dir() + "/mp4kit_decode.so", dir / "mp4kit_decode.so");
  const std::string exe = quote((dir / "mp4kit").string());
  const std::string args = " bench --cache warm --runs 1 --warmup 0 " + quote(samples_dir() + "/h264_bframes_aac.mp4");
  CommandResult r = run("env -u MP4KIT_BENCH_MODULE " + exe + args + " 2>&1");
  CHECK(r.exit_code == 70);
  CHECK(r.out.find("cannot load the bench module") != std::string::npos);
  CHECK(r.out.find("MP4KIT_BENCH_MODULE") != std::string::npos);
  CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 1);
  // demux and probe run in the executable: no module needed.
  CHECK(run("env -u MP4KIT_BENCH_MODULE " + exe + " bench --mode probe --cache warm --runs 1 --warmup 0 " +
            quote(samples_dir() + "/h264_bframes_aac.mp4") + " >/dev/null 2>&1")
            .exit_code == 0);
  r = run("MP4KIT_BENCH_MODULE=" + quote(build_dir() + "/mp4kit_bench.so") + " " + exe + args + " 2>/dev/null");
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("warm  mp4kit") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("bench on 300 MB: cold runs read the file from storage; warm runs do not") {
  const std::string path = build_dir() + "/bench-test-300mb.mp4";
  {
    const int dir_fd = open(build_dir().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    REQUIRE(dir_fd >= 0);
    const FilesystemInfo fs = filesystem_of(dir_fd);
    close(dir_fd);
    if (fs.memory_backed) {
      MESSAGE("SKIPPED: the build dir is on ", fs.name, ": its pages cannot be evicted (the page cache is the storage)");
      return;
    }
  }
  big_movie(path, 3000, 100000);  // 300,000,000 bytes of samples
  const double size = double(std::filesystem::file_size(path));

  CommandResult r = bench("--mode demux --runs 2 --warmup 1 --json " + quote(path));
  REQUIRE(r.exit_code == 0);
  const json j = json::parse(r.out);
  const std::string source = j["io"]["storage_read_source"];
  MESSAGE("storage bytes from ", source, "; block requests: ", j["io"]["block_requests"].get<std::string>());
  const json& cold = j["cache"]["cold"];
  if (!cold["available"].get<bool>()) {
    MESSAGE("SKIPPED cold/warm checks: ", cold["reason"].get<std::string>());
    return;
  }
  for (const json& run : cold["runs"]) {
    MESSAGE("cold: storage_read_bytes ", run["storage_read_bytes"], " of ", size, ", residency_before ", run["residency_before"]);
    CHECK(run["residency_before"].get<double>() <= 0.05);
    CHECK(run["frames"] == 3000);
    if (source != "none") CHECK(run["storage_read_bytes"].get<double>() >= 0.9 * size);
  }
  for (const json& run : j["cache"]["warm"]["runs"]) {
    MESSAGE("warm: storage_read_bytes ", run["storage_read_bytes"], ", residency_before ", run["residency_before"]);
    CHECK(run["residency_before"].get<double>() >= 0.95);
    if (source != "none") CHECK(run["storage_read_bytes"].get<double>() <= 0.05 * size);
  }

  // The fallback witness: the block device's sectors-read delta (device-wide, so only a
  // lower bound is asserted: other processes may read too).
  r = bench("--mode demux --cache cold --runs 1 --io-source block_device --json " + quote(path));
  REQUIRE(r.exit_code == 0);
  const json b = json::parse(r.out);
  if (b["io"]["storage_read_source"] == "block_device") {
    CHECK(b["io"]["device_wide"] == true);
    const json& run = b["cache"]["cold"]["runs"][0];
    MESSAGE("cold, block device: storage_read_bytes ", run["storage_read_bytes"], " (device delta ", run["device_read_bytes"], ")");
    CHECK(run["storage_read_bytes"] == run["device_read_bytes"]);
    CHECK(run["storage_read_bytes"].get<double>() >= 0.9 * size);
  } else {
    MESSAGE("no block device here: ", b["io"].dump());
  }

  // --direct: O_DIRECT bypasses the page cache, so even a warm run reads from storage.
  std::string err;
  r = bench("--mode demux --direct --cache warm --runs 1 --warmup 0 --json " + quote(path), &err);
  if (r.exit_code != 0) {
    MESSAGE("SKIPPED --direct: ", err);
    return;
  }
  const json d = json::parse(r.out);
  if (source != "none") {
    const json& run = d["cache"]["warm"]["runs"][0];
    MESSAGE("warm --direct: storage_read_bytes ", run["storage_read_bytes"], ", residency_before ", run["residency_before"]);
    CHECK(run["residency_before"].get<double>() >= 0.95);
    CHECK(run["storage_read_bytes"].get<double>() >= 0.9 * size);
  }
}
