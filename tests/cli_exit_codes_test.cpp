// The exit-code table of README.md ("Exit codes"), one test per code, through the real
// binary: 0, 64 usage, 65 malformed, 66 cannot open, 70 a limit of mp4kit, 74 I/O (the
// input shrinking while mapped; stdout failing). A closed stdout pipe is not an error.
// Every failure is exactly one line on stderr.
#include <doctest/doctest.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/user.h>

#include <filesystem>

#include "child_process.h"
#include "fixture_movie.h"
#include "test_util.h"

using namespace mp4kit::test;

namespace {

const std::string kSample = samples_dir() + "/h264_bframes_aac.mp4";

ChildResult run_mp4kit(std::vector<std::string> args, const std::string& stdout_path = "") {
  ChildSpec spec;
  spec.argv = {MP4KIT_BINARY};
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  spec.stdout_path = stdout_path;
  spec.timeout_s = 60;
  return run_child(spec);
}

void check_one_line(const ChildResult& r) {
  CHECK_MESSAGE(!r.err.empty(), "no message on stderr");
  CHECK_MESSAGE(std::count(r.err.begin(), r.err.end(), '\n') == 1, "stderr: " << r.err);
  CHECK(r.err.rfind("mp4kit: ", 0) == 0);
}

}  // namespace

TEST_CASE("exit 0: a good file") {
  ChildResult r = run_mp4kit({"probe", "--json", kSample});
  CHECK(r.describe() == "exit 0");
  CHECK(r.err.empty());
  CHECK(r.out.find("\"streams\"") != std::string::npos);
}

TEST_CASE("exit 64: usage errors") {
  for (std::vector<std::string> args : std::vector<std::vector<std::string>>{
           {"probe", "--no-such-flag", kSample}, {"probe"}, {"no-such-command"}, {"probe", "--max-depth", "many", kSample}}) {
    CAPTURE(args.size());
    ChildResult r = run_mp4kit(args);
    CHECK(r.describe() == "exit 64");
    check_one_line(r);
  }
}

TEST_CASE("exit 65: a malformed file names the box path and offset") {
  FixtureTables t;
  t.stsz_count_override = 1000000;  // stsz claims a million 4-byte entries in a 24-entry box
  std::string path = fixture_movie(t).to_file("exit65.mp4");
  ChildResult r = run_mp4kit({"probe", path});
  CHECK(r.describe() == "exit 65");
  check_one_line(r);
  CHECK(r.err.find("moov/trak[0]/mdia/minf/stbl/stsz at 0x") != std::string::npos);
  CHECK(r.err.find("sample_count 1000000") != std::string::npos);
  CHECK(r.out.empty());
}

TEST_CASE("exit 66: inputs that cannot be opened") {
  const std::string dir = scratch_dir();
  const std::string empty = dir + "/empty.mp4";
  std::fclose(std::fopen(empty.c_str(), "wb"));
  for (const std::string& path : {dir + "/does-not-exist.mp4", dir, empty}) {
    CAPTURE(path);
    ChildResult r = run_mp4kit({"probe", path});
    CHECK(r.describe() == "exit 66");
    check_one_line(r);
    CHECK(r.err.find(path) != std::string::npos);
  }
}

TEST_CASE("exit 70: a limit of mp4kit, with the flag that raises it") {
  ChildResult r = run_mp4kit({"probe", "--max-samples", "10", kSample});
  CHECK(r.describe() == "exit 70");
  check_one_line(r);
  CHECK(r.err.find("--max-samples") != std::string::npos);
  // Raised, the same file goes through.
  CHECK(run_mp4kit({"probe", "--max-samples", "1000", kSample}).describe() == "exit 0");

  ChildResult depth = run_mp4kit({"probe", "--max-depth", "2", kSample});
  CHECK(depth.describe() == "exit 70");
  CHECK(depth.err.find("--max-depth") != std::string::npos);

  ChildResult index = run_mp4kit({"probe", "--packets", "--max-index-mb", "0", kSample});
  CHECK(index.describe() == "exit 70");
  CHECK(index.err.find("--max-index-mb") != std::string::npos);
}

TEST_CASE("exit 74: stdout cannot be written (ENOSPC)") {
  ChildResult r = run_mp4kit({"probe", "--packets", "--json", kSample}, "/dev/full");
  CHECK(r.describe() == "exit 74");
  check_one_line(r);
  CHECK(r.err.find("No space left on device") != std::string::npos);
}

TEST_CASE("exit 0: a reader that closes the pipe early is not an error") {
  // `mp4kit probe --packets FILE | head -c 100`: the rest of the output hits EPIPE.
  const std::string err = scratch_dir() + "/epipe.err";
  auto r = run("bash -c " + quote(quote(MP4KIT_BINARY) + " probe --packets --json " + quote(kSample) + " 2>" + quote(err) +
                                  " | head -c 100 >/dev/null; echo ${PIPESTATUS[0]}"));
  CHECK(r.out == "0\n");
  CHECK(slurp(err).empty());
}

#if defined(__x86_64__)
namespace {

// Starts `mp4kit ARGS` under ptrace, lets it run until it has mmap()ed `input`, truncates
// `input` to `cut` bytes at that moment, and lets it finish. Deterministic: the cut
// happens after the mapping exists and before mp4kit has read a byte through it.
ChildResult run_truncated_after_map(const std::vector<std::string>& args, const std::string& input, uint64_t cut) {
  const std::string dir = scratch_dir();
  const std::string out_path = dir + "/trunc.out", err_path = dir + "/trunc.err";
  const uint64_t size = std::filesystem::file_size(input);
  std::vector<std::string> argv = {MP4KIT_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  pid_t pid = fork();
  if (pid == 0) {
    int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(out, 1);
    dup2(err, 2);
    std::vector<char*> a;
    for (auto& s : argv) a.push_back(s.data());
    a.push_back(nullptr);
    ptrace(PTRACE_TRACEME, 0, nullptr, nullptr);
    raise(SIGSTOP);
    execv(a[0], a.data());
    _exit(127);
  }
  ChildResult res;
  int status = 0;
  waitpid(pid, &status, 0);  // the SIGSTOP
  ptrace(PTRACE_SETOPTIONS, pid, nullptr, reinterpret_cast<void*>(PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL));
  bool cut_done = false;
  int deliver = 0;
  while (!cut_done) {
    if (ptrace(PTRACE_SYSCALL, pid, nullptr, reinterpret_cast<void*>(intptr_t(deliver))) != 0) break;
    deliver = 0;
    if (waitpid(pid, &status, 0) != pid || WIFEXITED(status) || WIFSIGNALED(status)) break;
    if (!WIFSTOPPED(status)) continue;
    if (WSTOPSIG(status) != (SIGTRAP | 0x80)) {
      if (WSTOPSIG(status) != SIGTRAP) deliver = WSTOPSIG(status);  // pass real signals on; drop exec's SIGTRAP
      continue;
    }
    user_regs_struct regs{};
    ptrace(PTRACE_GETREGS, pid, nullptr, &regs);
    const bool exit_stop = static_cast<long>(regs.rax) != -ENOSYS;
    if (regs.orig_rax != SYS_mmap || !exit_stop || static_cast<long>(regs.rax) < 0) continue;
    if (regs.rsi != size || static_cast<long>(regs.r8) < 0) continue;  // length, fd
    std::error_code ec;
    auto target = std::filesystem::read_symlink("/proc/" + std::to_string(pid) + "/fd/" + std::to_string(regs.r8), ec);
    if (ec || target != std::filesystem::canonical(input)) continue;
    REQUIRE(truncate(input.c_str(), static_cast<off_t>(cut)) == 0);
    cut_done = true;
  }
  REQUIRE_MESSAGE(cut_done, "mp4kit never mapped " << input);
  ptrace(PTRACE_DETACH, pid, nullptr, nullptr);
  rusage ru{};
  wait4(pid, &status, 0, &ru);
  if (WIFEXITED(status)) res.exit_code = WEXITSTATUS(status);
  else if (WIFSIGNALED(status)) res.signal = WTERMSIG(status);
  res.out = slurp(out_path);
  res.err = slurp(err_path);
  return res;
}

}  // namespace

TEST_CASE("exit 74: the input is truncated by another process while mp4kit has it mapped (no SIGBUS)") {
  const std::string dir = scratch_dir();
  // moov first, at 28..5966: cut inside moov at a page boundary, so the parse itself runs
  // into a missing page (a cut inside a page leaves zeros there, not a fault).
  const std::string a = dir + "/shrinking-moov.mp4";
  std::filesystem::copy_file(samples_dir() + "/hevc_aac.mp4", a, std::filesystem::copy_options::overwrite_existing);
  ChildResult r = run_truncated_after_map({"probe", "--packets", "--json", a}, a, 4096);
  CHECK(r.describe() == "exit 74");
  check_one_line(r);
  CHECK(r.err.find("the file shrank to 4096 bytes") != std::string::npos);
  // --json: no packet table, only the error record of the input.
  CHECK(r.out.find("\"error\":{\"exit_code\":74,\"code\":\"io\"") != std::string::npos);
  CHECK(r.out.find("packets") == std::string::npos);

  // mdat first, moov at the end: cut everything, so even the first box header faults.
  const std::string b = dir + "/shrinking-all.mov";
  std::filesystem::copy_file(samples_dir() + "/audio_only_pcm.mov", b, std::filesystem::copy_options::overwrite_existing);
  ChildResult r2 = run_truncated_after_map({"probe", b}, b, 0);
  CHECK(r2.describe() == "exit 74");
  check_one_line(r2);
  // The offset is that of the first read that failed, inside the first page.
  CHECK(r2.err.find(": file at 0x") != std::string::npos);
  CHECK(r2.err.find("the file shrank to 0 bytes (from 32653)") != std::string::npos);
}
#endif

TEST_CASE("exit 70: $MP4KIT_DECODE_MODULE, when set, is the only module tried") {
  // The build tree has a working module next to the executable; the variable still wins.
  const auto r = mp4kit::test::run("MP4KIT_DECODE_MODULE=/nonexistent/mp4kit_decode.so " + mp4kit::test::quote(MP4KIT_BINARY) +
                           " decode " + mp4kit::test::quote(kSample) + " 2>&1; echo \"rc=$?\"");
  CHECK(r.out.find("/nonexistent/mp4kit_decode.so") != std::string::npos);
  CHECK(r.out.find("rc=70") != std::string::npos);
}

TEST_CASE("exit 70: every subcommand takes the Limits flags and names the one to raise") {
  for (const char* sub : {"probe", "decode", "seek", "bench"}) {
    std::vector<std::string> args = {sub, "--max-samples", "10"};
    if (std::string(sub) == "seek") args.insert(args.end(), {"--frame", "0", "--format", "null"});
    if (std::string(sub) == "bench") args.insert(args.end(), {"--runs", "1", "--cache", "warm"});
    args.push_back(kSample);
    INFO(sub);
    ChildResult r = run_mp4kit(args);
    CHECK(r.describe() == "exit 70");
    CHECK(r.err.find("--max-samples") != std::string::npos);
  }
}
