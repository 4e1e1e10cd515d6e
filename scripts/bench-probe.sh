#!/usr/bin/env bash
# Probe benchmark: mp4kit vs ffprobe on a 2-hour file (~510,000 samples, moov at the end).
#
#   scripts/bench-probe.sh [RUNS]       (default 9 alternating runs of each command)
#
# Generates .bench/probe-2h.mp4 once (128x72 H.264 with B-frames, GOP 48, + AAC 32 kb/s),
# then alternates, in one run, each in its own loop (A, then C, then B; see below):
#   A. mp4kit probe --json          vs  ffprobe -show_streams -show_format -of json
#   B. mp4kit probe --packets --json vs ffprobe -show_packets -of json
#   C. A with the file dropped from the page cache before each command (GNU dd
#      iflag=nocache count=0: posix_fadvise DONTNEED over the whole file, no root needed),
#      the first probe of a file fresh from disk (the binaries' own pages stay cached)
# and prints medians, the ratios, and the bytes plain probe read (share of the file).
# Prints a markdown table at the end (copied into README.md's performance section).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"
ROOT=$(bench_root)
cd "$ROOT"
load_report start
RUNS=${1:-9}
MP4KIT=${MP4KIT:-build/mp4kit}
[[ -x $MP4KIT ]] || bash scripts/setup.sh
mkdir -p .bench
FILE=.bench/probe-2h.mp4
if [[ ! -s $FILE ]]; then
  echo "bench: generating $FILE (2 h, takes a few minutes)..." >&2
  ffmpeg -v error -y -f lavfi -i testsrc2=size=128x72:rate=24 -f lavfi -i sine -t 7200 \
    -c:v libx264 -preset ultrafast -g 48 -bf 2 -c:a aac -b:a 32k -shortest "$FILE.tmp.mp4"
  mv "$FILE.tmp.mp4" "$FILE"
fi
SIZE=$(stat -c %s "$FILE")
# probe --json is one compact line (README "JSON output"): pick the numbers by key.
SAMPLES=$("$MP4KIT" probe --json "$FILE" | grep -o '"nb_frames": *[0-9]*' | awk -F: '{s+=$2} END{print s}')
BYTES_READ=$("$MP4KIT" probe --json "$FILE" | grep -o '"bytes_read": *[0-9]*' | awk -F: '{print $2+0}')
echo "file: $FILE  size=$SIZE bytes  samples=$SAMPLES  runs=$RUNS" >&2

# Three phases, each its own alternating loop, so that no phase's heavy work (a 234 MB cat,
# a cold read, --packets' 375 MB of index) lands on the next phase's short commands. In the
# earlier single loop, the warm plain probe timed right after the cat met flushed CPU caches
# and freshly freed memory: the same binary measured 2.5 ms there and 2.3 ms in a loop of
# its own against ffprobe (21 pairs each, 2026-12-03). Within a phase the order alternates
# (mp4kit first, then ffprobe first, ...) so that neither always runs after the other.
drop_cache() { dd if="$FILE" iflag=nocache count=0 status=none; }
a_mk=(); a_ff=(); b_mk=(); b_ff=(); c_mk=(); c_ff=()
# A: warm page cache for every contender alike, one untimed run of each (hyperfine's --warmup).
cat "$FILE" >/dev/null
"$MP4KIT" probe --json "$FILE" >/dev/null 2>&1
ffprobe -v error -show_streams -show_format -of json "$FILE" >/dev/null 2>&1
A_RUNS=$((RUNS * 5))  # a pair takes ~0.1 s: more samples for the phase whose times are shortest
for ((i = 0; i < A_RUNS; i++)); do
  if ((i % 2 == 0)); then
    time_cmd t "$MP4KIT" probe --json "$FILE"; a_mk+=("$t")
    time_cmd t ffprobe -v error -show_streams -show_format -of json "$FILE"; a_ff+=("$t")
  else
    time_cmd t ffprobe -v error -show_streams -show_format -of json "$FILE"; a_ff+=("$t")
    time_cmd t "$MP4KIT" probe --json "$FILE"; a_mk+=("$t")
  fi
done
echo "phase A (warm plain probe) done" >&2
# C: cold, the file dropped from the page cache before each command.
for ((i = 0; i < RUNS; i++)); do
  drop_cache; time_cmd t "$MP4KIT" probe --json "$FILE"; c_mk+=("$t")
  drop_cache; time_cmd t ffprobe -v error -show_streams -show_format -of json "$FILE"; c_ff+=("$t")
done
echo "phase C (cold plain probe) done" >&2
# B: --packets, warm again.
cat "$FILE" >/dev/null
for ((i = 0; i < RUNS; i++)); do
  time_cmd t "$MP4KIT" probe --packets --json "$FILE"; b_mk+=("$t")
  time_cmd t ffprobe -v error -show_packets -of json "$FILE"; b_ff+=("$t")
  echo "phase B run $((i + 1))/$RUNS done" >&2
done
ma=$(median "${a_mk[@]}"); fa=$(median "${a_ff[@]}")
mb=$(median "${b_mk[@]}"); fb=$(median "${b_ff[@]}")
mc=$(median "${c_mk[@]}"); fc=$(median "${c_ff[@]}")
share=$(awk -v r="$BYTES_READ" -v s="$SIZE" 'BEGIN{printf "%.3f", 100*r/s}')
echo
echo "| work (2 h file, $SAMPLES samples, $((SIZE / 1000000)) MB) | mp4kit median | reference median | speed-up | target |"
echo "|---|---|---|---|---|"
printf '| probe (streams+format JSON) vs `ffprobe -show_streams -show_format` | %.4f s | %.4f s | %sx | >= 40x |\n' "$ma" "$fa" "$(ratio "$fa" "$ma")"
printf '| the same, file not in the page cache (cold) | %.4f s | %.4f s | %sx | |\n' "$mc" "$fc" "$(ratio "$fc" "$mc")"
printf '| probe --packets --json vs `ffprobe -show_packets -of json` | %.4f s | %.4f s | %sx | >= 20x |\n' "$mb" "$fb" "$(ratio "$fb" "$mb")"
printf '| bytes read by plain probe | %s B (%s%% of the file) | | | < 1%% |\n' "$BYTES_READ" "$share"
echo
echo "medians of $RUNS alternating runs ($A_RUNS for the warm plain probe), warm page cache unless marked cold; reproduce: scripts/bench-probe.sh $RUNS"
load_report end
((BENCH_LOAD_VALID)) || echo "NOT VALID: the machine was not idle (see the bench: lines above)"
