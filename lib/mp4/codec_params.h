// The decoder's parameters for a track (mp4kit::CodecParameters, include/mp4kit/demuxer.h)
// from its sample entry: the AVCodecParameters fields FFmpeg 5.1's mov demuxer fills
// (libavformat/mov.c: mov_read_stsd, mov_read_glbl, mov_read_extradata, mov_read_dops,
// mov_read_dfla, ff_mp4_read_dec_config_descr). No FFmpeg call: the decode module maps
// codec_name to libavcodec's codec id.
#pragma once

#include "mp4/codec_info.h"
#include "mp4/movie.h"
#include "mp4kit/demuxer.h"

namespace mp4kit {

/// Errors: kMalformed naming the stsd entry for a configuration box too short or of the
/// wrong kind; kUsage when the track is neither audio nor video.
Result<CodecParameters> make_codec_parameters(const Track& track, const SampleEntry& entry, const CodecInfo& info);

/// An attached picture as FFmpeg's mov demuxer gives it: video, time base 1/90000.
CodecParameters picture_codec_parameters(const AttachedPicture& picture);

}  // namespace mp4kit
