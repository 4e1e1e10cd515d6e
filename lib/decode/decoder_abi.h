// The decoder and frame functions of the module's table (include/mp4kit/decode_abi.h),
// over decoder.h. The table itself is assembled in lib/output/module_entry.cpp, the
// module's top layer, which adds the sink functions.
#pragma once

extern "C" {
#include <libavutil/frame.h>
}

#include "mp4kit/decode_abi.h"

namespace mp4kit::decode {

/// Sets library_versions, error_clear and every decoder_* and frame_* entry of `api`.
void fill_decoder_functions(mp4kit_decode_api& api);

/// The AVFrame behind a frame handed out by decoder_receive (an mp4kit_frame *is* an
/// AVFrame the caller owns; the cast is the whole conversion).
inline const AVFrame* av_frame_of(const mp4kit_frame* frame) { return reinterpret_cast<const AVFrame*>(frame); }
inline mp4kit_frame* frame_of(AVFrame* frame) { return reinterpret_cast<mp4kit_frame*>(frame); }

}  // namespace mp4kit::decode
