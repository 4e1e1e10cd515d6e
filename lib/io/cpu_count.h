// How many CPUs this process may run on, for default job and thread counts.
#pragma once

#include <sched.h>
#include <unistd.h>

#include <cstddef>

namespace mp4kit::io {

/// CPUs in this process's affinity mask (as libavcodec's av_cpu_count reads it, so a
/// `taskset` or a container's cpuset limit counts), else the online CPUs; at least 1.
/// Thread-safe; one system call.
inline size_t usable_cpu_count() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) return static_cast<size_t>(CPU_COUNT(&set));
  const long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? static_cast<size_t>(n) : 1;
}

}  // namespace mp4kit::io
