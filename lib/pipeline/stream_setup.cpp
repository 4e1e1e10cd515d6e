#include "pipeline/stream_setup.h"

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "mp4/fourcc.h"
#include "mp4/movie.h"

namespace mp4kit::pipeline {
namespace {

// Where a decoder's configuration comes from, for messages: the track, or the cover art.
Error at_stream_box(const Demuxer& dmx, uint32_t stream, Error e) {
  if (!e.box_path.empty()) return e;
  if (const int t = dmx.track_of(stream); t >= 0) {
    e.box_path = "moov/trak[" + std::to_string(dmx.movie().tracks[t].index) + "]";
    e.offset = dmx.movie().tracks[t].offset;
    return e;
  }
  for (const AttachedPicture& p : dmx.movie().attached_pictures)
    if (p.stream_index == stream) e.box_path = "moov/udta/meta/ilst/covr", e.offset = p.offset;
  return e;
}

}  // namespace

Result<Decoder> open_stream_decoder(const Demuxer& demuxer, uint32_t stream, std::span<const Packet> packets,
                                    DecoderSettings settings) {
  auto par = demuxer.codec_parameters(stream);
  if (!par.ok()) return par.error();
  if (const int t = demuxer.track_of(stream); par->codec_name.empty() && t >= 0) {
    // No FFmpeg codec name for the sample entry: nothing the module could open.
    const Track& track = demuxer.movie().tracks[t];
    const SampleEntry& entry = track.sample_entries.front();
    const std::string fourcc = fourcc_to_string(entry.format);
    return make_error(ErrorCode::kMalformed, "moov/trak[" + std::to_string(track.index) + "]/mdia/minf/stbl/stsd/" + fourcc,
                      entry.offset, "sample entry '" + fourcc + "' (codec '') has no libavcodec decoder");
  }
  for (const Packet& p : packets) settings.packet_size_hint = std::max(settings.packet_size_hint, p.size);
  auto dec = Decoder::open(*par, settings);
  if (!dec.ok()) return at_stream_box(demuxer, stream, dec.error());
  return dec;
}

Rational y4m_frame_rate(std::span<const Packet> packets, Rational time_base) {
  const Rational fallback{25, 1};
  if (time_base.num != 1 || time_base.den <= 0) return fallback;
  std::vector<std::pair<int64_t, int>> counts;  // duration -> packets, in first-seen order
  for (size_t i = 0; i < packets.size() && i < 512; ++i) {
    const int64_t d = packets[i].duration;
    if (d <= 0) continue;
    bool found = false;
    for (auto& c : counts)
      if (c.first == d) ++c.second, found = true;
    if (!found) counts.emplace_back(d, 1);
  }
  if (counts.empty()) return fallback;
  auto best = counts.front();
  for (const auto& c : counts)
    if (c.second > best.second) best = c;
  int64_t a = time_base.den, b = best.first, g = a, h = b;
  while (h) {
    const int64_t t = g % h;
    g = h;
    h = t;
  }
  a /= g, b /= g;
  if (a > INT32_MAX || b > INT32_MAX) return fallback;
  return Rational{a, b};
}

SinkSettings sink_settings(const std::string& format, const std::string& path, const StreamInfo& stream,
                           std::span<const Packet> packets) {
  SinkSettings s;
  s.format = format;
  s.path = path;
  s.media = stream.codec.type;
  s.stream_index = 0;
  s.time_base = stream.time_base;
  s.frame_rate = y4m_frame_rate(packets, stream.time_base);
  s.sar_num = static_cast<int>(stream.codec.sar_num);
  s.sar_den = static_cast<int>(stream.codec.sar_den);
  return s;
}

Status refuse_terminal(const std::string& path) {
  if (path == "-" && isatty(STDOUT_FILENO))
    return make_error(ErrorCode::kUsage, "", 0, "refusing to write binary output to a terminal; use -o PATH or a pipe");
  return Ok{};
}

TransformApplied applied_of(const Transform& t) {
  const mp4kit_transform_info i = t.info();
  TransformApplied a;
  a.rotation = i.rotation;
  a.rotation_filters = i.rotation_filters ? i.rotation_filters : "";
  a.scaled_width = i.scaled_width, a.scaled_height = i.scaled_height;
  a.crop_x = i.crop_x, a.crop_y = i.crop_y, a.width = i.width, a.height = i.height;
  a.pix_fmt = i.pix_fmt ? i.pix_fmt : "";
  a.scaler = i.scaler ? i.scaler : "";
  a.converts = i.converts != 0;
  return a;
}

bool format_needs_transform(const std::string& format) { return format == "jpeg" || format == "npy"; }

Result<std::optional<Transform>> open_transform(TransformSettings settings, const StreamInfo& stream, const std::string& format,
                                                bool autorotate, std::string& warning) {
  warning.clear();
  if (stream.codec.type != MediaType::kVideo) {
    if (settings.changes_frames()) return make_error(ErrorCode::kUsage, "", 0, "--size, --max-side, --crop and --pix-fmt need a video stream");
    return std::optional<Transform>{};
  }
  const bool picture = format == "png" || format == "ppm" || format_needs_transform(format);
  if (autorotate && (picture || settings.changes_frames())) {
    const int r = stream.autorotate_degrees();
    if (r % 90 == 0) settings.rotation = r;
    else warning = "the display matrix rotates by " + std::to_string(r) + " degrees, not a multiple of 90: not applied";
  }
  settings.sink_format = format;
  settings.input_width = stream.codec.width;
  settings.input_height = stream.codec.height;
  auto t = Transform::open(settings);  // also when it is not needed: a bad --scaler is an error all the same
  if (!t.ok()) return t.error();
  if (!settings.changes_frames() && !format_needs_transform(format)) return std::optional<Transform>{};
  return std::optional<Transform>{std::move(t.value())};
}

}  // namespace mp4kit::pipeline
