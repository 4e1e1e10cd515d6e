// mp4kit_fuzz_seeds [--mdat-bytes N] OUT_DIR FILE...: writes a fuzzing seed for each FILE:
// the same top-level boxes with every 'mdat' payload cut to its first N bytes (default
// 1024; sizes patched). fuzz_decode gets seeds with 32 KiB, enough for a few real frames.
// Sample tables then point past the end, which the parsers handle; what matters is that
// the seeds keep the real structure of moov / moof in a few KiB, which libFuzzer can
// mutate quickly. Standalone on purpose: it must not depend on the parser it seeds.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace {

uint64_t g_keep = 1024;

uint64_t be(const uint8_t* p, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; ++i) v = (v << 8) | p[i];
  return v;
}

void put32(std::vector<uint8_t>& out, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) out[at + i] = uint8_t(v >> (24 - 8 * i));
}

std::vector<uint8_t> skeleton(const std::vector<uint8_t>& in) {
  std::vector<uint8_t> out;
  uint64_t pos = 0;
  while (pos + 8 <= in.size()) {
    uint64_t size = be(&in[pos], 4);
    uint64_t header = 8;
    const bool mdat = be(&in[pos + 4], 4) == 0x6D646174;  // 'mdat'
    if (size == 1 && pos + 16 <= in.size()) {
      size = be(&in[pos + 8], 8);
      header = 16;
    } else if (size == 0) {
      size = in.size() - pos;
    }
    if (size < header || size > in.size() - pos) size = in.size() - pos;  // damaged: keep the rest as is
    if (mdat) {
      const uint64_t keep = std::min<uint64_t>(size - header, g_keep);
      const size_t at = out.size();
      out.insert(out.end(), in.begin() + long(pos), in.begin() + long(pos + 8));
      put32(out, at, uint32_t(8 + keep));
      out.insert(out.end(), in.begin() + long(pos + header), in.begin() + long(pos + header + keep));
    } else {
      out.insert(out.end(), in.begin() + long(pos), in.begin() + long(pos + size));
    }
    pos += size;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  int first = 1;
  if (argc > 2 && std::string(argv[1]) == "--mdat-bytes") {
    g_keep = std::strtoull(argv[2], nullptr, 10);
    first = 3;
  }
  if (argc < first + 2) {
    std::fprintf(stderr, "usage: mp4kit_fuzz_seeds [--mdat-bytes N] OUT_DIR FILE...\n");
    return 64;
  }
  const std::string dir = argv[first];
  int written = 0;
  for (int i = first + 1; i < argc; ++i) {
    std::ifstream f(argv[i], std::ios::binary);
    if (!f) {
      std::fprintf(stderr, "mp4kit_fuzz_seeds: cannot read %s\n", argv[i]);
      return 66;
    }
    std::vector<uint8_t> in((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    std::vector<uint8_t> out = skeleton(in);
    std::string name = argv[i];
    name = name.substr(name.find_last_of('/') + 1);
    std::ofstream o(dir + "/" + name, std::ios::binary);
    o.write(reinterpret_cast<const char*>(out.data()), std::streamsize(out.size()));
    if (!o) {
      std::fprintf(stderr, "mp4kit_fuzz_seeds: cannot write %s/%s\n", dir.c_str(), name.c_str());
      return 73;
    }
    ++written;
  }
  std::printf("mp4kit_fuzz_seeds: wrote %d seeds to %s\n", written, dir.c_str());
  return 0;
}
