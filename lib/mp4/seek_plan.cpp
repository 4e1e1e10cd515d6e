#include "mp4/seek_plan.h"

#include <algorithm>
#include <map>

#include "codec/nal.h"
#include "codec/picture_coding.h"
#include "mp4/codec_info.h"

namespace mp4kit {

PresentationIndex PresentationIndex::build(const StreamTimeline& tl) {
  PresentationIndex idx;
  idx.order_.reserve(tl.packets.size());
  for (uint32_t i = 0; i < tl.packets.size(); ++i)
    if (!tl.packets[i].discard) idx.order_.push_back(i);
  std::stable_sort(idx.order_.begin(), idx.order_.end(),
                   [&](uint32_t a, uint32_t b) { return tl.packets[a].pts < tl.packets[b].pts; });
  return idx;
}

std::optional<uint64_t> PresentationIndex::frame_at_pts(const StreamTimeline& tl, int64_t pts) const {
  auto it = std::upper_bound(order_.begin(), order_.end(), pts,
                             [&](int64_t v, uint32_t p) { return v < tl.packets[p].pts; });
  if (it == order_.begin()) return std::nullopt;
  return static_cast<uint64_t>(it - order_.begin()) - 1;
}

// The NAL facts live in lib/codec; this wrapper only picks the codec and the configuration
// record of the sample description.
Disposability sample_disposability(const SampleEntry& e, const uint8_t* data, uint64_t size, uint8_t sdtp) {
  // sdtp / trun sample_is_depended_on (§ 8.6.4.3): 2 = no other sample depends on this one.
  if (((sdtp >> 2) & 3) == 2) return Disposability::kDisposable;
  const FourCC f = e.codec_format();
  codec::SliceReference ref = codec::SliceReference::kNoSlices;
  if ((f == entry::avc1 || f == entry::avc3) && e.avcC.size >= 5) {
    ref = codec::h264_slice_reference(data, size, codec::avc_nal_length_size(e.avcC.data, e.avcC.size));
  } else if (f == entry::hvc1 || f == entry::hev1) {
    const auto hvcc = codec::hevc_config_facts(e.hvcC.data, e.hvcC.size);
    // SLNR pictures may feed higher sub-layers: only a single-layer stream can skip them.
    if (hvcc && hvcc->num_temporal_layers == 1) ref = codec::hevc_slice_reference(data, size, hvcc->nal_length_size);
  }
  switch (ref) {
    case codec::SliceReference::kReference: return Disposability::kReference;
    case codec::SliceReference::kNonReference: return Disposability::kDisposable;
    case codec::SliceReference::kNoSlices: break;
  }
  return Disposability::kUnknown;
}

// Whether packet `q` (a sync sample) holds an intra picture, from its first bytes: H.263,
// MPEG-4 Part 2 and H.264 (lib/codec/picture_coding.h); kUnknown for other codecs, which
// are trusted as the container says.
Result<codec::PictureCoding> sync_sample_coding(const ByteSource& source, const Track& track, const std::string& codec,
                                                const Packet& q) {
  const bool h264 = codec == "h264";
  if (!h264 && codec != "h263" && codec != "mpeg4") return codec::PictureCoding::kUnknown;
  if (q.pos >= source.size()) return codec::PictureCoding::kUnknown;
  const SampleEntry* e = q.sample_description_index >= 1 && q.sample_description_index <= track.sample_entries.size()
                             ? &track.sample_entries[q.sample_description_index - 1]
                             : nullptr;
  if (h264 && (!e || e->avcC.size < 5)) return codec::PictureCoding::kUnknown;  // Annex B or no config: not length-prefixed
  // Picture headers sit at the start (after parameter sets / VOL headers): a prefix is enough
  // for H.263 and MPEG-4; H.264 walks the NAL lengths of the whole sample.
  const uint64_t n = std::min<uint64_t>(h264 ? q.size : std::min<uint32_t>(q.size, 4096), source.size() - q.pos);
  auto bytes = source.read(q.pos, n);
  if (!bytes.ok()) return bytes.error();
  if (codec == "h263") return codec::h263_picture_coding(bytes->data(), bytes->size());
  if (codec == "mpeg4") return codec::mpeg4_part2_picture_coding(bytes->data(), bytes->size());
  return codec::h264_picture_coding(bytes->data(), bytes->size(), codec::avc_nal_length_size(e->avcC.data, e->avcC.size));
}

Result<SeekPlan> plan_seek(const Movie& movie, const Track& track, const StreamTimeline& tl, const PresentationIndex& index,
                           const std::vector<uint64_t>& frames, const SeekPlanOptions& options) {
  SeekPlan plan;
  const auto& pk = tl.packets;
  // Sync samples in decode order.
  std::vector<uint32_t> keys;
  for (uint32_t i = 0; i < pk.size(); ++i)
    if (pk[i].key) keys.push_back(i);
  std::map<uint32_t, size_t> pass_of_start;
  // A sync sample whose picture is predicted cannot start a pass: the start falls back to
  // an earlier sync sample (or the first packet). Verdicts are read once per sync sample.
  const std::string codec = codec_info_of(track).codec_name;
  std::map<uint32_t, bool> is_inter;
  const auto predicted = [&](uint32_t packet) -> Result<bool> {
    auto it = is_inter.find(packet);
    if (it != is_inter.end()) return it->second;
    auto coding = sync_sample_coding(*movie.source, track, codec, pk[packet]);
    if (!coding.ok()) return coding.error();
    return is_inter[packet] = *coding == codec::PictureCoding::kInter;
  };
  for (uint64_t f : frames) {
    if (f >= index.frame_count()) {
      return make_error(ErrorCode::kUsage, "", 0,
                        "frame " + std::to_string(f) + " is out of range: valid frames are 0.." +
                            (index.frame_count() ? std::to_string(index.frame_count() - 1) : std::string("(none)")));
    }
    SeekTarget t;
    t.frame = f;
    t.packet = index.packet_of(f);
    if (options.sync_only) {  // decoded alone, from its own packet
      if (!pk[t.packet].key)
        return make_error(ErrorCode::kUsage, "", 0, "frame " + std::to_string(f) + " is not a sync sample (keyframe)");
      t.start_packet = t.packet;
      plan.targets.push_back(t);
      continue;
    }
    // Last sync sample at or before the target in decode order (packet 0 if none).
    auto it = std::upper_bound(keys.begin(), keys.end(), t.packet);
    size_t k = it == keys.begin() ? SIZE_MAX : static_cast<size_t>(it - keys.begin()) - 1;
    // Leading picture of that sync sample: start one sync sample earlier.
    if (k != SIZE_MAX && pk[t.packet].pts < pk[keys[k]].pts && k > 0) --k;
    while (k != SIZE_MAX) {
      auto inter = predicted(keys[k]);
      if (!inter.ok()) return inter.error();
      if (!*inter) break;
      k = k == 0 ? SIZE_MAX : k - 1;
    }
    t.start_packet = k == SIZE_MAX ? 0 : keys[k];
    plan.targets.push_back(t);
  }
  // Group by start packet; passes in file order. sync_only: one pass from the first target.
  std::vector<uint32_t> starts;
  for (const SeekTarget& t : plan.targets) starts.push_back(t.start_packet);
  if (options.sync_only && !starts.empty()) starts.assign(1, *std::min_element(starts.begin(), starts.end()));
  std::sort(starts.begin(), starts.end());
  starts.erase(std::unique(starts.begin(), starts.end()), starts.end());
  for (uint32_t s : starts) {
    pass_of_start[s] = plan.passes.size();
    SeekPass p;
    p.start_packet = p.last_packet = s;
    plan.passes.push_back(p);
  }
  for (size_t i = 0; i < plan.targets.size(); ++i) {
    SeekTarget& t = plan.targets[i];
    t.pass = options.sync_only ? 0 : pass_of_start[t.start_packet];
    SeekPass& p = plan.passes[t.pass];
    p.targets.push_back(i);
    p.last_packet = std::max(p.last_packet, t.packet);
  }
  const SampleEntry* entry = track.sample_entries.empty() ? nullptr : &track.sample_entries.front();
  const ByteSource& source = *movie.source;
  const uint64_t file_size = source.size();
  for (SeekPass& p : plan.passes) {
    std::sort(p.targets.begin(), p.targets.end(),
              [&](size_t a, size_t b) { return plan.targets[a].packet < plan.targets[b].packet; });
    std::vector<bool> is_target(p.last_packet - p.start_packet + 1, false);
    for (size_t ti : p.targets) is_target[plan.targets[ti].packet - p.start_packet] = true;
    p.skip.assign(is_target.size(), false);
    for (uint32_t i = p.start_packet; i <= p.last_packet; ++i) {
      const Packet& q = pk[i];
      bool skip = options.sync_only && !is_target[i - p.start_packet];
      if (!options.sync_only && options.skip_non_reference && entry && i != p.start_packet && !is_target[i - p.start_packet] &&
          q.pos < file_size) {
        uint64_t n = std::min<uint64_t>(q.size, file_size - q.pos);
        // Only the sample description the packet uses knows its NAL length size.
        const SampleEntry* e = q.sample_description_index >= 1 && q.sample_description_index <= track.sample_entries.size()
                                   ? &track.sample_entries[q.sample_description_index - 1]
                                   : entry;
        uint8_t sdtp = 0;
        if (q.sample_index < track.stbl.sdtp.size) sdtp = track.stbl.sdtp.data[q.sample_index];
        // The sample's bytes as far as the file has them: the NAL walk looks at every NAL
        // header of the sample (a view, for a mapped source).
        auto bytes = source.read(q.pos, n);
        if (!bytes.ok()) return bytes.error();
        skip = sample_disposability(*e, bytes->data(), bytes->size(), sdtp) == Disposability::kDisposable;
      }
      p.skip[i - p.start_packet] = skip;
      if (skip) {
        ++p.skipped;
      } else {
        ++p.decoded;
        p.bytes += q.size;
      }
    }
  }
  return plan;
}

}  // namespace mp4kit
