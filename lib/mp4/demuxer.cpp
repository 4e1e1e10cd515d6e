// The demuxer facade (include/mp4kit/demuxer.h) over lib/mp4's parser, sample tables,
// timelines and presentation index. One place for the chain open -> parse_movie ->
// SampleTable -> timelines, for stream selection and for pts -> frame lookups.
#include "mp4kit/demuxer.h"

#include <algorithm>
#include <cmath>

#include "mp4/codec_config.h"
#include "mp4/codec_info.h"
#include "mp4/codec_params.h"
#include "mp4/key_flags.h"
#include "mp4/movie.h"
#include "mp4/parse_metadata.h"
#include "mp4/sample_table.h"
#include "mp4/seek_plan.h"
#include "mp4/stream_stats.h"
#include "mp4/timeline.h"

namespace mp4kit {

const char* media_type_name(MediaType type) {
  switch (type) {
    case MediaType::kVideo: return "video";
    case MediaType::kAudio: return "audio";
    case MediaType::kSubtitle: return "subtitle";
    case MediaType::kData: return "data";
    case MediaType::kUnknown: break;
  }
  return "unknown";
}

struct Demuxer::Impl {
  ByteSourcePtr source;
  DemuxerOptions options;
  Movie movie;
  std::vector<StreamInfo> streams;
  std::vector<Tag> format_tags;
  std::vector<int> track_of;                 ///< per stream: track index, -1 = attached picture
  std::vector<int> picture_of;               ///< per stream: attached_pictures index, -1 = track

  // Built on first use (mutable: lazily filled by const methods).
  mutable bool built = false;
  mutable std::vector<SampleTable> tables;
  mutable std::vector<StreamTimeline> timelines;        ///< per track
  mutable std::vector<StreamTimeline> picture_timelines;///< per attached picture: one packet
  mutable std::vector<std::optional<PresentationIndex>> presentation;  ///< per stream

  Status build() const;
  Result<const StreamTimeline*> timeline(uint32_t stream) const;
};

namespace {

StreamInfo track_stream(const Movie& m, const Track& t, uint32_t index) {
  StreamInfo s;
  s.index = index;
  s.track_id = t.tkhd.track_id;
  s.codec = codec_info_of(t);
  s.time_base = Rational{1, t.timescale ? t.timescale : 1};
  s.language = t.language;
  s.handler_name = t.handler_name;
  if (!t.sample_entries.empty()) s.parameters = stream_parameters_of(t, t.sample_entries.front(), s.codec);
  s.disposition = disposition_of(m, t);
  s.tags = stream_tags_of(m, t);
  if (s.codec.type == MediaType::kVideo) s.display_rotation = display_rotation_of(t.tkhd);
  return s;
}

StreamInfo picture_stream(const AttachedPicture& p) {
  StreamInfo s;
  s.index = p.stream_index;
  s.attached_picture = true;
  s.codec.type = MediaType::kVideo;
  s.codec.codec_name = p.codec_name;
  s.codec.width = p.width;
  s.codec.height = p.height;
  s.time_base = Rational{1, 90000};
  s.language = "und";
  s.disposition.attached_pic = 1;
  return s;
}

Error no_stream(int index, size_t count) {
  return make_error(ErrorCode::kUsage, "", 0,
                    "no stream " + std::to_string(index) + " (the file has " + std::to_string(count) + " streams)");
}

}  // namespace

Result<Demuxer> Demuxer::open(ByteSourcePtr source, const DemuxerOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->source = source;
  impl->options = options;
  auto movie = parse_movie(std::move(source), options.limits);
  if (!movie.ok()) return movie.error();
  impl->movie = std::move(movie.value());
  const Movie& m = impl->movie;
  const size_t count = std::max<size_t>(m.stream_count, m.tracks.size());
  impl->streams.resize(count);
  impl->track_of.assign(count, -1);
  impl->picture_of.assign(count, -1);
  for (size_t i = 0; i < m.tracks.size(); ++i) {
    const uint32_t si = i < m.track_stream_index.size() ? m.track_stream_index[i] : static_cast<uint32_t>(i);
    if (si >= count) continue;
    impl->streams[si] = track_stream(m, m.tracks[i], si);
    impl->track_of[si] = static_cast<int>(i);
  }
  for (size_t i = 0; i < m.attached_pictures.size(); ++i) {
    const uint32_t si = m.attached_pictures[i].stream_index;
    if (si >= count) continue;
    impl->streams[si] = picture_stream(m.attached_pictures[i]);
    impl->picture_of[si] = static_cast<int>(i);
  }
  impl->presentation.resize(count);
  impl->format_tags = format_tags_of(m);
  return Demuxer(std::move(impl));
}

Demuxer::Demuxer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Demuxer::Demuxer(Demuxer&&) noexcept = default;
Demuxer& Demuxer::operator=(Demuxer&&) noexcept = default;
Demuxer::~Demuxer() = default;

const ByteSource& Demuxer::source() const { return *impl_->source; }
const ByteSourcePtr& Demuxer::source_ptr() const { return impl_->source; }
const DemuxerOptions& Demuxer::options() const { return impl_->options; }
int StreamInfo::autorotate_degrees() const {
  if (!display_rotation) return 0;
  double theta = -std::round(*display_rotation);
  theta -= 360 * std::floor(theta / 360 + 0.9 / 360);
  return static_cast<int>(theta);
}

const std::vector<StreamInfo>& Demuxer::streams() const { return impl_->streams; }
const Movie& Demuxer::movie() const { return impl_->movie; }
const std::vector<Tag>& Demuxer::format_tags() const { return impl_->format_tags; }
int Demuxer::track_of(uint32_t stream) const {
  return stream < impl_->track_of.size() ? impl_->track_of[stream] : -1;
}

Result<uint32_t> Demuxer::select_stream(const StreamSelector& sel) const {
  const auto& streams = impl_->streams;
  if (sel.index >= 0) {
    if (static_cast<size_t>(sel.index) >= streams.size()) return no_stream(sel.index, streams.size());
    const StreamInfo& s = streams[static_cast<size_t>(sel.index)];
    if (s.attached_picture && !sel.allow_attached_picture) {
      return make_error(ErrorCode::kUsage, "", 0,
                        "stream " + std::to_string(sel.index) + " is cover art (one picture); use `mp4kit decode --stream " +
                            std::to_string(sel.index) + "`");
    }
    if (sel.require_kind && s.codec.type != sel.kind) {
      return make_error(ErrorCode::kUsage, "", 0,
                        "stream " + std::to_string(sel.index) + " is not " +
                            (sel.kind == MediaType::kAudio ? "an audio" : "a video") + " stream");
    }
    return static_cast<uint32_t>(sel.index);
  }
  // By kind: tracks only (cover art is never a default), in ffprobe order.
  const auto first_of = [&](MediaType kind) -> std::optional<uint32_t> {
    for (const StreamInfo& s : streams)
      if (!s.attached_picture && s.codec.type == kind) return s.index;
    return std::nullopt;
  };
  // No stream of the kind asked for, when the caller named none: the file's shortcoming
  // (a cut file whose video trak is gone), not a usage error (README "Exit codes").
  if (auto s = first_of(sel.kind)) return *s;
  if (sel.fallback) {
    if (auto s = first_of(*sel.fallback)) return *s;
    return make_error(ErrorCode::kMalformed, "", 0,
                      std::string("the file has no ") + media_type_name(sel.kind) + " or " + media_type_name(*sel.fallback) +
                          " stream");
  }
  return make_error(ErrorCode::kMalformed, "", 0, std::string("the file has no ") + media_type_name(sel.kind) + " stream");
}

Result<CodecParameters> Demuxer::codec_parameters(uint32_t stream) const {
  if (stream >= impl_->streams.size()) return no_stream(static_cast<int>(stream), impl_->streams.size());
  if (const int p = impl_->picture_of[stream]; p >= 0) return picture_codec_parameters(impl_->movie.attached_pictures[p]);
  const Track& t = impl_->movie.tracks[impl_->track_of[stream]];
  if (t.sample_entries.empty()) {
    return make_error(ErrorCode::kMalformed, "moov/trak[" + std::to_string(t.index) + "]/mdia/minf/stbl/stsd", t.offset,
                      "track has no sample description");
  }
  auto par = make_codec_parameters(t, t.sample_entries.front(), impl_->streams[stream].codec);
  if (!par.ok()) return par.error();
  auto tm = timing(stream);
  if (!tm.ok()) return tm.error();
  par->skip_samples = tm->skip_samples;
  return par;
}

Status Demuxer::Impl::build() const {
  if (built) return Ok{};
  std::vector<SampleTable> t;
  t.reserve(movie.tracks.size());
  for (const Track& track : movie.tracks) {  // every track: truncation stops all streams alike
    auto st = SampleTable::build(track, options.limits);
    if (!st.ok()) return st.error();
    t.push_back(std::move(st.value()));
  }
  TimelineOptions topt;
  topt.apply_edit_lists = options.apply_edit_lists;
  auto tl = build_timelines(movie, t, topt, options.limits);
  if (!tl.ok()) return tl.error();
  if (options.parser_key_flags) MP4KIT_TRY(apply_parser_key_flags(movie, *tl));
  std::vector<StreamTimeline> pictures(movie.attached_pictures.size());
  for (size_t i = 0; i < movie.attached_pictures.size(); ++i) {
    const AttachedPicture& pic = movie.attached_pictures[i];
    if (pic.offset > movie.file_size || pic.size > movie.file_size - pic.offset)
      return make_error(ErrorCode::kMalformed, "moov/udta/meta/ilst/covr", pic.offset, "cover art runs past the end of the file");
    Packet p;
    p.stream_index = pic.stream_index;
    p.pos = pic.offset;
    p.size = pic.size;
    p.key = true;
    pictures[i].packets.push_back(p);
  }
  tables = std::move(t);
  timelines = std::move(tl.value());
  picture_timelines = std::move(pictures);
  built = true;
  return Ok{};
}

Result<const StreamTimeline*> Demuxer::Impl::timeline(uint32_t stream) const {
  if (stream >= streams.size()) return no_stream(static_cast<int>(stream), streams.size());
  MP4KIT_TRY(build());
  if (picture_of[stream] >= 0) return &picture_timelines[picture_of[stream]];
  return &timelines[track_of[stream]];
}

Result<const std::vector<SampleTable>*> Demuxer::sample_tables() const {
  MP4KIT_TRY(impl_->build());
  return &impl_->tables;
}

Result<const std::vector<StreamTimeline>*> Demuxer::timelines() const {
  MP4KIT_TRY(impl_->build());
  return &impl_->timelines;
}

Result<const StreamTimeline*> Demuxer::timeline(uint32_t stream) const { return impl_->timeline(stream); }

Result<std::span<const Packet>> Demuxer::packets(uint32_t stream) const {
  auto tl = impl_->timeline(stream);
  if (!tl.ok()) return tl.error();
  return std::span<const Packet>((*tl)->packets.data(), (*tl)->packets.size());
}

Result<MediaSummary> Demuxer::summary() const {
  const Movie& m = impl_->movie;
  if (impl_->built) return summarize_media(m, impl_->tables, impl_->options.apply_edit_lists);
  // Tables without the chunk index: the summary reads stts, ctts, stsz and the runs only.
  std::vector<SampleTable> scan;
  scan.reserve(m.tracks.size());
  for (const Track& track : m.tracks) {
    auto st = SampleTable::build(track, impl_->options.limits, /*index_chunks=*/false);
    if (!st.ok()) return st.error();
    scan.push_back(std::move(st.value()));
  }
  MediaSummary out = summarize_media(m, scan, impl_->options.apply_edit_lists);
  // Table entries read after the file shrank were zeros (io/fault_guard.h).
  if (Status intact = impl_->source->check_intact(); !intact.ok()) return intact.error();
  return out;
}

Result<StreamTiming> Demuxer::timing(uint32_t stream) const {
  auto tl = impl_->timeline(stream);
  if (!tl.ok()) return tl.error();
  const StreamTimeline& t = **tl;
  return StreamTiming{t.start_pts, t.has_start_pts, t.duration, t.dts_shift, t.skip_samples};
}

Result<std::vector<std::pair<uint32_t, uint32_t>>> Demuxer::reading_order() const {
  MP4KIT_TRY(impl_->build());
  return interleave_order(impl_->movie, impl_->timelines);
}

Result<Buffer> Demuxer::read_packet(const Packet& packet) const { return impl_->source->read(packet.pos, packet.size); }

Result<const PresentationIndex*> Demuxer::presentation_index(uint32_t stream) const {
  auto tl = impl_->timeline(stream);
  if (!tl.ok()) return tl.error();
  auto& slot = impl_->presentation[stream];
  if (!slot) slot = PresentationIndex::build(**tl);
  return &*slot;
}

Result<uint64_t> Demuxer::frame_count(uint32_t stream) const {
  auto idx = presentation_index(stream);
  if (!idx.ok()) return idx.error();
  return (*idx)->frame_count();
}

Result<uint32_t> Demuxer::frame_packet(uint32_t stream, uint64_t frame) const {
  auto idx = presentation_index(stream);
  if (!idx.ok()) return idx.error();
  if (frame >= (*idx)->frame_count()) {
    return make_error(ErrorCode::kUsage, "", 0,
                      "frame " + std::to_string(frame) + " is out of range: stream " + std::to_string(stream) + " has " +
                          std::to_string((*idx)->frame_count()) + " frames");
  }
  return (*idx)->packet_of(frame);
}

Result<std::optional<uint64_t>> Demuxer::frame_at_pts(uint32_t stream, int64_t pts) const {
  auto idx = presentation_index(stream);
  if (!idx.ok()) return idx.error();
  auto tl = impl_->timeline(stream);
  return (*idx)->frame_at_pts(**tl, pts);
}

}  // namespace mp4kit
