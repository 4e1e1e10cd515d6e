// The per-input subcommand: see command.h.
#include "batch/command.h"

#include "mp4kit/byte_source.h"

#include <array>

namespace mp4kit::batch {

namespace {

constexpr std::array<std::string_view, 4> kSubcommands{"probe", "decode", "seek", "bench"};
constexpr std::array<std::string_view, 4> kPlaceholders{"stem", "name", "dir", "index"};

struct Parts {
  std::string_view stem, name, dir;
  std::string index;
};

// Expands `arg` with `parts`; with parts == nullptr only validates (returns "" and sets
// `error` on an unknown or unclosed placeholder) and reports whether any was used.
std::string substitute(std::string_view arg, const Parts* parts, bool& used, std::string& error) {
  std::string out;
  for (size_t i = 0; i < arg.size(); ++i) {
    const char c = arg[i];
    if ((c == '{' || c == '}') && i + 1 < arg.size() && arg[i + 1] == c) {
      out += c;
      ++i;
      continue;
    }
    if (c != '{') {
      out += c;
      continue;
    }
    const size_t close = arg.find('}', i);
    if (close == std::string_view::npos) {
      error = "'" + std::string(arg) + "': '{' without '}' (write {{ for a literal brace)";
      return "";
    }
    const std::string_view key = arg.substr(i + 1, close - i - 1);
    bool known = false;
    for (std::string_view k : kPlaceholders) known = known || k == key;
    if (!known) {
      error = "'" + std::string(arg) + "': unknown placeholder {" + std::string(key) + "} (known: {stem} {name} {dir} {index})";
      return "";
    }
    used = true;
    if (parts) {
      if (key == "stem") out += parts->stem;
      else if (key == "name") out += parts->name;
      else if (key == "dir") out += parts->dir;
      else out += parts->index;
    }
    i = close;
  }
  return out;
}

// Which arguments are output paths: "-o X", "--output X", "--output=X", "-oX".
void find_outputs(CommandTemplate& t) {
  for (size_t i = 1; i < t.args.size(); ++i) {
    const std::string& a = t.args[i];
    if (a == "--") break;
    if ((a == "-o" || a == "--output") && i + 1 < t.args.size()) t.output_args.push_back(++i);
    else if (a.rfind("--output=", 0) == 0 || (a.size() > 2 && a.rfind("-o", 0) == 0 && a[2] != '-')) t.output_args.push_back(i);
  }
}

// The path inside an output argument ("--output=X" -> X, "-oX" -> X).
std::string_view output_value(std::string_view arg) {
  if (arg.rfind("--output=", 0) == 0) return arg.substr(9);
  if (arg.size() > 2 && arg.rfind("-o", 0) == 0 && arg[2] != '-') return arg.substr(2);
  return arg;
}

}  // namespace

Result<CommandTemplate> make_command(std::vector<std::string> args, bool many_inputs) {
  auto usage = [](std::string m) { return make_error(ErrorCode::kUsage, "", 0, std::move(m)); };
  if (args.empty()) return usage("no subcommand after '--' (e.g. mp4kit batch DIR/*.mp4 -- probe --json)");
  bool known = false;
  for (std::string_view s : kSubcommands) known = known || s == args[0];
  if (!known)
    return usage("'" + args[0] + "' after '--' is not a subcommand batch runs (probe, decode, seek, bench)");
  CommandTemplate t;
  t.args = std::move(args);
  for (size_t i = 1; i < t.args.size(); ++i) {
    bool used = false;
    std::string error;
    substitute(t.args[i], nullptr, used, error);
    if (!error.empty()) return usage(error);
    t.has_placeholders = t.has_placeholders || used;
  }
  find_outputs(t);
  for (size_t i : t.output_args) {
    bool used = false;
    std::string error;
    substitute(t.args[i], nullptr, used, error);
    if (many_inputs && !used && output_value(t.args[i]) != "-")
      return usage("output '" + std::string(output_value(t.args[i])) +
                   "' names no input: every input would write it; use {stem}, {name}, {dir} or {index} "
                   "(e.g. -o 'out/{stem}/%06d.png')");
  }
  bool json = false, pretty = false;
  for (const std::string& a : t.args) json = json || a == "--json", pretty = pretty || a == "--pretty";
  t.groupable = t.args[0] == "probe" && json && !pretty && !t.has_placeholders;
  for (const std::string& a : t.args) t.show_url_query = t.show_url_query || a == "--show-url-query";
  return t;
}

std::string shown_input(std::string_view input, bool show_url_query) {
  return is_url(input) ? redact_url(input, show_url_query) : std::string(input);
}

ExpandedCommand expand_command(const CommandTemplate& t, std::string_view full_input, uint64_t index) {
  Parts parts;
  std::string_view input = full_input;
  if (is_url(input)) input = input.substr(0, input.find_first_of("?#"));  // names from the URL's path
  const size_t slash = input.rfind('/');
  parts.name = slash == std::string_view::npos ? input : input.substr(slash + 1);
  parts.dir = slash == std::string_view::npos ? std::string_view(".") : slash == 0 ? std::string_view("/") : input.substr(0, slash);
  const size_t dot = parts.name.rfind('.');
  parts.stem = dot == std::string_view::npos || dot == 0 ? parts.name : parts.name.substr(0, dot);
  parts.index = std::to_string(index);
  ExpandedCommand e;
  e.args.reserve(t.args.size() + 1);
  for (const std::string& a : t.args) {
    if (!t.has_placeholders) {
      e.args.push_back(a);
      continue;
    }
    bool used = false;
    std::string error;
    e.args.push_back(substitute(a, &parts, used, error));
  }
  for (size_t i : t.output_args)
    if (std::string_view v = output_value(e.args[i]); v != "-") e.outputs.emplace_back(v);
  e.args.emplace_back(full_input);
  return e;
}

bool is_frame_pattern(std::string_view path) {
  for (size_t i = path.find('%'); i != std::string_view::npos; i = path.find('%', i + 1)) {
    size_t j = i + 1;
    while (j < path.size() && path[j] >= '0' && path[j] <= '9') ++j;
    if (j < path.size() && path[j] == 'd') return true;
  }
  return false;
}

}  // namespace mp4kit::batch
