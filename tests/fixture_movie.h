// Minimal but complete MP4s written byte by byte for table tests: one video track whose
// tables (fixture_movie) or fragments (fragmented_fixture_movie) are given by the test,
// each field annotated, plus the mdat(s).
#pragma once

#include <functional>
#include <optional>
#include <tuple>

#include "test_util.h"

namespace mp4kit::test {

struct FixtureTables {
  std::vector<std::pair<uint32_t, uint32_t>> stts{{6, 512}};   // (sample_count, sample_delta)
  std::vector<std::pair<uint32_t, int32_t>> ctts;              // (sample_count, sample_offset)
  std::vector<uint32_t> stss{1, 4};                            // 1-based sync sample numbers
  bool with_stss = true;
  std::vector<std::tuple<uint32_t, uint32_t, uint32_t>> stsc{{1, 2, 1}};  // first_chunk, samples_per_chunk, sdi
  std::vector<uint32_t> stsz{100, 10, 20, 110, 30, 40};       // per-sample sizes
  int64_t stsz_count_override = -1;                            // lie about sample_count
  uint8_t stz2_field_size = 0;  // 4, 8 or 16: the sizes go in a compact 'stz2' instead (§ 8.7.3.3)
  int64_t stts_count_override = -1;                            // lie about stts entry_count
  bool co64 = false;
  std::vector<std::pair<uint32_t, int32_t>> elst;              // (segment_duration, media_time)
  uint32_t mdat_payload = 310;
  // Sample entry. 'cvid' (Cinepak) by default: FFmpeg 5.1 has no Cinepak parser and does
  // not treat it as intra-only, so ffprobe's key flags come from the container tables,
  // which is what these fixtures test. (For 'avc1' FFmpeg's H.264 parser re-derives key
  // flags from the payload bytes; for intra-only codecs every packet is key.)
  const char* entry = "cvid";
};

/// The part both builders share: opens moov and writes mvhd (timescale 1000), then opens
/// trak with tkhd, the edit list when given, mdia with mdhd (timescale 12288, 'und') and a
/// 'vide' hdlr, opens minf/stbl and writes stsd with one 64x48 visual entry of type
/// `entry` (with an avcC for 'avc1'). Leaves moov, trak, mdia, minf and stbl open.
/// `before_trak`, when given, writes boxes between mvhd and trak (an early mvex).
inline void open_video_track(Bytes& m, uint32_t movie_duration, uint32_t media_duration,
                             const std::vector<std::pair<uint32_t, int32_t>>& elst, const char* entry,
                             const std::function<void(Bytes&)>& before_trak = {}) {
  m.box("moov");
  m.full_box("mvhd", 0, 0).u32(0).u32(0).u32(1000).u32(movie_duration)  // times, timescale 1000, duration
      .u32(0x10000).u16(0x100).zeros(10).zeros(36).zeros(24).u32(2).end();
  if (before_trak) before_trak(m);
  m.box("trak");
  m.full_box("tkhd", 0, 3).u32(0).u32(0).u32(1).u32(0).u32(movie_duration).zeros(8).u16(0).u16(0).u16(0).u16(0)
      .u32(0x10000).u32(0).u32(0).u32(0).u32(0x10000).u32(0).u32(0).u32(0).u32(0x40000000)
      .u32(64 << 16).u32(48 << 16).end();
  if (!elst.empty()) {
    m.box("edts").full_box("elst", 0, 0).u32(uint32_t(elst.size()));
    for (auto [d, mt] : elst) m.u32(d).u32(uint32_t(mt)).u16(1).u16(0);  // segment_duration, media_time, rate 1.0
    m.end().end();
  }
  m.box("mdia");
  m.full_box("mdhd", 0, 0).u32(0).u32(0).u32(12288).u32(media_duration).u16(0x55C4).u16(0).end();  // timescale 12288, 'und'
  m.full_box("hdlr", 0, 0).u32(0).str("vide").zeros(12).str("Video").u8(0).end();
  m.box("minf").box("stbl");
  m.full_box("stsd", 0, 0).u32(1);
  m.box(entry).zeros(6).u16(1).zeros(16).u16(64).u16(48).u32(0x480000).u32(0x480000).u32(0).u16(1).zeros(32)
      .u16(24).u16(0xFFFF);
  if (std::string(entry) == "avc1")
    m.box("avcC").u8(1).u8(100).u8(0).u8(30).u8(0xFF).u8(0xE0).u8(0).end();  // High, level 3.0, no SPS/PPS
  m.end().end();  // sample entry, stsd
}

/// Writes ftyp + moov + mdat. Chunk offsets are computed so chunks lie back to back in mdat.
inline Bytes fixture_movie(const FixtureTables& t) {
  Bytes b;
  b.box("ftyp").str("isom").u32(512).str("isom").str("avc1").end();
  // Chunk offsets: moov size is not known yet, so write a placeholder pass first.
  auto build = [&](uint64_t mdat_payload_offset) {
    Bytes m;
    open_video_track(m, 1000, 3072, t.elst, t.entry);  // 1 s; 3072 ticks
    m.full_box("stts", 0, 0).u32(t.stts_count_override >= 0 ? uint32_t(t.stts_count_override) : uint32_t(t.stts.size()));
    for (auto [c, d] : t.stts) m.u32(c).u32(d);
    m.end();
    if (!t.ctts.empty()) {
      m.full_box("ctts", 0, 0).u32(uint32_t(t.ctts.size()));
      for (auto [c, o] : t.ctts) m.u32(c).u32(uint32_t(o));
      m.end();
    }
    if (t.with_stss) {
      m.full_box("stss", 0, 0).u32(uint32_t(t.stss.size()));
      for (uint32_t s : t.stss) m.u32(s);
      m.end();
    }
    m.full_box("stsc", 0, 0).u32(uint32_t(t.stsc.size()));
    for (auto [fc, spc, sdi] : t.stsc) m.u32(fc).u32(spc).u32(sdi);
    m.end();
    if (t.stz2_field_size) {  // reserved(24), field_size(8), sample_count(32), packed entries
      m.full_box("stz2", 0, 0).u24(0).u8(t.stz2_field_size).u32(uint32_t(t.stsz.size()));
      for (size_t i = 0; i < t.stsz.size(); ++i) {
        if (t.stz2_field_size == 16) m.u16(uint16_t(t.stsz[i]));
        else if (t.stz2_field_size == 8) m.u8(uint8_t(t.stsz[i]));
        else if (i % 2 == 0) m.u8(uint8_t((t.stsz[i] << 4) | (i + 1 < t.stsz.size() ? t.stsz[i + 1] & 0x0F : 0)));
      }
      m.end();
    } else {
      m.full_box("stsz", 0, 0).u32(0).u32(t.stsz_count_override >= 0 ? uint32_t(t.stsz_count_override) : uint32_t(t.stsz.size()));
      for (uint32_t s : t.stsz) m.u32(s);
      m.end();
    }
    // Chunk offsets from stsc: walk samples in chunk order.
    std::vector<uint64_t> chunks;
    uint64_t off = mdat_payload_offset;
    size_t sample = 0;
    for (size_t e = 0; e < t.stsc.size(); ++e) {
      uint32_t first = std::get<0>(t.stsc[e]);
      uint32_t last = e + 1 < t.stsc.size() ? std::get<0>(t.stsc[e + 1]) : 0xFFFFFFFF;
      for (uint32_t c = first; c < last && sample < t.stsz.size(); ++c) {
        chunks.push_back(off);
        for (uint32_t k = 0; k < std::get<1>(t.stsc[e]) && sample < t.stsz.size(); ++k) off += t.stsz[sample++];
      }
    }
    m.full_box(t.co64 ? "co64" : "stco", 0, 0).u32(uint32_t(chunks.size()));
    for (uint64_t c : chunks) t.co64 ? m.u64(c) : m.u32(uint32_t(c));
    m.end();
    m.end().end().end().end().end();  // stbl, minf, mdia, trak, moov
    return m;
  };
  Bytes probe = build(0);
  uint64_t mdat_payload_offset = b.size() + probe.size() + 8;
  Bytes moov = build(mdat_payload_offset);
  Bytes out = b;
  for (uint8_t x : moov.data()) out.u8(x);
  out.box("mdat");
  for (uint32_t i = 0; i < t.mdat_payload; ++i) out.u8(uint8_t(i));
  out.end();
  return out;
}

/// One 'moof' of a fragmented fixture: one traf with its tfhd base_data_offset (when set),
/// its tfdt (when set), and the samples in `runs` truns, each with its data_offset (default:
/// where its samples lie in the mdat that follows the moof).
struct FixtureFragment {
  std::optional<uint64_t> base_data_offset;  // tfhd flag 0x1; else default-base-is-moof (0x20000)
  std::optional<uint64_t> tfdt = 0;          // tfdt version 1 baseMediaDecodeTime, track ticks; nullopt: no tfdt
  std::optional<int32_t> data_offset;        // trun flag 0x1 (runs == 1 only)
  std::vector<std::pair<uint32_t, uint32_t>> samples{{512, 10}, {512, 20}};  // (duration, size)
  bool sample_durations = true;              // trun flag 0x100; else the tfhd/trex default duration
  uint32_t runs = 1;                         // the samples split evenly over this many truns
  std::optional<uint64_t> sidx_ept;          // a segment: styp + sidx (one reference: this moof and mdat) before it
  bool emsg_prft_after = false;              // an emsg and a prft box after this fragment's mdat
};

struct FixtureFragmented {
  std::vector<std::pair<uint32_t, int32_t>> elst;  // (segment_duration in movie ticks, media_time)
  std::vector<FixtureFragment> fragments{FixtureFragment{}};
  bool mvex_before_trak = false;   // GPAC's order: mvex/trex ahead of the trak it names
  uint32_t trex_default_sample_duration = 0;
  bool mfra = false;               // mfra (tfra + mfro) at the end of the file
};

/// Writes ftyp + moov (one 'cvid' video track with empty sample tables, mvhd timescale
/// 1000, mdhd timescale 12288, mvex/trex) + one moof + mdat per fragment, with the segment
/// boxes each fragment asks for. Sample data is zeros; the fixtures test where the
/// container says it is, not what it holds.
inline Bytes fragmented_fixture_movie(const FixtureFragmented& f) {
  Bytes b;
  b.box("ftyp").str("iso6").u32(512).str("iso6").str("mp41").end();
  const auto mvex = [&](Bytes& m) {  // track 1, sdi 1, the default duration, no other defaults
    m.box("mvex").full_box("trex", 0, 0).u32(1).u32(1).u32(f.trex_default_sample_duration).u32(0).u32(0).end().end();
  };
  open_video_track(b, 0, 0, f.elst, "cvid", f.mvex_before_trak ? std::function<void(Bytes&)>(mvex) : nullptr);
  b.full_box("stts", 0, 0).u32(0).end();
  b.full_box("stsc", 0, 0).u32(0).end();
  b.full_box("stsz", 0, 0).u32(0).u32(0).end();
  b.full_box("stco", 0, 0).u32(0).end();
  b.end().end().end().end();  // stbl, minf, mdia, trak
  if (!f.mvex_before_trak) mvex(b);
  b.end();  // moov
  uint32_t sequence = 1;
  std::vector<std::pair<uint64_t, uint64_t>> tfra;  // (time, moof offset)
  for (const FixtureFragment& fr : f.fragments) {
    const uint32_t runs = std::max<uint32_t>(1, fr.runs);
    const size_t per_run = (fr.samples.size() + runs - 1) / runs;
    uint64_t bytes = 0, duration = 0;
    for (auto [d, sz] : fr.samples) bytes += sz, duration += d;
    // Each run's data_offset is where its samples start in the mdat payload after the moof
    // (the moof is written twice: its size does not depend on the values).
    auto moof = [&](uint32_t moof_size) {
      Bytes m;
      m.box("moof");
      m.full_box("mfhd", 0, 0).u32(sequence).end();
      m.box("traf");
      m.full_box("tfhd", 0, fr.base_data_offset ? 0x000001 : 0x020000).u32(1);  // track_ID 1
      if (fr.base_data_offset) m.u64(*fr.base_data_offset);
      m.end();
      if (fr.tfdt) m.full_box("tfdt", 1, 0).u64(*fr.tfdt).end();
      uint64_t run_offset = moof_size + 8;
      for (size_t first = 0; first < fr.samples.size(); first += per_run) {
        const size_t n = std::min(per_run, fr.samples.size() - first);
        m.full_box("trun", 0, 0x000201 | (fr.sample_durations ? 0x100 : 0)).u32(uint32_t(n));  // data_offset, (duration), size
        m.u32(uint32_t(fr.data_offset && runs == 1 ? uint32_t(*fr.data_offset) : uint32_t(run_offset)));
        for (size_t k = first; k < first + n; ++k) {
          if (fr.sample_durations) m.u32(fr.samples[k].first);
          m.u32(fr.samples[k].second);
          run_offset += fr.samples[k].second;
        }
        m.end();
      }
      m.end().end();  // traf, moof
      return m;
    };
    const Bytes m = moof(uint32_t(moof(0).size()));
    if (fr.sidx_ept) {
      b.box("styp").str("msdh").u32(0).str("msdh").str("msix").end();
      b.full_box("sidx", 1, 0).u32(1).u32(12288).u64(*fr.sidx_ept).u64(0)  // reference_ID, timescale, ept, first_offset
          .u16(0).u16(1).u32(uint32_t(m.size() + 8 + bytes)).u32(uint32_t(duration)).u32(0x90000000u).end();  // 1 ref: moof + mdat, SAP 1
    }
    tfra.emplace_back(fr.tfdt.value_or(0), b.size());
    for (uint8_t x : m.data()) b.u8(x);
    ++sequence;
    b.box("mdat").zeros(size_t(bytes)).end();
    if (fr.emsg_prft_after) {
      b.full_box("emsg", 0, 0).str("urn:test").u8(0).str("1").u8(0).u32(12288).u32(0).u32(0).u32(1).str("x").end();
      b.full_box("prft", 1, 0).u32(1).u64(0).u64(0).end();  // reference_track_ID, ntp_timestamp, media_time
    }
  }
  if (f.mfra) {
    const size_t mfra_start = b.size();
    b.box("mfra");
    b.full_box("tfra", 1, 0).u32(1).u32(0).u32(uint32_t(tfra.size()));  // track 1, 1-byte numbers
    for (auto [t, off] : tfra) b.u64(t).u64(off).u8(1).u8(1).u8(1);
    b.end();
    b.full_box("mfro", 0, 0).u32(uint32_t(b.size() - mfra_start + 16)).end();  // the mfra's size, mfro included
    b.end();
  }
  return b;
}

}  // namespace mp4kit::test
