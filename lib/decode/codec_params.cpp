#include "decode/codec_params.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/channel_layout.h>
#include <libavutil/intreadwrite.h>
#include <libavutil/mem.h>
}

#include <cstring>
#include <string>

#include "mp4/fourcc.h"

namespace mp4kit::decode {
namespace {

Error config_error(const Track& track, const SampleEntry& entry, const std::string& message) {
  return make_error(ErrorCode::kMalformed, "moov/trak[" + std::to_string(track.index) + "]/mdia/minf/stbl/stsd/" +
                                               fourcc_to_string(entry.format),
                    entry.offset, message);
}

// Replaces the extradata with `size` bytes from `data` (+ zeroed padding).
bool set_extradata(AVCodecParameters* par, const uint8_t* data, size_t size) {
  av_freep(&par->extradata);
  par->extradata_size = 0;
  if (size == 0) return true;
  if (size > (1u << 30)) return false;
  par->extradata = static_cast<uint8_t*>(av_mallocz(size + AV_INPUT_BUFFER_PADDING_SIZE));
  if (!par->extradata) return false;
  if (data) std::memcpy(par->extradata, data, size);
  par->extradata_size = static_cast<int>(size);
  return true;
}

}  // namespace

Result<CodecParametersPtr> make_codec_parameters(const Track& track, const SampleEntry& entry, const CodecInfo& info) {
  const AVCodecDescriptor* desc = info.codec_name.empty() ? nullptr : avcodec_descriptor_get_by_name(info.codec_name.c_str());
  if (!desc) {
    return config_error(track, entry, "sample entry '" + fourcc_to_string(entry.format) + "' (codec '" + info.codec_name +
                                          "') has no libavcodec decoder");
  }
  CodecParametersPtr par(avcodec_parameters_alloc());
  if (!par) return make_error(ErrorCode::kInternal, "", 0, "out of memory allocating AVCodecParameters");
  AVCodecParameters* p = par.get();
  p->codec_id = desc->id;
  p->codec_tag = info.codec_tag;
  const FourCC f = entry.codec_format();
  using namespace mp4kit::entry;

  if (info.type == MediaType::kVideo) {
    p->codec_type = AVMEDIA_TYPE_VIDEO;
    p->width = entry.width;
    p->height = entry.height;
    p->bits_per_coded_sample = entry.depth;
    if (info.sar_num && info.sar_den) p->sample_aspect_ratio = AVRational{int(info.sar_num), int(info.sar_den)};
  } else if (info.type == MediaType::kAudio) {
    p->codec_type = AVMEDIA_TYPE_AUDIO;
    p->sample_rate = static_cast<int>(info.sample_rate);
    // mov leaves the layout unspecified unless a 'chan' box says more; decoders set their own.
    av_channel_layout_uninit(&p->ch_layout);
    p->ch_layout.order = AV_CHANNEL_ORDER_UNSPEC;
    p->ch_layout.nb_channels = static_cast<int>(info.channels);
    const int bits = av_get_bits_per_sample(desc->id);
    if (bits) {
      p->bits_per_coded_sample = bits;
      p->block_align = bits / 8 * static_cast<int>(info.channels);
    } else if (entry.sound_version == 1 && entry.qt_bytes_per_frame) {
      p->block_align = static_cast<int>(entry.qt_bytes_per_frame);  // ADPCM/GSM in QuickTime v1 entries
    }
  } else {
    return config_error(track, entry, "track is " + std::string(info.type == MediaType::kSubtitle ? "subtitle" : "data") +
                                          ", not audio or video");
  }

  // Extradata, as mov.c stores it for each configuration box.
  const ByteSpan* copy = nullptr;
  if (!entry.avcC.empty()) copy = &entry.avcC;
  else if (!entry.hvcC.empty()) copy = &entry.hvcC;
  else if (!entry.glbl.empty()) copy = &entry.glbl;
  if (copy) {
    if (!set_extradata(p, copy->data, copy->size)) return config_error(track, entry, "extradata too large");
  } else if (!entry.av1C.empty()) {
    // AV1CodecConfigurationRecord: 4 fixed bytes, then configOBUs (FFmpeg 5.1 keeps the OBUs only).
    if (entry.av1C.size < 4)
      return config_error(track, entry, "av1C has " + std::to_string(entry.av1C.size) + " bytes, needs at least 4");
    if (!set_extradata(p, entry.av1C.data + 4, entry.av1C.size - 4)) return config_error(track, entry, "extradata too large");
  } else if (entry.es && !entry.es->decoder_specific_info.empty()) {
    const ByteSpan& dsi = entry.es->decoder_specific_info;
    if (!set_extradata(p, dsi.data, dsi.size)) return config_error(track, entry, "extradata too large");
  } else if (f == Opus && !entry.dOps.empty()) {
    // OpusSpecificBox (big-endian) -> Ogg OpusHead (little-endian), RFC 7845 § 5.1.
    const ByteSpan& d = entry.dOps;
    if (d.size < 11) return config_error(track, entry, "dOps has " + std::to_string(d.size) + " bytes, needs at least 11");
    if (d.data[0] != 0) return config_error(track, entry, "dOps version " + std::to_string(d.data[0]) + " is not 0");
    const size_t size = d.size + 8;
    if (!set_extradata(p, nullptr, size)) return config_error(track, entry, "extradata too large");
    uint8_t* x = p->extradata;
    std::memcpy(x, "OpusHead", 8);
    x[8] = 1;  // OpusHead version
    std::memcpy(x + 9, d.data + 1, d.size - 1);
    const uint16_t pre_skip = AV_RB16(x + 10);
    AV_WL16(x + 10, pre_skip);
    AV_WL32(x + 12, AV_RB32(x + 12));  // input sample rate
    AV_WL16(x + 16, AV_RB16(x + 16));  // output gain
    p->initial_padding = pre_skip;
    p->seek_preroll = 3840;  // 80 ms at 48 kHz, as mov_read_dops
  } else if (f == fLaC && !entry.dfLa.empty()) {
    // FullBox header (4), METADATA_BLOCK_HEADER (4), STREAMINFO (34).
    const ByteSpan& d = entry.dfLa;
    if (d.size < 4 + 4 + 34)
      return config_error(track, entry, "dfLa has " + std::to_string(d.size) + " bytes, needs at least 42 for STREAMINFO");
    const uint8_t block_type = d.data[4] & 0x7F;
    const uint32_t block_size = AV_RB24(d.data + 5);
    if (block_type != 0 || block_size != 34)
      return config_error(track, entry, "dfLa first metadata block is type " + std::to_string(block_type) + " size " +
                                            std::to_string(block_size) + ", expected STREAMINFO (0) of 34 bytes");
    if (!set_extradata(p, d.data + 8, 34)) return config_error(track, entry, "extradata too large");
  } else if (f == alac && !entry.alac.empty()) {
    // mov_read_extradata keeps the box header: size, 'alac', then the FullBox payload.
    const ByteSpan& d = entry.alac;
    if (!set_extradata(p, nullptr, d.size + 8)) return config_error(track, entry, "extradata too large");
    AV_WB32(p->extradata, static_cast<uint32_t>(d.size + 8));
    std::memcpy(p->extradata + 4, "alac", 4);
    std::memcpy(p->extradata + 8, d.data, d.size);
  }
  return par;
}

}  // namespace mp4kit::decode
