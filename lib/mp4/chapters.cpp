#include "mp4/chapters.h"

namespace mp4kit {

void mark_chapter_tracks(Movie& movie) {
  const std::vector<uint32_t>* ids = nullptr;
  for (const Track& t : movie.tracks)
    if (!t.tref_chap.empty()) ids = &t.tref_chap;
  if (!ids) return;
  const std::vector<uint32_t> chapter_ids = *ids;  // the tracks are written below
  for (uint32_t id : chapter_ids)
    for (Track& t : movie.tracks)
      if (t.tkhd.track_id == id) {
        t.chapter_track = true;
        break;
      }
}

void apply_chapter_packets(const Track& track, const CodecInfo& codec, StreamTimeline& tl) {
  if (!track.chapter_track) return;
  if (codec.type != MediaType::kVideo) {
    tl.packets.clear();
    return;
  }
  if (!tl.packets.empty()) tl.packets.insert(tl.packets.begin(), tl.packets.front());
}

}  // namespace mp4kit
