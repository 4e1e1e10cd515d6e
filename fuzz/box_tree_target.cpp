// Fuzz target (1): the box tree. Feeds arbitrary bytes to the top-level scan and moov /
// moof parse (parse_movie), the `probe --boxes` tree (build_box_tree), codec naming and
// the container lint. Checks, beyond "no crash, no sanitizer report": every error is one
// line that names a box path (or "file") and has a message.
#include <cstdint>
#include <string>

#include "targets.h"
#include "mp4/check.h"
#include "mp4/codec_info.h"
#include "mp4/movie.h"
#include "mp4/sample_table.h"

using namespace mp4kit;

namespace {

void check_error(const Error& e) {
  const std::string line = e.to_string();
  FUZZ_CHECK(!e.message.empty(), "error without a message");
  FUZZ_CHECK(line.find('\n') == std::string::npos, "error is not one line: %s", line.c_str());
  if (e.code == ErrorCode::kMalformed) FUZZ_CHECK(!e.box_path.empty(), "malformed-file error names no box: %s", line.c_str());
}

size_t count_nodes(const std::vector<BoxNode>& nodes, uint64_t file_size) {
  size_t n = 0;
  for (const BoxNode& b : nodes) {
    FUZZ_CHECK(b.offset <= file_size && b.size <= file_size - b.offset, "box node outside the file: offset %llu size %llu",
               static_cast<unsigned long long>(b.offset), static_cast<unsigned long long>(b.size));
    n += 1 + count_nodes(b.children, file_size);
  }
  return n;
}

}  // namespace

int mp4kit::fuzz::box_tree(const uint8_t* data, size_t size) {
  const Limits limits = fuzz_limits();
  ByteSourcePtr file = memory_source(data, size, "fuzz.mp4");  // borrowed: no copy

  auto tree = build_box_tree(*file, limits);
  if (tree.ok()) count_nodes(tree.value(), size);
  else check_error(tree.error());

  auto movie = parse_movie(file, limits);
  if (!movie.ok()) {
    check_error(movie.error());
    return 0;
  }
  std::vector<SampleTable> tables;
  for (const Track& t : movie->tracks) {
    CodecInfo ci = codec_info_of(t);
    (void)ci;
    auto table = SampleTable::build(t, limits);
    if (!table.ok()) {
      check_error(table.error());
      return 0;
    }
    tables.push_back(std::move(table.value()));
  }
  auto findings = check_movie(*movie, tables);
  for (const Finding& f : findings) FUZZ_CHECK(!f.message.empty(), "finding without a message");
  return 0;
}
