# Shared helpers for the benchmark scripts (sourced, not run).
# Timing: wall-clock nanoseconds around whole commands (process start included), runs
# alternated between the contenders so machine noise hits both alike; medians reported.

now_ns() { date +%s%N; }

# time_cmd VAR CMD...: runs CMD with stdout/stderr discarded, stores elapsed seconds in VAR.
time_cmd() {
  local __var=$1; shift
  local t0 t1
  t0=$(now_ns)
  "$@" >/dev/null 2>&1
  t1=$(now_ns)
  printf -v "$__var" '%s' "$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.6f", (b-a)/1e9}')"
}

# median of the arguments (numbers)
median() {
  printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END{ if (NR%2) printf "%.6f", a[(NR+1)/2]; else printf "%.6f", (a[NR/2]+a[NR/2+1])/2 }'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b>0) printf "%.1f", a/b; else print "inf" }'; }

bench_root() { cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd; }

# load_report LABEL: prints the 1-minute load average to stderr and, when it is above 1.5,
# a line saying the figures of this run are not valid (other work shares the CPUs).
# Returns 0 always; sets BENCH_LOAD_VALID=0 when the load was too high.
BENCH_LOAD_VALID=${BENCH_LOAD_VALID:-1}
load_report() {
  local load
  load=$(cut -d' ' -f1 /proc/loadavg)
  if awk -v l="$load" 'BEGIN{exit !(l > 1.5)}'; then
    BENCH_LOAD_VALID=0
    echo "bench: load average $load at $1: above 1.5, this run is NOT VALID (measure on an idle machine)" >&2
  else
    echo "bench: load average $load at $1" >&2
  fi
}

# bench_video750: builds .bench/video750.mp4 once (1080p H.264 with B-frames, 750 frames,
# GOP 125: ffmpeg -stream_loop 5 of the corpus's mediabunny_video.mp4, stream copy) and
# prints its path. Run from the repository root; exits 66 when the corpus file is missing.
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
