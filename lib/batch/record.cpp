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

std::string format_record(const InputRecord& r) {
  nlohmann::ordered_json j;
  j["input"] = r.input;
  j["status"] = status_name(r.status);
  j["index"] = r.index;
  if (r.exit_code) j["exit_code"] = *r.exit_code;
  else j["exit_code"] = nullptr;
  if (r.signal) j["signal"] = signal_name(r.signal);
  else j["signal"] = nullptr;
  j["wall_s"] = micro(r.wall_s);
  j["cpu_s"] = micro(r.cpu_s);
  j["max_rss_kb"] = r.max_rss_kb;
  if (r.group_size > 1) j["group_size"] = r.group_size;
  if (r.retry) j["retry"] = true;
  j["outputs"] = r.outputs;
  if (!r.error.empty()) j["error"] = r.error;
  std::string line = dump(j);
  if (!r.result.empty()) {
    line.pop_back();  // '}'
    line += ",\"result\":";
    line += r.result;
    line += '}';
  }
  line += '\n';
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
