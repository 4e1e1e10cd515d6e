// AVCodecParameters built from mp4kit's own parse of a sample entry: what libavformat's
// mov demuxer would hand libavcodec, without libavformat.
//
// Source: FFmpeg 5.1 libavformat/mov.c — mov_read_glbl (avcC, hvcC, glbl: the box payload
// is the extradata), mov_read_av1c (only the configOBUs after the 4-byte
// AV1CodecConfigurationRecord header), mov_read_vpcc (colour fields, no extradata),
// ff_mp4_read_dec_config_descr (esds DecoderSpecificInfo), mov_read_dops (dOps rewritten
// into an Ogg "OpusHead"), mov_read_dfla (the 34-byte STREAMINFO), mov_read_dac3 /
// mov_read_dec3 (channel layout), mov_read_extradata for 'alac' (the whole box, header
// included); mov_parse_stsd_video/_audio for sizes, rates and bits per sample.
#pragma once

extern "C" {
#include <libavcodec/codec_par.h>
}

#include <memory>

#include "mp4/codec_info.h"
#include "mp4/movie.h"
#include "mp4kit/error.h"

namespace mp4kit::decode {

struct CodecParametersDeleter {
  void operator()(AVCodecParameters* p) const { avcodec_parameters_free(&p); }
};
using CodecParametersPtr = std::unique_ptr<AVCodecParameters, CodecParametersDeleter>;

/// Parameters for the decoder of `entry` (a sample entry of `track`), identified as `info`.
/// Owned by the caller; extradata is a copy (with AV_INPUT_BUFFER_PADDING_SIZE zero bytes),
/// so the result does not depend on the mapping. Errors: kMalformed when the codec is not
/// one libavcodec knows (message names the sample entry FourCC and codec name) or a
/// configuration box is too short for its fixed fields (message names the box and sizes).
Result<CodecParametersPtr> make_codec_parameters(const Track& track, const SampleEntry& entry, const CodecInfo& info);

}  // namespace mp4kit::decode
