#!/usr/bin/env bash
# Before/after benchmark of two mp4kit builds, alternating in one run (for refactors that
# must not change speed).
#
#   scripts/bench-ab.sh BEFORE_DIR AFTER_DIR [RUNS]     (default 9 alternating rounds)
#
# Each *_DIR holds an mp4kit executable and its mp4kit_decode.so (a build directory).
# Work, per round, each build once, order alternating between rounds:
#   probe   mp4kit probe --json .bench/probe-2h.mp4          (plain probe: start-up + moov)
#   packets mp4kit probe --packets --json .bench/probe-2h.mp4
#   decode  mp4kit decode --threads 2 .bench/video750.mp4    (1080p H.264, 750 frames)
# Prints medians and after/before ratios of the medians (< 1 = after is faster), and the
# load average before and after (a run above 1.5 is flagged as not valid).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"
BEFORE=$(cd "$1" && pwd); AFTER=$(cd "$2" && pwd); RUNS=${3:-9}
ROOT=$(bench_root)
cd "$ROOT"
[[ -s .bench/probe-2h.mp4 ]] || bash scripts/bench-probe.sh 1 >/dev/null
if [[ ! -s .bench/video750.mp4 ]]; then
  CORPUS="${MP4KIT_CORPUS:-$ROOT/../shared/corpus}"
  ffmpeg -v error -y -stream_loop 5 -i "$CORPUS/mediabunny_video.mp4" -c copy .bench/video750.mp4
fi
cat .bench/probe-2h.mp4 .bench/video750.mp4 >/dev/null
load_report start
declare -A t
for ((i = 0; i < RUNS; i++)); do
  if ((i % 2)); then order=(after before); else order=(before after); fi
  for side in "${order[@]}"; do
    if [[ $side == before ]]; then bin=$BEFORE/mp4kit; else bin=$AFTER/mp4kit; fi
    time_cmd x "$bin" probe --json .bench/probe-2h.mp4; t[probe_$side]+="$x "
    time_cmd x "$bin" probe --packets --json .bench/probe-2h.mp4; t[packets_$side]+="$x "
    time_cmd x "$bin" decode --threads 2 .bench/video750.mp4; t[decode_$side]+="$x "
  done
  echo "round $((i + 1))/$RUNS done" >&2
done
load_report end
echo
echo "| work | before median | after median | after/before |"
echo "|---|---|---|---|"
for w in probe packets decode; do
  # shellcheck disable=SC2086
  b=$(median ${t[${w}_before]}); a=$(median ${t[${w}_after]})
  printf '| %s | %.4f s | %.4f s | %s |\n' "$w" "$b" "$a" "$(awk -v a="$a" -v b="$b" 'BEGIN{printf "%.3f", a/b}')"
done
echo
echo "medians of $RUNS alternating rounds, warm page cache; reproduce: scripts/bench-ab.sh $1 $2 $RUNS"
((BENCH_LOAD_VALID)) || echo "NOT VALID: the machine was not idle (see the bench: lines above)"
