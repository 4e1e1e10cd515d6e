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
