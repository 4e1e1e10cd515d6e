// packet_table: a stream's packet table as CSV, through mp4kit's public API alone.
//
//   packet_table FILE [STREAM]
//
// STREAM is an ffprobe stream index; without it, every stream in FFmpeg's reading order.
// The output is what `mp4kit probe --packets --csv FILE` prints (for STREAM: its header and
// that stream's rows): stream_index, pts, dts, duration (ticks of the stream's time_base),
// size (bytes), pos (file offset), flags (K sync sample, D discarded by the edit list).
// Cover art has no timestamps: its row leaves pts, dts and duration empty, as the CLI does.
// Errors: one line on stderr, exit status = the mp4kit::ErrorCode (64 usage, 65 malformed,
// 66 cannot open, 70 a limit, 74 I/O).
#include <mp4kit/byte_source.h>
#include <mp4kit/demuxer.h>

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <utility>
#include <vector>

namespace {

int fail(const char* file, const mp4kit::Error& error) {
  std::fprintf(stderr, "packet_table: %s: %s\n", file, error.to_string().c_str());
  return static_cast<int>(error.code);
}

void print_row(const mp4kit::StreamInfo& stream, const mp4kit::Packet& p) {
  const char flags[] = {p.key ? 'K' : '_', p.discard ? 'D' : '_', '\0'};
  if (stream.attached_picture) {
    std::printf("%" PRIu32 ",,,,%" PRIu32 ",%" PRIu64 ",%s\n", p.stream_index, p.size, p.pos, flags);
  } else {
    std::printf("%" PRIu32 ",%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRIu32 ",%" PRIu64 ",%s\n", p.stream_index, p.pts, p.dts,
                p.duration, p.size, p.pos, flags);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "usage: packet_table FILE [STREAM]\n");
    return 64;
  }
  const char* file = argv[1];
  int wanted = -1;
  if (argc == 3) {
    char* end = nullptr;
    const long n = std::strtol(argv[2], &end, 10);
    if (*argv[2] == '\0' || *end != '\0' || n < 0 || n > 65535) {
      std::fprintf(stderr, "packet_table: STREAM must be a stream index, not '%s'\n", argv[2]);
      return 64;
    }
    wanted = static_cast<int>(n);
  }

  mp4kit::Result<mp4kit::ByteSourcePtr> source = mp4kit::open_file(file);
  if (!source) return fail(file, source.error());
  mp4kit::DemuxerOptions options;
  options.parser_key_flags = true;  // K as ffprobe (and probe --packets) gives it
  mp4kit::Result<mp4kit::Demuxer> demuxer = mp4kit::Demuxer::open(*source, options);
  if (!demuxer) return fail(file, demuxer.error());
  const std::vector<mp4kit::StreamInfo>& streams = demuxer->streams();

  // Every stream's packets (the timelines are built once, on the first call).
  std::vector<std::span<const mp4kit::Packet>> packets;
  for (const mp4kit::StreamInfo& s : streams) {
    mp4kit::Result<std::span<const mp4kit::Packet>> p = demuxer->packets(s.index);
    if (!p) return fail(file, p.error());
    packets.push_back(*p);
  }
  // Rows to print as (stream, packet index) pairs.
  std::vector<std::pair<uint32_t, uint32_t>> rows;
  if (wanted >= 0) {
    mp4kit::Result<uint32_t> stream = demuxer->select_stream(mp4kit::StreamSelector::by_index(wanted));
    if (!stream) return fail(file, stream.error());
    for (uint32_t i = 0; i < packets[*stream].size(); ++i) rows.emplace_back(*stream, i);
  } else {
    // As FFmpeg reads: attached pictures first, then the tracks' packets interleaved.
    for (const mp4kit::StreamInfo& s : streams) {
      if (s.attached_picture)
        for (uint32_t i = 0; i < packets[s.index].size(); ++i) rows.emplace_back(s.index, i);
    }
    mp4kit::Result<std::vector<std::pair<uint32_t, uint32_t>>> order = demuxer->reading_order();
    if (!order) return fail(file, order.error());
    for (auto [stream, index] : *order)
      if (!streams[stream].attached_picture) rows.emplace_back(stream, index);
  }
  // Nothing computed from the file is printed if it shrank while it was read.
  if (mp4kit::Status intact = (*source)->check_intact(); !intact) return fail(file, intact.error());

  std::printf("stream_index,pts,dts,duration,size,pos,flags\n");
  for (auto [stream, index] : rows) print_row(streams[stream], packets[stream][index]);
  if (std::fflush(stdout) != 0) {
    std::perror("packet_table: stdout");
    return 74;
  }
  return 0;
}
