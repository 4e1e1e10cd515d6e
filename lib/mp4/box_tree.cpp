// The box tree for `probe --boxes`: every box mp4kit can reach, with a one-line summary of
// its key fields. Containers are descended (ISO/IEC 14496-12 Table 1), sample entries too;
// 'udta' and 'meta' are shown as opaque leaves. A damaged child stops its parent's listing
// with a "damaged" summary instead of failing the whole tree.
//
// Input: the top level is walked by reading box headers through the ByteSource; a
// top-level box's payload is read (one read) only when the tree descends into it or
// summarizes it, so mdat, udta, meta and unknown boxes are never read.
#include <fmt/core.h>

#include "mp4/parse_internal.h"

namespace mp4kit {
namespace {

bool is_container(FourCC t) {
  switch (t) {
    case box::moov: case box::trak: case box::edts: case box::mdia: case box::minf: case box::dinf:
    case box::stbl: case box::mvex: case box::moof: case box::traf: case box::mfra: case box::sinf:
    case box::wave: case box::tref: case box::gmhd: case fourcc("schi"):
      return true;
    default:
      return false;
  }
}

// The types summarize() describes (keep the two lists in step): their payload is needed.
bool has_summary(FourCC t) {
  switch (t) {
    case box::ftyp: case box::mvhd: case box::mdhd: case box::tkhd: case box::hdlr: case box::elst:
    case box::stts: case box::ctts: case box::stss: case box::stsc: case box::stco: case box::co64:
    case box::stps: case box::stsd: case box::dref: case box::stsz: case box::stz2: case box::mfhd:
    case box::tfhd: case box::tfdt: case box::trun: case box::trex: case box::mehd: case box::sidx:
    case box::pasp: case box::avcC: case box::hvcC: case box::colr:
      return true;
    default:
      return false;
  }
}

std::string summarize(FourCC type, BoxReader r, FourCC handler) {
  auto full = [&](uint8_t& v, uint32_t& f) { if (r.remaining() >= 4) r.full_box(v, f); };
  uint8_t v = 0;
  uint32_t f = 0;
  switch (type) {
    case box::ftyp: {
      if (r.remaining() < 8) return {};
      const FourCC major = r.fourcc();  // separate statements: argument order is unspecified
      const uint32_t minor = r.u32();
      std::string s = "major_brand=" + fourcc_to_string(major) + " minor_version=" + std::to_string(minor) + " compatible_brands=";
      while (r.remaining() >= 4) {
        s += fourcc_to_string(r.fourcc());
        if (r.remaining() >= 4) s += ",";
      }
      return s;
    }
    case box::mvhd: case box::mdhd: {
      full(v, f);
      if (v == 1) { r.skip(16); uint32_t ts = r.u32(); uint64_t d = r.u64(); return fmt::format("version={} timescale={} duration={}", v, ts, d); }
      r.skip(8);
      uint32_t ts = r.u32();
      uint32_t d = r.u32();
      return fmt::format("version={} timescale={} duration={}", v, ts, d);
    }
    case box::tkhd: {
      full(v, f);
      uint32_t id;
      uint64_t d;
      if (v == 1) { r.skip(16); id = r.u32(); r.skip(4); d = r.u64(); } else { r.skip(8); id = r.u32(); r.skip(4); d = r.u32(); }
      r.skip(8 + 8 + 36);
      uint32_t w = r.u32(), h = r.u32();
      if (r.failed()) return {};
      return fmt::format("track_ID={} duration={} width={:.2f} height={:.2f} flags=0x{:X}", id, d, w / 65536.0, h / 65536.0, f);
    }
    case box::hdlr: {
      r.skip(8);
      FourCC h = r.fourcc();
      return r.failed() ? std::string{} : "handler_type=" + fourcc_to_string(h);
    }
    case box::elst: {
      full(v, f);
      uint32_t n = r.u32();
      std::string s = fmt::format("entry_count={}", n);
      for (uint32_t i = 0; i < n && i < 4 && !r.failed(); ++i) {
        uint64_t d = v == 1 ? r.u64() : r.u32();
        int64_t mt = v == 1 ? r.i64() : r.i32();
        r.skip(4);
        if (!r.failed()) s += fmt::format(" [segment_duration={} media_time={}]", d, mt);
      }
      return s;
    }
    case box::stts: case box::ctts: case box::stss: case box::stsc: case box::stco: case box::co64:
    case box::stps: case box::stsd: case box::dref: {
      full(v, f);
      uint32_t n = r.u32();
      return r.failed() ? std::string{} : fmt::format("version={} entry_count={}", v, n);
    }
    case box::stsz: {
      full(v, f);
      uint32_t size = r.u32(), n = r.u32();
      return r.failed() ? std::string{} : fmt::format("sample_size={} sample_count={}", size, n);
    }
    case box::stz2: {
      full(v, f);
      r.skip(3);
      uint32_t fs = r.u8(), n = r.u32();
      return fmt::format("field_size={} sample_count={}", fs, n);
    }
    case box::mfhd: { full(v, f); return fmt::format("sequence_number={}", r.u32()); }
    case box::tfhd: { full(v, f); return fmt::format("track_ID={} flags=0x{:06X}", r.u32(), f); }
    case box::tfdt: { full(v, f); uint64_t t = v == 1 ? r.u64() : r.u32(); return fmt::format("baseMediaDecodeTime={}", t); }
    case box::trun: {
      full(v, f);
      uint32_t n = r.u32();
      std::string s = fmt::format("sample_count={} flags=0x{:06X}", n, f);
      if (f & 1) s += fmt::format(" data_offset={}", r.i32());
      return s;
    }
    case box::trex: { full(v, f); uint32_t id = r.u32(); r.skip(4); uint32_t d = r.u32(); uint32_t sz = r.u32(); uint32_t fl = r.u32();
      return fmt::format("track_ID={} default_sample_duration={} default_sample_size={} default_sample_flags=0x{:08X}", id, d, sz, fl); }
    case box::mehd: { full(v, f); uint64_t d = v == 1 ? r.u64() : r.u32(); return fmt::format("fragment_duration={}", d); }
    case box::sidx: {
      full(v, f);
      uint32_t id = r.u32(), ts = r.u32();
      uint64_t ept = v == 1 ? r.u64() : r.u32();
      uint64_t fo = v == 1 ? r.u64() : r.u32();
      r.skip(2);
      uint32_t n = r.u16();
      return fmt::format("reference_ID={} timescale={} earliest_presentation_time={} first_offset={} reference_count={}", id, ts, ept, fo, n);
    }
    case box::pasp: { uint32_t h = r.u32(), vv = r.u32(); return fmt::format("hSpacing={} vSpacing={}", h, vv); }
    case box::avcC: {
      if (r.remaining() < 4) return {};
      r.skip(1);
      uint32_t p = r.u8(), c = r.u8(), l = r.u8();
      return fmt::format("AVCProfileIndication={} profile_compatibility=0x{:02X} AVCLevelIndication={}", p, c, l);
    }
    case box::hvcC: {
      if (r.remaining() < 13) return {};
      r.skip(1);
      uint32_t p = r.u8() & 0x1F;
      r.skip(10);
      return fmt::format("general_profile_idc={} general_level_idc={}", p, r.u8());
    }
    case box::colr: {
      FourCC t = r.fourcc();
      if (t == fourcc("nclx") || t == fourcc("nclc")) {
        uint32_t p = r.u16(), tr = r.u16(), m = r.u16();
        return fmt::format("colour_type={} primaries={} transfer={} matrix={}", fourcc_to_string(t), p, tr, m);
      }
      return "colour_type=" + fourcc_to_string(t);
    }
    default:
      break;
  }
  (void)handler;
  return {};
}

// Size of the fixed part of a sample entry before its child boxes, or 0 when unknown.
uint64_t sample_entry_fixed_size(FourCC handler, BoxReader r) {
  if (handler == handler::vide) return 78;
  if (handler == handler::soun) {
    if (r.remaining() < 10) return 0;
    r.skip(8);
    uint16_t version = r.u16();
    return version == 1 ? 44 : version == 2 ? 64 : 28;
  }
  return 0;
}

void walk(BoxReader r, std::vector<BoxNode>& out, uint32_t depth, const Limits& limits, FourCC parent, FourCC& handler);

// One box: its node (summary, children) from header `h` and reader `c` over its payload.
BoxNode visit(const BoxHeader& h, BoxReader c, uint32_t depth, const Limits& limits, FourCC parent, FourCC& handler) {
  BoxNode n{h.type, h.offset, h.header_size, h.size, h.truncated, {}, {}};
  if (h.type == box::hdlr && c.remaining() >= 12) {
    BoxReader hr = c;
    hr.skip(8);
    if (parent == box::mdia) handler = hr.fourcc();
  }
  if (h.type == box::mdat) {
    n.summary = fmt::format("payload={} bytes{}", h.payload_size(), h.truncated ? " (truncated by end of file)" : "");
  } else if (h.type == box::udta || h.type == box::meta) {
    n.summary = "opaque";
  } else {
    n.summary = summarize(h.type, c, handler);
  }
  if (depth < limits.max_depth) {
    if (is_container(h.type)) {
      walk(c, n.children, depth + 1, limits, h.type, handler);
    } else if (h.type == box::stsd && c.remaining() >= 8) {
      c.skip(8);
      walk(c, n.children, depth + 1, limits, h.type, handler);
    } else if (parent == box::stsd) {
      uint64_t fixed = sample_entry_fixed_size(handler, c);
      if (handler == handler::vide && c.remaining() >= 78) {
        BoxReader vr = c;
        vr.skip(24);
        uint32_t w = vr.u16(), hh = vr.u16();
        n.summary = fmt::format("width={} height={}", w, hh);
      } else if (handler == handler::soun && c.remaining() >= 28) {
        BoxReader ar = c;
        ar.skip(8);
        uint32_t ver = ar.u16();
        ar.skip(6);
        uint32_t ch = ar.u16(), bits = ar.u16();
        ar.skip(4);
        uint32_t rate = ar.u32() >> 16;
        n.summary = fmt::format("channelcount={} samplesize={} samplerate={}{}", ch, bits, rate,
                                ver ? fmt::format(" sound_version={}", ver) : std::string{});
      }
      if (fixed && c.remaining() >= fixed) {
        c.skip(fixed);
        walk(c, n.children, depth + 1, limits, h.type, handler);
      }
    }
  }
  return n;
}

// The children of a box whose payload is in memory.
void walk(BoxReader r, std::vector<BoxNode>& out, uint32_t depth, const Limits& limits, FourCC parent, FourCC& handler) {
  while (r.remaining() >= 8) {
    auto h = r.next_header();
    if (!h.ok()) {
      out.push_back(BoxNode{0, r.tell(), 0, r.remaining(), true, "damaged: " + h.error().message, {}});
      return;
    }
    out.push_back(visit(*h, r.child(*h, fourcc_to_string(h->type)), depth, limits, parent, handler));
    r.skip_box(*h);
  }
}

// The top level, through the source: a header read per box, a payload read only for the
// boxes visit() looks into (the same boxes at top level: parent is none, so no sample entry).
Status walk_top_level(const ByteSource& source, std::vector<BoxNode>& out, const Limits& limits, FourCC& handler) {
  const uint64_t file_size = source.size();
  for (uint64_t pos = 0; file_size - pos >= 8;) {
    auto head = detail::read_header_bytes(source, pos);
    if (!head.ok()) return head.error();
    auto h = parse_box_header(head->data(), pos, file_size - pos, "", /*allow_to_eof=*/true, /*clamp_truncated=*/true);
    if (!h.ok()) {
      out.push_back(BoxNode{0, pos, 0, file_size - pos, true, "damaged: " + h.error().message, {}});
      return Ok{};
    }
    const std::string name = fourcc_to_string(h->type);
    Buffer payload;
    const bool needed = h->type != box::mdat && h->type != box::udta && h->type != box::meta &&
                        (is_container(h->type) || has_summary(h->type));
    if (needed) {
      auto b = detail::read_exact(source, h->payload_offset(), h->payload_size(), name);
      if (!b.ok()) return b.error();
      payload = std::move(b.value());
    }
    // Unread payloads give an empty reader at the payload offset: summarize() and the
    // descent see no bytes, which is what they would make of those boxes anyway.
    out.push_back(visit(*h, BoxReader(payload.data(), payload.size(), h->payload_offset(), name), 0, limits, 0, handler));
    pos = h->end();
  }
  return Ok{};
}

}  // namespace

Result<std::vector<BoxNode>> build_box_tree(const ByteSource& source, const Limits& limits) {
  std::vector<BoxNode> out;
  FourCC handler = 0;
  MP4KIT_TRY(walk_top_level(source, out, limits, handler));
  return out;
}

}  // namespace mp4kit
