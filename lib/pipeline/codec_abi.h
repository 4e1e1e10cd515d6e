// mp4kit::CodecParameters (include/mp4kit/demuxer.h) as the decode ABI's
// mp4kit_codec_parameters (include/mp4kit/decode_abi.h).
#pragma once

#include "mp4kit/decode_abi.h"
#include "mp4kit/demuxer.h"

namespace mp4kit::pipeline {

/// The fields of `codec` in ABI form. The result points into `codec` (codec_name,
/// extradata): `codec` must outlive it. The media type of a stream that is neither video
/// nor audio is passed on as -1 (the module refuses it).
mp4kit_codec_parameters abi_codec_parameters(const CodecParameters& codec);

}  // namespace mp4kit::pipeline
