// Parity with FFmpeg's own demuxer: for every file in samples/ and the corpus, the packet
// rows (pts, dts, size, pos, K and D flags) of every stream, and the stream fields
// codec_type, codec_name, width, height, sample_rate and channels, must equal
// `ffprobe -show_packets -show_streams -of json`, run at test time. The only accepted
// differences are listed in kKnownDifferences with the reason (README "Known differences").
#include <doctest/doctest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "mp4/codec_info.h"
#include "mp4/key_flags.h"
#include "mp4/timeline.h"
#include "test_util.h"

using namespace mp4kit;
using nlohmann::json;

namespace {

// file -> exact mismatch lines expected (anything else, or any of these missing, fails).
const std::map<std::string, std::set<std::string>> kKnownDifferences = {
};

struct Row {
  std::string pts, dts;
  uint64_t size, pos;
  std::string flags;
};

std::string num_or_na(const json& j, const char* key) {
  if (!j.contains(key)) return "N/A";
  return j[key].is_string() ? j[key].get<std::string>() : std::to_string(j[key].get<int64_t>());
}

std::set<std::string> compare_file(const std::string& path, int& streams_compared, int& packets_compared) {
  std::set<std::string> diffs;
  auto ff = test::oracle("ffprobe -v quiet -show_packets -show_streams -of json " + test::quote(path));
  REQUIRE_MESSAGE(ff.exit_code == 0, "ffprobe failed on " << path);
  json oracle = json::parse(ff.out);

  auto file = open_file(path);
  REQUIRE_MESSAGE(file.ok(), file.error().to_string());
  auto movie = parse_movie(*file);
  REQUIRE_MESSAGE(movie.ok(), path << ": " << movie.error().to_string());
  std::vector<SampleTable> tables;
  for (const Track& t : movie->tracks) {
    auto st = SampleTable::build(t);
    REQUIRE_MESSAGE(st.ok(), st.error().to_string());
    tables.push_back(std::move(st.value()));
  }
  auto tl = build_timelines(*movie, tables);
  REQUIRE(tl.ok());
  // `probe --packets` takes the K flag of H.264/VP9/AV1 sync samples from the bitstream.
  REQUIRE(apply_parser_key_flags(*movie, *tl).ok());

  // Our rows and fields, by ffprobe stream index.
  std::map<int, std::vector<Row>> ours;
  std::map<int, json> our_fields;
  for (size_t i = 0; i < movie->tracks.size(); ++i) {
    int si = static_cast<int>(movie->track_stream_index[i]);
    CodecInfo ci = codec_info_of(movie->tracks[i]);
    json f;
    f["codec_type"] = ci.type == MediaType::kVideo ? "video" : ci.type == MediaType::kAudio ? "audio"
                      : ci.type == MediaType::kSubtitle ? "subtitle" : "data";
    if (!ci.codec_name.empty()) f["codec_name"] = ci.codec_name;
    f["width"] = ci.width;
    f["height"] = ci.height;
    f["sample_rate"] = std::to_string(ci.sample_rate);
    f["channels"] = ci.channels;
    our_fields[si] = f;
    for (const Packet& p : (*tl)[i].packets)
      ours[si].push_back({std::to_string(p.pts), std::to_string(p.dts), p.size, p.pos,
                          std::string(p.key ? "K" : "_") + (p.discard ? "D" : "_")});
  }
  for (const AttachedPicture& pic : movie->attached_pictures) {
    our_fields[int(pic.stream_index)] = {{"codec_type", "video"}, {"codec_name", pic.codec_name}, {"width", pic.width},
                                         {"height", pic.height}};
    ours[int(pic.stream_index)].push_back({"N/A", "N/A", pic.size, pic.offset, "K_"});
  }

  std::map<int, std::vector<Row>> theirs;
  for (const json& p : oracle.value("packets", json::array()))
    theirs[p["stream_index"].get<int>()].push_back({num_or_na(p, "pts"), num_or_na(p, "dts"),
                                                     std::stoull(p["size"].get<std::string>()),
                                                     std::stoull(p["pos"].get<std::string>()), p["flags"].get<std::string>()});
  for (const json& s : oracle["streams"]) {
    int si = s["index"].get<int>();
    ++streams_compared;
    if (!our_fields.count(si)) {
      diffs.insert("s" + std::to_string(si) + " missing");
      continue;
    }
    for (const char* key : {"codec_type", "codec_name", "width", "height", "sample_rate", "channels"}) {
      if (!s.contains(key)) continue;
      std::string a = s[key].dump(), b = our_fields[si].contains(key) ? our_fields[si][key].dump() : "absent";
      if (a != b) diffs.insert("s" + std::to_string(si) + " " + key + " ff=" + a + " mk=" + b);
    }
    const auto& A = theirs[si];
    const auto& B = ours[si];
    if (A.size() != B.size())
      diffs.insert("s" + std::to_string(si) + " packets ff=" + std::to_string(A.size()) + " mk=" + std::to_string(B.size()));
    for (size_t k = 0; k < std::min(A.size(), B.size()); ++k) {
      ++packets_compared;
      std::string pre = "s" + std::to_string(si) + " pk" + std::to_string(k) + " ";
      if (A[k].pts != B[k].pts) diffs.insert(pre + "pts ff=" + A[k].pts + " mk=" + B[k].pts);
      if (A[k].dts != B[k].dts) diffs.insert(pre + "dts ff=" + A[k].dts + " mk=" + B[k].dts);
      if (A[k].size != B[k].size) diffs.insert(pre + "size ff=" + std::to_string(A[k].size) + " mk=" + std::to_string(B[k].size));
      if (A[k].pos != B[k].pos) diffs.insert(pre + "pos ff=" + std::to_string(A[k].pos) + " mk=" + std::to_string(B[k].pos));
      if (A[k].flags != B[k].flags) diffs.insert(pre + "flags ff=" + A[k].flags + " mk=" + B[k].flags);
    }
  }
  return diffs;
}

}  // namespace

TEST_CASE("packet tables and stream fields equal ffprobe on samples/ and the corpus") {
  if (!test::have_ffprobe()) {
    MESSAGE("ffprobe not installed: parity test skipped (scripts/setup.sh installs it)");
    return;
  }
  if (test::corpus_dir().empty()) MESSAGE("corpus not found (set MP4KIT_CORPUS): comparing samples/ only");
  if (test::corpus2_dir().empty()) MESSAGE("corpus2 not found (set MP4KIT_CORPUS2): its files are skipped");
  int files = 0, identical = 0, streams = 0, packets = 0;
  for (const std::string& path : test::media_files()) {
    std::string name = std::filesystem::path(path).filename().string();
    CAPTURE(name);
    auto diffs = compare_file(path, streams, packets);
    auto known = kKnownDifferences.count(name) ? kKnownDifferences.at(name) : std::set<std::string>{};
    CHECK(diffs == known);
    if (diffs != known)
      for (const auto& d : diffs) MESSAGE(name << ": " << d);
    ++files;
    identical += diffs.empty();
  }
  MESSAGE("ffprobe parity: " << identical << "/" << files << " files identical, " << streams << " streams, " << packets
                             << " packets compared");
  CHECK(files >= 12);
}
