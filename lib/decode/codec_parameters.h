// AVCodecParameters from the ABI's mp4kit_codec_parameters (include/mp4kit/decode_abi.h):
// what libavformat's mov demuxer would hand libavcodec. The container side (mp4kit's
// Demuxer) has already turned the sample entry into FFmpeg's terms (codec name, extradata
// as mov.c stores it); this adds only what needs libavcodec's tables: the codec id, and
// for PCM the sample size and block alignment (av_get_bits_per_sample, as
// mov_parse_stsd_audio).
#pragma once

extern "C" {
#include <libavcodec/codec_par.h>
}

#include <memory>

#include "mp4kit/decode_abi.h"
#include "mp4kit/error.h"

namespace mp4kit::decode {

struct CodecParametersDeleter {
  void operator()(AVCodecParameters* p) const { avcodec_parameters_free(&p); }
};
using CodecParametersPtr = std::unique_ptr<AVCodecParameters, CodecParametersDeleter>;

/// Owned by the caller; the extradata is copied (with AV_INPUT_BUFFER_PADDING_SIZE zero
/// bytes), so the result does not point into `codec`. Errors: kUsage for a null codec
/// name, an unknown media type or a struct_size too small; kMalformed when this libavcodec
/// does not know the codec name (the message names it); kInternal out of memory.
Result<CodecParametersPtr> to_av_codec_parameters(const mp4kit_codec_parameters& codec);

}  // namespace mp4kit::decode
