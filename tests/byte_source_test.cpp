// Byte sources (include/mp4kit/byte_source.h, lib/io): memory sources, Buffer views and
// their lifetime, the mmap source, the opt-in fault guard, and the proof that lib/mp4 needs
// nothing but ByteSource reads: every sample file parsed through a source that copies each
// read (tests/copying_source.h) gives the same packet tables as through the mapping.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>

#include "child_process.h"
#include "copying_source.h"
#include "io/mapped_file.h"
#include "mp4/movie.h"
#include "mp4/sample_table.h"
#include "mp4/seek_plan.h"
#include "mp4/timeline.h"
#include "test_util.h"

using namespace mp4kit;

namespace {

std::vector<uint8_t> iota_bytes(size_t n) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(i * 7 + 1);
  return v;
}

std::vector<uint8_t> file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

std::string write_file(const std::string& name, const std::vector<uint8_t>& bytes) {
  const std::string path = test::scratch_dir() + "/" + name;
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
  return path;
}

bool mapped_in_this_process(const std::string& path) {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line))
    if (line.size() >= path.size() && line.compare(line.size() - path.size(), path.size(), path) == 0) return true;
  return false;
}

// Every read() of a source: the Buffer covers [offset, end) clamped, and offset + size +
// tail is the source size (the whole rest of the bytes is readable after a view).
void check_read(const ByteSource& s, const std::vector<uint8_t>& want, uint64_t off, uint64_t n) {
  CAPTURE(off);
  CAPTURE(n);
  auto b = s.read(off, n);
  REQUIRE(b.ok());
  const uint64_t size = want.size();
  const uint64_t o = std::min(off, size);
  CHECK(b->offset() == o);
  CHECK(b->size() == std::min(n, size - o));
  CHECK(b->end() == b->offset() + b->size());
  CHECK(b->offset() + b->size() + b->tail() == size);
  CHECK(b->empty() == (b->size() == 0));
  if (b->size()) CHECK(std::memcmp(b->data(), want.data() + o, size_t(b->size())) == 0);
}

}  // namespace

TEST_CASE("memory source: views of the bytes, clamped at the end, never an error") {
  const std::vector<uint8_t> bytes = iota_bytes(1000);
  ByteSourcePtr owned = memory_source(bytes, "owned.bin");
  ByteSourcePtr borrowed = memory_source(bytes.data(), bytes.size(), "borrowed.bin");
  for (const ByteSourcePtr& s : {owned, borrowed}) {
    CHECK(s->size() == 1000);
    CHECK(s->is_mapped());
    CHECK(s->check_intact().ok());
    for (auto [off, n] : std::vector<std::pair<uint64_t, uint64_t>>{
             {0, 1000}, {0, 0}, {10, 20}, {990, 10}, {990, 100}, {999, 1}, {1000, 5}, {5000, 5}, {0, UINT64_MAX}, {17, UINT64_MAX}})
      check_read(*s, bytes, off, n);
    s->advise(Access::kWillNeed, 0, 10);  // a hint, nothing to check but that it is harmless
  }
  CHECK(owned->name() == "owned.bin");
  CHECK(borrowed->name() == "borrowed.bin");
  // A borrowed source reads the caller's bytes in place; an owned one has its own copy.
  CHECK(borrowed->read(0, 1)->data() == bytes.data());
  CHECK(owned->read(0, 1)->data() != bytes.data());
  const uint64_t before = owned->stats().requests;
  (void)owned->read(1, 2);
  CHECK(owned->stats().requests == before + 1);
  CHECK(owned->stats().bytes == 0);  // nothing fetched: the bytes were in memory
}

TEST_CASE("memory source: an empty source gives empty reads") {
  ByteSourcePtr s = memory_source(std::vector<uint8_t>{}, "empty");
  CHECK(s->size() == 0);
  for (uint64_t off : {uint64_t(0), uint64_t(1), UINT64_MAX}) {
    auto b = s->read(off, 10);
    REQUIRE(b.ok());
    CHECK(b->empty());
    CHECK(b->offset() == 0);
    CHECK(b->tail() == 0);
  }
  ByteSourcePtr none = memory_source(nullptr, 0, "nothing");
  CHECK(none->read(0, 1)->empty());
  // A Movie needs a moov: an empty file is malformed, not a crash.
  auto m = parse_movie(s);
  REQUIRE_FALSE(m.ok());
  CHECK(m.error().code == ErrorCode::kMalformed);
  auto tree = build_box_tree(*s);
  REQUIRE(tree.ok());
  CHECK(tree->empty());
}

TEST_CASE("Buffer: slice clamps and keeps offset and tail; copies and slices share the owner") {
  const std::vector<uint8_t> bytes = iota_bytes(100);
  ByteSourcePtr s = memory_source(bytes, "m");
  Buffer b = s->read(10, 50).value();  // [10, 60), tail 40
  CHECK(b.tail() == 40);
  Buffer mid = b.slice(5, 10);         // [15, 25)
  CHECK(mid.offset() == 15);
  CHECK(mid.size() == 10);
  CHECK(mid.data() == b.data() + 5);
  CHECK(mid.tail() == 40 + 35);        // the rest of b, then b's own tail
  Buffer end = b.slice(45, 100);       // clamped to [55, 60)
  CHECK(end.offset() == 55);
  CHECK(end.size() == 5);
  CHECK(end.tail() == 40);
  Buffer past = b.slice(80, 1);        // past the end: empty at b's end
  CHECK(past.empty());
  CHECK(past.offset() == 60);
  CHECK(past.tail() == 40);
  CHECK(mid.owner() == b.owner());
  CHECK(b.owner().use_count() >= 4);   // source's storage + b + mid + end + past

  const uint8_t raw[5] = {9, 8, 7, 6, 5};
  Buffer c = Buffer::copy_of(raw, 5, 1234);
  CHECK(c.offset() == 1234);
  CHECK(c.size() == 5);
  CHECK(c.tail() == 0);
  CHECK(c.data() != raw);
  CHECK(std::memcmp(c.data(), raw, 5) == 0);
  CHECK(c.owner());
  Buffer c2 = c.slice(1, 2);
  CHECK(c2.data()[0] == 8);
  CHECK(c2.tail() == 2);               // the copy's own bytes after the slice
  CHECK(Buffer::copy_of(raw, 0, 7).empty());
  CHECK(Buffer().empty());
}

TEST_CASE("Buffer outlives its source: owned memory and the mapping stay valid until the last Buffer goes") {
  const std::vector<uint8_t> bytes = iota_bytes(4096 * 3);
  Buffer kept;
  {
    ByteSourcePtr s = memory_source(bytes, "m");
    kept = s->read(100, 200).value().slice(10, 20);
  }
  REQUIRE(kept.size() == 20);
  CHECK(std::memcmp(kept.data(), bytes.data() + 110, 20) == 0);  // AddressSanitizer would see a use-after-free

  const std::string path = write_file("outlives.bin", bytes);
  Buffer view;
  {
    auto f = io::MappedFileSource::open(path);
    REQUIRE(f.ok());
    view = (*f)->read(5000, 100).value();
  }
  CHECK(mapped_in_this_process(path));
  CHECK(std::memcmp(view.data(), bytes.data() + 5000, 100) == 0);
  view = Buffer();
  CHECK_FALSE(mapped_in_this_process(path));  // the last reference unmapped it
}

TEST_CASE("mmap source: zero-copy views of the file, tail() = the file after the view") {
  const std::string path = test::samples_dir() + "/h264_bframes_aac.mp4";
  const std::vector<uint8_t> want = file_bytes(path);
  REQUIRE(want.size() > 10000);
  auto f = io::MappedFileSource::open(path);
  REQUIRE(f.ok());
  const io::MappedFileSource& s = **f;
  CHECK(s.name() == path);
  CHECK(s.path() == path);
  CHECK(s.size() == want.size());
  CHECK(s.is_mapped());
  CHECK(s.fd() >= 0);
  CHECK(s.still_complete());
  CHECK_FALSE(s.guarded());  // opt-in
  const uint64_t n = want.size();
  for (auto [off, len] : std::vector<std::pair<uint64_t, uint64_t>>{
           {0, 8}, {0, n}, {1234, 5678}, {n - 64, 64}, {n - 10, 100}, {n, 1}, {n + 10, 1}, {0, UINT64_MAX}})
    check_read(s, want, off, len);
  // Views, not copies: two reads of overlapping ranges point into the same memory.
  Buffer a = s.read(100, 50).value(), b = s.read(120, 10).value();
  CHECK(b.data() == a.data() + 20);
  CHECK(s.stats().bytes == 0);
  CHECK(s.stats().requests >= 10);
  s.advise(Access::kRandom, 0, n);
  s.advise(Access::kDontNeed, n + 1, 10);  // past the end: ignored
  // open_file is the same source behind the interface.
  auto g = open_file(path, {.fault_guard = false});
  REQUIRE(g.ok());
  CHECK((*g)->is_mapped());
  CHECK((*g)->size() == n);
}

TEST_CASE("open_file: missing, empty and non-regular files are kCannotOpen naming the path") {
  const std::string dir = test::scratch_dir();
  const std::string empty = write_file("empty.bin", {});
  for (const std::string& p : {dir + "/no-such-file.mp4", empty, dir}) {
    CAPTURE(p);
    auto f = open_file(p);
    REQUIRE_FALSE(f.ok());
    CHECK(f.error().code == ErrorCode::kCannotOpen);
    CHECK(f.error().message.find("'" + p + "'") != std::string::npos);
  }
}

TEST_CASE("open_file: a FIFO named like a video is kCannotOpen at once, not a wait for a writer") {
  const std::string fifo = test::scratch_dir() + "/fifo.mp4";
  ::unlink(fifo.c_str());
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  ::alarm(10);  // a blocking open() would hang here: SIGALRM ends the test as a failure
  auto f = open_file(fifo);
  ::alarm(0);
  REQUIRE_FALSE(f.ok());
  CHECK(f.error().code == ErrorCode::kCannotOpen);
  CHECK(f.error().message.find("not a regular file") != std::string::npos);
  ::unlink(fifo.c_str());
}

TEST_CASE("fault guard is opt-in: without it no handler is installed and check_intact() stays Ok") {
  // In a child, so that the SIGBUS handler state is this test's own: an embedder's handler
  // must still be in place after open_file() without the option, and after a truncation
  // the unguarded source reports Ok (every byte it handed out was the file's) while
  // still_complete() sees the shrink.
  const std::string path = write_file("unguarded.bin", iota_bytes(4 * 4096));
  pid_t pid = fork();
  if (pid == 0) {
    struct sigaction mine {};
    mine.sa_handler = [](int) { _exit(9); };
    sigemptyset(&mine.sa_mask);
    sigaction(SIGBUS, &mine, nullptr);
    auto f = io::MappedFileSource::open(path);
    if (!f.ok() || (*f)->guarded()) _exit(3);
    struct sigaction now {};
    sigaction(SIGBUS, nullptr, &now);
    if (now.sa_handler != mine.sa_handler) _exit(4);
    if (truncate(path.c_str(), 100) != 0) _exit(5);
    if (!(*f)->check_intact().ok() || (*f)->still_complete()) _exit(6);
#if defined(MP4KIT_SANITIZED)
    _exit(9);  // AddressSanitizer reports a SIGBUS itself: stop before the real fault
#endif
    // Touching a page past the new end is a real SIGBUS, delivered to the embedder's handler.
    volatile uint8_t b = (*f)->read(3 * 4096, 1).value().data()[0];
    (void)b;
    _exit(0);
  }
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 9);
}

namespace {

std::string tree_text(const std::vector<BoxNode>& nodes, int depth = 0) {
  std::ostringstream o;
  for (const BoxNode& n : nodes) {
    o << std::string(size_t(depth) * 2, ' ') << fourcc_to_string(n.type) << " " << n.offset << " " << n.header_size << " "
      << n.size << (n.truncated ? " T " : " ") << n.summary << "\n"
      << tree_text(n.children, depth + 1);
  }
  return o.str();
}

std::string packets_text(const std::vector<StreamTimeline>& tls) {
  std::ostringstream o;
  for (size_t s = 0; s < tls.size(); ++s) {
    const StreamTimeline& tl = tls[s];
    o << "stream " << s << " dts_shift " << tl.dts_shift << " duration " << tl.duration << " start " << tl.start_pts
      << " skip " << tl.skip_samples << "\n";
    for (const Packet& p : tl.packets)
      o << p.pts << "," << p.dts << "," << p.duration << "," << p.size << "," << p.pos << "," << p.key << p.discard
        << p.truncated << "," << p.sample_index << "," << p.sample_description_index << "\n";
  }
  return o.str();
}

struct Parsed {
  std::string error;  // empty when everything parsed
  std::string tree, packets, plans;
  uint64_t bytes_read = 0, mdat_bytes = 0, top_level = 0;
  uint64_t fetched_before_plans = 0;  ///< source->stats().bytes after the parse, before plan_seek
  std::vector<std::string> warnings;
};

// Everything lib/mp4 computes from a file, through `source`: box tree, movie, packet
// tables, and a seek plan (which reads sample bytes) for every 5th frame of each video stream.
Parsed parse_all(const ByteSourcePtr& source) {
  Parsed out;
  auto tree = build_box_tree(*source);
  if (!tree.ok()) return out.error = "tree: " + tree.error().to_string(), out;
  out.tree = tree_text(*tree);
  auto movie = parse_movie(source);
  if (!movie.ok()) return out.error = "movie: " + movie.error().to_string(), out;
  out.bytes_read = movie->bytes_read;
  out.mdat_bytes = movie->mdat_bytes;
  out.top_level = movie->top_level.size();
  out.warnings = movie->warnings;
  std::vector<SampleTable> tables;
  for (const Track& t : movie->tracks) {
    auto st = SampleTable::build(t);
    if (!st.ok()) return out.error = "table: " + st.error().to_string(), out;
    tables.push_back(std::move(st.value()));
  }
  auto tls = build_timelines(*movie, tables);
  if (!tls.ok()) return out.error = "timeline: " + tls.error().to_string(), out;
  out.packets = packets_text(*tls);
  out.fetched_before_plans = source->stats().bytes;
  for (size_t i = 0; i < movie->tracks.size(); ++i) {
    if (media_type_of(movie->tracks[i]) != MediaType::kVideo || (*tls)[i].packets.empty()) continue;
    const PresentationIndex index = PresentationIndex::build((*tls)[i]);
    std::vector<uint64_t> frames;
    for (uint64_t f = 0; f < index.frame_count(); f += 5) frames.push_back(f);
    auto plan = plan_seek(*movie, movie->tracks[i], (*tls)[i], index, frames);
    if (!plan.ok()) return out.error = "plan: " + plan.error().to_string(), out;
    for (const SeekPass& p : plan->passes) {
      out.plans += std::to_string(p.start_packet) + ":" + std::to_string(p.decoded) + "/" + std::to_string(p.skipped) + " ";
      for (bool s : p.skip) out.plans += s ? '1' : '0';
      out.plans += "\n";
    }
  }
  return out;
}

}  // namespace

TEST_CASE("every sample file parses through a non-mapped, copying source exactly as through the mapping") {
  const std::vector<std::string> files = test::media_files();
  if (test::corpus_dir().empty()) MESSAGE("corpus not found (set MP4KIT_CORPUS): samples/ only");
  if (test::corpus2_dir().empty()) MESSAGE("corpus2 not found (set MP4KIT_CORPUS2): its files are skipped");
  int compared = 0, with_plans = 0;
  for (const std::string& path : files) {
    CAPTURE(path);
    auto mapped = open_file(path);
    REQUIRE(mapped.ok());
    const Parsed want = parse_all(*mapped);
    auto copying = std::make_shared<const test::CopyingSource>(*mapped);
    const Parsed got = parse_all(copying);
    CHECK(got.error == want.error);
    CHECK(got.tree == want.tree);
    CHECK(got.packets == want.packets);
    CHECK(got.plans == want.plans);
    CHECK(got.bytes_read == want.bytes_read);
    CHECK(got.warnings == want.warnings);
    // Until plan_seek asked for sample bytes, it fetched no sample data: the box tree and
    // the parse each read at most the bytes outside mdat payloads, plus up to 32 bytes of
    // header per top-level box.
    CHECK(copying->stats().requests > 0);
    if (want.error.empty())
      CHECK(got.fetched_before_plans <= 2 * ((*mapped)->size() - want.mdat_bytes + kMaxBoxHeaderSize * want.top_level));
    ++compared;
    with_plans += !want.plans.empty();
  }
  CHECK(compared == int(files.size()));
  CHECK(with_plans > 0);
  MESSAGE(compared << " files compared, " << with_plans << " with seek plans");
}

TEST_CASE("plain probe through a copying source reads headers and the parsed boxes, not mdat") {
  // moov at the end after a large mdat: the parse must fetch only ftyp, the headers and moov.
  const std::string path = test::samples_dir() + "/audio_only_pcm.mov";
  auto mapped = open_file(path);
  REQUIRE(mapped.ok());
  auto copying = std::make_shared<const test::CopyingSource>(*mapped);
  auto movie = parse_movie(copying);
  REQUIRE(movie.ok());
  REQUIRE(movie->mdat_bytes > 0);
  uint64_t headers = 0, payloads = 0;
  for (const BoxNode& b : movie->top_level) {
    headers += std::min<uint64_t>(kMaxBoxHeaderSize, (*mapped)->size() - b.offset);
    if (b.type == box::ftyp || b.type == box::moov || b.type == box::moof || b.type == box::sidx)
      payloads += b.size - b.header_size;
  }
  CHECK(copying->stats().bytes == headers + payloads);
  CHECK(copying->stats().requests == movie->top_level.size() + movie->buffers.size());
  // Every span of the Movie points into a Buffer it holds.
  for (const Track& t : movie->tracks) {
    const ByteSpan& stsz = t.stbl.stsz;
    if (stsz.empty()) continue;
    bool inside = false;
    for (const Buffer& b : movie->buffers)
      inside |= stsz.data >= b.data() && stsz.data + stsz.size <= b.data() + b.size() && stsz.offset >= b.offset();
    CHECK(inside);
  }
}
