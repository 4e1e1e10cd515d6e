// `mp4kit seek`'s work: exact frames of one video stream, by frame index (README "seek":
// frame N is the N-th line of `ffmpeg -noautorotate -i FILE -map 0:v:0 -fps_mode
// passthrough -f framemd5 -`), decoding only what they need.
//
// Steps: load the module; open and parse the file (Demuxer); plan (lib/mp4/seek_plan.h);
// open the decoder and the outputs; run one pass per start sync sample (seek_runner.h);
// write each target: to its own file, or to one shared output in request order (frames
// that come out early are held, by reference, until the ones before them are written);
// with `verify`, decode the whole stream again with a fresh decoder and compare.
//
// The caller resolves times and ranges to frame indices and expands output patterns
// (one path per target): this job neither parses command-line text nor formats it.
//
// Errors, with the file they are about in `error_file` ("" = none): the module's (70);
// the input's and the plan's (64 a frame out of range, 65, 66, 70, 74; file = input); a
// terminal as binary stdout, png/ppm with several targets and one path (64, ""); the
// outputs' (73, 74; file = that output); a target the decoder never output, even from
// packet 0 (65, input). A reader closing stdout stops the job without an error.
//
// Threads: runs on the calling thread; `progress` is called on it.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "mp4kit/byte_source.h"
#include "mp4kit/demuxer.h"
#include "mp4kit/error.h"
#include "pipeline/seek_runner.h"
#include "pipeline/stream_setup.h"

namespace mp4kit::pipeline {

struct SeekJob {
  std::string input;                     ///< file path or http(s):// URL (open_source)
  SourceOptions source{{.fault_guard = true}, {}};  ///< how `input` is opened; a file cut while read is exit 74
  ByteSourcePtr opened;                  ///< the input already opened by the caller (then `source` is unused), or null
  DemuxerOptions demux;                  ///< Limits (edit lists always applied: the frame numbering needs them)
  int stream = -1;                       ///< ffprobe index of a video stream; -1 = the first video stream
  std::vector<uint64_t> frames;          ///< targets, in request order (>= 1)
  std::string format = "png";            ///< png, ppm, jpeg, npy, y4m, raw, framemd5, null
  /// One path per target (the caller expanded a pattern): a file each. When empty,
  /// `output` is the one output of every target: "-" stdout or a file (png/ppm: one
  /// target only); ignored for null.
  std::vector<std::string> target_outputs;
  std::string output;
  int threads = 0;                       ///< 0 = one per CPU; several passes may run on several decoders (seek_job.cpp decoder_layout)
  bool skip_non_reference = true;        ///< leave provably non-reference packets out
  /// `--keyframes`: every frame is a sync sample, decoded without any other packet
  /// (SeekPlanOptions::sync_only, SeekRunnerOptions::no_fallback).
  bool sync_only = false;
  bool verify = false;                   ///< also decode linearly and compare
  /// Fill SeekTargetResult::md5 and size (the packed frame's MD5: about 5 ms of CPU per
  /// 1080p frame). --json and --verify need it; a caller that only writes the frames may
  /// turn it off. Forced on by `verify`.
  bool md5 = true;
  TransformSettings transform;           ///< size, crop, pixel format (none by default)
  bool autorotate = true;                ///< stream_setup.h open_transform: png/jpeg/npy, or with a transform
  int quality = 2;                       ///< jpeg: -q:v
  /// Called after each target is written with (targets done, targets, elapsed s); may be empty.
  std::function<void(int64_t done, int64_t total, double elapsed_s)> progress;
};

/// One target's outcome. Costs span the packets since the previous target of its pass.
struct SeekTargetResult {
  uint64_t frame = 0;
  int64_t pts = 0;                       ///< ticks of the stream's time base
  uint32_t packet = 0;                   ///< its packet (decode order, Demuxer::packets index)
  uint32_t sync_packet = 0;              ///< the sync sample its pass started from
  int64_t sync_pts = 0;
  int32_t pass = 0, fallback = 0;        ///< fallback: 0 planned, 1 without skipping, 2 from packet 0
  int64_t decoded = 0, skipped = 0;
  uint64_t bytes = 0;
  double ms = 0;                         ///< wall milliseconds: decode + conversion + write
  std::string md5;                       ///< packed frame md5 (the framemd5 hash); "" if not reached
  int64_t size = 0;                      ///< packed frame bytes (the framemd5 size)
  std::string output;                    ///< file written for it; "" for stdout, a shared file or none
  int verified = 0;                      ///< verify: 0 not checked, 1 identical, 2 different
  std::string verify_md5;                ///< verify: the linear decode's md5
};

struct SeekReport {
  uint32_t stream = 0;
  std::string codec;
  int threads = 0;                       ///< decoder threads in effect, all decoders together
  uint64_t frame_count = 0;              ///< frames of the stream
  SeekRunStats runs;                     ///< passes, fallbacks, decoded, skipped, bytes
  int64_t decode_errors = 0;
  double wall_s = 0;                     ///< from opening the file to the last output (verify excluded)
  ReadStats input_read;                  ///< what the input source fetched (a URL: bytes and requests)
  std::vector<SeekTargetResult> targets; ///< in request order
  VerifyResult verify;                   ///< with SeekJob::verify
  bool transformed = false;              ///< a transform ran: `transform` says what it did
  TransformApplied transform;
  std::string transform_warning;         ///< "" or one line (a rotation not applied, depth reduced)
};

Result<SeekReport> run_seek(const SeekJob& job, std::string& error_file);

}  // namespace mp4kit::pipeline
