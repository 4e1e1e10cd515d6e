// BoxReader: header forms of ISO/IEC 14496-12 § 4.2 and the bounds every parse relies on.
#include <doctest/doctest.h>

#include "mp4/box_reader.h"
#include "test_util.h"

using namespace mp4kit;
using test::Bytes;

TEST_CASE("box header: compact, largesize, size 0 and uuid") {
  Bytes b;
  b.u32(16).str("free").zeros(8);                       // compact size 16
  b.u32(1).str("skip").u64(24).zeros(8);                // size==1: 64-bit largesize 24
  b.u32(24 + 8).str("uuid");                            // uuid: 16-byte usertype follows
  for (int i = 0; i < 16; ++i) b.u8(uint8_t(i));
  b.zeros(8);
  b.u32(0).str("mdat").zeros(5);                        // size==0: to end of file
  BoxReader r(b.data().data(), b.size(), 0, "");
  auto h1 = r.next_header(true);
  REQUIRE(h1.ok());
  CHECK(h1->type == fourcc("free"));
  CHECK(h1->header_size == 8);
  CHECK(h1->size == 16);
  r.skip_box(*h1);
  auto h2 = r.next_header(true);
  REQUIRE(h2.ok());
  CHECK(h2->header_size == 16);
  CHECK(h2->size == 24);
  r.skip_box(*h2);
  auto h3 = r.next_header(true);
  REQUIRE(h3.ok());
  CHECK(h3->type == box::uuid);
  CHECK(h3->header_size == 24);
  CHECK(h3->usertype[15] == 15);
  r.skip_box(*h3);
  auto h4 = r.next_header(true);
  REQUIRE(h4.ok());
  CHECK(h4->extends_to_eof);
  CHECK(h4->size == 13);
  CHECK(h4->offset == 72);
}

TEST_CASE("box header: lying sizes are errors that name the path and offset") {
  SUBCASE("size smaller than the header") {
    Bytes b;
    b.u32(7).str("moov").zeros(8);
    BoxReader r(b.data().data(), b.size(), 0, "");
    auto h = r.next_header();
    REQUIRE_FALSE(h.ok());
    CHECK(h.error().message.find("smaller than its 8-byte header") != std::string::npos);
  }
  SUBCASE("child larger than its parent") {
    Bytes b;
    b.box("moov").u32(100).str("trak").zeros(8).end();  // trak claims 100 bytes, moov holds 16
    BoxReader top(b.data().data(), b.size(), 0, "");
    auto moov = top.next_header();
    REQUIRE(moov.ok());
    BoxReader inner = top.child(*moov, "moov");
    auto trak = inner.next_header();
    REQUIRE_FALSE(trak.ok());
    CHECK(trak.error().box_path == "moov");
    CHECK(trak.error().offset == 8);
    CHECK(trak.error().message.find("runs past moov") != std::string::npos);
  }
  SUBCASE("size 0 is refused below the top level") {
    Bytes b;
    b.u32(0).str("trak").zeros(8);
    BoxReader r(b.data().data(), b.size(), 100, "moov");
    auto h = r.next_header(false);
    REQUIRE_FALSE(h.ok());
    CHECK(h.error().offset == 100);
  }
  SUBCASE("largesize header cut short") {
    Bytes b;
    b.u32(1).str("mdat").u32(0);
    BoxReader r(b.data().data(), b.size(), 0, "");
    CHECK_FALSE(r.next_header(true).ok());
  }
  SUBCASE("a top-level box running past the end of the file is clamped and flagged") {
    Bytes b;
    b.u32(1000).str("mdat").zeros(10);
    BoxReader r(b.data().data(), b.size(), 0, "");
    auto h = r.next_header(true, true);
    REQUIRE(h.ok());
    CHECK(h->truncated);
    CHECK(h->size == 18);
  }
}

TEST_CASE("reader: reads past the end fail sticky and never overrun") {
  const uint8_t bytes[6] = {0, 0, 0, 5, 0xAA, 0xBB};
  BoxReader r(bytes, 6, 0, "x");
  CHECK(r.u32() == 5);
  CHECK(r.u32() == 0);  // only 2 bytes left
  CHECK(r.failed());
  CHECK(r.at_end());
  BoxReader r2(bytes, 6, 0, "x");
  auto st = r2.need_table(0xFFFFFFFFull, 0xFFFFFFFFull, "entry_count");  // overflowing product
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().message.find("entry_count 4294967295") != std::string::npos);
}

TEST_CASE("fourcc_to_string prints non-printable bytes like FFmpeg") {
  CHECK(fourcc_to_string(fourcc("avc1")) == "avc1");
  CHECK(fourcc_to_string(0) == "[0][0][0][0]");
  CHECK(fourcc_to_string(fourcc(".mp3")) == ".mp3");
}
