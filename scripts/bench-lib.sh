# Shared helpers for the benchmark scripts (sourced, not run).
# Timing: wall-clock nanoseconds around whole commands (process start included), runs
# alternated between the contenders so machine noise hits both alike; medians reported.

now_ns() { date +%s%N; }

# time_cmd VAR CMD...: runs CMD with stdout/stderr discarded, stores elapsed seconds in VAR.
# The clock is bash's $EPOCHREALTIME (microseconds, read without a fork): `$(date +%s%N)`
# around the command put a fork and an exec of date(1) inside the measured interval, 11-20
# ms on a 2-core VM (measured: /bin/true timed 16-25 ms that way, 5 ms this way), which
# inflated every short command's time and compressed the ratios of fast ones.
time_cmd() {
  local __var=$1; shift
  local t0 t1
  t0=${EPOCHREALTIME/[^0-9]/}  # microseconds (the radix character dropped, whatever the locale)
  "$@" >/dev/null 2>&1
  t1=${EPOCHREALTIME/[^0-9]/}
  printf -v "$__var" '%s' "$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.6f", (b-a)/1e6}')"
}

# median of the arguments (numbers)
median() {
  printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END{ if (NR%2) printf "%.6f", a[(NR+1)/2]; else printf "%.6f", (a[NR/2]+a[NR/2+1])/2 }'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b>0) printf "%.1f", a/b; else print "inf" }'; }

bench_root() { cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd; }

# load_report LABEL: the validity of a run. At `start`: the 1-minute load average, which must
# be 1.5 or less (an idle machine). At `end`: the CPU that processes outside this benchmark
# used while it ran, as a share of one core: /proc/stat's busy time minus the CPU of this
# script's session (its live processes and every descendant they reaped). The load average
# at the end is printed too, but the benchmark's own work raises it (a 2-job run ends near
# 2), so it is not the test. Foreign CPU above 0.25 of a core, or a start load above 1.5,
# marks the run NOT VALID. Returns 0 always; sets BENCH_LOAD_VALID=0 for a run not valid.
BENCH_LOAD_VALID=${BENCH_LOAD_VALID:-1}
# busy jiffies of the whole machine (/proc/stat: user nice system irq softirq steal)
bench_busy_jiffies() { awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat; }
# CPU jiffies of this session: utime+stime+cutime+cstime of each live process in it
bench_session_jiffies() {
  local sid
  sid=$(awk '{ sub(/^.*\) /, ""); print $4 }' /proc/$$/stat)
  cat /proc/[0-9]*/stat 2>/dev/null | awk -v sid="$sid" \
    '{ sub(/^.*\) /, ""); if ($4 == sid) t += $12 + $13 + $14 + $15 } END { print t + 0 }'
}
load_report() {
  local load
  load=$(cut -d' ' -f1 /proc/loadavg)
  if [[ $1 == start ]]; then
    BENCH_T0=$(now_ns); BENCH_BUSY0=$(bench_busy_jiffies); BENCH_OWN0=$(bench_session_jiffies)
    if awk -v l="$load" 'BEGIN{exit !(l > 1.5)}'; then
      BENCH_LOAD_VALID=0
      echo "bench: load average $load at start: above 1.5, this run is NOT VALID (measure on an idle machine)" >&2
    else
      echo "bench: load average $load at start" >&2
    fi
    return 0
  fi
  local busy own hz share
  busy=$(bench_busy_jiffies); own=$(bench_session_jiffies); hz=$(getconf CLK_TCK)
  share=$(awk -v b0="$BENCH_BUSY0" -v b1="$busy" -v o0="$BENCH_OWN0" -v o1="$own" -v hz="$hz" \
    -v t0="${BENCH_T0:-0}" -v t1="$(now_ns)" \
    'BEGIN { w = (t1 - t0) / 1e9; f = ((b1 - b0) - (o1 - o0)) / hz; if (f < 0) f = 0; printf "%.2f", (w > 0 ? f / w : 0) }')
  if awk -v s="$share" 'BEGIN{exit !(s > 0.25)}'; then
    BENCH_LOAD_VALID=0
    echo "bench: other processes used $share of a core during the run (load average $load at $1): this run is NOT VALID" >&2
  else
    echo "bench: other processes used $share of a core during the run (load average $load at $1, which counts this run's own work)" >&2
  fi
}

# The seek/preprocess benchmarks' input, built on first use (run from the repository root):
# .bench/video750.mp4 = ffmpeg -stream_loop 5 -i $MP4KIT_CORPUS/mediabunny_video.mp4 -c copy
# (1080p H.264 High with B-frames, 750 frames, GOP 125). Prints its path; exit 66 without the corpus.
bench_video750() {
  local corpus=${MP4KIT_CORPUS:-$PWD/../shared/corpus} file=.bench/video750.mp4
  mkdir -p .bench
  if [[ ! -s $file ]]; then
    [[ -s $corpus/mediabunny_video.mp4 ]] || { echo "bench: need $corpus/mediabunny_video.mp4 (set MP4KIT_CORPUS)" >&2; exit 66; }
    ffmpeg -nostdin -loglevel error -y -stream_loop 5 -i "$corpus/mediabunny_video.mp4" -c copy "$file.tmp.mp4"
    mv "$file.tmp.mp4" "$file"
  fi
  echo "$file"
}
