// FourCC codes: one table for every box and sample entry type mp4kit knows.
// ISO/IEC 14496-12:2022 § 4.2 (box types are four printable bytes, big-endian).
#pragma once

#include <cstdint>
#include <string>

namespace mp4kit {

using FourCC = uint32_t;

constexpr FourCC fourcc(const char (&s)[5]) {
  return (uint32_t(uint8_t(s[0])) << 24) | (uint32_t(uint8_t(s[1])) << 16) |
         (uint32_t(uint8_t(s[2])) << 8) | uint32_t(uint8_t(s[3]));
}

/// Printable form: "avc1"; non-printable bytes as FFmpeg's av_fourcc2str does ("[0]").
std::string fourcc_to_string(FourCC code);

namespace box {
// File level (§ 4.3, 8.1)
inline constexpr FourCC ftyp = fourcc("ftyp"), moov = fourcc("moov"), mdat = fourcc("mdat"),
                        free = fourcc("free"), skip = fourcc("skip"), wide = fourcc("wide"),
                        uuid = fourcc("uuid"), sidx = fourcc("sidx"), styp = fourcc("styp"),
                        mfra = fourcc("mfra"), tfra = fourcc("tfra"), mfro = fourcc("mfro"),
                        pdin = fourcc("pdin"), meta = fourcc("meta"), udta = fourcc("udta");
// Movie and track structure (§ 8.2 - 8.6)
inline constexpr FourCC mvhd = fourcc("mvhd"), trak = fourcc("trak"), tkhd = fourcc("tkhd"),
                        tref = fourcc("tref"), edts = fourcc("edts"), elst = fourcc("elst"),
                        mdia = fourcc("mdia"), mdhd = fourcc("mdhd"), hdlr = fourcc("hdlr"),
                        minf = fourcc("minf"), vmhd = fourcc("vmhd"), smhd = fourcc("smhd"),
                        nmhd = fourcc("nmhd"), gmhd = fourcc("gmhd"), dinf = fourcc("dinf"),
                        dref = fourcc("dref"), stbl = fourcc("stbl"), iods = fourcc("iods");
// Sample tables (§ 8.5 - 8.7)
inline constexpr FourCC stsd = fourcc("stsd"), stts = fourcc("stts"), ctts = fourcc("ctts"),
                        cslg = fourcc("cslg"), stss = fourcc("stss"), stps = fourcc("stps"),
                        sdtp = fourcc("sdtp"), stsc = fourcc("stsc"), stsz = fourcc("stsz"),
                        stz2 = fourcc("stz2"), stco = fourcc("stco"), co64 = fourcc("co64"),
                        sgpd = fourcc("sgpd"), sbgp = fourcc("sbgp"), saiz = fourcc("saiz"),
                        saio = fourcc("saio");
// Fragments (§ 8.8)
inline constexpr FourCC mvex = fourcc("mvex"), mehd = fourcc("mehd"), trex = fourcc("trex"),
                        moof = fourcc("moof"), mfhd = fourcc("mfhd"), traf = fourcc("traf"),
                        tfhd = fourcc("tfhd"), tfdt = fourcc("tfdt"), trun = fourcc("trun");
// Sample entry configuration boxes
inline constexpr FourCC avcC = fourcc("avcC"), hvcC = fourcc("hvcC"), av1C = fourcc("av1C"),
                        vpcC = fourcc("vpcC"), esds = fourcc("esds"), dOps = fourcc("dOps"),
                        dfLa = fourcc("dfLa"), dac3 = fourcc("dac3"), dec3 = fourcc("dec3"),
                        ddts = fourcc("ddts"), pasp = fourcc("pasp"), colr = fourcc("colr"),
                        btrt = fourcc("btrt"), wave = fourcc("wave"), chan = fourcc("chan"),
                        sinf = fourcc("sinf"), frma = fourcc("frma"), fiel = fourcc("fiel"),
                        clap = fourcc("clap"), glbl = fourcc("glbl"), damr = fourcc("damr");
}  // namespace box

namespace entry {
inline constexpr FourCC avc1 = fourcc("avc1"), avc3 = fourcc("avc3"), hvc1 = fourcc("hvc1"),
                        hev1 = fourcc("hev1"), av01 = fourcc("av01"), vp09 = fourcc("vp09"),
                        vp08 = fourcc("vp08"), mp4v = fourcc("mp4v"), mp4a = fourcc("mp4a"),
                        Opus = fourcc("Opus"), fLaC = fourcc("fLaC"), ac_3 = fourcc("ac-3"),
                        ec_3 = fourcc("ec-3"), mp3_ = fourcc(".mp3"), dtsc = fourcc("dtsc"),
                        dtsh = fourcc("dtsh"), dtsl = fourcc("dtsl"), dtse = fourcc("dtse"),
                        ipcm = fourcc("ipcm"), fpcm = fourcc("fpcm"), sowt = fourcc("sowt"),
                        twos = fourcc("twos"), lpcm = fourcc("lpcm"), in24 = fourcc("in24"),
                        in32 = fourcc("in32"), fl32 = fourcc("fl32"), fl64 = fourcc("fl64"),
                        raw_ = fourcc("raw "), apch = fourcc("apch"), apcn = fourcc("apcn"),
                        apcs = fourcc("apcs"), apco = fourcc("apco"), ap4h = fourcc("ap4h"),
                        ap4x = fourcc("ap4x"), mjpa = fourcc("mjpa"), mjpb = fourcc("mjpb"),
                        jpeg = fourcc("jpeg"), tx3g = fourcc("tx3g"), text = fourcc("text"),
                        wvtt = fourcc("wvtt"), stpp = fourcc("stpp"), c608 = fourcc("c608"),
                        tmcd = fourcc("tmcd"), samr = fourcc("samr"), sawb = fourcc("sawb"),
                        encv = fourcc("encv"), enca = fourcc("enca"), s263 = fourcc("s263"),
                        alac = fourcc("alac"), ulaw = fourcc("ulaw"), alaw = fourcc("alaw");
}  // namespace entry

namespace handler {
inline constexpr FourCC vide = fourcc("vide"), soun = fourcc("soun"), text = fourcc("text"),
                        sbtl = fourcc("sbtl"), subt = fourcc("subt"), tmcd = fourcc("tmcd"),
                        hint = fourcc("hint"), meta = fourcc("meta"), clcp = fourcc("clcp");
}  // namespace handler

}  // namespace mp4kit
