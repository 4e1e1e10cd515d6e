// Merging records files: see summary.h.
#include "batch/summary.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "batch/ledger.h"

namespace mp4kit::batch {

namespace {

struct KeyHash {
  size_t operator()(const PathKey& k) const { return size_t(k.lo); }
};

struct Entry {
  uint32_t plain = 0;   // records that are not retries
  uint32_t file = 0;    // where the last record is
  uint64_t line = 0;
};

int status_index(const std::string& s) {
  for (int i = 0; i < 5; ++i)
    if (s == status_name(RunStatus(i))) return i;
  return -1;
}

// Calls `f(json, line_number)` for each complete line of `path` that is a record;
// counts the others in `bad`.
Status for_each_record(const std::string& path, uint64_t& bad, const std::function<void(const nlohmann::json&, uint64_t)>& f) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return make_error(ErrorCode::kCannotOpen, "", 0, "--summary: cannot open '" + path + "': " + std::strerror(errno));
  uint64_t n_line = 0;
  auto rest = read_lines(fd, "--summary '" + path + "'", [&](std::string_view line) {
    const nlohmann::json j = nlohmann::json::parse(line.begin(), line.end(), nullptr, false);
    if (j.is_object() && j.contains("input") && j["input"].is_string() && j.contains("status") && j["status"].is_string())
      f(j, n_line);
    else if (!line.empty())
      ++bad;
    ++n_line;
  });
  ::close(fd);
  if (!rest.ok()) return rest.error();
  if (!rest->empty()) ++bad;  // a torn last line: not a record
  return Ok{};
}

}  // namespace

Result<Summary> summarize(const std::vector<std::string>& files) {
  Summary s;
  std::unordered_map<PathKey, Entry, KeyHash> seen;
  for (uint32_t fi = 0; fi < files.size(); ++fi) {
    MP4KIT_TRY(for_each_record(files[fi], s.bad_lines, [&](const nlohmann::json& j, uint64_t line) {
      ++s.records;
      Entry& e = seen[path_key(j["input"].get_ref<const std::string&>())];
      const bool retry = j.value("retry", false);
      if (retry) ++s.retries;
      else ++e.plain;
      e.file = fi;
      e.line = line;
    }));
  }
  s.inputs = seen.size();
  uint64_t dummy = 0;
  for (uint32_t fi = 0; fi < files.size(); ++fi) {
    MP4KIT_TRY(for_each_record(files[fi], dummy, [&](const nlohmann::json& j, uint64_t line) {
      const std::string& input = j["input"].get_ref<const std::string&>();
      const Entry& e = seen[path_key(input)];
      if (e.file != fi || e.line != line) return;  // not the input's last record
      const std::string status = j["status"].get<std::string>();
      const int si = status_index(status);
      if (si >= 0) ++s.by_status[size_t(si)];
      if (auto w = j.find("wall_s"); w != j.end() && w->is_number()) s.wall_s += w->get<double>();
      // A grouped input's cpu_s is its child's, shared by group_size inputs.
      const double share = j.contains("group_size") && j["group_size"].is_number_unsigned() && j["group_size"].get<uint64_t>() > 0
                               ? 1.0 / double(j["group_size"].get<uint64_t>())
                               : 1.0;
      if (auto c = j.find("cpu_s"); c != j.end() && c->is_number()) s.cpu_s += c->get<double>() * share;
      if (auto r = j.find("max_rss_kb"); r != j.end() && r->is_number_unsigned()) s.max_rss_kb = std::max(s.max_rss_kb, r->get<uint64_t>());
      if (e.plain > 1) {
        ++s.duplicated;
        if (s.duplicates.size() < 1000) s.duplicates.push_back(input);
      }
      if (status != "ok" && status != "skipped") {
        std::string error;
        if (auto er = j.find("error"); er != j.end() && er->is_string()) error = er->get<std::string>();
        s.failures.push_back({input, status, error, files[fi]});
      }
    }));
  }
  return s;
}

std::string summary_json(const Summary& s) {
  nlohmann::ordered_json j;
  j["schema"] = "mp4kit.batch-summary/1";
  j["records"] = s.records;
  j["inputs"] = s.inputs;
  nlohmann::ordered_json st = nlohmann::ordered_json::object();
  for (int i = 0; i < 5; ++i) st[status_name(RunStatus(i))] = s.by_status[size_t(i)];
  j["status"] = st;
  j["retries"] = s.retries;
  j["duplicated"] = s.duplicated;
  j["bad_lines"] = s.bad_lines;
  j["wall_s"] = s.wall_s;
  j["cpu_s"] = s.cpu_s;
  j["max_rss_kb"] = s.max_rss_kb;
  nlohmann::ordered_json f = nlohmann::ordered_json::array();
  for (const SummaryFailure& x : s.failures) f.push_back({{"input", x.input}, {"status", x.status}, {"error", x.error}, {"records", x.file}});
  j["failures"] = f;
  j["duplicates"] = s.duplicates;
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace mp4kit::batch
