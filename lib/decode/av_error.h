// FFmpeg's text for an AVERROR code ("Invalid data found when processing input").
#pragma once

extern "C" {
#include <libavutil/error.h>
}

#include <string>

namespace mp4kit::decode {

inline std::string av_error_string(int err) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {};  // av_strerror's own bound
  av_strerror(err, buf, sizeof buf);
  return buf;
}

}  // namespace mp4kit::decode
