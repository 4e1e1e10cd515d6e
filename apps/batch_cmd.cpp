// `mp4kit batch [--jobs N] [--timeout S] [--max-memory MB] [--records FILE] [--resume]
//  [--retry-failed] [--shard K/N|auto] [--files-from FILE|- [-0]] [--walk DIR [--glob PAT]]
//  [INPUT...] -- SUBCOMMAND [OPTIONS...]` and `mp4kit batch --summary RECORDS... [--json]`.
//
// Flags and output only: the engine is lib/batch/batch.h (inputs, shards, the records
// ledger, the child supervisor), the merge lib/batch/summary.h. main.cpp splits the command
// line at the first "--" and hands the tail here (set_batch_command).
#include <fmt/core.h>
#include <sched.h>
#include <sys/resource.h>
#include <signal.h>
#include <unistd.h>

#include <climits>
#include <csignal>
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "batch/batch.h"
#include "batch/summary.h"
#include "commands.h"
#include "io/cpu_count.h"
#include "json_record.h"

namespace mp4kit::cli {
namespace {

struct BatchFlags {
  std::vector<std::string> inputs;
  std::vector<std::string> summary;
  std::vector<std::string> walk;
  std::string glob = "*";
  std::string files_from;
  bool nul = false;
  unsigned jobs = 0;
  double timeout_s = 0;
  double kill_after_s = 5;
  uint64_t max_memory_mb = 0;
  std::string records = "-";
  bool resume = false, retry_failed = false, overwrite = false;
  std::string shard;
  unsigned group = 0;
  bool json = false;
  bool quiet = false;
  std::string progress = "auto";
};

std::vector<std::string>& command_tail() {
  static std::vector<std::string> tail;
  return tail;
}
bool& command_given() {
  static bool given = false;
  return given;
}

std::string self_exe() {
  char buf[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, size_t(n)) : std::string();
}

std::string eta_text(double s) {
  if (!(s >= 0) || s > 1e8) return "-";
  if (s < 60) return fmt::format("{:.0f}s", s);
  if (s < 3600) return fmt::format("{}m{:02}s", int(s) / 60, int(s) % 60);
  return fmt::format("{}h{:02}m", int(s) / 3600, (int(s) % 3600) / 60);
}

// "batch: 1234/10000 done (3 failed), 2 running, 412.3 inputs/s, ETA 21s". The total is
// known once the list is read to its end (or counted up front: see `known_total`).
void print_progress(const batch::BatchProgress& p, uint64_t known_total) {
  const uint64_t in_scope = p.inputs - p.other_shards - p.already_recorded;
  const double rate = p.elapsed_s > 0 ? double(p.recorded) / p.elapsed_s : 0;
  std::string total = p.enumerated ? std::to_string(in_scope) : known_total ? "~" + std::to_string(known_total) : std::to_string(in_scope) + "+";
  const double left = p.enumerated ? double(in_scope - std::min(in_scope, p.recorded)) : known_total ? double(known_total) - double(p.recorded) : -1;
  fmt::print(stderr, "\r\033[Kbatch: {}/{} done ({} failed), {} running, {:.1f} inputs/s, ETA {}", p.recorded, total, p.failed(),
             p.running, rate, left >= 0 && rate > 0 ? eta_text(left / rate) : "-");
  std::fflush(stderr);
}

// Counts the entries of a list file for the progress line's total (a pass over the file
// with a 64 KiB buffer; skipped for standard input).
uint64_t count_entries(const BatchFlags& f) {
  if (f.files_from.empty() || f.files_from == "-" || !f.walk.empty()) return 0;
  FILE* fp = std::fopen(f.files_from.c_str(), "rb");
  if (!fp) return 0;
  uint64_t n = f.inputs.size();
  char buf[65536];
  size_t got;
  const char sep = f.nul ? '\0' : '\n';
  while ((got = std::fread(buf, 1, sizeof buf, fp)) > 0)
    for (size_t i = 0; i < got; ++i) n += buf[i] == sep;
  std::fclose(fp);
  return n;
}

int run_summary(const BatchFlags& f) {
  auto s = batch::summarize(f.summary);
  if (!s.ok()) return report_error("", s.error());
  if (f.json) {
    write_record(batch::summary_json(*s));
  } else {
    fmt::print("{} inputs in {} records: {} ok, {} failed, {} timeout, {} crashed, {} skipped\n", s->inputs, s->records,
               s->by_status[0], s->by_status[1], s->by_status[2], s->by_status[3], s->by_status[4]);
    fmt::print("wall {:.3f} s, cpu {:.3f} s in all, largest peak RSS {} KiB; {} retries\n", s->wall_s, s->cpu_s, s->max_rss_kb,
               s->retries);
    if (s->duplicated) {
      fmt::print("{} inputs recorded twice (two shards or runs did them):\n", s->duplicated);
      for (const std::string& d : s->duplicates) fmt::print("  {}\n", d);
    }
    if (s->bad_lines) fmt::print("{} lines are not records (torn or foreign), ignored\n", s->bad_lines);
    for (const batch::SummaryFailure& x : s->failures) fmt::print("{}: {}: {}\n", x.input, x.status, x.error);
  }
  return s->failures.empty() && s->duplicated == 0 ? kExitOk : kExitThreshold;
}

int run_batch_cmd(const BatchFlags& f) {
  if (!f.summary.empty()) {
    if (command_given()) return fmt::print(stderr, "mp4kit: batch: --summary takes no '-- SUBCOMMAND'\n"), kExitUsage;
    return run_summary(f);
  }
  if (!command_given())
    return fmt::print(stderr, "mp4kit: batch: no '-- SUBCOMMAND ...' (e.g. mp4kit batch *.mp4 -- probe --json)\n"), kExitUsage;
  if (f.inputs.empty() && f.files_from.empty() && f.walk.empty())
    return fmt::print(stderr, "mp4kit: batch: no inputs: name them, or use --files-from FILE|- or --walk DIR\n"), kExitUsage;
  batch::BatchOptions o;
  o.inputs.paths = f.inputs;
  o.inputs.files_from = f.files_from;
  o.inputs.nul_separated = f.nul;
  o.inputs.walk = f.walk;
  o.inputs.glob = f.glob;
  o.command = command_tail();
  o.program = self_exe();
  if (o.program.empty()) return fmt::print(stderr, "mp4kit: batch: cannot find the mp4kit binary (/proc/self/exe)\n"), kExitInternal;
  o.jobs = f.jobs ? f.jobs : static_cast<unsigned>(io::usable_cpu_count());
  o.timeout_s = f.timeout_s;
  o.kill_after_s = f.kill_after_s;
  o.max_memory_mb = f.max_memory_mb;
  o.records = f.records;
  o.resume = f.resume;
  o.retry_failed = f.retry_failed;
  o.overwrite = f.overwrite;
  o.group = f.group;
  o.fault = batch::fault_hook_from_env();
  if (!f.shard.empty()) {
    auto s = batch::parse_shard(f.shard, [](const char* name) -> const char* { return std::getenv(name); });
    if (!s.ok()) return report_error("batch", s.error());
    o.shard = *s;
  }
  const bool tty = isatty(STDERR_FILENO);
  const bool show = f.progress == "always" || (f.progress == "auto" && tty && !f.quiet);
  const uint64_t known_total = show ? count_entries(f) : 0;
  bool shown = false;
  double last = -1;
  batch::ProgressFn progress = [&](const batch::BatchProgress& p) {
    if (!show || p.elapsed_s - last < 0.2) return;
    last = p.elapsed_s;
    print_progress(p, known_total);
    shown = true;
  };
  auto out = batch::run_batch(o, progress);
  if (shown) fmt::print(stderr, "\r\033[K");
  if (!out.ok()) return report_error("batch", out.error());
  if (out->torn_bytes)
    fmt::print(stderr, "mp4kit: batch: {}: cut off a torn last line ({} bytes) left by an interrupted run\n", f.records, out->torn_bytes);
  if (out->bad_lines) fmt::print(stderr, "mp4kit: warning: batch: {}: {} lines are not records (ignored)\n", f.records, out->bad_lines);
  const batch::BatchProgress& t = out->totals;
  const auto& st = t.by_status;
  rusage self{};
  getrusage(RUSAGE_SELF, &self);  // the batch process alone (its children are in the records)
  if (!f.quiet)
    fmt::print(stderr,
               "batch: {} inputs recorded in {:.1f} s ({:.1f}/s): {} ok, {} failed, {} timeout, {} crashed, {} skipped; "
               "batch process peak RSS {:.1f} MiB{}{}{}\n",
               t.recorded, t.elapsed_s, t.elapsed_s > 0 ? double(t.recorded) / t.elapsed_s : 0.0, st[0], st[1], st[2], st[3], st[4],
               double(self.ru_maxrss) / 1024.0,
               t.already_recorded ? fmt::format("; {} recorded before", t.already_recorded) : "",
               t.other_shards ? fmt::format("; {} in other shards", t.other_shards) : "",
               out->stop_signal ? fmt::format("; stopped by {}", batch::signal_name(out->stop_signal)) : "");
  if (out->reader_gone) return t.failed() ? kExitThreshold : kExitOk;  // `| head`: not an error
  if (out->stop_signal) {
    // The ledger is complete up to here; end as the signal would (128 + its number).
    std::fflush(stdout);
    std::signal(out->stop_signal, SIG_DFL);
    ::raise(out->stop_signal);
    return 128 + out->stop_signal;
  }
  return t.failed() ? kExitThreshold : kExitOk;
}

}  // namespace

void set_batch_command(std::vector<std::string> tail) {
  command_given() = true;
  command_tail() = std::move(tail);
}

void register_batch(CLI::App& app, std::function<int()>& run) {
  auto f = std::make_shared<BatchFlags>();
  CLI::App* cmd = app.add_subcommand(
      "batch", "Run one subcommand over many inputs in child processes, one JSON record per input (mp4kit batch INPUT... -- probe --json)");
  cmd->footer("After the flags and inputs: -- SUBCOMMAND [OPTIONS...] (probe, decode, seek or bench), run as "
              "'mp4kit SUBCOMMAND OPTIONS... INPUT' for each input; {stem} {name} {dir} {index} in OPTIONS are replaced per "
              "input. Exit 0: every input ok; 1: some failed (see the records); 64: usage. Records schema mp4kit.batch/1: "
              "README.md.");
  cmd->add_option("INPUT", f->inputs, "input files (also --files-from, --walk)");
  cmd->add_option("--files-from", f->files_from, "read inputs from FILE, or - for standard input: one per line (streamed)");
  cmd->add_flag("-0,--null", f->nul, "with --files-from: the list is NUL-separated (find -print0)");
  cmd->add_option("--walk", f->walk, "walk DIR recursively for inputs (repeatable; see --glob)");
  cmd->add_option("--glob", f->glob, "with --walk: file names must match this fnmatch pattern, e.g. '*.mp4'")->capture_default_str();
  cmd->add_option("-j,--jobs", f->jobs, "children at once (default: the CPUs this process may use)")->check(CLI::Range(1u, 4096u));
  cmd->add_option("--timeout", f->timeout_s, "seconds an input may run without a result: then SIGTERM, SIGKILL after --kill-after")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--kill-after", f->kill_after_s, "seconds between SIGTERM and SIGKILL")->capture_default_str()->check(CLI::NonNegativeNumber);
  cmd->add_option("--max-memory", f->max_memory_mb, "MiB of heap (RLIMIT_DATA) per child; 0 = no limit")->check(CLI::NonNegativeNumber);
  cmd->add_option("--records", f->records, "the records file (JSON Lines, appended with O_APPEND), or - for stdout")->capture_default_str();
  cmd->add_flag("--resume", f->resume, "skip the inputs --records holds already; a torn last line is cut off first");
  cmd->add_flag("--retry-failed", f->retry_failed, "with --resume: run the failed, timed-out and crashed inputs again");
  cmd->add_flag("--overwrite", f->overwrite, "start over: truncate --records and redo outputs that exist");
  cmd->add_option("--shard", f->shard, "K/N: only shard K (from 0) of N, by a stable hash of the input path; auto: from Slurm or Kubernetes");
  cmd->add_option("--group", f->group, "inputs per child for probe --json (default 256; 1: one per child)")->check(CLI::Range(1u, 100000u));
  cmd->add_option("--summary", f->summary, "merge these records files: counts per status, failures, inputs recorded twice");
  cmd->add_flag("--json", f->json, "with --summary: one JSON object (schema mp4kit.batch-summary/1)");
  cmd->add_flag("--quiet", f->quiet, "no progress and no summary line");
  cmd->add_option("--progress", f->progress, "auto (on a terminal), always, never")->check(CLI::IsMember({"auto", "always", "never"}))->capture_default_str();
  run = [f] { return run_batch_cmd(*f); };
}

}  // namespace mp4kit::cli
