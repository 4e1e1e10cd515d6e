// decode and seek as scripts use them (README "Exit codes", "JSON output"): a closed pipe is
// not an error for any format, -o FILE.ext picks the format, signals remove temporary
// outputs and exit as the shell expects, and decode --json is one record.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "decode_test_util.h"

namespace mp4kit::test {
namespace {

std::string bin() { return MP4KIT_BINARY; }
std::string sample(const char* name) { return samples_dir() + "/" + name; }

// `CMD | head -c BYTES`: the exit status of CMD and its stderr.
std::pair<std::string, std::string> into_head(const std::string& cmd, int bytes) {
  const std::string err = temp_dir() + "/head.err";
  auto r = run("bash -c " + quote(cmd + " 2>" + quote(err) + " | head -c " + std::to_string(bytes) + " >/dev/null; echo ${PIPESTATUS[0]}"));
  return {r.out, slurp_file(err)};
}

size_t entries(const std::string& dir) {
  size_t n = 0;
  for (auto& e : std::filesystem::directory_iterator(dir)) (void)e, ++n;
  return n;
}

}  // namespace

TEST_CASE("a closed stdout pipe is not an error for any format of decode and seek") {
  const std::string f = quote(sample("h264_bframes_aac.mp4"));
  for (const char* format : {"y4m", "raw", "framemd5"}) {
    INFO("decode ", format);
    auto [rc, err] = into_head(bin() + " decode --format " + format + " -o - " + f, 44);
    CHECK(rc == "0\n");
    CHECK(err.find("mp4kit:") == std::string::npos);
  }
  for (const char* format : {"wav", "raw", "framemd5"}) {  // audio: all of it fits stdio's and our buffers
    INFO("decode audio ", format);
    auto [rc, err] = into_head(bin() + " decode --stream 1 --format " + format + " -o - " + f, 44);
    CHECK(rc == "0\n");
    CHECK(err.find("mp4kit:") == std::string::npos);
  }
  for (const char* format : {"y4m", "raw", "framemd5", "ppm", "png"}) {
    INFO("seek ", format);
    const bool one = std::string(format) == "ppm" || std::string(format) == "png";  // one picture per file
    auto [rc, err] = into_head(bin() + " seek " + f + (one ? " --frame 30" : " --frames 0:40") + " --quiet --format " + format + " -o -", 10);
    CHECK(rc == "0\n");
    CHECK(err.find("mp4kit:") == std::string::npos);
  }
}

TEST_CASE("-o FILE.ext picks the format without --format; a conflict or an unknown extension is 64") {
  const std::string dir = temp_dir() + "/ext";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string f = quote(sample("h264_bframes_aac.mp4"));
  REQUIRE(run(bin() + " decode --quiet -o " + quote(dir + "/a.y4m") + " " + f).exit_code == 0);
  CHECK(slurp_file(dir + "/a.y4m").rfind("YUV4MPEG2 ", 0) == 0);
  REQUIRE(run(bin() + " decode --quiet --stream 1 -o " + quote(dir + "/a.WAV") + " " + f).exit_code == 0);
  CHECK(slurp_file(dir + "/a.WAV").rfind("RIFF", 0) == 0);
  REQUIRE(run(bin() + " seek " + f + " --frame 3 --quiet -o " + quote(dir + "/a.ppm")).exit_code == 0);
  CHECK(slurp_file(dir + "/a.ppm").rfind("P6\n", 0) == 0);
  REQUIRE(run(bin() + " seek " + f + " --frame 3 --quiet -o " + quote(dir + "/f_%d.ppm")).exit_code == 0);
  CHECK(slurp_file(dir + "/f_3.ppm").rfind("P6\n", 0) == 0);
  CHECK(run(bin() + " decode --format raw -o " + quote(dir + "/b.y4m") + " " + f + " 2>/dev/null").exit_code == 64);
  CHECK(run(bin() + " decode -o " + quote(dir + "/b.bin") + " " + f + " 2>/dev/null").exit_code == 64);
  CHECK(run(bin() + " decode -o - " + f + " 2>/dev/null").exit_code == 64);
  CHECK(run(bin() + " seek " + f + " --frame 3 --format png -o " + quote(dir + "/b.ppm") + " 2>/dev/null").exit_code == 64);
  CHECK(!std::filesystem::exists(dir + "/b.y4m"));
  CHECK(entries(dir) == 4);
}

TEST_CASE("-o onto a FIFO, /dev/null or a directory: written in place, never renamed over") {
  // A temporary renamed over the path would turn the FIFO (or, as root, /dev/null itself)
  // into a regular file.
  const std::string dir = temp_dir() + "/in_place";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string fifo = dir + "/pipe.y4m", got = dir + "/got";
  REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
  const std::string f = quote(sample("h264_bframes_aac.mp4"));
  auto r = run("bash -c " + quote("cat " + quote(fifo) + " > " + quote(got) + " & " + bin() + " decode --quiet -o " +
                                  quote(fifo) + " " + f + "; s=$?; wait; echo $s"));
  CHECK(r.out == "0\n");
  CHECK(slurp_file(got).rfind("YUV4MPEG2 ", 0) == 0);
  CHECK(std::filesystem::is_fifo(fifo));
  CHECK(entries(dir) == 2);  // the FIFO and what its reader wrote: no PATH.tmp-XXXXXX
  CHECK(run(bin() + " decode --quiet --format framemd5 -o /dev/null " + f).exit_code == 0);
  CHECK(std::filesystem::is_character_file("/dev/null"));
  CHECK(run(bin() + " decode --quiet --format y4m -o " + quote(dir) + " " + f + " 2>/dev/null").exit_code == 73);
  CHECK(entries(dir) == 2);
}

TEST_CASE("SIGINT, SIGTERM, SIGHUP and SIGPIPE remove the temporary output and kill mp4kit with that signal") {
  const std::string dir = temp_dir() + "/signals";
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE}) {
    INFO("signal ", strsignal(sig));
    bool hit = false;
    // The signal must land while the temporary exists: sent when inotify sees it created,
    // tried again in the rare case the decode finished first.
    for (int attempt = 0; attempt < 5 && !hit; ++attempt) {
      std::filesystem::remove_all(dir);
      std::filesystem::create_directories(dir);
      const int in = inotify_init1(IN_CLOEXEC);
      REQUIRE(in >= 0);
      REQUIRE(inotify_add_watch(in, dir.c_str(), IN_CREATE) >= 0);
      const std::string out = dir + "/out.y4m";
      const pid_t pid = fork();
      if (pid == 0) {
        const int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        dup2(null, 2);
        signal(SIGPIPE, SIG_DFL);
        execl(bin().c_str(), "mp4kit", "decode", "--threads", "1", "--format", "y4m", "-o", out.c_str(),
              sample("hevc_aac.mp4").c_str(), static_cast<char*>(nullptr));
        _exit(127);
      }
      char buf[4096];
      const ssize_t n = read(in, buf, sizeof buf);  // blocks until the temporary is created
      close(in);
      REQUIRE(n > 0);
      kill(pid, sig);
      int status = 0;
      REQUIRE(waitpid(pid, &status, 0) == pid);
      if (WIFEXITED(status) && WEXITSTATUS(status) == 0) continue;  // finished before the signal
      hit = true;
      CHECK(WIFSIGNALED(status));
      CHECK(WTERMSIG(status) == sig);  // the shell shows 128 + sig: 130, 143, 129, 141
      CHECK_MESSAGE(entries(dir) == 0, "left behind in " << dir);
    }
    CHECK(hit);
  }
  // Through a shell, as a user sees it.
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto r = run("bash -c " + quote(bin() + " decode --threads 1 --format y4m -o " + quote(dir + "/o.y4m") + " " +
                                  quote(sample("hevc_aac.mp4")) + " 2>/dev/null & p=$!; while [ -z \"$(ls " + quote(dir) +
                                  ")\" ]; do sleep 0.001; done; kill -TERM $p; wait $p; echo $?"));
  if (r.out != "0\n") {
    CHECK(r.out == "143\n");
    CHECK(entries(dir) == 0);
  }
}

TEST_CASE("decode --json: one summary record on stdout; the stderr summary fits 100 columns") {
  const std::string f = sample("h264_bframes_aac.mp4");
  auto r = run(bin() + " decode --json " + quote(f));
  REQUIRE(r.exit_code == 0);
  CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 1);
  const auto j = nlohmann::json::parse(r.out);
  CHECK(j["schema"] == "mp4kit.decode/1");
  CHECK(j["filename"] == f);
  CHECK(j["frames"] == 72);
  CHECK(j["fps"].get<double>() > 0);
  CHECK(j["wall_s"].get<double>() > 0);
  CHECK(j["cpu_s"].is_number());
  CHECK(j["pool"]["hits"].get<int64_t>() + j["pool"]["misses"].get<int64_t>() == 72);
  CHECK(j["errors"]["decode_errors"] == 0);
  // Frames to stdout and the record to stdout cannot both be: 64, with an error record.
  auto clash = run(bin() + " decode --json --format y4m -o - " + quote(f) + " 2>/dev/null");
  CHECK(clash.exit_code == 64);
  CHECK(nlohmann::json::parse(clash.out)["error"]["code"] == "usage");
  // A missing input: the record says so.
  auto missing = run(bin() + " decode --json /nonexistent.mp4 2>/dev/null");
  CHECK(missing.exit_code == 66);
  CHECK(nlohmann::json::parse(missing.out)["error"]["exit_code"] == 66);
  // stderr: one line within 100 columns, "1 frame" in the singular.
  auto text = run(bin() + " decode --frames 1 " + quote(f) + " 2>&1");
  CHECK(text.out.find(" 1 frame in ") != std::string::npos);
  CHECK(std::count(text.out.begin(), text.out.end(), '\n') == 1);
  CHECK(text.out.size() <= 101);
}

}  // namespace mp4kit::test
