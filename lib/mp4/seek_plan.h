// Seek planning for exact frame extraction, from the container alone (no FFmpeg).
//
// Frame numbering (README "seek"): frame N is the N-th frame in presentation order after
// edit lists — the N-th line of `ffmpeg -noautorotate -i FILE -map 0:v:0 -fps_mode
// passthrough -f framemd5 -`. In packet terms: the non-discarded packets of the stream's
// timeline sorted by pts (ties by decode order).
//
// Planning: each target starts decoding at the last sync sample at or before it in decode
// order; a target that is a leading picture of that sync sample (pts before the sync
// sample's: HEVC CRA + RASL, H.264 recovery-point I-frames with following B-frames) starts
// one sync sample earlier, because it may reference the previous GOP. A sync sample whose
// first bytes say it holds a predicted picture (H.263, MPEG-4 Part 2, H.264: old 3GP
// writers list every N-th sample in stss whatever its type) cannot start a pass either:
// the start moves back to the previous sync sample that is not one, or to the first
// packet. Targets sharing a start form one forward pass. Within a pass, packets that are neither targets nor
// referenced by later pictures are marked skippable when that can be proven from the
// bitstream or sdtp: H.264 slices with nal_ref_idc == 0 (ISO/IEC 14496-10 § 7.4.1), HEVC
// sub-layer non-reference pictures (TRAIL_N, TSA_N, STSA_N, RADL_N, RASL_N, RSV_VCL_N10/12/14;
// ISO/IEC 23008-2 § 7.4.2.2) in streams with a single temporal sub-layer, or sdtp
// sample_is_depended_on == 2. Anything else is decoded.
//
// Lifetime: plans refer to packets by index into the StreamTimeline they were built from.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "codec/picture_coding.h"
#include "mp4/movie.h"
#include "mp4/timeline.h"

namespace mp4kit {

/// Frames of one stream in presentation order.
class PresentationIndex {
 public:
  static PresentationIndex build(const StreamTimeline& timeline);
  uint64_t frame_count() const { return order_.size(); }
  /// Packet index (decode order) of frame `n`; n < frame_count().
  uint32_t packet_of(uint64_t n) const { return order_[n]; }
  /// The frame displayed at `pts` ticks: the last frame whose pts <= `pts`; nullopt before the first.
  std::optional<uint64_t> frame_at_pts(const StreamTimeline& timeline, int64_t pts) const;

 private:
  std::vector<uint32_t> order_;
};

/// Whether a sample can be left out of decoding without changing any later picture.
enum class Disposability : uint8_t { kUnknown, kReference, kDisposable };

/// Inspects the sample bytes (length-prefixed NAL units as in avcC/hvcC) or sdtp. Reads at
/// most `size` bytes at `data`; never past them. Unknown codecs give kUnknown.
Disposability sample_disposability(const SampleEntry& entry, const uint8_t* data, uint64_t size, uint8_t sdtp);

/// Whether sync sample `packet` holds an intra picture, from its first bytes: H.263, MPEG-4
/// Part 2 and H.264 (lib/codec/picture_coding.h; `codec` is FFmpeg's codec name); kUnknown
/// for other codecs. Reads at most the sample (H.264) or its first 4 KiB. Errors: the
/// source's read errors (kIo).
Result<codec::PictureCoding> sync_sample_coding(const ByteSource& source, const Track& track, const std::string& codec,
                                                const Packet& packet);

struct SeekTarget {
  uint64_t frame = 0;          ///< the frame index asked for (after time resolution)
  uint32_t packet = 0;         ///< its packet index in decode order
  uint32_t start_packet = 0;   ///< sync sample the pass starts from
  size_t pass = 0;             ///< which pass decodes it
};

struct SeekPass {
  uint32_t start_packet = 0;   ///< first packet fed (a sync sample)
  uint32_t last_packet = 0;    ///< last target packet in decode order (feed at least to here)
  std::vector<size_t> targets; ///< indices into SeekPlan::targets, in decode order of their packets
  std::vector<bool> skip;      ///< per packet in [start_packet, last_packet]: true = not fed
  uint64_t decoded = 0, skipped = 0, bytes = 0;  ///< packets fed / left out, bytes fed
};

struct SeekPlan {
  std::vector<SeekTarget> targets;  ///< in request order
  std::vector<SeekPass> passes;     ///< in file order
};

struct SeekPlanOptions {
  bool skip_non_reference = true;  ///< false: feed every packet from the start sync sample
  /// `--keyframes`: every target is a sync sample decoded on its own. One pass from the
  /// first target to the last in decode order sends the targets and nothing else (skip is
  /// true for every other packet); each target's start_packet is its own packet.
  bool sync_only = false;
};

/// Plans the extraction of `frames` (frame indices, each < index.frame_count()) from
/// `track`. Reads sample bytes through `movie.source` only to classify candidates for
/// skipping (one read per candidate) and the start sync samples' picture headers (one
/// read per sync sample considered, H.263/MPEG-4 Part 2/H.264 only). Errors: kUsage for an out-of-range frame (the message
/// gives the valid range), or with sync_only a frame that is not a sync sample; the source's read errors (kIo).
Result<SeekPlan> plan_seek(const Movie& movie, const Track& track, const StreamTimeline& timeline,
                           const PresentationIndex& index, const std::vector<uint64_t>& frames,
                           const SeekPlanOptions& options = {});

}  // namespace mp4kit
