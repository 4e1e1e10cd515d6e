// Executes a SeekPlan (lib/mp4/seek_plan.h) with one Decoder, or several that run passes at
// the same time: one forward pass per start sync sample, the decoder drained and reset
// between passes, each output frame matched to its target by the index of the packet it was
// decoded from (mp4kit_frame_info.packet_index).
//
// Exactness rules:
//  * a pass sends its packets in decode order from the start sync sample to its last
//    target, minus the packets the plan marks skippable; discarded (edit-list) packets are
//    sent like any other and libavcodec drops their frames;
//  * after the last packet the decoder is drained, so output delay never loses a target;
//  * a target that did not come out (a decoder that refuses to show pictures after a
//    non-IDR start, a reorder heuristic that dropped it, damage) is retried: first the same
//    pass without skipping (fallback 1), then from packet 0 without skipping (fallback 2),
//    which is exactly the linear decode FFmpeg's framemd5 runs. Still missing: kMalformed.
//  * frames whose packet index did not travel through the decoder are matched by pts, and
//    only when that pts belongs to one packet of the pass.
// Passes run in the order their first target was requested, so outputs that must be
// written in request order hold as few frames as possible.
//
// Several decoders: passes are independent (each starts from a sync sample with a reset
// decoder), so W decoders take the passes in that same order, each the next one not yet
// taken, and at most 2W passes past the oldest unfinished one (which bounds the frames an
// in-order output holds). A pass and its fallbacks run on one decoder. The frames are the
// same as with one decoder; only the order in which on_frame sees targets of different
// passes changes. After an error no new pass starts, running ones stop at their next
// packet, and run() returns the error of the earliest pass (in run order) that failed.
//
// Threads: with one decoder, run() works on the calling thread and on_frame is called on
// it. With W > 1, run() starts W - 1 threads and works on the calling thread as well;
// on_frame is called on any of them, one call at a time (never concurrently), with a frame
// it may keep (Frame::clone). run() returns after every thread has ended.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "mp4/movie.h"
#include "mp4/seek_plan.h"
#include "mp4kit/decoder.h"
#include "mp4kit/demuxer.h"
#include "mp4kit/error.h"
#include "pipeline/packet_feed.h"

namespace mp4kit::pipeline {

/// How a target was obtained. Costs count the packets this pass sent (or left out) after the
/// previous target's packet, in decode order, up to the target's own packet: what the target
/// needs, equal to `seek --plan`'s per-target figures for a planned pass. Packets sent past
/// it before the decoder output the frame (reorder delay, frame threads) are charged to no
/// target; SeekRunStats counts every packet sent.
struct SeekDelivery {
  /// The pass run: planned passes are numbered 0..P-1 in run order (the order of their
  /// first requested target); fallback passes get P, P+1, ... in the order they start.
  int32_t pass = 0;
  int32_t fallback = 0;        ///< 0 planned, 1 same start without skipping, 2 from packet 0
  uint32_t start_packet = 0;   ///< sync sample the pass started from
  uint64_t decoded = 0, skipped = 0, bytes = 0;
  double ms = 0;               ///< wall milliseconds since the previous target of the pass (or its start)
};

struct SeekRunStats {
  int64_t passes = 0, fallbacks = 0, decoded = 0, skipped = 0;
  uint64_t bytes = 0;
};

struct SeekRunnerOptions {
  /// Whether a pass starting at `start_packet` must keep sending packets after its last
  /// target until the targets come out, instead of draining the decoder. Needed for H.264
  /// passes that start at a recovery point (a non-IDR sync sample): FFmpeg's h264 decoder
  /// marks the pictures after it "recovered" only as it outputs them in the normal way,
  /// and drops the unrecovered ones when drained (h264dec.c finalize_frame). Null: never.
  std::function<bool(uint32_t start_packet)> push_past_targets;
  /// Gives the pages of a mapped source back as each pass moves on (packet_feed.h:
  /// PageReleaser, from the pass's first packet), and the rest of the pass's bytes when it
  /// ends: a pass never reads another pass's pages (a page read again is faulted in again).
  bool release_pages = false;
  /// `--keyframes` (SeekPlanOptions::sync_only): send the plan's packets only, never a
  /// fallback pass; a target that does not come out is kMalformed.
  bool no_fallback = false;
};

/// Packets sent at most after the last target of a pushed pass (then the decoder is drained).
constexpr uint32_t kPushPackets = 48;

/// Whether an H.264 sample (length-prefixed NAL units, as the avcC of `entry` says) holds
/// an IDR slice. Reads at most `size` bytes.
bool h264_sample_has_idr(const SampleEntry& entry, const uint8_t* data, uint64_t size);

class SeekRunner {
 public:
  /// Called once per target (duplicates included) when its frame is decoded.
  using OnFrame = std::function<Status(size_t target, const Frame& frame, const SeekDelivery& how)>;

  /// `decoder`, `demuxer` and `plan` must outlive the runner; `packets` are the stream's
  /// (Demuxer::packets), the ones `plan` and `decoder` are about.
  SeekRunner(Decoder& decoder, const Demuxer& demuxer, std::span<const Packet> packets, const SeekPlan& plan,
             SeekRunnerOptions options = {});
  /// Several decoders of the same stream (>= 1, none null, all outliving the runner; see
  /// the file comment). Passes run on at most decoders.size() threads.
  SeekRunner(std::vector<Decoder*> decoders, const Demuxer& demuxer, std::span<const Packet> packets, const SeekPlan& plan,
             SeekRunnerOptions options = {});

  /// Runs every pass. Errors: on_frame's, the decoder's and the packet reads', or
  /// kMalformed when a target cannot be decoded even from packet 0 (the message names it).
  /// Threads: see the file comment (on_frame one call at a time, on any worker thread).
  Status run(const OnFrame& on_frame);

  const SeekRunStats& stats() const { return stats_; }

 private:
  // One attempt on `decoder`: packets [start, last] minus skip (empty = none skipped), for
  // `wanted`; counted in `stats`.
  Status attempt(Decoder& decoder, SeekRunStats& stats, int32_t pass_id, uint32_t start, uint32_t last,
                 const std::vector<bool>& skip, const std::vector<size_t>& wanted, int32_t fallback, const OnFrame& on_frame);
  // Plan pass `pi` (run-order position `position`) and its fallbacks, on `decoder`.
  Status run_pass(Decoder& decoder, SeekRunStats& stats, size_t pi, size_t position, const OnFrame& on_frame);
  Status run_parallel(const std::vector<size_t>& order, const OnFrame& on_frame);

  std::vector<Decoder*> decoders_;
  const Demuxer& demuxer_;
  std::span<const Packet> packets_;
  const SeekPlan& plan_;
  SeekRunnerOptions options_;
  std::vector<uint8_t> delivered_;          // per target; each written only by its pass's thread
  std::atomic<int32_t> next_fallback_id_{0};
  std::atomic<bool> stop_{false};           // an error: running passes stop at their next packet
  SeekRunStats stats_;
};

/// --verify: a fresh decoder decodes the whole stream linearly; frame N is the N-th frame
/// it outputs (the framemd5 numbering). Compares each target's md5 with `seek_md5[i]`
/// (empty string = not extracted), checks that frame N comes from the packet the
/// presentation index names, and that every shown sync sample decodes as a keyframe or I
/// picture.
struct VerifyResult {
  std::vector<std::string> linear_md5;  ///< per target ("" when the linear decode did not reach it)
  int64_t frames = 0, mismatches = 0;
  int64_t sync_checked = 0, sync_not_key = 0, sync_hidden = 0;
  int64_t linear_frames = 0;
  int64_t numbering_mismatches = 0;     ///< output N came from another packet than packet_of(N)
  std::string detail;                   ///< first problems, one line
};

Result<VerifyResult> verify_linear(Decoder& fresh, const Demuxer& demuxer, std::span<const Packet> packets,
                                   const PresentationIndex& index, const std::vector<uint64_t>& target_frames,
                                   const std::vector<std::string>& seek_md5);

}  // namespace mp4kit::pipeline
