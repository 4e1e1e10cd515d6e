// Sample table boxes (§ 8.6.1.2 stts, § 8.6.1.3 ctts, § 8.6.2 stss, § 8.6.4 sdtp,
// § 8.7.3 stsz/stz2, § 8.7.4 stsc, § 8.7.5 stco/co64). Each table is validated
// (entry_count x entry size against the bytes present) and kept as a view; nothing is
// copied or decoded here.
#include <algorithm>

#include "mp4/parse_internal.h"

namespace mp4kit::detail {
namespace {

// Reads FullBox header + entry_count, checks the table fits, returns the entries view.
Status counted_table(BoxReader& r, uint64_t entry_size, const char* name, ByteSpan& out, uint32_t& count,
                     uint8_t* version_out = nullptr) {
  MP4KIT_TRY(r.need(8, std::string(name) + " header"));
  uint8_t version;
  uint32_t flags;
  r.full_box(version, flags);
  if (version_out) *version_out = version;
  count = r.u32();
  MP4KIT_TRY(r.need_table(count, entry_size, "entry_count"));
  out = r.bytes(uint64_t(count) * entry_size);
  return Ok{};
}

}  // namespace

Status parse_stbl_child(const BoxHeader& h, BoxReader r, Track& t, ParseContext& ctx) {
  SampleTableBoxes& s = t.stbl;
  switch (h.type) {
    case box::stts:
      ctx.bytes_read += std::min<uint64_t>(h.payload_size(), 12);  // header fields; entries are read lazily
      return counted_table(r, 8, "stts", s.stts, s.stts_count);
    case box::ctts:
      ctx.bytes_read += std::min<uint64_t>(h.payload_size(), 12);  // header fields; entries are read lazily
      return counted_table(r, 8, "ctts", s.ctts, s.ctts_count, &s.ctts_version);
    case box::stss:
      ctx.bytes_read += std::min<uint64_t>(h.payload_size(), 12);  // header fields; entries are read lazily
      s.has_stss = true;
      return counted_table(r, 4, "stss", s.stss, s.stss_count);
    case box::stps:
      ctx.bytes_read += std::min<uint64_t>(h.payload_size(), 12);  // header fields; entries are read lazily
      return counted_table(r, 4, "stps", s.stps, s.stps_count);
    case box::stsc:
      ctx.bytes_read += std::min<uint64_t>(h.payload_size(), 12);  // header fields; entries are read lazily
      return counted_table(r, 12, "stsc", s.stsc, s.stsc_count);
    case box::stco:
      ctx.bytes_read += std::min<uint64_t>(h.payload_size(), 12);  // header fields; entries are read lazily
      s.chunk_offset_size = 4;
      return counted_table(r, 4, "stco", s.stco, s.chunk_count);
    case box::co64:
      ctx.bytes_read += std::min<uint64_t>(h.payload_size(), 12);  // header fields; entries are read lazily
      s.chunk_offset_size = 8;
      return counted_table(r, 8, "co64", s.stco, s.chunk_count);
    case box::sdtp: {
      ctx.bytes_read += std::min<uint64_t>(h.payload_size(), 12);  // header fields; entries are read lazily
      MP4KIT_TRY(r.need(4, "sdtp version and flags"));
      r.skip(4);
      s.sdtp = r.rest();  // one byte per sample; the count comes from stsz (§ 8.6.4.2)
      return Ok{};
    }
    case box::stsz: {
      ctx.bytes_read += std::min<uint64_t>(h.payload_size(), 12);  // header fields; entries are read lazily
      MP4KIT_TRY(r.need(12, "stsz header"));
      r.skip(4);
      s.sample_size = r.u32();
      s.sample_count = r.u32();
      s.field_size = 32;
      if (s.sample_size == 0) {
        MP4KIT_TRY(r.need_table(s.sample_count, 4, "sample_count"));
        s.stsz = r.bytes(uint64_t(s.sample_count) * 4);
      }
      return Ok{};
    }
    case box::stz2: {
      ctx.bytes_read += std::min<uint64_t>(h.payload_size(), 12);  // header fields; entries are read lazily
      MP4KIT_TRY(r.need(12, "stz2 header"));
      r.skip(4);
      r.skip(3);
      uint8_t field_size = r.u8();
      s.sample_count = r.u32();
      s.sample_size = 0;
      if (field_size != 4 && field_size != 8 && field_size != 16) {
        return r.error("stz2 field_size " + std::to_string(field_size) + " is not 4, 8 or 16");
      }
      s.field_size = field_size;
      uint64_t bytes = (uint64_t(s.sample_count) * field_size + 7) / 8;
      MP4KIT_TRY(r.need(bytes, "stz2 sample_count " + std::to_string(s.sample_count)));
      s.stsz = r.bytes(bytes);
      return Ok{};
    }
    default:
      return Ok{};  // sgpd/sbgp/saiz/saio/subs/cslg: not needed for demuxing
  }
}

}  // namespace mp4kit::detail
