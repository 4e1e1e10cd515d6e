// Running the mp4kit binary as a child process for the hardening tests: fork/exec with an
// argv (no shell), stdout/stderr captured to files, a wall-clock timeout, RLIMIT_AS, and
// the child's exit status, signal, wall time and peak RSS (wait4). `run_parallel` keeps up
// to N children running at once, for the thousands of damaged-file variants.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

namespace mp4kit::test {

struct ChildSpec {
  std::vector<std::string> argv;  ///< argv[0] is the program path
  double timeout_s = 10;          ///< SIGKILL after this many seconds (wall clock)
  uint64_t address_space_limit = 0;  ///< RLIMIT_AS in bytes; 0 = none
  std::string stdin_path = "/dev/null";
  std::string stdout_path;        ///< empty: a temp file, read back into ChildResult::out
};

struct ChildResult {
  int exit_code = -1;       ///< WEXITSTATUS, or -1 when killed by a signal
  int signal = 0;           ///< terminating signal, 0 if it exited
  bool timed_out = false;   ///< killed by us after timeout_s
  double wall_s = 0;
  uint64_t max_rss_kb = 0;  ///< ru_maxrss of the child
  std::string out, err;     ///< captured stdout (unless stdout_path was given) and stderr

  std::string describe() const {
    std::ostringstream s;
    if (timed_out) s << "timed out after " << wall_s << " s";
    else if (signal) s << "killed by signal " << signal << " (" << strsignal(signal) << ")";
    else s << "exit " << exit_code;
    return s.str();
  }
};

inline double now_s() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) / 1e9;
}

inline std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

inline std::string scratch_dir() {
  auto dir = std::filesystem::temp_directory_path() / ("mp4kit-tests-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  return dir.string();
}

namespace detail {

struct Running {
  pid_t pid = -1;
  double start = 0;
  size_t index = 0;
  std::string out_path, err_path;
  bool own_out = true;
  bool killed = false;
};

inline Running spawn(const ChildSpec& spec, size_t index, const std::string& dir) {
  Running r;
  r.index = index;
  r.own_out = spec.stdout_path.empty();
  r.out_path = r.own_out ? dir + "/out." + std::to_string(index) : spec.stdout_path;
  r.err_path = dir + "/err." + std::to_string(index);
  std::vector<char*> argv;
  for (const std::string& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  r.start = now_s();
  r.pid = fork();
  if (r.pid == 0) {
    int in = open(spec.stdin_path.c_str(), O_RDONLY);
    int out = open(r.out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = open(r.err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in < 0 || out < 0 || err < 0) _exit(127);
    dup2(in, 0);
    dup2(out, 1);
    dup2(err, 2);
    if (spec.address_space_limit) {
      rlimit lim{spec.address_space_limit, spec.address_space_limit};
      setrlimit(RLIMIT_AS, &lim);
    }
    rlimit core{0, 0};  // a crash is reported by its signal; no core files in the tree
    setrlimit(RLIMIT_CORE, &core);
    execv(argv[0], argv.data());
    _exit(127);
  }
  return r;
}

inline ChildResult collect(Running& r, int status, const rusage& ru) {
  ChildResult res;
  res.wall_s = now_s() - r.start;
  res.max_rss_kb = static_cast<uint64_t>(ru.ru_maxrss);
  res.timed_out = r.killed;
  if (WIFEXITED(status)) res.exit_code = WEXITSTATUS(status);
  else if (WIFSIGNALED(status)) res.signal = WTERMSIG(status);
  if (r.own_out) {
    res.out = slurp(r.out_path);
    std::filesystem::remove(r.out_path);
  }
  res.err = slurp(r.err_path);
  std::filesystem::remove(r.err_path);
  return res;
}

}  // namespace detail

/// Runs every spec with at most `jobs` children at once and calls `done(i, result)` in the
/// parent as each finishes (in completion order). `before(i)` runs just before spec i is
/// started (to write its input file), `after(i)` after it finished.
inline void run_parallel(size_t count, unsigned jobs, const std::function<ChildSpec(size_t)>& make_spec,
                         const std::function<void(size_t, const ChildResult&)>& done) {
  const std::string dir = scratch_dir();
  std::vector<detail::Running> running;
  std::vector<double> timeouts;
  size_t next = 0;
  if (jobs == 0) jobs = 1;
  while (next < count || !running.empty()) {
    while (next < count && running.size() < jobs) {
      ChildSpec spec = make_spec(next);
      running.push_back(detail::spawn(spec, next, dir));
      timeouts.push_back(spec.timeout_s);
      ++next;
    }
    int status = 0;
    rusage ru{};
    pid_t pid = wait4(-1, &status, WNOHANG, &ru);
    if (pid > 0) {
      for (size_t k = 0; k < running.size(); ++k) {
        if (running[k].pid != pid) continue;
        ChildResult res = detail::collect(running[k], status, ru);
        size_t index = running[k].index;
        running.erase(running.begin() + long(k));
        timeouts.erase(timeouts.begin() + long(k));
        done(index, res);
        break;
      }
      continue;
    }
    const double t = now_s();
    for (size_t k = 0; k < running.size(); ++k) {
      if (!running[k].killed && t - running[k].start > timeouts[k]) {
        kill(running[k].pid, SIGKILL);
        running[k].killed = true;
      }
    }
    usleep(300);
  }
}

/// Runs one child and waits for it.
inline ChildResult run_child(const ChildSpec& spec) {
  ChildResult out;
  run_parallel(1, 1, [&](size_t) { return spec; }, [&](size_t, const ChildResult& r) { out = r; });
  return out;
}

}  // namespace mp4kit::test
