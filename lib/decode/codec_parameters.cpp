#include "decode/codec_parameters.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/channel_layout.h>
#include <libavutil/mem.h>
}

#include <cstddef>
#include <cstring>
#include <string>

namespace mp4kit::decode {

Result<CodecParametersPtr> to_av_codec_parameters(const mp4kit_codec_parameters& c) {
  // Minor 2 appended the colour fields: a shorter struct from an older caller leaves them unset.
  constexpr size_t kMinor0Size = offsetof(mp4kit_codec_parameters, color_range);
  if (c.struct_size < kMinor0Size)
    return make_error(ErrorCode::kUsage, "", 0,
                      "mp4kit_codec_parameters.struct_size is " + std::to_string(c.struct_size) + ", this module needs at least " +
                          std::to_string(kMinor0Size));
  const bool has_colour = c.struct_size >= offsetof(mp4kit_codec_parameters, colorspace) + sizeof c.colorspace;
  if (!c.codec_name) return make_error(ErrorCode::kUsage, "", 0, "mp4kit_codec_parameters.codec_name is null");
  if (c.media_type != MP4KIT_MEDIA_VIDEO && c.media_type != MP4KIT_MEDIA_AUDIO)
    return make_error(ErrorCode::kUsage, "", 0, "media type " + std::to_string(c.media_type) + " is neither video nor audio");
  const AVCodecDescriptor* desc = avcodec_descriptor_get_by_name(c.codec_name);
  if (!desc) return make_error(ErrorCode::kMalformed, "", 0, std::string("this libavcodec does not know codec '") + c.codec_name + "'");
  CodecParametersPtr par(avcodec_parameters_alloc());
  if (!par) return make_error(ErrorCode::kInternal, "", 0, "out of memory allocating AVCodecParameters");
  AVCodecParameters* p = par.get();
  p->codec_id = desc->id;
  p->codec_tag = c.codec_tag;
  if (c.media_type == MP4KIT_MEDIA_VIDEO) {
    p->codec_type = AVMEDIA_TYPE_VIDEO;
    p->width = c.width;
    p->height = c.height;
    p->bits_per_coded_sample = c.bits_per_coded_sample;
    if (c.sar_num > 0 && c.sar_den > 0) p->sample_aspect_ratio = AVRational{c.sar_num, c.sar_den};
    // mov_read_colr's codecpar fields; avcodec_parameters_to_context hands them to the
    // decoder, which keeps them where the bitstream has no colour description.
    if (has_colour) {
      if (c.color_range >= 0 && c.color_range < AVCOL_RANGE_NB) p->color_range = static_cast<AVColorRange>(c.color_range);
      if (c.color_primaries >= 0 && c.color_primaries < AVCOL_PRI_NB)
        p->color_primaries = static_cast<AVColorPrimaries>(c.color_primaries);
      if (c.color_trc >= 0 && c.color_trc < AVCOL_TRC_NB) p->color_trc = static_cast<AVColorTransferCharacteristic>(c.color_trc);
      if (c.colorspace >= 0 && c.colorspace < AVCOL_SPC_NB) p->color_space = static_cast<AVColorSpace>(c.colorspace);
    }
  } else {
    p->codec_type = AVMEDIA_TYPE_AUDIO;
    p->sample_rate = c.sample_rate;
    // mov leaves the layout unspecified unless a 'chan' box says more; decoders set their own.
    av_channel_layout_uninit(&p->ch_layout);
    p->ch_layout.order = AV_CHANNEL_ORDER_UNSPEC;
    p->ch_layout.nb_channels = c.channels;
    // PCM: the sample size is the codec's (mov_parse_stsd_audio); others keep the entry's.
    if (const int bits = av_get_bits_per_sample(desc->id)) {
      p->bits_per_coded_sample = bits;
      p->block_align = bits / 8 * c.channels;
    } else {
      p->bits_per_coded_sample = c.bits_per_coded_sample;
      p->block_align = c.block_align;  // ADPCM/GSM in QuickTime v1 entries
    }
    p->initial_padding = c.initial_padding;
    p->seek_preroll = c.seek_preroll;
  }
  if (c.extradata_size > 0) {
    if (!c.extradata) return make_error(ErrorCode::kUsage, "", 0, "extradata_size is set but extradata is null");
    if (c.extradata_size > (1u << 30))
      return make_error(ErrorCode::kMalformed, "", 0, "extradata of " + std::to_string(c.extradata_size) + " bytes is too large");
    p->extradata = static_cast<uint8_t*>(av_mallocz(size_t(c.extradata_size) + AV_INPUT_BUFFER_PADDING_SIZE));
    if (!p->extradata) return make_error(ErrorCode::kInternal, "", 0, "out of memory copying the extradata");
    std::memcpy(p->extradata, c.extradata, c.extradata_size);
    p->extradata_size = static_cast<int>(c.extradata_size);
  }
  return par;
}

}  // namespace mp4kit::decode
