// A file truncated while it is mapped (io/fault_guard.h), for sources opened with
// FileSourceOptions::fault_guard: reads past the new end see zeros instead of SIGBUS, the
// fault is recorded, and every stage reports kIo; a SIGBUS outside mp4kit's mappings still
// kills the process. Without the option nothing is registered (see byte_source_test.cpp).
#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "child_process.h"
#include "io/mapped_file.h"
#include "mp4/movie.h"
#include "mp4/sample_table.h"
#include "mp4/timeline.h"
#include "test_util.h"

using namespace mp4kit;

namespace {

constexpr uint64_t kPage = 4096;

std::string copy_of(const std::string& src, const std::string& name) {
  std::string dst = test::scratch_dir() + "/" + name;
  std::filesystem::copy_file(src, dst, std::filesystem::copy_options::overwrite_existing);
  return dst;
}

std::string file_of_pages(const std::string& name, int pages) {
  std::string path = test::scratch_dir() + "/" + name;
  std::vector<uint8_t> bytes(pages * kPage, 0xAB);
  FILE* f = std::fopen(path.c_str(), "wb");
  std::fwrite(bytes.data(), 1, bytes.size(), f);
  std::fclose(f);
  return path;
}

// Opened as the CLI opens its inputs: with the fault guard.
Result<io::MappedFileSourcePtr> open_guarded(const std::string& path) {
  return io::MappedFileSource::open(path, {.fault_guard = true});
}

// Touches one byte through a view (the read itself touches nothing).
uint8_t read_byte(const ByteSource& f, uint64_t at) {
  Buffer b = f.read(at, 1).value();
  return *static_cast<const volatile uint8_t*>(b.data());
}

}  // namespace

TEST_CASE("fault guard: a read past the new end of a truncated mapping sees zeros and is recorded") {
  const std::string path = file_of_pages("guard-basic.bin", 4);
  auto f = open_guarded(path);
  REQUIRE(f.ok());
  CHECK((*f)->guarded());
  CHECK(read_byte(**f, 0) == 0xAB);
  CHECK((*f)->check_intact().ok());

  REQUIRE(truncate(path.c_str(), 100) == 0);
  CHECK(read_byte(**f, 10) == 0xAB);            // still inside the file
  CHECK(read_byte(**f, 2 * kPage + 5) == 0);    // past the end: a zero page, not SIGBUS
  CHECK(read_byte(**f, 3 * kPage) == 0);
  CHECK_FALSE((*f)->still_complete());

  Status st = (*f)->check_intact();
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().code == ErrorCode::kIo);
  CHECK(st.error().offset == 2 * kPage + 5);  // the lowest offset that failed
  CHECK(st.error().to_string() ==
        "file at 0x2005: the file shrank to 100 bytes (from 16384) while it was being read; reads past the new end failed");
}

TEST_CASE("fault guard: faults on other threads are absorbed as well") {
  const std::string path = file_of_pages("guard-threads.bin", 16);
  auto f = open_guarded(path);
  REQUIRE(f.ok());
  REQUIRE(truncate(path.c_str(), 0) == 0);
  std::vector<std::thread> threads;
  std::atomic<int> zeros{0};
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (uint64_t p = t; p < 16; p += 4) zeros += read_byte(**f, p * kPage + 7) == 0;
    });
  for (auto& t : threads) t.join();
  CHECK(zeros == 16);
  REQUIRE_FALSE((*f)->check_intact().ok());
  CHECK((*f)->check_intact().error().offset == 7);
}

TEST_CASE("fault guard: parsing a sample whose file is cut after it was mapped gives kIo, not malformed or SIGBUS") {
  // moov first (faststart) at 28..5966: keep the first page, so the parse starts on real
  // bytes and runs into the cut inside moov. (A cut inside a page does not fault: the rest
  // of that page reads as zeros, which the bounded parser handles as a short file.)
  const std::string path = copy_of(test::samples_dir() + "/hevc_aac.mp4", "guard-parse.mp4");
  auto f = open_guarded(path);
  REQUIRE(f.ok());
  REQUIRE(truncate(path.c_str(), kPage) == 0);
  auto movie = parse_movie(*f);
  REQUIRE_FALSE(movie.ok());
  CHECK(movie.error().code == ErrorCode::kIo);
  CHECK(movie.error().offset >= kPage);
}

TEST_CASE("fault guard: sample tables read after the cut make build_timelines report kIo") {
  const std::string path = copy_of(test::samples_dir() + "/audio_only_pcm.mov", "guard-tables.mov");
  auto f = open_guarded(path);
  REQUIRE(f.ok());
  auto movie = parse_movie(*f);  // reads moov (at the end of this file) while it is intact
  REQUIRE(movie.ok());
  std::vector<SampleTable> tables;
  for (const Track& t : movie->tracks) {
    auto st = SampleTable::build(t);
    REQUIRE(st.ok());
    tables.push_back(std::move(st.value()));
  }
  // Cut the file to nothing: truncation unmaps its pages from every mapping, so the
  // lazily read stts/stsc/stco views fault from here on.
  const uint64_t size = (*f)->size();
  REQUIRE(truncate(path.c_str(), 0) == 0);
  auto tl = build_timelines(*movie, tables);
  REQUIRE_FALSE(tl.ok());
  CHECK(tl.error().code == ErrorCode::kIo);
  CHECK(tl.error().message.find("from " + std::to_string(size) + ")") != std::string::npos);
}

TEST_CASE("fault guard: a SIGBUS outside mp4kit's mappings is not swallowed") {
  // Register a mapping (installing the handler), then fault in an unregistered one: the
  // child must die of SIGBUS (or, under AddressSanitizer, be reported by it), not go on.
  const std::string path = file_of_pages("guard-foreign.bin", 2);
  pid_t pid = fork();
  if (pid == 0) {
    auto ours = open_guarded(path);
    int fd = open(path.c_str(), O_RDONLY);
    void* p = mmap(nullptr, 2 * kPage, PROT_READ, MAP_PRIVATE, fd, 0);
    if (!ours.ok() || p == MAP_FAILED || ftruncate(open(path.c_str(), O_WRONLY), 0) != 0) _exit(3);
    volatile uint8_t b = static_cast<const uint8_t*>(p)[kPage];  // not registered: real SIGBUS
    (void)b;
    _exit(0);
  }
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  if (WIFSIGNALED(status)) {
#if defined(MP4KIT_SANITIZED)
    // AddressSanitizer reports the BUS itself and, with abort_on_error=1, aborts.
    CHECK((WTERMSIG(status) == SIGBUS || WTERMSIG(status) == SIGABRT));
#else
    CHECK(WTERMSIG(status) == SIGBUS);
#endif
  } else {
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) != 0);
    CHECK(WEXITSTATUS(status) != 3);
  }
}
