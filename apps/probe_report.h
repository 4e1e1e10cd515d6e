// What `mp4kit probe` computes for one file, shared by its text and JSON renderers.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "mp4kit/demuxer.h"
#include "mp4/codec_info.h"
#include "mp4/movie.h"
#include "mp4/sample_table.h"
#include "mp4/timeline.h"

namespace mp4kit::cli {

struct StreamReport {
  uint32_t index = 0;               ///< ffprobe stream index
  uint32_t track_index = 0;         ///< position in Movie::tracks
  CodecInfo codec;
  uint32_t track_id = 0;
  uint32_t timescale = 0;
  uint64_t nb_frames = 0;           ///< samples in the track (moov + fragments)
  uint64_t sync_samples = 0;
  uint64_t gop_min = 0, gop_max = 0;  ///< samples between sync samples
  double gop_avg = 0;
  bool has_b_frames = false;
  int64_t duration_ts = 0;          ///< FFmpeg's stream duration, ticks (summary; 0 when none)
  int64_t start_pts = 0;            ///< FFmpeg's start time, ticks (summary; 0 when none)
  bool variable_frame_rate = false;
  uint64_t bytes = 0;               ///< sum of sample sizes (0 = not computed: plain probe skips stsz)
  std::optional<double> rotation;   ///< degrees as ffprobe prints (display matrix)
  std::string language, handler_name;
  std::vector<EditListEntry> edits;
  int64_t dts_shift = 0;
};

struct FileReport {
  std::string path;
  Demuxer demuxer;                  ///< owns the parsed Movie (and, with --packets, the timelines)
  /// Plain probe: tables without the chunk index (probe reads no stsc); --packets: empty,
  /// the demuxer's indexed tables are used.
  std::vector<SampleTable> scan_tables;
  std::vector<StreamReport> streams;
  MediaSummary summary;             ///< ffprobe's timing/rate/size figures (Demuxer::summary)
  double duration_s = 0;            ///< format duration, seconds (0 when none)
  uint64_t bytes_read = 0;          ///< parser bytes + sample-table bytes probe actually scanned
  ReadStats fetched;                ///< the source's counters after the report (a URL: bytes and requests fetched)
  const std::vector<StreamTimeline>* timelines = nullptr;  ///< only with --packets; owned by demuxer

  const Movie& movie() const { return demuxer.movie(); }
  /// The sample tables the report was computed from (indexed with --packets).
  const std::vector<SampleTable>& tables() const { return timelines ? **demuxer.sample_tables() : scan_tables; }
};

/// Parses `path` and fills the report. `with_packets` also builds FFmpeg-compatible packet
/// timelines (O(samples) memory); without it probe stays O(table entries).
/// `path` may be an http(s):// URL (open_source); `path` in the report is display_name(path).
Result<FileReport> make_report(const std::string& path, bool with_packets, bool apply_edits, const Limits& limits,
                               const SourceOptions& source_options);

/// Adds to `file_json` (the `probe --json` object being built) what ffprobe fills by
/// opening each stream's decoder and from metadata boxes: per stream pix_fmt,
/// coded_width/height, has_b_frames, colour keys, chroma_location, field_order, refs,
/// bits_per_raw_sample, sample_fmt, channel_layout, bits_per_sample, a config-derived
/// profile, the full `disposition` and `tags`; the format's `tags`. Keys go where ffprobe
/// puts them; keys without a value are left out, as ffprobe leaves them out.
void put_decoder_fields(nlohmann::ordered_json& file_json, const FileReport& rep);

/// "1.234567" with six decimals, as ffprobe prints times.
std::string seconds_string(int64_t ticks, uint32_t timescale);
/// num/den reduced by their gcd; "0/0" for den 0.
std::string ratio_string(uint64_t num, uint64_t den);

}  // namespace mp4kit::cli
