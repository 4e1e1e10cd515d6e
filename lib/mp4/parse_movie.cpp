// File-level boxes: the top-level scan, 'ftyp' (§ 4.3), 'moov' (§ 8.2.1), 'mvhd' (§ 8.2.2).
#include <algorithm>

#include "codec/picture.h"
#include "mp4/chapters.h"
#include "mp4/moof_prefetch.h"
#include "mp4/parse_internal.h"

namespace mp4kit {

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
  auto head = read_times_head(r, "mvhd", "times", /*reserved_after_field=*/false);
  if (!head.ok()) return head.error();
  movie.timescale = head->field;
  movie.duration = head->duration;
  movie.creation_time = head->creation_time;
  if (head->version != 1 && movie.duration == 0xFFFFFFFFu) movie.duration = 0;  // "unknown" (§ 8.2.2.3)
  return Ok{};
}

// iTunes metadata: moov/udta/meta/ilst/covr/data (QuickTime File Format, Metadata). Each
// 'data' item of a 'covr' becomes an attached-picture stream, as in FFmpeg's mov_read_covr.
void scan_cover_art(BoxReader r, Movie& movie, uint32_t depth) {
  if (depth > 6) return;
  while (r.remaining() >= 8) {
    auto h = r.next_header();
    if (!h.ok()) return;
    BoxReader c = r.child(*h, fourcc_to_string(h->type));
    if (h->type == box::meta) {
      // ISO meta is a FullBox; QuickTime meta is a plain container.
      if (c.remaining() >= 8 && load_be32(c.cursor()) == 0) c.skip(4);
      scan_cover_art(c, movie, depth + 1);
    } else if (h->type == fourcc("ilst")) {
      scan_cover_art(c, movie, depth + 1);
    } else if (h->type == fourcc("covr")) {
      while (c.remaining() >= 16) {
        auto d = c.next_header();
        if (!d.ok()) break;
        if (d->type == fourcc("data") && d->payload_size() >= 8) {
          BoxReader dr = c.child(*d, "data");
          uint32_t type = dr.u32() & 0xFFFFFF;
          dr.skip(4);  // locale
          ByteSpan img = dr.rest();
          // Well-known types (QuickTime File Format, Metadata): 13 JPEG, 14 PNG, 27 BMP.
          if (type == 0xD || type == 0xE || type == 0x1B) {
            const codec::PictureFacts facts = codec::sniff_picture(
                img.data, img.size,
                type == 0xD ? codec::PictureFormat::kJpeg : type == 0xE ? codec::PictureFormat::kPng : codec::PictureFormat::kBmp);
            AttachedPicture pic;
            pic.offset = img.offset;
            pic.size = static_cast<uint32_t>(img.size);
            pic.codec_name = facts.codec_name;
            pic.width = facts.width;
            pic.height = facts.height;
            pic.stream_index = static_cast<uint32_t>(movie.tracks.size() + movie.attached_pictures.size());
            movie.attached_pictures.push_back(pic);
          }
        }
        c.skip_box(*d);
      }
    }
    r.skip_box(*h);
  }
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
        movie.track_stream_index.push_back(static_cast<uint32_t>(movie.tracks.size() + movie.attached_pictures.size()));
        movie.tracks.push_back(std::move(t.value()));
        ++trak_index;
        break;
      }
      case box::mvex:
        movie.fragmented = true;
        MP4KIT_TRY(parse_mvex(r.child(*h, "mvex"), movie, ctx));
        break;
      case box::udta:
      case box::meta: {
        // next_header() leaves the cursor on the header, so this view holds the box itself
        // for moov/meta, and the udta payload for moov/udta.
        ctx.bytes_read += h->payload_size();
        if (h->type == box::udta) {
          movie.metadata_boxes.emplace_back(h->type, r.child(*h, "udta").rest());
          scan_cover_art(r.child(*h, "udta"), movie, 0);
        } else {
          movie.metadata_boxes.emplace_back(h->type, r.child(*h, "meta").rest());
          scan_cover_art(BoxReader(r.cursor(), h->size, h->offset, "moov"), movie, 0);
        }
        break;
      }
      default:
        break;  // iods and others: kept opaque (they appear in the box tree)
    }
    r.skip_box(*h);
  }
  mark_chapter_tracks(movie);
  return Ok{};
}

}  // namespace

Result<Buffer> read_exact(const ByteSource& source, uint64_t offset, uint64_t size, std::string_view path) {
  auto b = source.read(offset, size);
  if (!b.ok()) return b.error();
  if (b->size() != size) {
    return make_error(ErrorCode::kIo, path.empty() ? std::string("file") : std::string(path), offset,
                      "'" + source.name() + "' returned " + std::to_string(b->size()) + " of the " + std::to_string(size) +
                          " bytes asked for");
  }
  return b;
}

Result<Buffer> read_header_bytes(const ByteSource& source, uint64_t offset) {
  const uint64_t left = offset < source.size() ? source.size() - offset : 0;
  return read_exact(source, offset, std::min(left, kMaxBoxHeaderSize), "");
}

}  // namespace detail

namespace {

// The payload of top-level box `h`, read in one piece and kept by the Movie (its spans
// point into it), as a reader named `name`.
Result<BoxReader> read_payload(const ByteSource& source, const BoxHeader& h, const char* name, Movie& movie) {
  auto b = detail::read_exact(source, h.payload_offset(), h.payload_size(), name);
  if (!b.ok()) return b.error();
  movie.buffers.push_back(std::move(b.value()));
  const Buffer& kept = movie.buffers.back();
  return BoxReader(kept.data(), kept.size(), kept.offset(), name);
}

// The longest file tail fetched on speculation after an mdat when no moov was seen yet
// (the moov of a 10-hour file is about 25 MiB; one of a 2-hour file 5 MiB).
constexpr uint64_t kTailPrefetchMax = 16ull << 20;

Result<Movie> parse_file(const ByteSourcePtr& source, const Limits& limits) {
  Movie movie;
  movie.source = source;
  movie.file_size = source->size();
  detail::ParseContext ctx{limits};
  ctx.warnings = &movie.warnings;
  const uint64_t file_size = movie.file_size;
  bool moov_done = false;
  detail::MoofPrefetcher prefetcher(*source);  // a no-op unless the source batches reads (a URL)
  // The top-level walk (§ 4.2): one header read per box; payloads only of the boxes parsed.
  for (uint64_t pos = 0; pos < file_size;) {
    const uint64_t left = file_size - pos;
    if (left < 8) {
      movie.warnings.push_back("file at 0x" + fmt_hex(pos) + ": ignoring " + std::to_string(left) +
                               " trailing bytes after the last box");
      break;
    }
    prefetcher.before_box(pos);
    auto head = detail::read_header_bytes(*source, pos);
    if (!head.ok()) return head.error();
    auto h = parse_box_header(head->data(), pos, left, "", /*allow_to_eof=*/true, /*clamp_truncated=*/true);
    if (!h.ok()) return h.error();
    ctx.bytes_read += h->header_size;
    movie.top_level.push_back(BoxNode{h->type, h->offset, h->header_size, h->size, h->truncated, {}, {}});
    if (h->truncated) {
      movie.warnings.push_back(fourcc_to_string(h->type) + " at 0x" + fmt_hex(h->offset) + ": box runs past the end of the file (" +
                               std::to_string(h->size) + " bytes present)");
      if (h->type == box::mdat) movie.mdat_truncated = true;
    }
    switch (h->type) {
      case box::ftyp: {
        ctx.bytes_read += h->payload_size();
        if (movie.has_ftyp) {
          movie.warnings.push_back("ftyp at 0x" + fmt_hex(h->offset) + ": second ftyp ignored");
          break;
        }
        auto r = read_payload(*source, *h, "ftyp", movie);
        if (!r.ok()) return r.error();
        MP4KIT_TRY(detail::parse_ftyp(*r, movie));
        break;
      }
      case box::moov: {
        if (moov_done) {
          movie.warnings.push_back("moov at 0x" + fmt_hex(h->offset) + ": second moov ignored");
          break;
        }
        ctx.is_quicktime = movie.major_brand == fourcc("qt  ");
        movie.has_moov = true;
        movie.moov_offset = h->offset;
        // Every byte of moov is about to be read (the sample tables of a long file are
        // megabytes): one readahead of the whole box instead of a page per fault, which a
        // caller's advise(kRandom) for the mdat would otherwise leave. A remote source has
        // its own fetch plan (read_payload below is one request), so local sources only.
        if (!source->batches_reads()) source->advise(Access::kWillNeed, h->offset, h->size);
        auto r = read_payload(*source, *h, "moov", movie);
        if (!r.ok()) return r.error();
        MP4KIT_TRY(detail::parse_moov(*r, movie, ctx));
        moov_done = true;
        break;
      }
      case box::moof: {
        movie.fragmented = true;
        if (!moov_done) {
          movie.warnings.push_back("moof at 0x" + fmt_hex(h->offset) + ": fragment before moov ignored");
          break;
        }
        prefetcher.at_moof(h->offset, h->end());
        prefetcher.before_box(h->end());
        auto r = read_payload(*source, *h, "moof", movie);
        if (!r.ok()) return r.error();
        MP4KIT_TRY(detail::parse_moof(*r, h->offset, movie, ctx, 1));
        break;
      }
      case box::sidx: {
        ctx.bytes_read += h->payload_size();
        auto r = read_payload(*source, *h, "sidx", movie);
        if (!r.ok()) return r.error();
        // The file's last 4 bytes: an mfro's size field when an mfra ends the file.
        const auto file_tail = [&]() -> std::optional<uint32_t> {
          if (file_size < 4) return std::nullopt;
          auto tail = source->read(file_size - 4, 4);
          if (!tail.ok() || tail->size() != 4) return std::nullopt;
          ctx.bytes_read += 4;
          return load_be32(tail->data());
        };
        MP4KIT_TRY(detail::parse_sidx(*r, h->offset, h->end(), movie, ctx, file_tail));
        prefetcher.add_offsets_of(ctx.fragments.sidx_pts);
        break;
      }
      case box::mdat:
        movie.mdat_bytes += h->payload_size();
        // A remote source and no moov yet: the moov is most likely the rest of the file
        // (moov at the end). One request for the tail instead of one for the next box
        // header and one more for the moov payload. At most kTailPrefetchMax bytes, and
        // the source's own budget (half its cache) applies; a hint, never an error.
        if (!moov_done && source->batches_reads() && h->end() < file_size && file_size - h->end() <= kTailPrefetchMax)
          source->prefetch({ByteRange{h->end(), file_size - h->end()}});
        break;
      default:
        break;
    }
    pos = h->end();
  }
  movie.stream_count = static_cast<uint32_t>(movie.tracks.size() + movie.attached_pictures.size());
  movie.is_quicktime = movie.major_brand == fourcc("qt  ") || (!movie.has_ftyp && movie.has_moov);
  movie.bytes_read = ctx.bytes_read;
  if (!movie.has_moov) {
    return make_error(ErrorCode::kMalformed, "file", 0, "no moov box found (" + std::to_string(movie.top_level.size()) +
                                                            " top-level boxes scanned); not a playable MP4");
  }
  return movie;
}

}  // namespace

Result<Movie> parse_movie(ByteSourcePtr source, const Limits& limits) {
  Result<Movie> movie = parse_file(source, limits);
  // A read past the end of a file that shrank while mapped returned zeros instead of
  // raising SIGBUS (io/fault_guard.h): whatever was parsed from them, the answer is the
  // I/O error, not a "malformed" verdict on bytes that were never in the file.
  if (Status intact = source->check_intact(); !intact.ok()) return intact.error();
  return movie;
}

}  // namespace mp4kit
