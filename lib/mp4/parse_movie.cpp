// File-level boxes: the top-level scan, 'ftyp' (§ 4.3), 'moov' (§ 8.2.1), 'mvhd' (§ 8.2.2).
#include <algorithm>

#include "mp4/parse_internal.h"

namespace mp4kit {

const Track* Movie::track_by_id(uint32_t id) const {
  for (const Track& t : tracks)
    if (t.tkhd.track_id == id) return &t;
  return nullptr;
}

namespace detail {

void ParseContext::warn(const BoxReader& r, const std::string& msg) const {
  if (!warnings) return;
  char buf[32];
  std::snprintf(buf, sizeof buf, " at 0x%llX: ", static_cast<unsigned long long>(r.tell()));
  warnings->push_back((r.path().empty() ? std::string("file") : r.path()) + buf + msg);
}

namespace {

Status parse_ftyp(BoxReader r, Movie& movie) {
  MP4KIT_TRY(r.need(8, "ftyp major_brand and minor_version"));
  movie.major_brand = r.fourcc();
  movie.minor_version = r.u32();
  while (r.remaining() >= 4) movie.compatible_brands.push_back(r.fourcc());
  movie.has_ftyp = true;
  return Ok{};
}

// § 8.2.2 MovieHeaderBox: only timescale and duration are used.
Status parse_mvhd(BoxReader r, Movie& movie) {
  uint8_t version;
  uint32_t flags;
  MP4KIT_TRY(r.need(4, "mvhd version and flags"));
  r.full_box(version, flags);
  if (version == 1) {
    MP4KIT_TRY(r.need(28, "mvhd v1 times"));
    r.skip(16);
    movie.timescale = r.u32();
    movie.duration = r.u64();
  } else {
    MP4KIT_TRY(r.need(16, "mvhd v0 times"));
    r.skip(8);
    movie.timescale = r.u32();
    movie.duration = r.u32();
    if (movie.duration == 0xFFFFFFFFu) movie.duration = 0;  // "unknown" (§ 8.2.2.3)
  }
  return Ok{};
}

Status parse_moov(BoxReader r, Movie& movie, ParseContext& ctx) {
  uint32_t trak_index = 0;
  while (!r.at_end()) {
    auto h = r.next_header();
    if (!h.ok()) {
      // A damaged tail inside moov (e.g. a short trailing 'free'): keep what was read.
      if (r.remaining() < 8) {
        ctx.warn(r, "ignoring " + std::to_string(r.remaining()) + " trailing bytes");
        break;
      }
      return h.error();
    }
    ctx.bytes_read += h->header_size;
    switch (h->type) {
      case box::mvhd:
        ctx.bytes_read += h->payload_size();
        MP4KIT_TRY(parse_mvhd(r.child(*h, "mvhd"), movie));
        break;
      case box::trak: {
        std::string name = "trak[" + std::to_string(trak_index) + "]";
        auto t = parse_trak(r.child(*h, name), trak_index, h->offset, ctx, 2);
        if (!t.ok()) return t.error();
        movie.tracks.push_back(std::move(t.value()));
        ++trak_index;
        break;
      }
      case box::mvex:
        movie.fragmented = true;
        MP4KIT_TRY(parse_mvex(r.child(*h, "mvex"), movie, ctx));
        break;
      default:
        break;  // udta, meta, iods...: kept opaque (they appear in the box tree)
    }
    r.skip_box(*h);
  }
  return Ok{};
}

}  // namespace
}  // namespace detail

Result<Movie> parse_movie(MappedFilePtr file, const Limits& limits) {
  Movie movie;
  movie.file = file;
  movie.file_size = file->size();
  detail::ParseContext ctx{limits};
  ctx.warnings = &movie.warnings;
  BoxReader r(file->data(), file->size(), 0, "");
  bool moov_done = false;
  while (!r.at_end()) {
    if (r.remaining() < 8) {
      movie.warnings.push_back("file at 0x" + fmt_hex(r.tell()) + ": ignoring " + std::to_string(r.remaining()) +
                               " trailing bytes after the last box");
      break;
    }
    auto h = r.next_header(/*allow_to_eof=*/true, /*clamp_truncated=*/true);
    if (!h.ok()) return h.error();
    ctx.bytes_read += h->header_size;
    movie.top_level.push_back(BoxNode{h->type, h->offset, h->header_size, h->size, h->truncated, {}, {}});
    if (h->truncated) {
      movie.warnings.push_back(fourcc_to_string(h->type) + " at 0x" + fmt_hex(h->offset) + ": box runs past the end of the file (" +
                               std::to_string(h->size) + " bytes present)");
      if (h->type == box::mdat) movie.mdat_truncated = true;
    }
    switch (h->type) {
      case box::ftyp:
        ctx.bytes_read += h->payload_size();
        MP4KIT_TRY(detail::parse_ftyp(r.child(*h, "ftyp"), movie));
        break;
      case box::moov:
        if (moov_done) {
          movie.warnings.push_back("moov at 0x" + fmt_hex(h->offset) + ": second moov ignored");
          break;
        }
        ctx.is_quicktime = movie.major_brand == fourcc("qt  ");
        movie.has_moov = true;
        movie.moov_offset = h->offset;
        MP4KIT_TRY(detail::parse_moov(r.child(*h, "moov"), movie, ctx));
        moov_done = true;
        break;
      case box::moof:
        movie.fragmented = true;
        if (!moov_done) {
          movie.warnings.push_back("moof at 0x" + fmt_hex(h->offset) + ": fragment before moov ignored");
          break;
        }
        MP4KIT_TRY(detail::parse_moof(r.child(*h, "moof"), h->offset, movie, ctx, 1));
        break;
      case box::sidx:
        ctx.bytes_read += h->payload_size();
        MP4KIT_TRY(detail::parse_sidx(r.child(*h, "sidx"), h->offset, movie));
        break;
      case box::mdat:
        movie.mdat_bytes += h->payload_size();
        break;
      default:
        break;
    }
    r.skip_box(*h);
  }
  movie.is_quicktime = movie.major_brand == fourcc("qt  ") || (!movie.has_ftyp && movie.has_moov);
  movie.bytes_read = ctx.bytes_read;
  if (!movie.has_moov) {
    return make_error(ErrorCode::kMalformed, "file", 0, "no moov box found (" + std::to_string(movie.top_level.size()) +
                                                            " top-level boxes scanned); not a playable MP4");
  }
  return movie;
}

}  // namespace mp4kit
