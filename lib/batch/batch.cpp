// The batch engine: see batch.h.
#include "batch/batch.h"

#include <sys/stat.h>
#include <time.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>

#include "batch/command.h"
#include "batch/ledger.h"

namespace mp4kit::batch {

namespace {

constexpr unsigned kDefaultGroup = 256;  // scripts/bench-batch.sh: 64 left a third of the time in process starts

double now_s() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) / 1e9;
}

const char* file_kind(mode_t m) {
  if (S_ISFIFO(m)) return "a FIFO";
  if (S_ISDIR(m)) return "a directory";
  if (S_ISCHR(m)) return "a character device";
  if (S_ISBLK(m)) return "a block device";
  if (S_ISSOCK(m)) return "a socket";
  return "not a regular file";
}

class Engine {
 public:
  Engine(const BatchOptions& o, CommandTemplate cmd, Ledger ledger, std::optional<ResumeSet> resume, const ProgressFn& p)
      : o_(o), cmd_(std::move(cmd)), ledger_(std::move(ledger)), resume_(std::move(resume)), progress_(p), list_(o.inputs) {
    group_ = cmd_.groupable ? (o.group ? o.group : kDefaultGroup) : 1;
    start_ = now_s();
  }

  Result<BatchOutcome> run() {
    SupervisorOptions so;
    so.program = o_.program;
    so.jobs = o_.jobs ? o_.jobs : 1;
    so.timeout_s = o_.timeout_s;
    so.kill_after_s = o_.kill_after_s;
    so.max_memory_mb = o_.max_memory_mb;
    so.fault = o_.fault;
    Supervisor sup(so);
    auto got = sup.run([this](WorkUnit& u) { return next_unit(u); },
                       [this](InputRecord&& r) { return record(std::move(r)); },
                       [this](size_t running) { tick(running); });
    const bool reader_gone = ledger_error_ && ledger_.path() == "-" && ledger_.last_errno() == EPIPE;
    if (!got.ok() && !reader_gone) return got.error();
    if (list_error_) return *list_error_;
    if (ledger_error_ && !reader_gone) return *ledger_error_;
    BatchOutcome out;
    out.reader_gone = reader_gone;
    p_.running = 0;
    p_.elapsed_s = now_s() - start_;
    out.totals = p_;
    out.stop_signal = got.ok() ? *got : 0;
    return out;
  }

 private:
  bool next_unit(WorkUnit& u) {
    if (list_error_ || ledger_error_) return false;
    if (group_ > 1) u.group_args = cmd_.args;
    std::string input;
    while (u.items.size() < group_) {
      auto more = list_.next(input);
      if (!more.ok()) {
        list_error_ = more.error();
        break;
      }
      if (!*more) {
        p_.enumerated = true;
        break;
      }
      const uint64_t index = p_.inputs++;
      // Shards, records and --resume go by the name the record shows (a URL without its
      // query string): a re-signed presigned URL is still the same input.
      std::string shown = shown_input(input, cmd_.show_url_query);
      if (!in_shard(shown, o_.shard)) {
        ++p_.other_shards;
        continue;
      }
      if (resume_ && resume_->done(shown)) {
        ++p_.already_recorded;
        continue;
      }
      WorkItem w;
      w.retry = resume_ && resume_->failed_before(shown);
      w.index = index;
      w.input = input;
      w.shown = std::move(shown);
      if (!prepare(w)) continue;
      u.items.push_back(std::move(w));
      if (ledger_error_) break;
    }
    if (u.items.size() == 1) u.group_args.clear();  // one input: a plain child, its own record
    return !u.items.empty();
  }

  // Checks an input before a child runs it; false when it was recorded here instead.
  bool prepare(WorkItem& w) {
    struct stat st {};
    if (::stat(w.input.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
      InputRecord r = base(w);
      r.status = RunStatus::kFailed;
      r.exit_code = 66;
      r.error = std::string("cannot open: ") + file_kind(st.st_mode) + ", not a regular file";
      record_here(std::move(r));
      return false;
    }
    ExpandedCommand e = expand_command(cmd_, w.input, w.index);
    w.args = std::move(e.args);
    w.outputs = std::move(e.outputs);
    for (const std::string& out : w.outputs) {
      std::error_code ec;
      if (!o_.overwrite && !is_frame_pattern(out) && std::filesystem::exists(out, ec)) {
        InputRecord r = base(w);
        r.status = RunStatus::kSkipped;
        r.exit_code.reset();
        r.error = "output exists: '" + out + "' (pass --overwrite to redo it)";
        record_here(std::move(r));
        return false;
      }
      const std::filesystem::path dir = std::filesystem::path(out).parent_path();
      if (!dir.empty() && !std::filesystem::create_directories(dir, ec) && ec) {
        InputRecord r = base(w);
        r.status = RunStatus::kFailed;
        r.exit_code = 73;
        r.error = "cannot create the output directory '" + dir.string() + "': " + ec.message();
        record_here(std::move(r));
        return false;
      }
    }
    return true;
  }

  InputRecord base(const WorkItem& w) {
    InputRecord r;
    r.input = w.shown;
    r.index = w.index;
    r.retry = w.retry;
    r.outputs = w.outputs;
    return r;
  }

  // A record made before any child (the error is kept in ledger_error_ and ends the run).
  void record_here(InputRecord&& r) { static_cast<void>(record(std::move(r))); }

  Status record(InputRecord&& r) {
    const std::string line = format_record(r);
    if (Status s = ledger_.append(line); !s.ok()) {
      if (!ledger_error_) ledger_error_ = s.error();
      return s;
    }
    ++p_.recorded;
    ++p_.by_status[size_t(r.status)];
    return Ok{};
  }

  void tick(size_t running) {
    p_.running = running;
    p_.elapsed_s = now_s() - start_;
    if (progress_) progress_(p_);
  }

  const BatchOptions& o_;
  CommandTemplate cmd_;
  Ledger ledger_;
  std::optional<ResumeSet> resume_;
  const ProgressFn& progress_;
  InputList list_;
  unsigned group_ = 1;
  double start_ = 0;
  BatchProgress p_;
  std::optional<Error> list_error_, ledger_error_;
};

}  // namespace

Result<BatchOutcome> run_batch(const BatchOptions& o, const ProgressFn& progress) {
  auto usage = [](std::string m) { return make_error(ErrorCode::kUsage, "", 0, std::move(m)); };
  const bool many = o.inputs.paths.size() + o.inputs.walk.size() > 1 || !o.inputs.files_from.empty() || !o.inputs.walk.empty();
  auto cmd = make_command(o.command, many);
  if (!cmd.ok()) return cmd.error();
  if (o.retry_failed && !o.resume) return usage("--retry-failed needs --resume");
  if (o.resume && o.records == "-") return usage("--resume needs --records FILE (the ledger to continue)");
  if (o.resume && o.overwrite) return usage("--resume and --overwrite contradict each other: continue the ledger, or start over");
  BatchOutcome scan_info;
  std::optional<ResumeSet> resume;
  if (o.records != "-" && !o.resume && !o.overwrite) {
    struct stat st {};
    if (::stat(o.records.c_str(), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
      return usage("--records '" + o.records + "' holds records already: pass --resume to continue that run, or --overwrite "
                   "to start over (and redo existing outputs)");
  }
  if (o.resume) {
    auto scan = load_ledger(o.records, o.retry_failed);
    if (!scan.ok()) return scan.error();
    scan_info.torn_bytes = scan->torn_bytes;
    scan_info.bad_lines = scan->bad_lines;
    scan_info.resumed_records = scan->records;
    resume = std::move(scan->resume);
  }
  auto ledger = Ledger::open(o.records, o.overwrite && o.records != "-");
  if (!ledger.ok()) return ledger.error();
  Engine engine(o, std::move(cmd).value(), std::move(ledger).value(), std::move(resume), progress);
  auto out = engine.run();
  if (!out.ok()) return out.error();
  out->torn_bytes = scan_info.torn_bytes;
  out->bad_lines = scan_info.bad_lines;
  out->resumed_records = scan_info.resumed_records;
  return out;
}

}  // namespace mp4kit::batch
