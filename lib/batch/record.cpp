// Records of the batch ledger: see record.h.
#include "batch/record.h"

#include <cstring>
#include <nlohmann/json.hpp>

namespace mp4kit::batch {

const char* status_name(RunStatus s) {
  switch (s) {
    case RunStatus::kOk: return "ok";
    case RunStatus::kFailed: return "failed";
    case RunStatus::kTimeout: return "timeout";
    case RunStatus::kCrashed: return "crashed";
    case RunStatus::kSkipped: return "skipped";
  }
  return "failed";
}

std::string signal_name(int sig) {
  if (const char* abbrev = sigabbrev_np(sig)) return std::string("SIG") + abbrev;
  return "SIG" + std::to_string(sig);
}

namespace {
// Seconds rounded to microseconds: records stay short and comparable.
double micro(double s) { return double(int64_t(s * 1e6 + 0.5)) / 1e6; }

std::string dump(const nlohmann::ordered_json& j) {
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}
}  // namespace

// One JSON value, compact, as nlohmann's dump writes it (strings escaped, invalid UTF-8
// replaced); numbers and strings only, so the record is built without a DOM.
template <typename T>
void append_value(std::string& out, const T& v) {
  out += nlohmann::json(v).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string format_record(const InputRecord& r) {
  // The keys in this order (README "batch records", schema mp4kit.batch/1).
  std::string line;
  line.reserve(256 + r.input.size() + r.error.size() + r.result.size());
  line += "{\"input\":";
  append_value(line, r.input);
  line += ",\"status\":\"";
  line += status_name(r.status);
  line += "\",\"index\":";
  line += std::to_string(r.index);
  line += ",\"exit_code\":";
  line += r.exit_code ? std::to_string(*r.exit_code) : "null";
  line += ",\"signal\":";
  if (r.signal) append_value(line, signal_name(r.signal));
  else line += "null";
  line += ",\"wall_s\":";
  append_value(line, micro(r.wall_s));
  line += ",\"cpu_s\":";
  append_value(line, micro(r.cpu_s));
  line += ",\"max_rss_kb\":";
  line += std::to_string(r.max_rss_kb);
  if (r.group_size > 1) line += ",\"group_size\":" + std::to_string(r.group_size);
  if (r.retry) line += ",\"retry\":true";
  line += ",\"outputs\":[";
  for (size_t i = 0; i < r.outputs.size(); ++i) {
    if (i) line += ',';
    append_value(line, r.outputs[i]);
  }
  line += ']';
  if (!r.error.empty()) {
    line += ",\"error\":";
    append_value(line, r.error);
  }
  if (!r.result.empty()) {
    line += ",\"result\":";
    line += r.result;
  }
  line += "}\n";
  return line;
}

std::string embeddable_json(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ' || text.back() == '\r')) text.remove_suffix(1);
  if (text.empty()) return "";
  if (text.find('\n') == std::string_view::npos) {
    // One line: the usual case (--json). Checked without building a DOM, spliced as it is.
    if (!nlohmann::json::accept(text.begin(), text.end())) return "";
    return std::string(text);
  }
  // Several lines: one --pretty value is made compact; several values (JSON Lines) or text
  // are not one result.
  const nlohmann::ordered_json j = nlohmann::ordered_json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded()) return "";
  return dump(j);
}

std::string error_line(std::string_view err, std::string_view input) {
  std::string_view line = err.substr(0, err.find('\n'));
  constexpr std::string_view kPrefix = "mp4kit: ";
  if (line.substr(0, kPrefix.size()) == kPrefix) line.remove_prefix(kPrefix.size());
  if (!input.empty() && line.size() > input.size() + 2 && line.substr(0, input.size()) == input &&
      line.substr(input.size(), 2) == ": ")
    line.remove_prefix(input.size() + 2);
  std::string out(line.substr(0, 1000));
  return out;
}

}  // namespace mp4kit::batch
