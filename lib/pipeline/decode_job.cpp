#include <optional>

#include "pipeline/decode_job.h"

#include <sys/resource.h>

#include <chrono>
#include <optional>
#include "pipeline/packet_feed.h"
#include "pipeline/stream_setup.h"

namespace mp4kit::pipeline {
namespace {

using Clock = std::chrono::steady_clock;

double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// The opened input: the demuxer, the chosen stream and its packets.
struct Input {
  Demuxer demuxer;
  uint32_t stream = 0;
  std::span<const Packet> packets;
};

Result<Input> open_input(const DecodeJob& job) {
  auto source = open_source(job.input, job.source);
  if (!source.ok()) return source.error();
  auto dmx = Demuxer::open(*source, job.demux);
  if (!dmx.ok()) return dmx.error();
  // `decode --format wav FILE` (or an audio conversion) with no stream: the first audio stream.
  const bool audio_wanted = job.format == "wav" || job.audio.has_value();
  auto stream = dmx->select_stream(job.stream >= 0 ? StreamSelector::by_index(job.stream)
                                   : audio_wanted  ? StreamSelector::first_audio()
                                                   : StreamSelector::video_else_audio());
  if (!stream.ok()) return stream.error();
  const MediaType type = dmx->streams()[*stream].codec.type;
  if (type != MediaType::kVideo && type != MediaType::kAudio)
    return make_error(ErrorCode::kUsage, "", 0, "stream " + std::to_string(*stream) + " is not audio or video");
  return Input{std::move(dmx.value()), *stream, {}};
}

// y4m needs video, wav audio (the sink would refuse too; this says which stream).
Status check_format(const std::string& format, uint32_t stream, MediaType type) {
  if (format == "y4m" && type != MediaType::kVideo)
    return make_error(ErrorCode::kUsage, "", 0, "--format y4m needs a video stream; stream " + std::to_string(stream) + " is audio");
  if (format == "wav" && type != MediaType::kAudio)
    return make_error(ErrorCode::kUsage, "", 0, "--format wav needs an audio stream; stream " + std::to_string(stream) + " is video");
  return Ok{};
}

Result<Sink> open_output(const DecodeJob& job, const Input& in, std::string& path) {
  path = job.format == "null" ? "" : job.output.empty() ? "-" : job.output;
  if (job.format != "framemd5") MP4KIT_TRY(refuse_terminal(path));
  SinkSettings s = sink_settings(job.format, path, in.demuxer.streams()[in.stream], in.packets);
  s.quality = job.quality;
  return Sink::open(s);
}

// Frames the job will write: those shown (not discarded by an edit list), up to max_frames.
int64_t expected_frames(std::span<const Packet> packets, int64_t max_frames) {
  int64_t n = 0;
  for (const Packet& p : packets) n += p.discard ? 0 : 1;
  return max_frames >= 0 && max_frames < n ? max_frames : n;
}

// The loop: every packet, then the flush, each frame to the sink. Stops early at
// max_frames or when stdout's reader went away.
// `output_failed`: the error (if any) is the sink's, not the input's (both may be kIo).
Status decode_all(const DecodeJob& job, Input& in, Decoder& dec, Sink& sink, Transform* transform, DecodeReport& report,
                  bool& output_failed) {
  const int64_t expected = expected_frames(in.packets, job.max_frames);
  const auto t0 = Clock::now();
  auto last_progress = t0;
  PageReleaser releaser;
  PacketFeed feed(dec, in.demuxer, in.packets, &releaser, job.decoder.strict);
  std::optional<AudioConverter> conv;
  if (job.audio) {
    AudioConversion c = *job.audio;
    c.time_base = in.demuxer.streams()[in.stream].time_base;
    auto opened = AudioConverter::open(c);
    if (!opened.ok()) return opened.error();
    conv.emplace(std::move(opened.value()));
  }
  bool range_done = false;
  // A failed write is the output's error, not the input's (both may be kIo).
  const auto to_sink = [&](Frame& frame) -> Status {
    Status w = sink.write(frame);
    if (!w.ok()) output_failed = true;
    return w;
  };
  // Through the transform (video) or the converter (audio) when there is one: every frame
  // it gives goes to the sink.
  const auto write = [&](Frame& frame) -> Status {
    if (transform) {
      auto made = transform->apply(frame);
      if (!made.ok()) return made.error();
      return to_sink(*made);
    }
    if (!conv) return to_sink(frame);
    Frame out;
    auto done = conv->convert(frame, out);
    if (!done.ok()) return done.error();
    range_done = *done;
    return out ? to_sink(out) : Status(Ok{});
  };
  const FrameCallback on_frame = [&](Frame& frame) -> Result<bool> {
    MP4KIT_TRY(write(frame));
    if (sink.output_closed()) return false;
    ++report.frames;
    if (range_done) return false;  // the end of --end reached: nothing more is kept
    if (job.progress && (report.frames & 7) == 0) {
      const auto now = Clock::now();
      if (now - last_progress > std::chrono::milliseconds(100)) {
        last_progress = now;
        job.progress(report.frames, expected, std::chrono::duration<double>(now - t0).count());
      }
    }
    return job.max_frames < 0 || report.frames < job.max_frames;
  };
  // The converter's drain (af_aresample.c request_frame at EOF): until it gives nothing.
  const auto drain = [&]() -> Status {
    if (!conv || sink.output_closed()) return Ok{};
    for (;;) {
      Frame out;
      auto done = conv->convert(Frame(), out);
      if (!done.ok()) return done.error();
      if (!out) return Ok{};
      MP4KIT_TRY(to_sink(out));
      if (sink.output_closed()) return Ok{};
    }
  };
  for (uint32_t i = 0; i < in.packets.size(); ++i) {
    auto more = feed.send(i, on_frame);
    if (!more.ok()) return more.error();
    if (!*more) return drain();
  }
  auto more = feed.finish(on_frame);
  if (!more.ok()) return more.error();
  return drain();
}

}  // namespace

Result<DecodeReport> run_decode(const DecodeJob& job, std::string& error_file) {
  error_file.clear();
  const auto fail = [&](const Error& e, const std::string& file) -> Result<DecodeReport> {
    error_file = file;
    return e;
  };
  if (auto m = DecodeModule::load(); !m.ok()) return fail(m.error(), "");
  auto in = open_input(job);
  if (!in.ok()) return fail(in.error(), job.input);
  if (Status f = check_format(job.format, in->stream, in->demuxer.streams()[in->stream].codec.type); !f.ok())
    return fail(f.error(), job.input);
  if (job.audio && in->demuxer.streams()[in->stream].codec.type != MediaType::kAudio)
    return fail(make_error(ErrorCode::kUsage, "", 0,
                           "--sample-rate, --channels, --channel-layout, --sample-fmt, --start and --end need an audio stream; stream " +
                               std::to_string(in->stream) + " is video"),
                job.input);
  auto packets = in->demuxer.packets(in->stream);
  if (!packets.ok()) return fail(packets.error(), job.input);
  in->packets = *packets;
  auto dec = open_stream_decoder(in->demuxer, in->stream, in->packets, job.decoder);
  if (!dec.ok()) return fail(dec.error(), job.input);
  std::string rotation_warning;
  auto transform = open_transform(job.transform, in->demuxer.streams()[in->stream], job.format, job.autorotate, rotation_warning);
  if (!transform.ok()) return fail(transform.error(), "");
  std::string out_path;
  auto sink = open_output(job, *in, out_path);
  if (!sink.ok()) return fail(sink.error(), sink.error().code == ErrorCode::kUsage ? "" : out_path);

  DecodeReport report;
  report.stream = in->stream;
  report.codec = dec->codec();
  report.expected_frames = expected_frames(in->packets, job.max_frames);
  report.video = in->demuxer.streams()[in->stream].codec.type == MediaType::kVideo;
  const auto t0 = Clock::now();
  const double cpu0 = cpu_seconds();
  bool output_failed = false;
  Transform* tr = *transform ? &**transform : nullptr;
  Status st = decode_all(job, *in, *dec, *sink, tr, report, output_failed);
  if (tr) {
    report.transformed = true;
    report.transform = applied_of(*tr);
    const std::string depth = tr->info().warning;
    report.transform_warning = rotation_warning.empty() ? depth : depth.empty() ? rotation_warning : rotation_warning + "; " + depth;
  } else {
    report.transform_warning = rotation_warning;
  }
  // --strict: libavcodec may log an error (a damaged slice it concealed) without failing a
  // call; that is a damaged file too, and the output is not completed.
  if (st.ok() && job.decoder.strict && !sink->output_closed())
    if (const auto ds = dec->stats(); ds.error_messages > 0)
      st = make_error(ErrorCode::kMalformed, "", 0,
                      "decoder error (--strict): libavcodec logged " + std::to_string(ds.error_messages) + " error message" +
                          (ds.error_messages == 1 ? "" : "s"));
  report.output_closed = sink->output_closed();
  Status fin = Ok{};
  if (st.ok() || report.output_closed) fin = sink->finish();
  report.output_closed = sink->output_closed();  // finish() may meet the closed pipe too
  report.wall_s = std::chrono::duration<double>(Clock::now() - t0).count();
  report.cpu_s = cpu_seconds() - cpu0;
  if (job.progress) job.progress(report.frames, expected_frames(in->packets, job.max_frames), report.wall_s);
  report.decoder = dec->stats();
  report.output_bytes = sink->stats().bytes;
  report.input_read = in->demuxer.source().stats();
  if (report.output_closed) return report;
  if (!st.ok()) {
    Error e = st.error();
    if (e.code == ErrorCode::kMalformed && report.decoder.error_messages) e.message += " (libavcodec: " + dec->first_log_message() + ")";
    return fail(e, e.code == ErrorCode::kIo && output_failed ? out_path : job.input);
  }
  if (!fin.ok()) return fail(fin.error(), out_path);
  if (Status intact = in->demuxer.source().check_intact(); !intact.ok()) return fail(intact.error(), job.input);
  report.first_error = dec->first_error();
  if (report.first_error.empty() && report.decoder.error_messages) report.first_error = dec->first_log_message();
  return report;
}

}  // namespace mp4kit::pipeline
