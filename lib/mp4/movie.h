// The parsed structure of an MP4 / QuickTime file: plain structs filled by the free
// functions in parse_*.cpp. Big tables stay as ByteSpan views into the box payloads that
// were read (see sample_table.h), so a Movie costs O(boxes + runs), not O(samples).
//
// Input: the parser reads only through a ByteSource (include/mp4kit/byte_source.h): one
// read per top-level box header, one read per box payload it parses (ftyp, moov, each
// moof, sidx). It never reads mdat, and never assumes the file is addressable memory. For
// a mapped source these reads are views, so only the bytes actually parsed are touched.
//
// Lifetime: every ByteSpan in a Movie (sample entries, SampleTableBoxes, TrackRun
// entries) and in the SampleTables built from it points into one of `Movie::buffers`,
// which the Movie holds: the spans stay valid while the Movie lives. SampleTables
// (sample_table.h) also point at the Tracks of `Movie::tracks`, so a Movie cannot be
// copied (tables built from a copy would dangle when it dies); moving it keeps every
// Track and every byte where it is (the vector's storage moves along), so tables built
// before the move stay valid.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "mp4/box_reader.h"
#include "mp4kit/byte_source.h"
#include "mp4kit/limits.h"
#include "mp4kit/error.h"

namespace mp4kit {

/// One line of the box tree (`probe --boxes`): a box, its place and a short summary.
struct BoxNode {
  FourCC type = 0;
  uint64_t offset = 0;
  uint32_t header_size = 0;
  uint64_t size = 0;
  bool truncated = false;
  std::string summary;             ///< "timescale=12800 duration=64000", or empty
  std::vector<BoxNode> children;   ///< only for boxes mp4kit descends into
};

/// 'elst' entry (§ 8.6.6). segment_duration is in movie (mvhd) timescale ticks;
/// media_time in track (mdhd) ticks, -1 for an empty edit.
struct EditListEntry {
  uint64_t segment_duration = 0;
  int64_t media_time = 0;
  int16_t media_rate_integer = 1;
  int16_t media_rate_fraction = 0;
};

/// 'esds' ES_Descriptor fields (ISO/IEC 14496-1 § 7.2.6.5-6) needed to name and open a codec.
struct EsDescriptor {
  uint8_t object_type_indication = 0;  ///< 0x40 AAC, 0x20 MPEG-4 visual, 0x69/0x6B MP3 ...
  uint8_t stream_type = 0;
  uint32_t max_bitrate = 0;
  uint32_t avg_bitrate = 0;
  ByteSpan decoder_specific_info;      ///< AudioSpecificConfig / VOL header, as in the file
};

/// AudioSpecificConfig essentials (ISO/IEC 14496-3 § 1.6.2.1).
struct AacConfig {
  uint8_t audio_object_type = 0;     ///< 2 = AAC LC, 5 = SBR (HE-AAC), 29 = PS (HE-AACv2)
  uint32_t sampling_frequency = 0;   ///< core sampling frequency in Hz
  uint32_t extension_sampling_frequency = 0;  ///< SBR output rate in Hz, 0 if none
  uint8_t channel_configuration = 0;
  bool sbr = false;
  bool ps = false;
};

/// 'colr' (§ 12.1.5) nclx/nclc fields.
struct ColourInfo {
  FourCC colour_type = 0;
  uint16_t colour_primaries = 2, transfer_characteristics = 2, matrix_coefficients = 2;
  bool full_range = false;
};

/// One sample description (§ 8.5.2) with its configuration boxes. Visual fields are set
/// for video entries, audio fields for sound entries. Config spans are box payloads
/// (after the 8-byte header; FullBox version/flags included where the box has them).
struct SampleEntry {
  FourCC format = 0;                ///< 'avc1', 'mp4a', ... ('encv' resolved via original_format)
  FourCC original_format = 0;       ///< from sinf/frma for 'encv'/'enca'; else 0
  uint64_t offset = 0, size = 0;    ///< the entry box in the file
  uint16_t data_reference_index = 0;
  uint32_t vendor = 0;              ///< QuickTime vendor field of video/sound descriptions (ISO: reserved 0)

  // VisualSampleEntry (§ 12.1.3)
  uint16_t width = 0, height = 0, depth = 0;
  std::string compressor_name;
  // AudioSampleEntry (§ 12.2.3) and QuickTime sound description v1/v2
  uint16_t sound_version = 0;
  uint16_t channel_count = 0;
  uint16_t sample_size = 0;          ///< bits per sample as declared
  uint32_t sample_rate = 0;          ///< Hz (integer part of 16.16, or v2 double)
  uint32_t qt_samples_per_packet = 0, qt_bytes_per_packet = 0, qt_bytes_per_frame = 0,
           qt_bytes_per_sample = 0;  ///< QuickTime v1 fields
  uint32_t lpcm_flags = 0;           ///< QuickTime v2 formatSpecificFlags
  uint32_t lpcm_bits_per_channel = 0;

  ByteSpan avcC, hvcC, av1C, vpcC, esds, dOps, dfLa, dac3, dec3, ddts, damr, alac, glbl;
  ByteSpan fiel;                    ///< QuickTime 'fiel' payload (field count, detail), empty if none
  ByteSpan dmlp;                     ///< MLPSpecificBox (Dolby TrueHD in ISOBMFF): format_info, peak_data_rate
  std::optional<EsDescriptor> es;
  std::optional<AacConfig> aac;
  std::optional<std::array<uint32_t, 2>> pasp;  ///< hSpacing, vSpacing
  std::optional<ColourInfo> colr;
  std::optional<std::array<uint32_t, 3>> btrt;  ///< bufferSizeDB, maxBitrate, avgBitrate
  bool has_endianness_little = false;  ///< QuickTime 'enda' = 1 inside 'wave' (for 'lpcm'/'in24')

  FourCC codec_format() const { return original_format ? original_format : format; }
};

/// Raw views of the sample table boxes of one track (§ 8.6-8.7). Counts are the
/// entry_count fields, already checked against the box sizes. The accessors read entry
/// `i` (< the box's count; not checked again) with the field names of the spec.
struct SampleTableBoxes {
  ByteSpan stts; uint32_t stts_count = 0;           ///< 8 bytes per entry
  ByteSpan ctts; uint32_t ctts_count = 0; uint8_t ctts_version = 0;
  ByteSpan stss; uint32_t stss_count = 0; bool has_stss = false;
  ByteSpan stps; uint32_t stps_count = 0;
  ByteSpan sdtp;                                    ///< one byte per sample
  ByteSpan stsc; uint32_t stsc_count = 0;           ///< 12 bytes per entry
  ByteSpan stsz; uint32_t sample_size = 0;          ///< stsz default size (0 = table)
  uint32_t sample_count = 0; uint8_t field_size = 32;  ///< 32 for stsz; 4/8/16 for stz2
  ByteSpan stco; uint32_t chunk_count = 0; uint8_t chunk_offset_size = 4;  ///< 4 stco, 8 co64
  uint64_t offset = 0;                              ///< 'stbl' offset, for messages

  uint32_t stts_sample_count(uint64_t i) const { return load_be32(stts.data + i * 8); }
  uint32_t stts_sample_delta(uint64_t i) const { return load_be32(stts.data + i * 8 + 4); }
  uint32_t ctts_sample_count(uint64_t i) const { return load_be32(ctts.data + i * 8); }
  /// Signed in practice for both versions (FFmpeg reads it as int32).
  int32_t ctts_sample_offset(uint64_t i) const { return static_cast<int32_t>(load_be32(ctts.data + i * 8 + 4)); }
  uint32_t stss_sample_number(uint64_t i) const { return load_be32(stss.data + i * 4); }
  uint32_t stps_sample_number(uint64_t i) const { return load_be32(stps.data + i * 4); }
  uint32_t stsc_first_chunk(uint64_t i) const { return load_be32(stsc.data + i * 12); }  ///< as stored (1-based)
  uint32_t stsc_samples_per_chunk(uint64_t i) const { return load_be32(stsc.data + i * 12 + 4); }
  uint32_t stsc_sample_description_index(uint64_t i) const { return load_be32(stsc.data + i * 12 + 8); }
  /// Absolute file offset of chunk `i` (0-based), from stco or co64.
  uint64_t chunk_offset(uint64_t i) const {
    return chunk_offset_size == 8 ? load_be64(stco.data + i * 8) : load_be32(stco.data + i * 4);
  }
};

/// 'trun' tr_flags (§ 8.8.8.1): which optional fields the box and each sample entry carry.
namespace trun_flags {
inline constexpr uint32_t kDataOffset = 0x000001, kFirstSampleFlags = 0x000004, kDuration = 0x000100,
                          kSize = 0x000200, kFlags = 0x000400, kCompositionOffset = 0x000800;
}  // namespace trun_flags

/// Where the decode time of a run's first sample comes from, decided in file order as
/// FFmpeg 5.1's mov_read_trun decides it (use_tfdt on, its default; no mfra lookup, which
/// FFmpeg only does on request): after an earlier run of the same 'traf' the run continues
/// where that one ended; else the 'tfdt' of this track in this 'moof' (an earlier traf's
/// counts too); else a 'sidx' reference that points exactly at this moof; else the track's
/// running end (FFmpeg's sc->track_end, see FragmentEvent).
enum class RunStart : uint8_t { kContinue, kTfdt, kSidx, kTrackEnd };

/// One 'trun' (§ 8.8.8) resolved against its 'tfhd' (§ 8.8.7) and 'trex' (§ 8.8.3)
/// defaults. Per-sample fields are read lazily from `entries` through the sample_*()
/// accessors (i < sample_count; the parser checked that `entries` holds them all).
struct TrackRun {
  uint64_t moof_offset = 0;
  uint64_t trun_offset = 0;
  uint64_t data_offset = 0;          ///< absolute file offset of the first sample
  uint32_t sample_count = 0;
  uint32_t flags = 0;                ///< trun tr_flags (trun_flags::*)
  uint8_t version = 0;               ///< 1: sample_composition_time_offset is signed
  ByteSpan entries;                  ///< sample_count x entry_size bytes
  uint32_t entry_size = 0;
  uint32_t first_sample_flags = 0;   ///< valid when flags & trun_flags::kFirstSampleFlags
  uint32_t default_sample_duration = 0, default_sample_size = 0, default_sample_flags = 0;
  uint32_t sample_description_index = 1;
  std::optional<uint64_t> tfdt;      ///< baseMediaDecodeTime of this track in this moof, if present
  bool first_in_traf = false;
  RunStart start = RunStart::kTrackEnd;  ///< where the first sample's decode time comes from
  int64_t sidx_pts = 0;              ///< kSidx: the reference's earliest_presentation_time, track ticks

  /// Sample i's duration in ticks: its entry's field, else the tfhd/trex default.
  uint32_t sample_duration(uint32_t i) const { return field(i, trun_flags::kDuration, default_sample_duration); }
  /// Sample i's size in bytes: its entry's field, else the default.
  uint32_t sample_size(uint32_t i) const { return field(i, trun_flags::kSize, default_sample_size); }
  /// Sample i's sample_flags (§ 8.8.3.1): its entry's field, else first_sample_flags for
  /// sample 0 when present, else the default.
  uint32_t sample_flags(uint32_t i) const {
    const uint32_t fallback = i == 0 && (flags & trun_flags::kFirstSampleFlags) ? first_sample_flags : default_sample_flags;
    return field(i, trun_flags::kFlags, fallback);
  }
  /// Sample i's composition offset in ticks (signed in practice for both versions, as
  /// FFmpeg reads it); 0 when the entries have none.
  int32_t sample_composition_offset(uint32_t i) const {
    return static_cast<int32_t>(field(i, trun_flags::kCompositionOffset, 0));
  }

 private:
  // Entry fields are stored in flag order (duration, size, flags, composition offset),
  // 4 bytes each, only those whose flag is set.
  uint32_t field(uint32_t i, uint32_t flag, uint32_t fallback) const {
    if (!(flags & flag)) return fallback;
    uint32_t pos = 0;
    for (uint32_t f = trun_flags::kDuration; f < flag; f <<= 1)
      if (flags & f) pos += 4;
    return load_be32(entries.data + uint64_t(i) * entry_size + pos);
  }
};

/// 'tkhd' (§ 8.3.2).
struct TrackHeader {
  uint8_t version = 0;
  uint32_t flags = 0;
  uint32_t track_id = 0;
  uint64_t duration = 0;             ///< movie timescale ticks
  int16_t layer = 0, alternate_group = 0, volume = 0;
  std::array<int32_t, 9> matrix{0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000};
  uint32_t width = 0, height = 0;    ///< 16.16 fixed point
};

/// One 'trak' with what mp4kit read of it.
struct Track {
  uint32_t index = 0;                ///< 0-based position among the file's trak boxes
  uint64_t offset = 0;               ///< the trak box
  TrackHeader tkhd;
  std::vector<EditListEntry> edits;
  bool has_elst = false;
  uint32_t timescale = 0;            ///< mdhd, ticks per second
  uint64_t media_duration = 0;       ///< mdhd, in timescale ticks
  std::string language;              ///< ISO-639-2/T code from mdhd, "und" if unset
  FourCC handler_type = 0;           ///< hdlr handler_type ('vide', 'soun', ...)
  std::string handler_name;
  uint64_t creation_time = 0;        ///< mdhd, seconds since 1904-01-01 (0 = unset)
  uint16_t mdhd_language_code = 0;   ///< mdhd language as stored (packed ISO-639-2/T, or a Macintosh code < 0x400)
  ByteSpan hdlr_name;                ///< mdia/hdlr name bytes as stored (for FFmpeg's handler_name rule)
  ByteSpan udta;                     ///< trak/udta payload, empty if none
  std::vector<SampleEntry> sample_entries;
  SampleTableBoxes stbl;
  bool has_stbl = false;
  std::vector<uint32_t> tref_chap;   ///< track_IDs of this track's 'tref'/'chap' references
  bool chapter_track = false;        ///< named by the movie's chapter reference (mark_chapter_tracks)
  std::vector<TrackRun> runs;        ///< fragments, in file order
  std::vector<std::string> warnings; ///< non-fatal findings, with box path and offset
};

/// 'trex' (§ 8.8.3): the fragment sample defaults of one track. 'mvex' may come before the
/// 'trak' it names, so these are kept by track_ID and looked up by each 'tfhd'.
struct TrackExtends {
  uint32_t track_id = 0;
  uint32_t default_sample_description_index = 1, default_sample_duration = 0, default_sample_size = 0,
           default_sample_flags = 0;
};

/// A change of fragment timing state, in file order, that the timeline replays (FFmpeg
/// keeps it in MOVStreamContext while it reads the file): a run's samples are appended
/// (kRun); a 'tfdt' sets the track's running end to its baseMediaDecodeTime (kTfdt,
/// mov_read_tfdt); a 'sidx' sets the track's running end and duration to the end of its
/// references, in the sidx's own timescale as FFmpeg leaves it (kSidx, mov_read_sidx), and
/// when its references reach the end of the file (or an 'mfra' there) the tracks that have
/// no sidx take the duration of `ref_track`, rescaled to their timescale.
struct FragmentEvent {
  enum class Kind : uint8_t { kRun, kTfdt, kSidx };
  Kind kind = Kind::kRun;
  uint32_t track = 0;                ///< index into Movie::tracks
  uint32_t run = 0;                  ///< kRun: index into that track's runs
  int64_t value = 0;                 ///< kTfdt: baseMediaDecodeTime; kSidx: end of the references
  bool complete = false;             ///< kSidx: references reach the end of the file
  int32_t ref_track = -1;            ///< kSidx complete: FFmpeg's reference stream, -1 if none
  uint64_t box_offset = 0;           ///< the top-level box it was read from (moof or sidx), bytes
};

struct SegmentIndexRef {  ///< 'sidx' (§ 8.16.3), only noted
  uint64_t offset = 0;
  uint32_t reference_id = 0;
  uint32_t timescale = 0;
  uint64_t earliest_presentation_time = 0;
  uint64_t first_offset = 0;
  uint32_t reference_count = 0;
};

/// Cover art from iTunes metadata (moov/udta/meta/ilst/covr/data). FFmpeg exposes each
/// one as a video stream with the attached_pic disposition and a single untimed packet,
/// numbered in the order it was met among the tracks; mp4kit reports the same streams.
struct AttachedPicture {
  uint32_t stream_index = 0;  ///< position among the file's streams
  uint64_t offset = 0;        ///< absolute offset of the picture bytes
  uint32_t size = 0;          ///< bytes
  std::string codec_name;     ///< "mjpeg", "png" or "bmp" (from the data type, sniffed like FFmpeg)
  uint32_t width = 0, height = 0;  ///< from the JPEG SOF / PNG IHDR, 0 if unreadable
};

/// A parsed file. `moov` and fragment headers are parsed; `mdat` is never read.
/// Move-only (see the lifetime note at the top); `tracks` must not be resized while
/// SampleTables built from it are alive.
struct Movie {
  Movie() = default;
  Movie(const Movie&) = delete;
  Movie& operator=(const Movie&) = delete;
  Movie(Movie&&) noexcept = default;
  Movie& operator=(Movie&&) noexcept = default;

  ByteSourcePtr source;              ///< what was parsed; sample bytes are read from it
  std::vector<Buffer> buffers;       ///< the payloads read (ftyp, moov, moof, sidx): every ByteSpan points into one
  uint64_t file_size = 0;            ///< source->size(), bytes
  FourCC major_brand = 0;
  uint32_t minor_version = 0;
  std::vector<FourCC> compatible_brands;
  bool has_ftyp = false;
  bool is_quicktime = false;         ///< major brand 'qt  ' (or no ftyp and QuickTime-only boxes)
  bool has_moov = false;
  uint64_t moov_offset = 0;
  uint32_t timescale = 0;            ///< mvhd
  uint64_t duration = 0;             ///< mvhd, movie timescale ticks
  uint64_t creation_time = 0;        ///< mvhd, seconds since 1904-01-01 (0 = unset)
  /// moov/udta and moov/meta boxes in file order: (type, payload). Read by parse_metadata.
  std::vector<std::pair<FourCC, ByteSpan>> metadata_boxes;
  bool fragmented = false;           ///< mvex present or moof seen
  uint64_t fragment_duration = 0;    ///< mehd, movie timescale ticks
  std::vector<Track> tracks;
  std::vector<uint32_t> track_stream_index;  ///< ffprobe stream index of tracks[i]
  std::vector<AttachedPicture> attached_pictures;
  uint32_t stream_count = 0;         ///< tracks + attached pictures
  std::vector<SegmentIndexRef> sidx;
  std::vector<TrackExtends> trex;    ///< mvex/trex, in file order
  std::vector<FragmentEvent> fragment_events;  ///< fragment timing changes in file order
  std::vector<BoxNode> top_level;    ///< every top-level box (type, offset, size)
  std::vector<std::string> warnings; ///< non-fatal findings with path and offset
  uint64_t bytes_read = 0;           ///< bytes the parser read: box headers, parsed payloads, and the
                                     ///< header fields of sample tables (their entries are read lazily)
  uint64_t mdat_bytes = 0;           ///< total declared mdat payload
  bool mdat_truncated = false;       ///< an mdat runs past the end of the file

};

/// Parses `source` (top-level boxes, moov, moof/traf/trun, sidx). Errors (kMalformed) name
/// the box path and offset; a file with no 'moov' is kMalformed; kIo when a read fails or
/// source->check_intact() reports a fault. Never reads mdat payloads. The Movie shares
/// `source` (Movie::source).
Result<Movie> parse_movie(ByteSourcePtr source, const Limits& limits = Limits{});

/// Builds the full box tree for `probe --boxes` (descends into the containers mp4kit
/// knows, including stsd sample entries; udta/meta are shown as opaque leaves). Reads the
/// top-level headers and the payloads of the boxes it descends into or summarizes, never
/// mdat. A damaged box ends its parent's listing with a "damaged" node instead of failing.
/// Errors: kIo when a read fails. The caller checks source.check_intact() afterwards.
Result<std::vector<BoxNode>> build_box_tree(const ByteSource& source, const Limits& limits = Limits{});

}  // namespace mp4kit
