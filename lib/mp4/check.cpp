#include "mp4/check.h"

#include <algorithm>
#include <optional>

#include "mp4/checked.h"
#include "mp4/codec_info.h"
#include "mp4/table_scan.h"

namespace mp4kit {

std::optional<Finding> chunk_beyond_eof(const Movie& movie, size_t ti) {
  const Track& t = movie.tracks[ti];
  const SampleTableBoxes& s = t.stbl;
  // The first chunk whose offset is at or past the end (plain probe runs this on every
  // file: a long file has ~10^5 chunks). For stco, one vectorised pass for the largest
  // offset settles the usual case; the first offending chunk is searched only when it exists.
  const uint64_t file_size = movie.file_size, n = s.chunk_count;
  const uint8_t* p = s.stco.data;
  if (s.chunk_offset_size != 8 && table_scan::max_be32(p, n) < file_size) return std::nullopt;
  uint64_t c = 0;
  if (s.chunk_offset_size == 8) {
    while (c < n && load_be64(p + c * 8) < file_size) ++c;
  } else {
    while (c < n && load_be32(p + c * 4) < file_size) ++c;
  }
  if (c == n) return std::nullopt;
  const std::string stbl = "moov/trak[" + std::to_string(ti) + "]/mdia/minf/stbl";
  return Finding{Finding::Severity::kError, stbl + (s.chunk_offset_size == 8 ? "/co64" : "/stco"),
                 s.stco.offset + c * s.chunk_offset_size,
                 "chunk " + std::to_string(c) + " offset " + std::to_string(s.chunk_offset(c)) +
                     " is beyond the end of the file (" + std::to_string(file_size) +
                     " bytes)"};  // one finding per track is enough to act on
}

std::vector<Finding> quick_findings(const Movie& movie) {
  std::vector<Finding> out;
  for (size_t ti = 0; ti < movie.tracks.size(); ++ti)
    if (auto f = chunk_beyond_eof(movie, ti)) out.push_back(std::move(*f));
  return out;
}

std::vector<Finding> check_movie(const Movie& movie, const std::vector<SampleTable>& tables) {
  using S = Finding::Severity;
  std::vector<Finding> out;
  for (const std::string& w : movie.warnings) out.push_back({S::kWarning, "", 0, w});
  struct Range { uint64_t begin, end; uint32_t track; uint64_t sample; };
  std::vector<Range> ranges;
  for (size_t ti = 0; ti < movie.tracks.size(); ++ti) {
    const Track& t = movie.tracks[ti];
    const SampleTable& table = tables[ti];
    const std::string stbl = "moov/trak[" + std::to_string(ti) + "]/mdia/minf/stbl";
    for (const std::string& w : t.warnings) out.push_back({S::kWarning, "", 0, w});
    for (const std::string& w : table.warnings()) out.push_back({S::kWarning, "", 0, w});
    const SampleTableBoxes& s = t.stbl;
    uint64_t stts_total = 0;
    for (uint32_t i = 0; i < s.stts_count; ++i) stts_total += s.stts_sample_count(i);
    if (t.has_stbl && stts_total != s.sample_count) {
      out.push_back({S::kWarning, stbl + "/stts", s.stts.offset,
                     "stts covers " + std::to_string(stts_total) + " samples, stsz declares " + std::to_string(s.sample_count)});
    }
    if (s.has_stss && s.stss_count == 0 && codec_info_of(t).type == MediaType::kVideo && s.sample_count > 0) {
      out.push_back({S::kWarning, stbl + "/stss", s.stss.offset, "stss is present but empty: no video sample is marked sync"});
    }
    if (auto f = chunk_beyond_eof(movie, ti)) out.push_back(std::move(*f));
    SampleTable::Cursor cur = table.cursor();
    Sample smp;
    uint64_t past_eof = 0, first_past = 0;
    int64_t prev_dts = INT64_MIN;
    bool reported_dts = false;
    while (cur.next(smp)) {
      const uint64_t end = sat_add_u64(smp.offset, smp.size);
      if (end > movie.file_size) {
        if (!past_eof) first_past = smp.index;
        ++past_eof;
      }
      if (smp.dts < prev_dts && !reported_dts) {
        out.push_back({S::kWarning, "moof", smp.in_fragment ? t.runs[smp.run_index].trun_offset : s.offset,
                       "track " + std::to_string(t.tkhd.track_id) + " sample " + std::to_string(smp.index) + " dts " +
                           std::to_string(smp.dts) + " goes back from " + std::to_string(prev_dts)});
        reported_dts = true;
      }
      prev_dts = smp.dts;
      if (smp.size) {
        if (!ranges.empty() && ranges.back().track == ti && ranges.back().end == smp.offset) ranges.back().end = end;
        else ranges.push_back({smp.offset, end, static_cast<uint32_t>(ti), smp.index});
      }
    }
    if (past_eof) {
      out.push_back({S::kError, stbl, s.offset,
                     std::to_string(past_eof) + " of " + std::to_string(table.sample_count()) + " samples of track " +
                         std::to_string(t.tkhd.track_id) + " run past the end of the file (first: sample " +
                         std::to_string(first_past) + ")"});
    }
  }
  std::sort(ranges.begin(), ranges.end(), [](const Range& a, const Range& b) { return a.begin < b.begin; });
  for (size_t i = 1; i < ranges.size(); ++i) {
    if (ranges[i].begin < ranges[i - 1].end) {
      out.push_back({S::kError, "moov/trak[" + std::to_string(ranges[i].track) + "]", ranges[i].begin,
                     "sample data of track index " + std::to_string(ranges[i].track) + " (sample " + std::to_string(ranges[i].sample) +
                         ") overlaps track index " + std::to_string(ranges[i - 1].track) + " (sample " +
                         std::to_string(ranges[i - 1].sample) + ")"});
      break;
    }
  }
  if (movie.mdat_truncated) out.push_back({S::kError, "mdat", 0, "mdat is truncated: the file ends before its declared size"});
  bool any_mdat = false;
  for (const BoxNode& b : movie.top_level) any_mdat |= b.type == box::mdat;
  if (!any_mdat) out.push_back({S::kWarning, "file", 0, "no mdat box (init segment or externally referenced data)"});
  return out;
}

}  // namespace mp4kit
