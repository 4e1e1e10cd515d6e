// Track structure boxes: 'trak' (§ 8.3.1), 'tkhd' (§ 8.3.2), 'edts'/'elst' (§ 8.6.5-6),
// 'mdia' (§ 8.4.1), 'mdhd' (§ 8.4.2), 'hdlr' (§ 8.4.3), 'minf' (§ 8.4.4), 'stbl' (§ 8.5.1).
#include "mp4/parse_internal.h"

namespace mp4kit::detail {

Result<TimesHead> read_times_head(BoxReader& r, const char* box, const char* fields, bool reserved_after_field) {
  TimesHead h;
  MP4KIT_TRY(r.need(4, std::string(box) + " version and flags"));
  r.full_box(h.version, h.flags);
  const bool v1 = h.version == 1;
  const uint64_t bytes = (v1 ? 16 + 4 + 8 : 8 + 4 + 4) + (reserved_after_field ? 4 : 0);
  MP4KIT_TRY(r.need(bytes, std::string(box) + (v1 ? " v1 " : " v0 ") + fields));
  h.creation_time = v1 ? r.u64() : r.u32();
  r.skip(v1 ? 8 : 4);  // modification_time
  h.field = r.u32();
  if (reserved_after_field) r.skip(4);
  h.duration = v1 ? r.u64() : r.u32();
  return h;
}

namespace {

Status parse_tkhd(BoxReader r, TrackHeader& tkhd) {
  auto head = read_times_head(r, "tkhd", "times", /*reserved_after_field=*/true);
  if (!head.ok()) return head.error();
  tkhd.version = head->version;
  tkhd.flags = head->flags;
  tkhd.track_id = head->field;
  tkhd.duration = head->duration;
  MP4KIT_TRY(r.need(60, "tkhd layer..height"));
  r.skip(8);
  tkhd.layer = r.i16();
  tkhd.alternate_group = r.i16();
  tkhd.volume = r.i16();
  r.skip(2);
  for (auto& m : tkhd.matrix) m = r.i32();
  tkhd.width = r.u32();
  tkhd.height = r.u32();
  return Ok{};
}

// § 8.6.6 EditListBox. entry_count is checked against the payload before use.
Status parse_elst(BoxReader r, Track& t) {
  uint8_t version;
  uint32_t flags;
  MP4KIT_TRY(r.need(8, "elst header"));
  r.full_box(version, flags);
  uint32_t count = r.u32();
  const uint64_t entry_size = version == 1 ? 20 : 12;
  MP4KIT_TRY(r.need_table(count, entry_size, "elst entry_count"));
  t.edits.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    EditListEntry e;
    if (version == 1) {
      e.segment_duration = r.u64();
      e.media_time = r.i64();
    } else {
      e.segment_duration = r.u32();
      e.media_time = r.i32();
    }
    e.media_rate_integer = r.i16();
    e.media_rate_fraction = r.i16();
    t.edits.push_back(e);
  }
  t.has_elst = true;
  return Ok{};
}

Status parse_mdhd(BoxReader r, Track& t) {
  auto head = read_times_head(r, "mdhd", "fields", /*reserved_after_field=*/false);
  if (!head.ok()) return head.error();
  t.timescale = head->field;
  t.media_duration = head->duration;
  t.creation_time = head->creation_time;
  // A version-0 duration of all ones means "unknown" (§ 8.4.2.3), but mov_read_mdhd keeps
  // it as a duration of 2^32 - 1 ticks, and so do FFmpeg's st->duration and bit rate.
  if (r.remaining() >= 2) {
    uint16_t lang = r.u16();
    t.mdhd_language_code = lang;
    if (lang < 0x400) {
      t.language = "und";  // QuickTime Macintosh language code; not ISO-639
    } else {
      t.language = {char(((lang >> 10) & 31) + 0x60), char(((lang >> 5) & 31) + 0x60), char((lang & 31) + 0x60)};
    }
  }
  if (t.timescale == 0) return r.error("mdhd timescale is 0");
  return Ok{};
}

Status parse_hdlr(BoxReader r, Track& t) {
  MP4KIT_TRY(r.need(12, "hdlr pre_defined and handler_type"));
  r.skip(8);  // version/flags, pre_defined (QuickTime: component type)
  t.handler_type = r.fourcc();
  if (r.remaining() >= 12) {
    r.skip(12);
    ByteSpan name = r.rest();
    t.hdlr_name = name;
    std::string s(reinterpret_cast<const char*>(name.data), name.size);
    if (!s.empty() && static_cast<unsigned char>(s[0]) == s.size() - 1) s.erase(0, 1);  // QuickTime Pascal string
    auto nul = s.find('\0');
    if (nul != std::string::npos) s.resize(nul);
    t.handler_name = s;
  }
  return Ok{};
}

// Walks a container whose children are all parsed by `on_child`.
template <typename F>
Status walk(BoxReader& r, ParseContext& ctx, uint32_t depth, F&& on_child) {
  if (depth > ctx.limits.max_depth) {
    return r.error("box nesting depth " + std::to_string(depth) + " exceeds the limit " +
                       std::to_string(ctx.limits.max_depth) + " (raise with --max-depth)",
                   ErrorCode::kInternal);
  }
  while (!r.at_end()) {
    if (r.remaining() < 8) {
      // QuickTime allows a 4-byte zero terminator at the end of some containers.
      ctx.warn(r, "ignoring " + std::to_string(r.remaining()) + " trailing bytes");
      break;
    }
    auto h = r.next_header();
    if (!h.ok()) return h.error();
    ctx.bytes_read += h->header_size;
    MP4KIT_TRY(on_child(*h));
    r.skip_box(*h);
  }
  return Ok{};
}

}  // namespace

Result<Track> parse_trak(BoxReader r, uint32_t index, uint64_t offset, ParseContext& ctx, uint32_t depth) {
  Track t;
  t.index = index;
  t.offset = offset;
  t.language = "und";
  bool has_mdhd = false;
  Status st = walk(r, ctx, depth, [&](const BoxHeader& h) -> Status {
    switch (h.type) {
      case box::tkhd:
        ctx.bytes_read += h.payload_size();
        return parse_tkhd(r.child(h, "tkhd"), t.tkhd);
      case box::udta:
        ctx.bytes_read += h.payload_size();
        t.udta = r.child(h, "udta").rest();
        return Ok{};
      case box::tref: {
        // § 8.3.3 TrackReferenceBox: only 'chap' (QuickTime chapter tracks) matters here.
        BoxReader e = r.child(h, "tref");
        return walk(e, ctx, depth + 1, [&](const BoxHeader& th) -> Status {
          if (th.type != fourcc("chap")) return Ok{};
          ctx.bytes_read += th.payload_size();
          BoxReader c = e.child(th, "chap");
          t.tref_chap.clear();  // mov_read_chap: a later list replaces an earlier one
          while (c.remaining() >= 4 && t.tref_chap.size() < 1024) t.tref_chap.push_back(c.u32());
          return Ok{};
        });
      }
      case box::edts: {
        BoxReader e = r.child(h, "edts");
        return walk(e, ctx, depth + 1, [&](const BoxHeader& eh) -> Status {
          if (eh.type != box::elst || t.has_elst) return Ok{};
          ctx.bytes_read += eh.payload_size();
          return parse_elst(e.child(eh, "elst"), t);
        });
      }
      case box::mdia: {
        BoxReader m = r.child(h, "mdia");
        return walk(m, ctx, depth + 1, [&](const BoxHeader& mh) -> Status {
          switch (mh.type) {
            case box::mdhd:
              ctx.bytes_read += mh.payload_size();
              has_mdhd = true;
              return parse_mdhd(m.child(mh, "mdhd"), t);
            case box::hdlr:
              ctx.bytes_read += mh.payload_size();
              return parse_hdlr(m.child(mh, "hdlr"), t);
            case box::minf: {
              BoxReader mi = m.child(mh, "minf");
              return walk(mi, ctx, depth + 2, [&](const BoxHeader& ih) -> Status {
                if (ih.type != box::stbl) return Ok{};
                if (t.has_stbl) {
                  ctx.warn(mi, "second stbl ignored");
                  return Ok{};
                }
                t.has_stbl = true;
                t.stbl.offset = ih.offset;
                BoxReader sb = mi.child(ih, "stbl");
                return walk(sb, ctx, depth + 3, [&](const BoxHeader& sh) -> Status {
                  if (sh.type == box::stsd) {
                    ctx.bytes_read += sh.payload_size();
                    return parse_stsd(sb.child(sh, "stsd"), t, ctx, depth + 4);
                  }
                  return parse_stbl_child(sh, sb.child(sh, fourcc_to_string(sh.type)), t, ctx);
                });
              });
            }
            default:
              return Ok{};
          }
        });
      }
      default:
        return Ok{};
    }
  });
  if (!st.ok()) return st.error();
  if (!has_mdhd) return r.error_at(offset, "trak has no mdhd (media timescale unknown)");
  return t;
}

}  // namespace mp4kit::detail
