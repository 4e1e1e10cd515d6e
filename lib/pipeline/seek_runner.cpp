#include "pipeline/seek_runner.h"

#include <algorithm>
#include <chrono>
#include <climits>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>
#include <unordered_map>

#include "codec/nal.h"

namespace mp4kit::pipeline {
namespace {

using Clock = std::chrono::steady_clock;

// The packet a frame came from, or -1 when the decoder did not carry the index through.
int64_t packet_of(const mp4kit_frame_info& info, size_t packets) {
  return info.packet_index >= 0 && static_cast<uint64_t>(info.packet_index) < packets ? info.packet_index : -1;
}

}  // namespace

SeekRunner::SeekRunner(Decoder& decoder, const Demuxer& demuxer, std::span<const Packet> packets, const SeekPlan& plan,
                       SeekRunnerOptions options)
    : SeekRunner(std::vector<Decoder*>{&decoder}, demuxer, packets, plan, std::move(options)) {}

SeekRunner::SeekRunner(std::vector<Decoder*> decoders, const Demuxer& demuxer, std::span<const Packet> packets,
                       const SeekPlan& plan, SeekRunnerOptions options)
    : decoders_(std::move(decoders)), demuxer_(demuxer), packets_(packets), plan_(plan), options_(std::move(options)),
      delivered_(plan.targets.size(), 0), next_fallback_id_(static_cast<int32_t>(plan.passes.size())) {}

bool h264_sample_has_idr(const SampleEntry& entry, const uint8_t* data, uint64_t size) {
  return codec::h264_has_idr_slice(data, size, codec::avc_nal_length_size(entry.avcC.data, entry.avcC.size));
}

Status SeekRunner::attempt(Decoder& decoder, SeekRunStats& stats, int32_t pass_id, uint32_t start, uint32_t last,
                           const std::vector<bool>& skip, const std::vector<size_t>& wanted, int32_t fallback,
                           const OnFrame& on_frame) {
  ++stats.passes;
  if (fallback) ++stats.fallbacks;

  // Packets to send: [start, last] minus the skipped ones, then (push mode) a few more so
  // that the targets leave the decoder through its normal output path, not the flush.
  const bool push = options_.push_past_targets && options_.push_past_targets(start);
  const uint32_t n = static_cast<uint32_t>(packets_.size());
  const uint32_t extra = push ? std::min<uint32_t>(n - 1 - last, kPushPackets) : 0;
  std::vector<uint32_t> packets;
  std::vector<uint64_t> bytes_before{0}, skipped_before{0};  // prefix sums over `packets`
  packets.reserve(last - start + 1 + extra);
  uint64_t skipped_run = 0;
  for (uint32_t i = start; i <= last + extra; ++i) {
    if (i <= last && !skip.empty() && skip[i - start]) {
      ++skipped_run;
      continue;
    }
    packets.push_back(i);
    bytes_before.push_back(bytes_before.back() + packets_[i].size);
    skipped_before.push_back(skipped_run);
  }

  // Targets by packet; and, for frames whose packet index got lost, by pts when unambiguous.
  std::unordered_map<uint32_t, std::vector<size_t>> wanted_at;
  for (size_t t : wanted) wanted_at[plan_.targets[t].packet].push_back(t);
  std::map<int64_t, int> pts_uses;
  for (uint32_t i : packets)
    if (!packets_[i].discard) ++pts_uses[packets_[i].pts];
  size_t remaining = wanted.size();

  // Per-target costs, from the packets this attempt sends: those after the previous wanted
  // target's packet (in decode order) up to the target's own, i.e. what the target needs,
  // and the same count `seek --plan` gives. Packets the decoder takes past a target before
  // it outputs the frame (its reorder delay, frame threads) are in the totals only.
  struct Cost {
    uint64_t decoded = 0, skipped = 0, bytes = 0;
  };
  std::unordered_map<size_t, Cost> cost_of;
  {
    std::vector<size_t> by_packet(wanted.begin(), wanted.end());
    std::sort(by_packet.begin(), by_packet.end(), [&](size_t a, size_t b) { return plan_.targets[a].packet < plan_.targets[b].packet; });
    size_t prev = 0;  // send-list entries charged so far
    for (size_t t : by_packet) {
      const size_t pos = static_cast<size_t>(std::upper_bound(packets.begin(), packets.end(), plan_.targets[t].packet) - packets.begin());
      const size_t upto = std::max(pos, prev);
      cost_of[t] = {upto - prev, skipped_before[upto] - skipped_before[prev], bytes_before[upto] - bytes_before[prev]};
      prev = upto;
    }
  }

  const ByteSource& source = demuxer_.source();
  std::optional<PageReleaser> releaser;
  if (options_.release_pages) releaser.emplace(packets_[start].pos);
  PacketFeed feed(decoder, demuxer_, packets_, releaser ? &*releaser : nullptr, /*strict=*/false);
  const auto sent = [&] { return static_cast<size_t>(std::min<uint64_t>(feed.sent(), packets.size())); };
  auto last_delivery = Clock::now();
  const FrameCallback on_decoded = [&](Frame& frame) -> Result<bool> {
    const mp4kit_frame_info info = frame.info();
    int64_t packet = packet_of(info, packets_.size());
    if (packet < 0) {
      const int64_t pts = info.pts != INT64_MIN ? info.pts : info.best_effort_pts;
      auto it = std::find_if(wanted_at.begin(), wanted_at.end(), [&](const auto& kv) { return packets_[kv.first].pts == pts; });
      if (it == wanted_at.end() || pts_uses[pts] != 1) return true;
      packet = it->first;
    }
    auto it = wanted_at.find(static_cast<uint32_t>(packet));
    if (it == wanted_at.end()) return true;
    for (size_t t : it->second) {
      if (delivered_[t]) continue;
      SeekDelivery d;
      d.pass = pass_id;
      d.fallback = fallback;
      d.start_packet = start;
      d.decoded = cost_of[t].decoded;
      d.bytes = cost_of[t].bytes;
      d.skipped = cost_of[t].skipped;
      d.ms = std::chrono::duration<double, std::milli>(Clock::now() - last_delivery).count();
      auto r = on_frame(t, frame, d);
      last_delivery = Clock::now();
      if (!r.ok()) return r.error();
      delivered_[t] = 1;
      --remaining;
    }
    wanted_at.erase(it);
    return remaining > 0;  // every target out: stop, the rest of the pass is not needed
  };
  Status st = Ok{};
  bool ran_out = true;  // every packet sent without the callback stopping: drain
  for (const uint32_t i : packets) {
    if (stop_.load(std::memory_order_relaxed)) {  // another pass failed: its error is the one returned
      ran_out = false;
      break;
    }
    auto more = feed.send(i, on_decoded);
    if (!more.ok()) st = more.error();
    if (!more.ok() || !*more) {
      ran_out = false;
      break;
    }
  }
  if (ran_out)
    if (auto more = feed.finish(on_decoded); !more.ok()) st = more.error();
  decoder.reset();  // the next pass may start at any sync sample
  const size_t total = sent();
  stats.decoded += static_cast<int64_t>(total);
  stats.bytes += bytes_before[total];
  stats.skipped += static_cast<int64_t>(skipped_before[total]);
  if (releaser && source.is_mapped() && total > 0) {
    // The pass is over and the decoder holds none of its packets: give back what is left
    // of its bytes (the releaser keeps the last kReleaseLag packets while it runs).
    uint64_t lo = UINT64_MAX, hi = 0;
    for (size_t k = 0; k < total; ++k) {
      const Packet& p = packets_[packets[k]];
      lo = std::min(lo, p.pos);
      hi = std::max(hi, p.pos + p.size);
    }
    lo &= ~uint64_t(4095);
    if (hi > lo) source.advise(Access::kDontNeed, lo, hi - lo);
  }
  return st;
}

Status SeekRunner::run_pass(Decoder& decoder, SeekRunStats& stats, size_t pi, size_t position, const OnFrame& on_frame) {
  const SeekPass& pass = plan_.passes[pi];
  MP4KIT_TRY(attempt(decoder, stats, static_cast<int32_t>(position), pass.start_packet, pass.last_packet, pass.skip,
                     pass.targets, 0, on_frame));
  std::vector<size_t> missing;
  const auto collect = [&] {
    missing.clear();
    for (size_t t : pass.targets)
      if (!delivered_[t]) missing.push_back(t);
  };
  const auto stopped = [&] { return stop_.load(std::memory_order_relaxed); };  // cut short, not failed
  if (stopped()) return Ok{};
  collect();
  const bool skipped_any = pass.skipped > 0 && !options_.no_fallback;
  if (!missing.empty() && skipped_any) {
    uint32_t last = pass.start_packet;
    for (size_t t : missing) last = std::max(last, plan_.targets[t].packet);
    MP4KIT_TRY(attempt(decoder, stats, next_fallback_id_++, pass.start_packet, last, {}, missing, 1, on_frame));
    if (stopped()) return Ok{};
    collect();
  }
  if (!missing.empty() && pass.start_packet > 0 && !options_.no_fallback) {
    uint32_t last = 0;
    for (size_t t : missing) last = std::max(last, plan_.targets[t].packet);
    MP4KIT_TRY(attempt(decoder, stats, next_fallback_id_++, 0, last, {}, missing, 2, on_frame));
    if (stopped()) return Ok{};
    collect();
  }
  if (!missing.empty() && options_.no_fallback) {
    const SeekTarget& t = plan_.targets[missing.front()];
    return make_error(ErrorCode::kMalformed, "", packets_[t.packet].pos,
                      "frame " + std::to_string(t.frame) + " (sync sample at packet " + std::to_string(t.packet) +
                          ") was not output by the decoder when decoded without the packets between sync samples");
  }
  if (!missing.empty()) {
    const SeekTarget& t = plan_.targets[missing.front()];
    return make_error(ErrorCode::kMalformed, "", packets_[t.packet].pos,
                      "frame " + std::to_string(t.frame) + " (packet " + std::to_string(t.packet) + ", pts " +
                          std::to_string(packets_[t.packet].pts) +
                          ") was not output by the decoder, even decoding from the first packet (damaged stream?)");
  }
  return Ok{};
}

Status SeekRunner::run(const OnFrame& on_frame) {
  // Passes in the order of their first requested target.
  std::vector<size_t> order(plan_.passes.size());
  std::vector<size_t> first_request(plan_.passes.size(), SIZE_MAX);
  for (size_t t = 0; t < plan_.targets.size(); ++t)
    first_request[plan_.targets[t].pass] = std::min(first_request[plan_.targets[t].pass], t);
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return first_request[a] < first_request[b]; });

  if (decoders_.size() > 1 && order.size() > 1) return run_parallel(order, on_frame);
  for (size_t q = 0; q < order.size(); ++q) MP4KIT_TRY(run_pass(*decoders_.front(), stats_, order[q], q, on_frame));
  return Ok{};
}

Status SeekRunner::run_parallel(const std::vector<size_t>& order, const OnFrame& on_frame) {
  const size_t workers = std::min(decoders_.size(), order.size());
  const size_t window = 2 * workers;  // passes taken at most past the oldest unfinished one
  std::mutex m;
  std::condition_variable cv;
  size_t next = 0, oldest = 0;
  std::vector<uint8_t> finished(order.size(), 0);
  std::vector<std::optional<Error>> failed(order.size());
  std::vector<SeekRunStats> stats(workers);
  std::mutex callback_mutex;
  const OnFrame serialised = [&](size_t t, const Frame& frame, const SeekDelivery& how) -> Status {
    std::lock_guard<std::mutex> lock(callback_mutex);
    return on_frame(t, frame, how);
  };
  const auto work = [&](size_t w) {
    for (;;) {
      size_t q;
      {
        std::unique_lock<std::mutex> lock(m);
        cv.wait(lock, [&] { return stop_.load() || next >= order.size() || next < oldest + window; });
        if (stop_.load() || next >= order.size()) return;
        q = next++;
      }
      Status st = run_pass(*decoders_[w], stats[w], order[q], q, serialised);
      std::lock_guard<std::mutex> lock(m);
      finished[q] = 1;
      if (!st.ok()) {
        failed[q] = st.error();
        stop_.store(true);
      }
      while (oldest < order.size() && finished[oldest]) ++oldest;
      cv.notify_all();
    }
  };
  std::vector<std::thread> threads;
  threads.reserve(workers - 1);
  for (size_t w = 1; w < workers; ++w) {
    try {
      threads.emplace_back(work, w);
    } catch (const std::system_error&) {
      break;  // no more threads: the ones started (and this one) take every pass
    }
  }
  work(0);
  for (std::thread& t : threads) t.join();
  for (const SeekRunStats& s : stats) {
    stats_.passes += s.passes;
    stats_.fallbacks += s.fallbacks;
    stats_.decoded += s.decoded;
    stats_.skipped += s.skipped;
    stats_.bytes += s.bytes;
  }
  for (const std::optional<Error>& e : failed)
    if (e) return *e;
  return Ok{};
}

Result<VerifyResult> verify_linear(Decoder& fresh, const Demuxer& demuxer, std::span<const Packet> packets,
                                   const PresentationIndex& index, const std::vector<uint64_t>& target_frames,
                                   const std::vector<std::string>& seek_md5) {
  VerifyResult v;
  v.linear_md5.assign(target_frames.size(), "");
  std::unordered_map<uint64_t, std::vector<size_t>> targets_at;
  for (size_t i = 0; i < target_frames.size(); ++i) targets_at[target_frames[i]].push_back(i);
  std::vector<bool> shown(packets.size(), false);
  std::string detail;
  const auto note = [&](const std::string& s) {
    if (detail.size() < 600) detail += (detail.empty() ? "" : "; ") + s;
  };
  uint64_t n = 0;
  const FrameCallback on_frame = [&](Frame& frame) -> Result<bool> {
    const mp4kit_frame_info info = frame.info();
    const int64_t packet = packet_of(info, packets.size());
    if (n < index.frame_count() && packet >= 0 && static_cast<uint32_t>(packet) != index.packet_of(n)) {
      if (v.numbering_mismatches++ == 0)
        note("output frame " + std::to_string(n) + " came from packet " + std::to_string(packet) + ", the index expects packet " +
             std::to_string(index.packet_of(n)));
    }
    if (packet >= 0) {
      shown[static_cast<size_t>(packet)] = true;
      if (packets[static_cast<size_t>(packet)].key) {
        ++v.sync_checked;
        if (!info.key_frame && info.pict_type != 'I') {
          if (v.sync_not_key++ < 3)
            note("sync sample at packet " + std::to_string(packet) + " decodes as a " + std::string(1, info.pict_type) +
                 " picture, not a keyframe");
        }
      }
    }
    if (auto it = targets_at.find(n); it != targets_at.end()) {
      auto md5 = frame.packed_md5();
      if (!md5.ok()) return md5.error();
      for (size_t i : it->second) v.linear_md5[i] = md5->md5;
    }
    ++n;
    return true;
  };
  PacketFeed feed(fresh, demuxer, packets, nullptr, /*strict=*/false);
  for (uint32_t i = 0; i < packets.size(); ++i)
    if (auto more = feed.send(i, on_frame); !more.ok()) return more.error();
  if (auto more = feed.finish(on_frame); !more.ok()) return more.error();
  fresh.reset();
  v.linear_frames = static_cast<int64_t>(n);
  for (uint32_t i = 0; i < packets.size(); ++i)
    if (packets[i].key && !shown[i]) ++v.sync_hidden;
  for (size_t i = 0; i < target_frames.size(); ++i) {
    ++v.frames;
    if (v.linear_md5[i].empty() || v.linear_md5[i] != seek_md5[i]) {
      if (v.mismatches++ < 3)
        note("frame " + std::to_string(target_frames[i]) + ": seek md5 " + (seek_md5[i].empty() ? "-" : seek_md5[i]) +
             ", linear decode md5 " + (v.linear_md5[i].empty() ? "(not output)" : v.linear_md5[i]));
    }
  }
  v.detail = detail;
  return v;
}

}  // namespace mp4kit::pipeline
