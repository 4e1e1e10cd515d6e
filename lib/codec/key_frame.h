// The key-frame flag FFmpeg's parsers derive from a packet's first bytes. ffprobe's K flag
// for H.264, VP9 and AV1 streams in MP4 is the parser's, not stss's (libavformat/demux.c
// parse_packet: out_pkt->flags gets AV_PKT_FLAG_KEY from AVCodecParserContext::key_frame);
// for HEVC it stays stss's.
//
// Sources: FFmpeg 5.1 libavcodec/h264_parser.c parse_nal_units (key = an IDR slice, or a
// slice preceded by a recovery point SEI; the walk stops at the first slice and at a NAL
// length that runs past the packet), vp9_parser.c parse (VP9 bitstream § 6.2
// uncompressed_header: frame_marker, profile, show_existing_frame, frame_type),
// av1_parser.c (AV1 § 5.3 OBU header, § 5.5 sequence_header_obu, § 5.9 frame header:
// frame_type of the first frame header; a reduced still-picture header is always a key
// frame); ITU-T H.264 § 7.3.2.3 / D.1.8 (SEI messages, recovery point payloadType 6).
//
// Plain bytes in, plain values out: never reads past `size`. Thread rules: pure functions.
#pragma once

#include <cstdint>
#include <optional>

namespace mp4kit::codec {

/// h264_parser.c's key_frame for one length-prefixed AVC sample (`nal_length_size` 1..4
/// from avcC) of `sample_size` bytes, of which the first `available` are in `data`: true
/// when an IDR slice NAL unit (type 5) is met, or a coded slice after an SEI with a recovery
/// point message, before the walk ends at the first slice; false when the walk ends without
/// (another slice first, a NAL length running past the sample: a sample cut short).
/// nullopt when the answer lies past the bytes at hand (`available` < `sample_size`).
std::optional<bool> h264_parser_key_frame(const uint8_t* data, uint64_t available, uint64_t sample_size,
                                          unsigned nal_length_size);

/// vp9_parser.c's key_frame: the uncompressed header's frame_type (0 = KEY_FRAME) unless
/// show_existing_frame is set; nullopt when the parser sets nothing (empty packet, or a
/// profile above 3), leaving the container's flag.
std::optional<bool> vp9_parser_key_frame(const uint8_t* data, uint64_t size);

/// av1_parser.c's key_frame for one temporal unit (low-overhead OBUs with size fields, as
/// ISOBMFF stores them): frame_type of the first frame header (KEY_FRAME = 0), true when
/// the sequence header (in-band, else `config_obus`: av1C's configOBUs) has
/// reduced_still_picture_header. nullopt when no frame header is found or it shows an
/// existing frame (whose type lives in decoder state), leaving the container's flag.
std::optional<bool> av1_parser_key_frame(const uint8_t* data, uint64_t size, const uint8_t* config_obus,
                                         uint64_t config_size);

}  // namespace mp4kit::codec
