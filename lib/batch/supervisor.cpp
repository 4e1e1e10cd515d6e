// The child supervisor: see supervisor.h.
#include "batch/supervisor.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <optional>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <list>
#include <nlohmann/json.hpp>

namespace mp4kit::batch {

namespace {

constexpr size_t kMaxStdout = 64u << 20;  // a child's stdout kept for its record (64 MiB)
constexpr size_t kMaxStderr = 64u << 10;  // the start of its stderr kept for the error line

int g_sig_pipe[2] = {-1, -1};

extern "C" void on_signal(int sig) {
  const int saved = errno;
  const unsigned char b = static_cast<unsigned char>(sig);
  [[maybe_unused]] ssize_t n = ::write(g_sig_pipe[1], &b, 1);  // full pipe: a wake-up is pending anyway
  errno = saved;
}

double now_s() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) / 1e9;
}

double seconds(const timeval& tv) { return double(tv.tv_sec) + double(tv.tv_usec) / 1e6; }

Error sys_error(const char* what) { return make_error(ErrorCode::kInternal, "", 0, std::string("batch: ") + what + ": " + std::strerror(errno)); }

// The handlers run() installs, restored when it returns.
class SignalScope {
 public:
  Status install() {
    if (::pipe2(g_sig_pipe, O_CLOEXEC | O_NONBLOCK) != 0) return sys_error("pipe2");
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    for (size_t i = 0; i < kSignals.size(); ++i) {
      struct sigaction use = sa;
      if (kSignals[i] == SIGCHLD) use.sa_flags |= SA_NOCLDSTOP;
      sigaction(kSignals[i], &use, &old_[i]);
    }
    return Ok{};
  }
  ~SignalScope() {
    for (size_t i = 0; i < kSignals.size(); ++i) sigaction(kSignals[i], &old_[i], nullptr);
    for (int& fd : g_sig_pipe)
      if (fd >= 0) ::close(fd), fd = -1;
  }
  static constexpr std::array<int, 4> kSignals{SIGINT, SIGTERM, SIGHUP, SIGCHLD};

 private:
  std::array<struct sigaction, 4> old_{};
};

enum class Fault : uint8_t { kNone, kCrash, kHang, kAlloc };

struct Child {
  pid_t pid = -1;
  int out_fd = -1, err_fd = -1;
  WorkUnit unit;
  bool grouped = false;
  std::string out, err;
  bool out_truncated = false;
  size_t reported = 0;                 // grouped: inputs whose record line came
  std::vector<InputRecord> held;       // grouped: their records, written when the child ends
  double start = 0, last_progress = 0;
  double term_at = 0;                  // when SIGTERM was sent (timeout), 0 if not
  bool timed_out = false, killed = false, stopped_by_signal = false;
  bool exited = false;
  int wait_status = 0;
  rusage usage{};
  bool protocol_error = false;         // a group's line did not match its input
};

// The record line of a grouped probe: its filename ("filename", or "format"."filename"),
// whether it is an error record, and the error's exit code and message. The line is
// validated whole (it is spliced into the record as it is), but through a SAX pass that keeps
// only those four values: no DOM, so the batch process's cost per input stays small next to
// the probe's own (scripts/bench-batch.sh).
class GroupLineFields {
 public:
  using json = nlohmann::json;
  std::string filename;
  bool has_filename = false, is_error = false;
  int exit_code = 65;
  std::string message;

  bool null() { return scalar(); }
  bool boolean(bool) { return scalar(); }
  bool number_integer(json::number_integer_t v) { return number(double(v)); }
  bool number_unsigned(json::number_unsigned_t v) { return number(double(v)); }
  bool number_float(json::number_float_t v, const json::string_t&) { return number(v); }
  bool binary(json::binary_t&) { return scalar(); }
  bool string(json::string_t& v) {
    if (at("filename", 1) || (at("filename", 2) && parent_is("format"))) filename = v, has_filename = true;
    else if (at("message", 2) && parent_is("error")) message = v;
    return scalar();
  }
  bool start_object(std::size_t) {
    if (at("error", 1)) is_error = true;
    return open(true);
  }
  bool start_array(std::size_t) { return open(false); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }
  bool key(json::string_t& k) {
    if (depth_ <= kKeep) keys_[depth_ - 1] = k;
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) { return false; }

 private:
  static constexpr int kKeep = 2;  // the key path is kept to this depth
  int depth_ = 0;
  std::string keys_[kKeep];
  bool in_object_[kKeep + 1] = {};

  // The value being read is the one under key `k` of an object at depth `d`.
  bool at(const char* k, int d) const { return depth_ == d && in_object_[d - 1] && keys_[d - 1] == k; }
  bool parent_is(const char* k) const { return in_object_[0] && keys_[0] == k; }
  bool number(double v) {
    if (at("exit_code", 2) && parent_is("error")) exit_code = int(v);
    return scalar();
  }
  static bool scalar() { return true; }
  bool open(bool is_object) {
    if (depth_ < kKeep + 1) in_object_[depth_] = is_object;
    ++depth_;
    return true;
  }
  bool close() {
    --depth_;
    return true;
  }
};

bool parse_group_line(std::string_view line, std::string& filename, bool& is_error, int& exit_code, std::string& message) {
  GroupLineFields f;
  if (line.empty() || line.front() != '{') return false;
  if (!nlohmann::json::sax_parse(line.begin(), line.end(), &f)) return false;
  if (!f.has_filename) return false;
  filename = std::move(f.filename);
  is_error = f.is_error;
  exit_code = f.is_error ? f.exit_code : 0;
  message = std::move(f.message);
  return true;
}

class Loop {
 public:
  Loop(const SupervisorOptions& o, const Supervisor::NextUnit& next, const Supervisor::OnRecord& on_record,
       const Supervisor::OnTick& on_tick)
      : o_(o), next_(next), on_record_(on_record), on_tick_(on_tick) {}

  Result<int> run();

 private:
  Fault fault_for(const WorkUnit& u) const;
  Status spawn(WorkUnit&& unit);
  void read_fd(Child& c, int& fd, bool is_out);
  void take_group_lines(Child& c);
  void reap();
  void finish(Child& c);
  void emit(InputRecord&& r);
  void check_timeouts(double now);
  void stop_all(int sig);
  bool pull(WorkUnit& u);

  const SupervisorOptions& o_;
  const Supervisor::NextUnit& next_;
  const Supervisor::OnRecord& on_record_;
  const Supervisor::OnTick& on_tick_;
  std::list<Child> children_;
  std::deque<WorkItem> solo_retries_;
  bool inputs_done_ = false;
  int stop_signal_ = 0;
  int signals_seen_ = 0;
  double stop_at_ = 0;
  std::optional<Error> error_;
};

Fault Loop::fault_for(const WorkUnit& u) const {
  for (const WorkItem& w : u.items) {
    if (!o_.fault.crash_marker.empty() && w.input.find(o_.fault.crash_marker) != std::string::npos) return Fault::kCrash;
    if (!o_.fault.hang_marker.empty() && w.input.find(o_.fault.hang_marker) != std::string::npos) return Fault::kHang;
    if (!o_.fault.alloc_marker.empty() && w.input.find(o_.fault.alloc_marker) != std::string::npos) return Fault::kAlloc;
  }
  return Fault::kNone;
}

Status Loop::spawn(WorkUnit&& unit) {
  // argv is built before fork(): the child only calls async-signal-safe functions.
  std::vector<std::string> args;
  args.push_back(o_.program);
  const bool grouped = !unit.group_args.empty();
  if (grouped) {
    args.insert(args.end(), unit.group_args.begin(), unit.group_args.end());
    bool dash = false;
    for (const WorkItem& w : unit.items) dash = dash || (!w.input.empty() && w.input[0] == '-');
    if (dash) args.push_back("--");  // an input named "-x.mp4" is not an option
    for (const WorkItem& w : unit.items) args.push_back(w.input);
  } else {
    const WorkItem& w = unit.items.front();
    args.insert(args.end(), w.args.begin(), w.args.end());
    if (!w.input.empty() && w.input[0] == '-') args.insert(args.end() - 1, "--");
  }
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const Fault fault = fault_for(unit);
  const rlim_t mem = rlim_t(o_.max_memory_mb) << 20;

  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return sys_error("pipe2");
  if (::pipe2(err, O_CLOEXEC) != 0) {
    ::close(out[0]), ::close(out[1]);
    return sys_error("pipe2");
  }
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    for (int fd : {out[0], out[1], err[0], err[1]}) ::close(fd);
    return sys_error("fork");
  }
  if (pid == 0) {
    // The child: default dispositions and mask, its pipes, its limits, then exec.
    for (int s : SignalScope::kSignals) ::signal(s, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);  // the batch died between fork and prctl
    const int in = ::open("/dev/null", O_RDONLY);
    if (in >= 0) ::dup2(in, STDIN_FILENO);
    ::dup2(out[1], STDOUT_FILENO);
    ::dup2(err[1], STDERR_FILENO);
    if (mem) {
      const rlimit lim{mem, mem};
      ::setrlimit(RLIMIT_DATA, &lim);
    }
    if (fault == Fault::kCrash) {
      ::signal(SIGSEGV, SIG_DFL);
      ::raise(SIGSEGV);
    } else if (fault == Fault::kHang) {
      ::signal(SIGTERM, SIG_IGN);
      for (;;) ::pause();
    } else if (fault == Fault::kAlloc) {
      // The parent is single-threaded, so malloc is usable after fork().
      for (;;) {
        void* p = std::malloc(1 << 20);
        if (!p) std::abort();
        std::memset(p, 1, 1 << 20);
      }
    }
    ::execv(argv[0], argv.data());
    const char* msg = "mp4kit: batch: cannot run the mp4kit binary: ";
    [[maybe_unused]] ssize_t n = ::write(STDERR_FILENO, msg, std::strlen(msg));
    const char* why = std::strerror(errno);
    n = ::write(STDERR_FILENO, why, std::strlen(why));
    n = ::write(STDERR_FILENO, "\n", 1);
    ::_exit(127);
  }
  ::close(out[1]);
  ::close(err[1]);
  ::fcntl(out[0], F_SETFL, O_NONBLOCK);
  ::fcntl(err[0], F_SETFL, O_NONBLOCK);
  Child& c = children_.emplace_back();
  c.pid = pid;
  c.out_fd = out[0];
  c.err_fd = err[0];
  c.grouped = grouped;
  c.unit = std::move(unit);
  c.start = c.last_progress = now_s();
  return Ok{};
}

void Loop::read_fd(Child& c, int& fd, bool is_out) {
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    if (n <= 0) {
      ::close(fd);
      fd = -1;
      return;
    }
    std::string& s = is_out ? c.out : c.err;
    const size_t cap = is_out ? kMaxStdout : kMaxStderr;
    if (s.size() < cap) s.append(buf, std::min(size_t(n), cap - s.size()));
    if (is_out && size_t(n) > 0 && s.size() >= cap && !c.grouped) c.out_truncated = true;
    if (is_out && c.grouped) take_group_lines(c);
  }
}

void Loop::take_group_lines(Child& c) {
  size_t at = 0;
  for (;;) {
    const size_t nl = c.out.find('\n', at);
    if (nl == std::string::npos) break;
    const std::string_view line(c.out.data() + at, nl - at);
    at = nl + 1;
    if (c.protocol_error || c.reported >= c.unit.items.size()) {
      c.protocol_error = true;
      break;
    }
    WorkItem& w = c.unit.items[c.reported];
    std::string filename, message;
    bool is_error = false;
    int code = 0;
    if (!parse_group_line(line, filename, is_error, code, message) || filename != w.shown) {
      // Not the record of the input expected next: trust none of the rest; those inputs are
      // run again one per child.
      c.protocol_error = true;
      if (!c.killed) ::kill(c.pid, SIGKILL), c.killed = true;
      break;
    }
    const double now = now_s();
    InputRecord r;
    r.input = w.shown;
    r.index = w.index;
    r.retry = w.retry;
    r.outputs = w.outputs;
    r.status = is_error ? RunStatus::kFailed : RunStatus::kOk;
    r.exit_code = is_error ? code : 0;
    r.error = message;
    r.wall_s = now - c.last_progress;
    r.result.assign(line);
    c.last_progress = now;
    c.held.push_back(std::move(r));
    ++c.reported;
  }
  c.out.erase(0, at);
}

void Loop::emit(InputRecord&& r) {
  if (error_) return;
  if (Status s = on_record_(std::move(r)); !s.ok()) {
    error_ = s.error();
    stop_all(0);
  }
}

void Loop::finish(Child& c) {
  const bool signaled = WIFSIGNALED(c.wait_status);
  const int sig = signaled ? WTERMSIG(c.wait_status) : 0;
  const int code = WIFEXITED(c.wait_status) ? WEXITSTATUS(c.wait_status) : -1;
  const double wall = now_s() - c.start;
  const double cpu = seconds(c.usage.ru_utime) + seconds(c.usage.ru_stime);
  const uint64_t rss = uint64_t(c.usage.ru_maxrss);
  // Ended by the signal that stops the batch (forwarded, or sent by the terminal to the
  // whole process group): in flight, no record.
  const bool in_flight = stop_signal_ != 0 && !c.timed_out && (signaled || code == 128 + stop_signal_);
  if (c.grouped) {
    for (InputRecord& r : c.held) {
      r.cpu_s = cpu;
      r.max_rss_kb = rss;
      r.group_size = uint32_t(c.unit.items.size());
      emit(std::move(r));
    }
    if (c.reported < c.unit.items.size() && !in_flight && !stop_signal_)
      for (size_t i = c.reported; i < c.unit.items.size(); ++i) {
        WorkItem& w = c.unit.items[i];
        w.args = c.unit.group_args;
        w.args.push_back(w.input);
        solo_retries_.push_back(std::move(w));
      }
    return;
  }
  if (in_flight) return;
  WorkItem& w = c.unit.items.front();
  InputRecord r;
  r.input = w.shown;
  r.index = w.index;
  r.retry = w.retry;
  r.outputs = std::move(w.outputs);
  r.wall_s = wall;
  r.cpu_s = cpu;
  r.max_rss_kb = rss;
  if (!signaled) r.exit_code = code;
  r.signal = sig;
  if (c.timed_out) {
    r.status = RunStatus::kTimeout;
    char secs[32];
    std::snprintf(secs, sizeof secs, "%g", o_.timeout_s);
    r.error = std::string("no result after ") + secs + " s (--timeout): stopped with " + signal_name(sig ? sig : SIGTERM);
  } else if (signaled) {
    r.status = RunStatus::kCrashed;
    r.error = "killed by " + signal_name(sig) + " (" + strsignal(sig) + ")";
  } else {
    r.status = code == 0 ? RunStatus::kOk : RunStatus::kFailed;
    if (code != 0) r.error = error_line(c.err, w.shown);
  }
  if (!c.out_truncated) r.result = embeddable_json(c.out);  // else too large to embed: no result
  // A failure that printed its JSON error record: the record's message, as a grouped child's
  // inputs get it (the stderr line adds the location prefix).
  if (r.status == RunStatus::kFailed && !r.result.empty()) {
    const nlohmann::json j = nlohmann::json::parse(r.result, nullptr, false);
    if (j.is_object())
      if (auto e = j.find("error"); e != j.end() && e->is_object())
        if (auto m = e->find("message"); m != e->end() && m->is_string() && !m->get_ref<const std::string&>().empty())
          r.error = m->get<std::string>();
  }
  if (r.status != RunStatus::kOk && r.error.empty()) r.error = "exit " + std::to_string(code) + " with no message";
  emit(std::move(r));
}

void Loop::reap() {
  for (;;) {
    int status = 0;
    rusage ru{};
    const pid_t pid = ::wait4(-1, &status, WNOHANG, &ru);
    if (pid <= 0) return;
    for (Child& c : children_)
      if (c.pid == pid) {
        c.exited = true;
        c.wait_status = status;
        c.usage = ru;
      }
  }
}

void Loop::check_timeouts(double now) {
  // Stopping: a child that outlives the forwarded signal by kill_after_s gets SIGKILL.
  if ((stop_signal_ || error_) && now - stop_at_ >= o_.kill_after_s)
    for (Child& c : children_)
      if (!c.exited && !c.killed) ::kill(c.pid, SIGKILL), c.killed = true;
  if (o_.timeout_s <= 0) return;
  for (Child& c : children_) {
    if (c.exited) continue;
    if (!c.timed_out && now - c.last_progress >= o_.timeout_s) {
      c.timed_out = true;
      c.term_at = now;
      ::kill(c.pid, SIGTERM);
    } else if (c.timed_out && !c.killed && now - c.term_at >= o_.kill_after_s) {
      c.killed = true;
      ::kill(c.pid, SIGKILL);
    }
  }
}

void Loop::stop_all(int sig) {
  if (sig) stop_signal_ = sig;
  ++signals_seen_;
  stop_at_ = now_s();
  for (Child& c : children_) {
    if (c.exited) continue;
    if (signals_seen_ > 1 || sig == 0) ::kill(c.pid, SIGKILL), c.killed = true;
    else ::kill(c.pid, sig);
  }
}

bool Loop::pull(WorkUnit& u) {
  u = WorkUnit{};
  if (!solo_retries_.empty()) {
    u.items.push_back(std::move(solo_retries_.front()));
    solo_retries_.pop_front();
    return true;
  }
  if (inputs_done_) return false;
  if (!next_(u)) inputs_done_ = true;
  return !inputs_done_;
}

Result<int> Loop::run() {
  SignalScope signals;
  MP4KIT_TRY(signals.install());
  double last_tick = 0;
  bool tick_due = false;
  for (;;) {
    while (!stop_signal_ && !error_ && children_.size() < o_.jobs) {
      WorkUnit u;
      if (!pull(u)) break;
      if (Status s = spawn(std::move(u)); !s.ok()) {
        error_ = s.error();
        stop_all(0);
      }
    }
    if (children_.empty() && (stop_signal_ || error_ || (inputs_done_ && solo_retries_.empty()))) break;
    if (on_tick_ && (tick_due || now_s() - last_tick >= 0.25)) {  // after the spawns: `running` is current
      on_tick_(children_.size());
      last_tick = now_s();
      tick_due = false;
    }

    std::vector<pollfd> fds;
    fds.push_back({g_sig_pipe[0], POLLIN, 0});
    for (Child& c : children_) {
      if (c.out_fd >= 0) fds.push_back({c.out_fd, POLLIN, 0});
      if (c.err_fd >= 0) fds.push_back({c.err_fd, POLLIN, 0});
    }
    int wait_ms = 250;
    if (o_.timeout_s > 0 || stop_signal_ || error_) wait_ms = std::min(wait_ms, 50);
    const int n = ::poll(fds.data(), fds.size(), wait_ms);
    if (n < 0 && errno != EINTR) {
      error_ = sys_error("poll");
      stop_all(0);
    }
    if (fds[0].revents & POLLIN) {
      unsigned char sigs[64];
      ssize_t got;
      while ((got = ::read(g_sig_pipe[0], sigs, sizeof sigs)) > 0)
        for (ssize_t i = 0; i < got; ++i)
          if (sigs[i] != SIGCHLD) stop_all(sigs[i]);
    }
    for (Child& c : children_) {
      if (c.out_fd >= 0) read_fd(c, c.out_fd, true);
      if (c.err_fd >= 0) read_fd(c, c.err_fd, false);
    }
    reap();
    const double now = now_s();
    check_timeouts(now);
    for (auto it = children_.begin(); it != children_.end();) {
      if (it->exited && it->out_fd < 0 && it->err_fd < 0) {
        finish(*it);
        it = children_.erase(it);
        tick_due = true;
      } else {
        ++it;
      }
    }
  }
  if (error_) return *error_;
  return stop_signal_;
}

}  // namespace

FaultHook fault_hook_from_env() {
  FaultHook h;
  const char* e = std::getenv("MP4KIT_TEST_BATCH_FAULT");
  if (!e) return h;
  std::string_view s(e);
  while (!s.empty()) {
    const size_t comma = s.find(',');
    std::string_view part = s.substr(0, comma);
    if (part.rfind("crash=", 0) == 0) h.crash_marker = part.substr(6);
    else if (part.rfind("hang=", 0) == 0) h.hang_marker = part.substr(5);
    else if (part.rfind("alloc=", 0) == 0) h.alloc_marker = part.substr(6);
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  return h;
}

Result<int> Supervisor::run(const NextUnit& next, const OnRecord& on_record, const OnTick& on_tick) {
  Loop loop(o_, next, on_record, on_tick);
  return loop.run();
}

}  // namespace mp4kit::batch
