// The demuxer facade (include/mp4kit/demuxer.h) over lib/mp4's parser, sample tables and
// timelines.
#include "mp4kit/demuxer.h"

namespace mp4kit {

const char* media_type_name(MediaType type) {
  switch (type) {
    case MediaType::kVideo: return "video";
    case MediaType::kAudio: return "audio";
    case MediaType::kSubtitle: return "subtitle";
    case MediaType::kData: return "data";
    case MediaType::kUnknown: break;
  }
  return "unknown";
}

}  // namespace mp4kit
