// Helpers for the decode tests: FFmpeg as the oracle (run at test time, never committed;
// memoised for one scripts/test.sh run by test::oracle), mp4kit decode as a child process,
// and damaged copies of sample files.
#pragma once

#include <doctest/doctest.h>

#include <cstdint>
#include <fstream>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "../test_util.h"
#include "mp4kit/byte_source.h"
#include "mp4kit/decoder.h"
#include "mp4kit/demuxer.h"
#include "pipeline/packet_feed.h"
#include "mp4/codec_info.h"
#include "mp4/movie.h"
#include "mp4/sample_table.h"
#include "mp4/timeline.h"

namespace mp4kit::test {

struct StreamInfo {
  int index = 0;
  std::string type;        ///< "video", "audio", ...
  std::string sample_fmt;  ///< ffprobe's sample_fmt for audio
};

inline std::vector<StreamInfo> ffprobe_streams(const std::string& file) {
  std::vector<StreamInfo> out;
  auto r = oracle("ffprobe -v quiet -show_entries stream=index,codec_type,sample_fmt -of csv=p=0 " + quote(file));
  std::istringstream in(r.out);
  std::string line;
  while (std::getline(in, line)) {
    StreamInfo s;
    std::istringstream l(line);
    std::string idx;
    std::getline(l, idx, ',');
    std::getline(l, s.type, ',');
    std::getline(l, s.sample_fmt, ',');
    if (idx.empty()) continue;
    s.index = std::stoi(idx);
    out.push_back(s);
  }
  return out;
}

/// The pcm codec FFmpeg must encode to so that its framemd5 hashes the decoder's own
/// samples, packed: the rule mp4kit's framemd5 follows for audio.
inline std::string native_pcm(const std::string& sample_fmt) {
  if (sample_fmt == "s16" || sample_fmt == "s16p") return "pcm_s16le";
  if (sample_fmt == "s32" || sample_fmt == "s32p") return "pcm_s32le";
  if (sample_fmt == "dbl" || sample_fmt == "dblp") return "pcm_f64le";
  if (sample_fmt == "u8" || sample_fmt == "u8p") return "pcm_u8";
  return "pcm_f32le";
}

/// "size md5" per frame line of a framemd5 output (comments dropped).
inline std::vector<std::string> size_md5_lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> cols;
    std::istringstream l(line);
    std::string c;
    while (std::getline(l, c, ',')) {
      size_t b = c.find_first_not_of(' ');
      cols.push_back(b == std::string::npos ? "" : c.substr(b));
    }
    if (cols.size() >= 6) out.push_back(cols[4] + " " + cols[5]);
  }
  return out;
}

/// FFmpeg's framemd5 of stream `s` (video: passthrough timing, no autorotate; audio: the
/// decoder's sample type, packed).
/// `max_frames` > 0 stops after that many frames (the first ones: ffmpeg -frames).
inline std::vector<std::string> ffmpeg_framemd5(const std::string& file, const StreamInfo& s, int threads,
                                                const std::string& input_opts = "", int max_frames = 0) {
  std::string cmd = "ffmpeg -nostdin -hide_banner -loglevel quiet -threads " + std::to_string(threads) + " -noautorotate " +
                    input_opts + " -i " + quote(file) + " -map 0:" + std::to_string(s.index);
  cmd += s.type == "video" ? " -fps_mode passthrough" : " -c:a " + native_pcm(s.sample_fmt);
  if (max_frames > 0) cmd += " -frames " + std::to_string(max_frames);
  cmd += " -f framemd5 - 2>/dev/null";
  return size_md5_lines(oracle(cmd).out);
}

struct DecodeRun {
  int exit_code = -1;
  std::vector<std::string> lines;
  std::string out;
};

inline DecodeRun mp4kit_framemd5(const std::string& file, int stream, int threads, const std::string& extra = "") {
  DecodeRun d;
  auto r = run(std::string(MP4KIT_BINARY) + " decode --quiet --format framemd5 --threads " + std::to_string(threads) +
               " --stream " + std::to_string(stream) + " " + extra + " " + quote(file) + " 2>/dev/null");
  d.exit_code = r.exit_code;
  d.out = r.out;
  d.lines = size_md5_lines(r.out);
  return d;
}

inline std::string temp_dir() {
  auto dir = std::filesystem::temp_directory_path() / "mp4kit-decode-tests";
  std::filesystem::create_directories(dir);
  return dir.string();
}

/// A copy of `src` with pseudo-random bytes over the last third of every 7th video sample
/// (from mp4kit's own sample table), as a damaged stream whose container is intact.
inline std::string damaged_copy(const std::string& src, const std::string& name, uint32_t seed) {
  auto file = open_file(src);
  REQUIRE(file.ok());
  auto movie = parse_movie(*file);
  REQUIRE(movie.ok());
  auto whole = (*file)->read(0, (*file)->size());
  REQUIRE(whole.ok());
  std::vector<uint8_t> bytes(whole->data(), whole->data() + whole->size());
  std::mt19937 rng(seed);
  for (const Track& t : movie->tracks) {
    if (codec_info_of(t).type != MediaType::kVideo) continue;
    auto table = SampleTable::build(t);
    REQUIRE(table.ok());
    auto cur = table->cursor();
    Sample s;
    for (uint64_t i = 0; cur.next(s); ++i) {
      if (i % 7 != 3 || s.offset + s.size > bytes.size()) continue;
      for (uint64_t k = s.offset + s.size * 2 / 3; k < s.offset + s.size; ++k) bytes[k] = static_cast<uint8_t>(rng());
    }
    break;
  }
  const std::string path = temp_dir() + "/" + name;
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  return path;
}

/// ffprobe stream indexes of `file` whose sample entry is encrypted ('encv'/'enca', § 8.12):
/// decoded as if clear they are garbage whose concealment FFmpeg does not reproduce.
inline std::set<int> encrypted_streams(const std::string& file) {
  std::set<int> out;
  auto source = open_file(file);
  if (!source.ok()) return out;
  auto movie = parse_movie(*source);
  if (!movie.ok()) return out;
  for (size_t i = 0; i < movie->tracks.size(); ++i)
    for (const SampleEntry& e : movie->tracks[i].sample_entries)
      if (e.format == fourcc("encv") || e.format == fourcc("enca")) out.insert(int(movie->track_stream_index[i]));
  return out;
}

/// Makes DecodeModule::load() find the module this build made (the test binary is not
/// next to it). Call before the first decoder of the process.
inline void use_built_module() { setenv("MP4KIT_DECODE_MODULE", MP4KIT_DECODE_MODULE_FILE, 1); }

/// One stream of a file, opened with the public API: demuxer, stream, packets, codec.
struct TestStream {
  Demuxer demuxer;
  uint32_t stream = 0;
  std::span<const Packet> packets;
  CodecParameters codec;
};

inline TestStream open_test_stream(ByteSourcePtr source, uint32_t stream) {
  auto dmx = Demuxer::open(std::move(source));
  REQUIRE_MESSAGE(dmx.ok(), (dmx.ok() ? "" : dmx.error().to_string()));
  TestStream t{std::move(dmx.value()), stream, {}, {}};
  auto packets = t.demuxer.packets(stream);
  REQUIRE(packets.ok());
  t.packets = *packets;
  auto par = t.demuxer.codec_parameters(stream);
  REQUIRE_MESSAGE(par.ok(), (par.ok() ? "" : par.error().to_string()));
  t.codec = std::move(par.value());
  return t;
}

/// Decodes every packet of `s` with `dec`, each frame to `on_frame`, as `mp4kit decode` does.
inline void decode_all(Decoder& dec, const TestStream& s, const pipeline::FrameCallback& on_frame) {
  pipeline::PacketFeed feed(dec, s.demuxer, s.packets, nullptr, false);
  for (uint32_t i = 0; i < s.packets.size(); ++i) {
    auto more = feed.send(i, on_frame);
    REQUIRE_MESSAGE(more.ok(), (more.ok() ? "" : more.error().to_string()));
    if (!*more) return;
  }
  auto more = feed.finish(on_frame);
  REQUIRE_MESSAGE(more.ok(), (more.ok() ? "" : more.error().to_string()));
}

}  // namespace mp4kit::test

namespace mp4kit::test {
inline std::string slurp_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}
}  // namespace mp4kit::test
