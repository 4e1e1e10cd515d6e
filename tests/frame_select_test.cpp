// Selector rules without FFmpeg (lib/mp4/frame_select.h, apps/seek_request.h parse_rate);
// the FFmpeg parity is tests/decode/select_test.cpp.
#include <doctest/doctest.h>

#include "mp4/frame_select.h"
#include "seek_request.h"

namespace mp4kit {

TEST_CASE("select_uniform: the centre of each of K equal segments, K > N repeats, limits") {
  auto u = select_uniform(750, 8);  // floor((2i+1)*750/16)
  REQUIRE(u.ok());
  CHECK(*u == std::vector<uint64_t>{46, 140, 234, 328, 421, 515, 609, 703});
  auto one = select_uniform(10, 1);
  REQUIRE(one.ok());
  CHECK(*one == std::vector<uint64_t>{5});
  auto more = select_uniform(3, 7);  // K > N: every frame at least once, K in all, in order
  REQUIRE(more.ok());
  CHECK(*more == std::vector<uint64_t>{0, 0, 1, 1, 1, 2, 2});
  CHECK(select_uniform(10, 0).error().code == ErrorCode::kUsage);
  CHECK(select_uniform(10, kMaxSelectedFrames + 1).error().code == ErrorCode::kUsage);
  CHECK(select_uniform(0, 3).error().code == ErrorCode::kUsage);
  CHECK(select_uniform(UINT64_MAX / 2, kMaxSelectedFrames).ok());  // no overflow in (2i+1)*N
}

TEST_CASE("select_every: 0, N, 2N below the frame count; limits") {
  auto e = select_every(10, 4);
  REQUIRE(e.ok());
  CHECK(*e == std::vector<uint64_t>{0, 4, 8});
  CHECK(select_every(10, 0).error().code == ErrorCode::kUsage);
  CHECK(select_every(kMaxSelectedFrames + 1, 1).error().code == ErrorCode::kUsage);
  CHECK(select_every(kMaxSelectedFrames, 1)->size() == kMaxSelectedFrames);
}

TEST_CASE("parse_rate: decimals, rationals and FFmpeg's names, exact and reduced") {
  CHECK(parse_rate("1")->num == 1);
  CHECK(parse_rate("2.5")->num == 5);
  CHECK(parse_rate("2.5")->den == 2);
  CHECK(parse_rate("29.97")->num == 2997);
  CHECK(parse_rate("30000/1001")->den == 1001);
  CHECK(parse_rate("60/2")->num == 30);
  CHECK(parse_rate("ntsc")->num == 30000);
  CHECK(parse_rate(".5")->den == 2);
  for (const char* bad : {"0", "", "-1", "1/0", "abc", "1.2.3", "99999999999", "0.0000000001"})
    CHECK_MESSAGE(parse_rate(bad).error().code == ErrorCode::kUsage, bad);
}

}  // namespace mp4kit
