// Internal parse entry points shared by the parse_*.cpp files (not a public header).
#pragma once

#include <functional>
#include <map>
#include <optional>

#include "mp4/movie.h"

namespace mp4kit::detail {

/// What FFmpeg's fragment index (MOVFragmentIndex in libavformat/isom.h) holds that decides
/// fragment timing: for each file offset a 'sidx' reference points at, the reference's
/// earliest_presentation_time per track_ID (already in track ticks), and the reference
/// time of FFmpeg's first sidx-indexed stream. O(sidx references).
struct FragmentIndexState {
  std::map<uint64_t, std::map<uint32_t, int64_t>> sidx_pts;  ///< offset -> track_ID -> pts
  std::optional<uint32_t> mfra_size;  ///< the file's last 4 bytes (mfro's size field), once read
};

/// Parse context: limits and the running count of bytes read, shared by all parsers.
struct ParseContext {
  const Limits& limits;
  uint64_t bytes_read = 0;
  bool is_quicktime = false;
  std::vector<std::string>* warnings = nullptr;
  FragmentIndexState fragments{};
  void warn(const BoxReader& r, const std::string& msg) const;
};

/// `source.read(offset, size)` for a range the caller already clamped to the file, so all
/// `size` bytes must come back. Errors: the source's own (kIo); kIo at `path` and `offset`
/// when fewer bytes came back.
Result<Buffer> read_exact(const ByteSource& source, uint64_t offset, uint64_t size, std::string_view path);
/// The bytes of the top-level box header at `offset`: min(kMaxBoxHeaderSize, bytes left)
/// bytes, to be given to parse_box_header(). Errors: those of read_exact().
Result<Buffer> read_header_bytes(const ByteSource& source, uint64_t offset);

/// The version-dependent head shared by 'mvhd' (§ 8.2.2.2), 'tkhd' (§ 8.3.2.2) and 'mdhd'
/// (§ 8.4.2.2): FullBox version and flags, creation_time and modification_time (64 bits in
/// version 1, else 32), one 32-bit field (timescale; in tkhd track_ID, then 4 reserved
/// bytes) and duration (64 or 32 bits).
struct TimesHead {
  uint8_t version = 0;
  uint32_t flags = 0;
  uint64_t creation_time = 0;  ///< seconds since 1904-01-01 (§ 8.2.2.3)
  uint32_t field = 0;     ///< timescale (mvhd, mdhd) or track_ID (tkhd)
  uint64_t duration = 0;  ///< as stored (version 0's all-ones "unknown" is the caller's rule)
};
/// Reads a TimesHead from `r` (at the start of the payload of `box`). Errors (kMalformed):
/// "<box> version and flags" or "<box> v<version> <fields>" needs N bytes.
Result<TimesHead> read_times_head(BoxReader& r, const char* box, const char* fields, bool reserved_after_field);

/// 'trak' (§ 8.3.1). `r` is clamped to the trak payload.
Result<Track> parse_trak(BoxReader r, uint32_t index, uint64_t offset, ParseContext& ctx, uint32_t depth);
/// 'stsd' (§ 8.5.2) into `track.sample_entries`.
Status parse_stsd(BoxReader r, Track& track, ParseContext& ctx, uint32_t depth);
/// One sample table box (stts, ctts, stss, ...) into `track.stbl`.
Status parse_stbl_child(const BoxHeader& h, BoxReader r, Track& track, ParseContext& ctx);
/// 'moof' (§ 8.8.4): appends TrackRuns to the matching tracks.
Status parse_moof(BoxReader r, uint64_t moof_offset, Movie& movie, ParseContext& ctx, uint32_t depth);
/// 'mvex' (§ 8.8.1): trex defaults and mehd.
Status parse_mvex(BoxReader r, Movie& movie, ParseContext& ctx);
/// 'sidx' (§ 8.16.3) at `offset` (box start), `end` = its end: noted in Movie::sidx; its
/// references become fragment index entries and it adds a kSidx FragmentEvent, as in
/// FFmpeg's mov_read_sidx. `file_tail` is the file's last 4 bytes as a big-endian
/// number (an mfro's size), asked for only when the references stop short of the end.
/// A sidx FFmpeg refuses (hierarchical references, timescale 0, no references) is noted
/// with a warning and changes no timing (FFmpeg fails to open such a file).
Status parse_sidx(BoxReader r, uint64_t offset, uint64_t end, Movie& movie, ParseContext& ctx,
                  const std::function<std::optional<uint32_t>()>& file_tail);
/// AudioSpecificConfig (ISO/IEC 14496-3 § 1.6.2.1); nullopt if unreadable.
std::optional<AacConfig> parse_audio_specific_config(ByteSpan dsi);
/// 'esds' payload (FullBox + ES_Descriptor); nullopt if malformed.
std::optional<EsDescriptor> parse_esds(ByteSpan payload);

}  // namespace mp4kit::detail
