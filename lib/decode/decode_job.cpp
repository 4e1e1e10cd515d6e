// The decode module's entry point: open, parse, pick the stream, decode, write, report.
// Everything the CLI needs crosses the C ABI in decode_module.h.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <string>
#include <vector>

extern "C" {
#include <libavutil/log.h>
}

#include "decode/codec_params.h"
#include "decode/decode_module.h"
#include "decode/decoder.h"
#include "output/frame_output.h"
#include "mp4kit/byte_source.h"
#include "mp4/codec_info.h"
#include "mp4/movie.h"
#include "mp4/sample_table.h"
#include "mp4/timeline.h"

namespace mp4kit::decode {
namespace {

using output::FrameWriter;
using output::OutputFile;
using output::OutputFormat;
using output::StreamDescription;
using output::parse_output_format;


double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

void copy_string(char* dst, size_t cap, const std::string& s) {
  const size_t n = std::min(cap - 1, s.size());
  std::memcpy(dst, s.data(), n);
  dst[n] = '\0';
}

int fail(mp4kit_decode_report* report, const std::string& file, const Error& e) {
  report->exit_code = static_cast<int32_t>(e.code);
  copy_string(report->error, sizeof report->error, e.to_string());
  copy_string(report->error_file, sizeof report->error_file, file);
  return report->exit_code;
}

// What an ffprobe stream index names: a track, or an attached picture (iTunes cover art,
// which FFmpeg numbers among the tracks in the order it met them).
struct StreamRef {
  const Track* track = nullptr;
  uint32_t track_index = 0;
  const AttachedPicture* picture = nullptr;
};

Result<StreamRef> stream_ref(const Movie& movie, int stream) {
  StreamRef r;
  for (size_t i = 0; i < movie.tracks.size(); ++i) {
    const uint32_t si = i < movie.track_stream_index.size() ? movie.track_stream_index[i] : static_cast<uint32_t>(i);
    if (static_cast<int>(si) == stream) {
      r.track = &movie.tracks[i];
      r.track_index = static_cast<uint32_t>(i);
      return r;
    }
  }
  for (const AttachedPicture& p : movie.attached_pictures) {
    if (static_cast<int>(p.stream_index) == stream) {
      r.picture = &p;
      return r;
    }
  }
  const size_t count = std::max<size_t>(movie.stream_count, movie.tracks.size());
  return make_error(ErrorCode::kUsage, "", 0, "no stream " + std::to_string(stream) + " (the file has " + std::to_string(count) + " streams)");
}

// An attached picture as FFmpeg's mov demuxer gives it: one key packet, time base 1/90000.
Result<CodecParametersPtr> picture_parameters(const AttachedPicture& p) {
  const AVCodecDescriptor* desc = avcodec_descriptor_get_by_name(p.codec_name.c_str());
  if (!desc) return make_error(ErrorCode::kMalformed, "moov/udta/meta/ilst/covr", p.offset, "cover art of unknown type '" + p.codec_name + "'");
  CodecParametersPtr par(avcodec_parameters_alloc());
  if (!par) return make_error(ErrorCode::kInternal, "", 0, "out of memory");
  par->codec_type = AVMEDIA_TYPE_VIDEO;
  par->codec_id = desc->id;
  par->width = static_cast<int>(p.width);
  par->height = static_cast<int>(p.height);
  return par;
}

/// Default stream: the first video stream, else the first audio stream.
Result<int> default_stream(const Movie& movie) {
  for (int pass = 0; pass < 2; ++pass) {
    for (size_t i = 0; i < movie.tracks.size(); ++i) {
      const MediaType t = codec_info_of(movie.tracks[i]).type;
      const int si = i < movie.track_stream_index.size() ? static_cast<int>(movie.track_stream_index[i]) : static_cast<int>(i);
      if ((pass == 0 && t == MediaType::kVideo) || (pass == 1 && t == MediaType::kAudio)) return si;
    }
  }
  return make_error(ErrorCode::kUsage, "", 0, "the file has no video or audio stream");
}

// The y4m frame rate: the most common packet duration among the first packets.
void frame_rate_of(const StreamTimeline& tl, uint32_t timescale, int& num, int& den) {
  num = 25, den = 1;
  if (!timescale) return;
  std::vector<std::pair<int64_t, int>> counts;
  for (size_t i = 0; i < tl.packets.size() && i < 512; ++i) {
    const int64_t d = tl.packets[i].duration;
    if (d <= 0) continue;
    bool found = false;
    for (auto& c : counts)
      if (c.first == d) { ++c.second; found = true; }
    if (!found) counts.emplace_back(d, 1);
  }
  if (counts.empty()) return;
  auto best = counts.front();
  for (auto& c : counts) if (c.second > best.second) best = c;
  int64_t a = timescale, b = best.first;
  int64_t g = a, h = b;
  while (h) { const int64_t t = g % h; g = h; h = t; }
  a /= g; b /= g;
  if (a > INT32_MAX || b > INT32_MAX) return;
  num = static_cast<int>(a), den = static_cast<int>(b);
}

int run_job(const mp4kit_decode_request* rq, mp4kit_decode_report* rp) {
  const std::string input = rq->input_path ? rq->input_path : "";
  LogCapture log_capture;  // decoder messages are counted and reported, not printed
  OutputFormat format;
  if (!parse_output_format(rq->format ? rq->format : "null", format)) {
    return fail(rp, "", make_error(ErrorCode::kUsage, "", 0, std::string("unknown format '") + (rq->format ? rq->format : "") + "'"));
  }
  auto file = open_file(input, {.fault_guard = true});  // a file cut while decoded is exit 74
  if (!file.ok()) return fail(rp, input, file.error());
  auto movie = parse_movie(*file);
  if (!movie.ok()) return fail(rp, input, movie.error());

  int stream = rq->stream;
  if (stream < 0) {
    auto s = default_stream(*movie);
    if (!s.ok()) return fail(rp, input, s.error());
    stream = *s;
  }
  auto ref = stream_ref(*movie, stream);
  if (!ref.ok()) return fail(rp, input, ref.error());
  const bool is_video = ref->picture || codec_info_of(*ref->track).type == MediaType::kVideo;
  const bool is_audio = !ref->picture && codec_info_of(*ref->track).type == MediaType::kAudio;
  if (!is_video && !is_audio) {
    return fail(rp, input, make_error(ErrorCode::kUsage, "", 0, "stream " + std::to_string(stream) + " is not audio or video"));
  }
  if (format == OutputFormat::kY4m && !is_video)
    return fail(rp, input, make_error(ErrorCode::kUsage, "", 0, "--format y4m needs a video stream; stream " + std::to_string(stream) + " is audio"));
  if (format == OutputFormat::kWav && !is_audio)
    return fail(rp, input, make_error(ErrorCode::kUsage, "", 0, "--format wav needs an audio stream; stream " + std::to_string(stream) + " is video"));
  rp->stream = stream;

  DecoderOptions dopt;
  dopt.threads = rq->threads;
  dopt.strict = rq->strict != 0;
  dopt.copy = rq->packet_copy == MP4KIT_PACKET_COPY_ALWAYS  ? PacketSource::Copy::kAlways
              : rq->packet_copy == MP4KIT_PACKET_COPY_NEVER ? PacketSource::Copy::kNever
                                                            : PacketSource::Copy::kAuto;
  StreamTimeline picture_timeline;
  std::vector<StreamTimeline> timelines;
  const StreamTimeline* tl = nullptr;
  uint32_t timescale = 90000;
  CodecInfo info;
  Result<std::unique_ptr<Decoder>> decoder = make_error(ErrorCode::kInternal, "", 0, "no decoder");
  if (ref->picture) {
    const AttachedPicture& pic = *ref->picture;
    if (pic.offset > movie->file_size || pic.size > movie->file_size - pic.offset)
      return fail(rp, input, make_error(ErrorCode::kMalformed, "moov/udta/meta/ilst/covr", pic.offset, "cover art runs past the end of the file"));
    Packet p;
    p.pos = pic.offset;
    p.size = pic.size;
    p.key = true;
    picture_timeline.packets.push_back(p);
    tl = &picture_timeline;
    auto par = picture_parameters(pic);
    if (!par.ok()) return fail(rp, input, par.error());
    decoder = Decoder::open(movie->source, **par, timescale, *tl, dopt, "moov/udta/meta/ilst/covr", pic.offset);
  } else {
    // Sample tables of every track (timelines need them all: truncation stops all streams).
    std::vector<SampleTable> tables;
    tables.reserve(movie->tracks.size());
    for (const Track& t : movie->tracks) {
      auto st = SampleTable::build(t);
      if (!st.ok()) return fail(rp, input, st.error());
      tables.push_back(std::move(st.value()));
    }
    TimelineOptions topt;
    topt.apply_edit_lists = rq->apply_edits != 0;
    auto built = build_timelines(*movie, tables, topt);
    if (!built.ok()) return fail(rp, input, built.error());
    timelines = std::move(built.value());
    tl = &timelines[ref->track_index];
    timescale = ref->track->timescale;
    info = codec_info_of(*ref->track);
    decoder = Decoder::open(movie->source, *ref->track, *tl, dopt);
  }
  if (!decoder.ok()) return fail(rp, input, decoder.error());
  Decoder& dec = **decoder;
  copy_string(rp->codec, sizeof rp->codec, dec.context()->codec->name);

  // Output.
  std::unique_ptr<OutputFile> out;
  std::string out_path = rq->output_path ? rq->output_path : "";
  if (format != OutputFormat::kNull) {
    if (out_path.empty()) out_path = "-";
    if (out_path == "-" && format != OutputFormat::kFramemd5 && isatty(STDOUT_FILENO)) {
      return fail(rp, "", make_error(ErrorCode::kUsage, "", 0, "refusing to write binary output to a terminal; use -o PATH or a pipe"));
    }
    auto o = OutputFile::open(out_path);
    if (!o.ok()) return fail(rp, out_path, o.error());
    out = std::make_unique<OutputFile>(std::move(o.value()));
  }
  StreamDescription sd;
  sd.time_base_den = static_cast<int>(timescale);
  frame_rate_of(*tl, timescale, sd.frame_rate_num, sd.frame_rate_den);
  sd.sar_num = static_cast<int>(info.sar_num);
  sd.sar_den = static_cast<int>(info.sar_den);
  FrameWriter writer(format, std::move(out), sd);

  int64_t expected = 0;
  for (const Packet& p : tl->packets) expected += p.discard ? 0 : 1;
  if (rq->max_frames >= 0 && rq->max_frames < expected) expected = rq->max_frames;

  const auto t0 = std::chrono::steady_clock::now();
  const double cpu0 = cpu_seconds();
  auto last_progress = t0;
  int64_t frames = 0;
  uint64_t misses_at_warmup = 0;
  bool warm = false;
  const int64_t warmup = dec.warmup_frames();
  Status st = dec.run([&](const AVFrame* f) -> Result<bool> {
    auto w = writer.write(f);
    if (!w.ok()) return w.error();
    ++frames;
    if (!warm && frames >= warmup) {
      warm = true;
      misses_at_warmup = dec.pool().stats().misses;
    }
    if (rq->progress && (frames & 7) == 0) {
      const auto now = std::chrono::steady_clock::now();
      if (now - last_progress > std::chrono::milliseconds(100)) {
        last_progress = now;
        rq->progress(rq->progress_opaque, frames, expected, std::chrono::duration<double>(now - t0).count());
      }
    }
    return rq->max_frames < 0 || frames < rq->max_frames;
  });
  const bool output_closed = writer.output() && writer.output()->closed_by_reader();
  Status fin = Ok{};
  if (st.ok() || output_closed) fin = writer.finish();
  const auto t1 = std::chrono::steady_clock::now();
  rp->wall_s = std::chrono::duration<double>(t1 - t0).count();
  rp->cpu_s = cpu_seconds() - cpu0;
  if (rq->progress) rq->progress(rq->progress_opaque, frames, expected, rp->wall_s);

  const DecodeCounters& c = dec.counters();
  rp->packets = c.packets;
  rp->frames = frames;
  rp->decode_errors = c.errors;
  rp->concealed_frames = c.concealed;
  rp->error_messages = LogCapture::error_count();
  rp->packets_zero_copy = static_cast<int64_t>(dec.packets().zero_copy_count());
  rp->packets_copied = static_cast<int64_t>(dec.packets().copied_count());
  const FramePoolStats ps = dec.pool().stats();
  rp->pool_hits = ps.hits;
  rp->pool_misses = ps.misses;
  rp->pool_misses_after_warmup = warm ? ps.misses - misses_at_warmup : 0;
  rp->pool_slots = ps.slots;
  rp->output_closed = output_closed ? 1 : 0;
  rp->output_bytes = writer.output() ? writer.output()->bytes_written() : 0;
  if (output_closed) return rp->exit_code = 0;
  if (!st.ok()) {
    Error e = st.error();
    if (e.code == ErrorCode::kMalformed && rp->error_messages) e.message += " (libavcodec: " + LogCapture::first_error() + ")";
    return fail(rp, e.code == ErrorCode::kIo ? out_path : input, e);
  }
  if (!fin.ok()) return fail(rp, out_path, fin.error());
  // Informative with exit 0: the first failed call, else the first error message.
  if (!c.first_error.empty()) copy_string(rp->error, sizeof rp->error, c.first_error);
  else if (rp->error_messages) copy_string(rp->error, sizeof rp->error, LogCapture::first_error());
  return rp->exit_code = 0;
}

int32_t run_entry(const mp4kit_decode_request* rq, mp4kit_decode_report* rp) {
  std::memset(rp, 0, sizeof *rp);
  rp->stream = -1;
  if (!rq || rq->abi_version != MP4KIT_DECODE_ABI_VERSION) {
    rp->exit_code = 70;
    copy_string(rp->error, sizeof rp->error, "decode module ABI mismatch (rebuild mp4kit and mp4kit_decode together)");
    return rp->exit_code;
  }
  try {
    return run_job(rq, rp);
  } catch (const std::exception& e) {  // std::bad_alloc from a container: report, do not unwind through C
    rp->exit_code = 70;
    copy_string(rp->error, sizeof rp->error, std::string("internal error: ") + e.what());
    return rp->exit_code;
  }
}

const mp4kit_decode_api kApi = {MP4KIT_DECODE_ABI_VERSION, &run_entry};

}  // namespace
}  // namespace mp4kit::decode

extern "C" __attribute__((visibility("default"))) const mp4kit_decode_api* mp4kit_decode_module_api(void) {
  return &mp4kit::decode::kApi;
}
