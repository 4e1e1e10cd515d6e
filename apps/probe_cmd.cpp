// `mp4kit probe FILE...`: stream summary, ffprobe-compatible JSON, packet tables, the box
// tree and a container lint. Never loads FFmpeg's libraries.
#include <fmt/compile.h>
#include <fmt/core.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "fixed_time.h"
#include "io/large_allocator.h"
#include "json_record.h"
#include "mp4/check.h"
#include "limit_flags.h"
#include "probe_report.h"
#include "source_flags.h"

namespace mp4kit::cli {
namespace {

using json = ordered_json;

struct ProbeOptions {
  std::vector<std::string> files;
  bool json = false;
  bool pretty = false;
  bool packets = false;
  bool csv = false;
  bool boxes = false;
  bool check = false;
  bool no_edits = false;
  LimitFlags limits;
  SourceFlags source;
};

// A time as ffprobe prints it (print_time: ticks * av_q2d(time_base), "%f"), as a number.
double seconds_value(int64_t ticks, int64_t num, int64_t den) {
  return std::stod(fmt::format("{:.6f}", static_cast<double>(ticks) * (static_cast<double>(num) / static_cast<double>(den))));
}
// ffprobe's print_q: "num/den" as stored (rates) or "num:den" (aspect ratios).
std::string rational_string(const Rational& r, char sep) { return fmt::format("{}{}{}", r.num, sep, r.den); }

std::string flags_string(const Packet& p) { return std::string(p.key ? "K" : "_") + (p.discard ? "D" : "_"); }

std::string brands_string(const Movie& m) {
  std::string s;
  for (FourCC b : m.compatible_brands) s += fourcc_to_string(b);
  return s;
}

json box_json(const BoxNode& b) {
  json j;
  j["type"] = fourcc_to_string(b.type);
  j["offset"] = b.offset;
  j["header_size"] = b.header_size;
  j["size"] = b.size;
  if (b.truncated) j["truncated"] = true;
  if (!b.summary.empty()) j["summary"] = b.summary;
  if (!b.children.empty()) {
    json c = json::array();
    for (const BoxNode& k : b.children) c.push_back(box_json(k));
    j["children"] = std::move(c);
  }
  return j;
}

void print_box_text(const BoxNode& b, int depth) {
  fmt::print("{:{}}{} @{} size={} header={}{}{}\n", "", depth * 2, fourcc_to_string(b.type), b.offset, b.size, b.header_size,
             b.summary.empty() ? "" : "  ", b.summary);
  for (const BoxNode& k : b.children) print_box_text(k, depth + 1);
}

json stream_json(const FileReport& rep, const StreamReport& s) {
  const Track& t = rep.movie().tracks[s.track_index];
  const StreamSummary& ss = rep.summary.streams[s.index];
  json j;
  j["index"] = s.index;
  if (!s.codec.codec_name.empty()) j["codec_name"] = s.codec.codec_name;
  if (!s.codec.profile.empty()) j["profile"] = s.codec.profile;
  j["codec_type"] = media_type_name(s.codec.type);
  j["codec_tag_string"] = s.codec.codec_tag_string;
  j["codec_tag"] = fmt::format("0x{:08x}", s.codec.codec_tag);
  if (s.codec.type == MediaType::kVideo) {
    j["width"] = s.codec.width;
    j["height"] = s.codec.height;
    if (ss.sample_aspect_ratio.num) {
      j["sample_aspect_ratio"] = rational_string(ss.sample_aspect_ratio, ':');
      j["display_aspect_ratio"] = rational_string(ss.display_aspect_ratio, ':');
    }
  }
  if (s.codec.type == MediaType::kAudio) {
    j["sample_rate"] = s.codec.sample_rate;
    j["channels"] = s.codec.channels;
    if (s.codec.bits_per_sample) j["bits_per_sample"] = s.codec.bits_per_sample;
  }
  j["id"] = fmt::format("0x{:x}", s.track_id);
  j["r_frame_rate"] = rational_string(ss.r_frame_rate, '/');
  j["avg_frame_rate"] = rational_string(ss.avg_frame_rate, '/');
  j["time_base"] = fmt::format("1/{}", s.timescale);
  if (ss.start_pts) {
    j["start_pts"] = *ss.start_pts;
    j["start_time"] = seconds_value(*ss.start_pts, 1, s.timescale);
  }
  if (ss.duration) {
    j["duration_ts"] = *ss.duration;
    j["duration"] = seconds_value(*ss.duration, 1, s.timescale);
  }
  if (ss.bit_rate) j["bit_rate"] = *ss.bit_rate;
  if (ss.nb_frames) j["nb_frames"] = *ss.nb_frames;
  json tags;
  tags["language"] = s.language;
  if (!s.handler_name.empty()) tags["handler_name"] = s.handler_name;
  j["tags"] = tags;
  if (s.rotation) {
    json sd;
    sd["side_data_type"] = "Display Matrix";
    sd["rotation"] = static_cast<int>(*s.rotation);
    j["side_data_list"] = json::array({sd});
  }
  json mk;
  mk["track_id"] = s.track_id;
  mk["sync_samples"] = s.sync_samples;
  mk["gop"] = {{"min", s.gop_min}, {"avg", s.gop_avg}, {"max", s.gop_max}};
  mk["b_frames"] = s.has_b_frames;
  mk["variable_frame_rate"] = s.variable_frame_rate;
  if (s.bytes) mk["bytes"] = s.bytes;
  json el = json::array();
  for (const EditListEntry& e : s.edits)
    el.push_back({{"segment_duration", e.segment_duration}, {"media_time", e.media_time},
                  {"media_rate", e.media_rate_integer + e.media_rate_fraction / 65536.0}});
  mk["edit_list"] = el;
  mk["fragment_runs"] = t.runs.size();
  j["mp4kit"] = mk;
  return j;
}

// FFmpeg's attached-picture stream for iTunes cover art: one untimed packet.
json picture_json(const FileReport& rep, const AttachedPicture& pic) {
  json j;
  j["index"] = pic.stream_index;
  j["codec_name"] = pic.codec_name;
  j["codec_type"] = "video";
  j["codec_tag_string"] = "[0][0][0][0]";
  j["codec_tag"] = "0x0000";
  j["width"] = pic.width;
  j["height"] = pic.height;
  const StreamSummary& ss = rep.summary.streams[pic.stream_index];
  if (ss.sample_aspect_ratio.num) {
    j["sample_aspect_ratio"] = rational_string(ss.sample_aspect_ratio, ':');
    j["display_aspect_ratio"] = rational_string(ss.display_aspect_ratio, ':');
  }
  j["r_frame_rate"] = rational_string(ss.r_frame_rate, '/');
  j["avg_frame_rate"] = rational_string(ss.avg_frame_rate, '/');
  j["time_base"] = "1/90000";
  if (ss.start_pts) {
    j["start_pts"] = *ss.start_pts;
    j["start_time"] = seconds_value(*ss.start_pts, 1, 90000);
  }
  if (ss.duration) {
    j["duration_ts"] = *ss.duration;
    j["duration"] = seconds_value(*ss.duration, 1, 90000);
  }
  j["disposition"] = {{"attached_pic", 1}};
  j["mp4kit"] = {{"attached_picture", true}, {"bytes", pic.size}};
  return j;
}

// Packet rows are formatted straight into the record's buffer (a 2-hour file has ~500,000
// of them); keys and their order are those of `ffprobe -show_packets -of json`, values are
// numbers.
// The record of a long file is ~100 MB: its buffer comes from LargeAllocator (2 MiB pages),
// since on virtual machines 4 KiB page faults cost more than formatting the rows.
using RecordBuffer = fmt::basic_memory_buffer<char, fmt::inline_buffer_size, LargeAllocator<char>>;

class PacketWriter {
 public:
  PacketWriter(RecordBuffer& buf, bool pretty) : buf_(buf), pretty_(pretty) {}
  // `time_base` = 1/timescale of the stream; the *_time keys are ffprobe's print_time
  // (ticks * av_q2d(time_base), six decimals), written as numbers.
  void row(const char* codec_type, uint32_t stream, uint32_t timescale, const int64_t* pts, const int64_t* dts,
           int64_t duration, uint64_t size, uint64_t pos, const char* flags) {
    buf_.append(std::string_view(first_ ? "" : ","));
    buf_.append(std::string_view(pretty_ ? "\n    " : ""));
    first_ = false;
    fmt::appender out(buf_);
    const double tb = timescale ? 1.0 / timescale : 0.0;
    fmt::format_to(out, FMT_COMPILE("{{\"codec_type\": \"{}\", \"stream_index\": {}"), codec_type, stream);
    if (pts) {
      out = fmt::format_to(out, FMT_COMPILE(", \"pts\": {}, \"pts_time\": "), *pts);
      out = format_seconds_6(out, *pts, tb);
    }
    if (dts) {
      out = fmt::format_to(out, FMT_COMPILE(", \"dts\": {}, \"dts_time\": "), *dts);
      out = format_seconds_6(out, *dts, tb);
    }
    if (pts) {
      out = fmt::format_to(out, FMT_COMPILE(", \"duration\": {}, \"duration_time\": "), duration);
      out = format_seconds_6(out, duration, tb);
    }
    fmt::format_to(out, FMT_COMPILE(", \"size\": {}, \"pos\": {}, \"flags\": \"{}\"}}"), size, pos, flags);
  }
 private:
  RecordBuffer& buf_;
  bool pretty_;
  bool first_ = true;
};

void append_packets_json(const FileReport& rep, bool pretty, RecordBuffer& buf) {
  const Movie& m = rep.movie();
  PacketWriter w(buf, pretty);
  for (const AttachedPicture& pic : m.attached_pictures)  // queued first, as libavformat does
    w.row("video", pic.stream_index, 90000, nullptr, nullptr, 0, pic.size, pic.offset, "K_");
  const std::vector<StreamInfo>& streams = rep.demuxer.streams();
  for (auto [si, pi] : interleave_order(m, *rep.timelines)) {
    const Packet& p = (*rep.timelines)[si].packets[pi];
    const StreamInfo& st = streams[p.stream_index];
    w.row(media_type_name(st.codec.type), p.stream_index, static_cast<uint32_t>(st.time_base.den), &p.pts, &p.dts, p.duration,
          p.size, p.pos, p.key ? (p.discard ? "KD" : "K_") : (p.discard ? "_D" : "__"));
  }
}

// One file's record (README "JSON output"): the whole text, written with one write(2).
void write_file_record(const FileReport& rep, const ordered_json& j, bool pretty, bool packets) {
  std::string text = dump_record(j, pretty);
  if (!packets || !rep.timelines) return write_record(std::move(text));
  text.pop_back();  // the closing brace; the packets array goes before it
  while (!text.empty() && text.back() == '\n') text.pop_back();
  // One row is ~200 bytes: reserving once avoids growing (and copying) a record of 100 MB
  // dozens of times.
  size_t rows = rep.movie().attached_pictures.size();
  for (const auto& tl : *rep.timelines) rows += tl.packets.size();
  RecordBuffer buf;
  buf.reserve(text.size() + rows * 224 + 64);
  buf.append(text);
  buf.append(std::string_view(pretty ? ",\n  \"packets\": [" : ",\"packets\":["));
  append_packets_json(rep, pretty, buf);
  buf.append(std::string_view(pretty ? "\n  ]\n}\n" : "]}\n"));
  write_record_line(std::string_view(buf.data(), buf.size()));
}

json file_json(const FileReport& rep, const std::vector<BoxNode>* boxes, const std::vector<Finding>* findings) {
  const Movie& m = rep.movie();
  json j;
  json f;
  f["filename"] = rep.path;
  f["nb_streams"] = m.stream_count;
  const FormatSummary& fs = rep.summary.format;
  f["nb_programs"] = fs.nb_programs;
  f["format_name"] = "mov,mp4,m4a,3gp,3g2,mj2";
  f["format_long_name"] = "QuickTime / MOV";
  if (fs.start_time_us) f["start_time"] = seconds_value(*fs.start_time_us, 1, 1000000);
  if (fs.duration_us) f["duration"] = seconds_value(*fs.duration_us, 1, 1000000);
  f["size"] = m.file_size;
  if (fs.bit_rate) f["bit_rate"] = *fs.bit_rate;
  f["probe_score"] = fs.probe_score;
  json tags;
  if (m.has_ftyp) {
    tags["major_brand"] = fourcc_to_string(m.major_brand);
    tags["minor_version"] = std::to_string(m.minor_version);
    tags["compatible_brands"] = brands_string(m);
  }
  if (!tags.empty()) f["tags"] = tags;  // no null values: ffprobe omits what it lacks
  j["format"] = f;
  json streams = json::array();
  {
    std::vector<json> by_index(m.stream_count);
    for (const StreamReport& s : rep.streams) by_index[s.index] = stream_json(rep, s);
    for (const AttachedPicture& pic : m.attached_pictures) by_index[pic.stream_index] = picture_json(rep, pic);
    for (json& s : by_index) streams.push_back(std::move(s));
  }
  j["streams"] = streams;
  if (boxes) {
    json b = json::array();
    for (const BoxNode& n : *boxes) b.push_back(box_json(n));
    j["boxes"] = std::move(b);
  }
  if (findings) {
    json fa = json::array();
    for (const Finding& x : *findings)
      fa.push_back({{"severity", x.severity == Finding::Severity::kError ? "error" : "warning"},
                    {"box_path", x.box_path}, {"offset", x.offset}, {"message", x.message}});
    j["check"] = fa;
  }
  json mk;
  mk["schema"] = "mp4kit.probe/1";
  // A mapping's bytes cost nothing until touched: the parser's count. A URL: what was fetched.
  const bool fetching = !rep.demuxer.source().is_mapped();
  mk["bytes_read"] = fetching ? rep.fetched.bytes : rep.bytes_read;
  mk["requests"] = fetching ? rep.fetched.requests : 0;
  mk["fragmented"] = m.fragmented;
  json w = json::array();
  for (const std::string& s : m.warnings) w.push_back(s);
  for (const Finding& q : quick_findings(m)) w.push_back(fmt::format("{} at 0x{:X}: {}", q.box_path, q.offset, q.message));
  mk["warnings"] = w;
  j["mp4kit"] = mk;
  put_decoder_fields(j, rep);
  return j;
}

// findings: the cheap check findings join the warnings (without --check, which prints them all).
void print_text(const FileReport& rep, bool findings) {
  const Movie& m = rep.movie();
  fmt::print("{}\n", rep.path);
  fmt::print("  container: {} (major_brand {}, compatible {}){}\n", m.is_quicktime ? "QuickTime" : "ISO BMFF",
             m.has_ftyp ? fourcc_to_string(m.major_brand) : "none", m.has_ftyp ? brands_string(m) : "-",
             m.fragmented ? ", fragmented" : "");
  fmt::print("  duration: {:.3f} s   size: {} bytes   bit rate: {:.0f} kb/s   streams: {}\n", rep.duration_s, m.file_size,
             rep.duration_s > 0 ? static_cast<double>(m.file_size) * 8 / rep.duration_s / 1000 : 0.0, m.stream_count);
  // In stream index order, as ffprobe lists them: cover art after the tracks it follows.
  std::vector<const StreamReport*> by_index(m.stream_count, nullptr);
  std::vector<const AttachedPicture*> pic_at(m.stream_count, nullptr);
  for (const StreamReport& s : rep.streams)
    if (s.index < by_index.size()) by_index[s.index] = &s;
  for (const AttachedPicture& pic : m.attached_pictures)
    if (pic.stream_index < pic_at.size()) pic_at[pic.stream_index] = &pic;
  for (size_t i = 0; i < by_index.size(); ++i) {
    if (const AttachedPicture* pic = pic_at[i]) {
      fmt::print("  #{} video {} (attached picture, cover art) {}x{}  {} bytes\n", pic->stream_index, pic->codec_name, pic->width,
                 pic->height, pic->size);
      continue;
    }
    if (!by_index[i]) continue;
    const StreamReport& s = *by_index[i];
    const CodecInfo& c = s.codec;
    std::string line = fmt::format("  #{} {} {}", s.index, media_type_name(c.type), c.codec_name.empty() ? "unknown" : c.codec_name);
    if (!c.profile.empty()) line += fmt::format(" ({}{})", c.profile, c.level >= 0 && c.type == MediaType::kVideo ? fmt::format(" L{}", c.level) : "");
    line += fmt::format(" [{}]", c.codec_tag_string);
    if (c.type == MediaType::kVideo) {
      line += fmt::format(" {}x{}", c.width, c.height);
      if (c.sar_den) line += fmt::format(" SAR {}", ratio_string(c.sar_num, c.sar_den));
      if (s.rotation) line += fmt::format(" rotation {:.0f}", *s.rotation);
      const Rational& avg = rep.summary.streams[s.index].avg_frame_rate;
      if (avg.den > 0) line += fmt::format(" {:.3f} fps{}", double(avg.num) / double(avg.den), s.variable_frame_rate ? " (variable)" : "");
    } else if (c.type == MediaType::kAudio) {
      line += fmt::format(" {} Hz {} ch", c.sample_rate, c.channels);
    }
    fmt::print("{}\n", line);
    fmt::print("      track_ID {}  language {}  timescale {}  duration {:.3f} s  samples {}{}\n", s.track_id, s.language, s.timescale,
               s.timescale ? double(s.duration_ts) / s.timescale : 0.0, s.nb_frames,
               s.bytes ? fmt::format("  bytes {}", s.bytes) : std::string{});
    if (c.type == MediaType::kVideo) {
      fmt::print("      sync samples {}  GOP min/avg/max {}/{:.1f}/{}  B-frames {}\n", s.sync_samples, s.gop_min, s.gop_avg,
                 s.gop_max, s.has_b_frames ? "yes" : "no");
    }
    if (!s.edits.empty()) {
      std::string el;
      for (const EditListEntry& e : s.edits) {
        if (!el.empty()) el += ", ";
        el += e.media_time == -1 ? fmt::format("empty {:.3f} s", m.timescale ? double(e.segment_duration) / m.timescale : 0.0)
                                 : fmt::format("media_time {} for {:.3f} s", e.media_time,
                                               m.timescale ? double(e.segment_duration) / m.timescale : 0.0);
      }
      fmt::print("      edit list: {}\n", el);
    }
  }
  if (!rep.demuxer.source().is_mapped()) {
    fmt::print("  bytes fetched by mp4kit: {} ({:.4f}% of the file) in {}\n", rep.fetched.bytes,
               100.0 * double(rep.fetched.bytes) / double(m.file_size), plural(rep.fetched.requests, "request", "requests"));
  } else {
    fmt::print("  bytes read by mp4kit: {} ({:.4f}% of the file)\n", rep.bytes_read, 100.0 * double(rep.bytes_read) / double(m.file_size));
  }
  for (const std::string& w : m.warnings) fmt::print("  warning: {}\n", w);
  if (findings)
    for (const Finding& f : quick_findings(m)) fmt::print("  warning: {} at 0x{:X}: {}\n", f.box_path, f.offset, f.message);
}

void print_packets_text(const FileReport& rep, bool csv) {
  fmt::memory_buffer buf;
  auto out = std::back_inserter(buf);
  if (csv) fmt::format_to(out, "stream_index,pts,dts,duration,size,pos,flags\n");
  else fmt::format_to(out, "{:>6} {:>12} {:>12} {:>9} {:>9} {:>12} {}\n", "stream", "pts", "dts", "duration", "size", "pos", "flags");
  for (const AttachedPicture& pic : rep.movie().attached_pictures) {
    if (csv) fmt::format_to(out, "{},,,,{},{},K_\n", pic.stream_index, pic.size, pic.offset);
    else fmt::format_to(out, "{:>6} {:>12} {:>12} {:>9} {:>9} {:>12} K_\n", pic.stream_index, "N/A", "N/A", "", pic.size, pic.offset);
  }
  for (auto [si, pi] : interleave_order(rep.movie(), *rep.timelines)) {
    const Packet& p = (*rep.timelines)[si].packets[pi];
    if (csv) fmt::format_to(out, "{},{},{},{},{},{},{}\n", p.stream_index, p.pts, p.dts, p.duration, p.size, p.pos, flags_string(p));
    else fmt::format_to(out, "{:>6} {:>12} {:>12} {:>9} {:>9} {:>12} {}\n", p.stream_index, p.pts, p.dts, p.duration, p.size, p.pos, flags_string(p));
    if (buf.size() > (1 << 20)) {
      std::fwrite(buf.data(), 1, buf.size(), stdout);
      buf.clear();
    }
  }
  std::fwrite(buf.data(), 1, buf.size(), stdout);
}

int run_probe(const ProbeOptions& o) {
  if (o.csv && !o.packets)
    return report_error("", make_error(ErrorCode::kUsage, "", 0, "--csv is a layout of the packet table: add --packets"));
  if (o.csv && (o.json || o.pretty))
    return report_error("", make_error(ErrorCode::kUsage, "", 0, "--csv and --json are two layouts: choose one"));
  int rc = kExitOk;
  const Limits limits = o.limits.limits();
  const SourceOptions source_options = o.source.options();
  const bool as_json = o.json || o.pretty;
  // A failed input: one line on stderr and, with --json, its error record on stdout.
  const auto fail = [&](const std::string& path, const Error& e) {
    rc = worse_exit(rc, report_error(path, e));
    if (as_json) write_record(error_record(path, e), o.pretty);
  };
  for (const std::string& path : o.files) {
    if (Status in = refuse_stdin_input(path); !in.ok()) {
      fail(path, in.error());
      continue;
    }
    auto rep = make_report(path, o.packets, !o.no_edits, limits, source_options);
    if (!rep.ok()) {
      fail(path, rep.error());
      continue;
    }
    std::optional<std::vector<BoxNode>> boxes;
    if (o.boxes) {
      auto b = build_box_tree(rep->demuxer.source(), limits);
      if (!b.ok()) {
        fail(path, b.error());
        continue;
      }
      boxes = std::move(b.value());
    }
    std::optional<std::vector<Finding>> findings;
    if (o.check) findings = check_movie(rep->movie(), rep->tables());
    // Nothing computed from the mapping is printed if the file shrank while it was read.
    if (Status intact = rep->demuxer.source().check_intact(); !intact.ok()) {
      fail(path, intact.error());
      continue;
    }
    if (as_json) {
      write_file_record(*rep, file_json(*rep, boxes ? &*boxes : nullptr, findings ? &*findings : nullptr), o.pretty, o.packets);
    } else {
      if (!o.boxes || o.packets || o.check) {
        if (!(o.packets && o.csv)) print_text(*rep, !o.check);
      }
      if (boxes) for (const BoxNode& b : *boxes) print_box_text(b, 1);
      if (o.packets) print_packets_text(*rep, o.csv);
      if (findings) {
        if (findings->empty()) fmt::print("  check: no findings\n");
        for (const Finding& x : *findings)
          fmt::print("  {}: {}{}\n", x.severity == Finding::Severity::kError ? "error" : "warning",
                     x.box_path.empty() ? "" : fmt::format("{} at 0x{:X}: ", x.box_path, x.offset), x.message);
      }
    }
    // --check: an error-severity finding makes the file a damaged one (exit 65), with one
    // line on stderr; the findings themselves are in the output above.
    if (findings) {
      size_t errors = 0;
      const Finding* first = nullptr;
      for (const Finding& x : *findings)
        if (x.severity == Finding::Severity::kError && !errors++) first = &x;
      if (first) {
        rc = worse_exit(rc, report_error(path, make_error(ErrorCode::kMalformed, first->box_path, first->offset,
                                                             fmt::format("check: {} error finding{}, the first: {}", errors,
                                                                         errors == 1 ? "" : "s", first->message))));
      }
    }
  }
  return rc;  // stdout is flushed and its errors reported by main()
}

}  // namespace

void register_probe(CLI::App& app, std::function<int()>& run) {
  auto o = std::make_shared<ProbeOptions>();
  CLI::App* sub = app.add_subcommand("probe", "Show streams, packets, the box tree or a lint of MP4/MOV files (no decoding)");
  sub->add_option("files", o->files, "Input files or http(s):// URLs")->required();  // a missing file is exit 66 (open_source)
  sub->add_flag("--json", o->json, "ffprobe-compatible JSON: one compact object per line and per file (JSON Lines)");
  sub->add_flag("--pretty", o->pretty, "JSON indented for people (implies --json)");
  sub->add_flag("--packets", o->packets, "One row per sample with ffprobe -show_packets keys (pts, dts, duration, size, pos, flags)");
  sub->add_flag("--csv", o->csv, "With --packets: CSV rows instead of a table");
  sub->add_flag("--boxes", o->boxes, "The box tree with offsets, sizes and key fields");
  sub->add_flag("--check", o->check, "Lint the container; exit 65 when a finding is an error or the file cannot be demuxed");
  sub->add_flag("--no-edits", o->no_edits, "Ignore edit lists (raw sample timing, no discard flags)");
  add_limit_flags(*sub, o->limits);
  add_source_flags(*sub, o->source);
  run = [o]() { return run_probe(*o); };
}

}  // namespace mp4kit::cli
