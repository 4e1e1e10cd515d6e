#include "mp4/codec_params.h"

#include <cstring>
#include <string>

#include "mp4/box_reader.h"
#include "mp4/codec_config.h"
#include "mp4/fourcc.h"

namespace mp4kit {
namespace {

Error config_error(const Track& track, const SampleEntry& entry, const std::string& message) {
  return make_error(ErrorCode::kMalformed,
                    "moov/trak[" + std::to_string(track.index) + "]/mdia/minf/stbl/stsd/" + fourcc_to_string(entry.format),
                    entry.offset, message);
}

void put_le16(uint8_t* p, uint16_t v) { p[0] = uint8_t(v), p[1] = uint8_t(v >> 8); }
void put_le32(uint8_t* p, uint32_t v) { put_le16(p, uint16_t(v)), put_le16(p + 2, uint16_t(v >> 16)); }
void put_be32(uint8_t* p, uint32_t v) { p[0] = uint8_t(v >> 24), p[1] = uint8_t(v >> 16), p[2] = uint8_t(v >> 8), p[3] = uint8_t(v); }

std::vector<uint8_t> bytes_of(const ByteSpan& s, uint64_t skip = 0) {
  return std::vector<uint8_t>(s.data + skip, s.data + s.size);
}

// OpusSpecificBox (big-endian) -> Ogg OpusHead (little-endian), RFC 7845 § 5.1.
Status opus_head(const Track& track, const SampleEntry& entry, CodecParameters& p) {
  const ByteSpan& d = entry.dOps;
  if (d.size < 11) return config_error(track, entry, "dOps has " + std::to_string(d.size) + " bytes, needs at least 11");
  if (d.data[0] != 0) return config_error(track, entry, "dOps version " + std::to_string(d.data[0]) + " is not 0");
  std::vector<uint8_t> x(d.size + 8);
  std::memcpy(x.data(), "OpusHead", 8);
  x[8] = 1;  // OpusHead version
  std::memcpy(x.data() + 9, d.data + 1, d.size - 1);
  const uint16_t pre_skip = load_be16(x.data() + 10);
  put_le16(x.data() + 10, pre_skip);
  put_le32(x.data() + 12, load_be32(x.data() + 12));  // input sample rate
  put_le16(x.data() + 16, load_be16(x.data() + 16));  // output gain
  p.extradata = std::move(x);
  p.initial_padding = pre_skip;
  p.seek_preroll = 3840;  // 80 ms at 48 kHz, as mov_read_dops
  return Ok{};
}

// dfLa: FullBox header (4), METADATA_BLOCK_HEADER (4), STREAMINFO (34).
Status flac_streaminfo(const Track& track, const SampleEntry& entry, CodecParameters& p) {
  const ByteSpan& d = entry.dfLa;
  if (d.size < 4 + 4 + 34)
    return config_error(track, entry, "dfLa has " + std::to_string(d.size) + " bytes, needs at least 42 for STREAMINFO");
  const uint8_t block_type = d.data[4] & 0x7F;
  const uint32_t block_size = (uint32_t(d.data[5]) << 16) | (uint32_t(d.data[6]) << 8) | d.data[7];
  if (block_type != 0 || block_size != 34)
    return config_error(track, entry, "dfLa first metadata block is type " + std::to_string(block_type) + " size " +
                                          std::to_string(block_size) + ", expected STREAMINFO (0) of 34 bytes");
  p.extradata.assign(d.data + 8, d.data + 8 + 34);
  return Ok{};
}

// Extradata, as mov.c stores it for each configuration box.
Status set_extradata(const Track& track, const SampleEntry& entry, CodecParameters& p) {
  using namespace mp4kit::entry;
  const FourCC f = entry.codec_format();
  if (!entry.avcC.empty()) p.extradata = bytes_of(entry.avcC);
  else if (!entry.hvcC.empty()) p.extradata = bytes_of(entry.hvcC);
  else if (!entry.glbl.empty()) p.extradata = bytes_of(entry.glbl);
  else if (!entry.av1C.empty()) {
    // AV1CodecConfigurationRecord: 4 fixed bytes, then configOBUs (FFmpeg 5.1 keeps the OBUs only).
    if (entry.av1C.size < 4)
      return config_error(track, entry, "av1C has " + std::to_string(entry.av1C.size) + " bytes, needs at least 4");
    p.extradata = bytes_of(entry.av1C, 4);
  } else if (entry.es && !entry.es->decoder_specific_info.empty()) {
    p.extradata = bytes_of(entry.es->decoder_specific_info);
  } else if (f == Opus && !entry.dOps.empty()) {
    return opus_head(track, entry, p);
  } else if (f == fLaC && !entry.dfLa.empty()) {
    return flac_streaminfo(track, entry, p);
  } else if (f == alac && !entry.alac.empty()) {
    // mov_read_extradata keeps the box header: size, 'alac', then the FullBox payload.
    const ByteSpan& d = entry.alac;
    p.extradata.resize(d.size + 8);
    put_be32(p.extradata.data(), static_cast<uint32_t>(d.size + 8));
    std::memcpy(p.extradata.data() + 4, "alac", 4);
    std::memcpy(p.extradata.data() + 8, d.data, d.size);
  }
  if (p.extradata.size() > (1u << 30)) return config_error(track, entry, "extradata too large");
  return Ok{};
}

}  // namespace

Result<CodecParameters> make_codec_parameters(const Track& track, const SampleEntry& entry, const CodecInfo& info) {
  CodecParameters p;
  p.codec_name = info.codec_name;
  p.type = info.type;
  // The sample entry's own FourCC, as the decoder has always been given it (CodecInfo
  // reports a protected entry's original format instead, as ffprobe prints it).
  const FourCC f = entry.format;
  p.codec_tag = ((f & 0xFF) << 24) | (((f >> 8) & 0xFF) << 16) | (((f >> 16) & 0xFF) << 8) | (f >> 24);
  p.time_base = Rational{1, track.timescale ? track.timescale : 1};
  if (info.type == MediaType::kVideo) {
    p.width = entry.width;
    p.height = entry.height;
    p.bits_per_coded_sample = entry.depth;
    if (info.sar_num && info.sar_den) p.sar_num = int(info.sar_num), p.sar_den = int(info.sar_den);
    const ColrColour c = colour_from_colr(entry);
    p.color_range = c.range;
    p.color_primaries = static_cast<int>(c.primaries);
    p.color_trc = static_cast<int>(c.transfer);
    p.color_space = static_cast<int>(c.space);
  } else if (info.type == MediaType::kAudio) {
    p.sample_rate = static_cast<int>(info.sample_rate);
    p.channels = static_cast<int>(info.channels);
    // PCM codecs get bits_per_coded_sample/block_align from their codec id in the module
    // (av_get_bits_per_sample); QuickTime v1 ADPCM/GSM entries state bytes per frame.
    if (entry.sound_version == 1 && entry.qt_bytes_per_frame) p.block_align = static_cast<int>(entry.qt_bytes_per_frame);
  } else {
    return make_error(ErrorCode::kUsage, "", 0,
                      std::string("track is ") + (info.type == MediaType::kSubtitle ? "subtitle" : "data") + ", not audio or video");
  }
  MP4KIT_TRY(set_extradata(track, entry, p));
  return p;
}

CodecParameters picture_codec_parameters(const AttachedPicture& picture) {
  CodecParameters p;
  p.codec_name = picture.codec_name;
  p.type = MediaType::kVideo;
  p.width = static_cast<int>(picture.width);
  p.height = static_cast<int>(picture.height);
  p.time_base = Rational{1, 90000};
  return p;
}

}  // namespace mp4kit
