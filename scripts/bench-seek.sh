#!/usr/bin/env bash
# Seek benchmark: exact frames with mp4kit seek vs ffmpeg -ss, alternating in one run.
#
#   scripts/bench-seek.sh [RUNS]       (default 9 alternating runs of each command)
#
# Input: .bench/video750.mp4 = ffmpeg -stream_loop 5 -i ../shared/corpus/mediabunny_video.mp4 -c copy
#        (1080p H.264 High with B-frames, 750 frames, GOP 125; the decode benchmark's file,
#        built on first use; .bench/ is git-ignored).
# Work:
#   A. one frame at 17.3 s:  mp4kit seek --time 17.3 --format raw -o -
#                        vs  ffmpeg -ss 17.3 -i FILE -frames:v 1 -f rawvideo /dev/null
#   B. ten random frames (fixed seed): one mp4kit call (--frame a,b,...) vs ten ffmpeg -ss calls
#      (each at the frame's pts, minus 0.5 ms so that ffmpeg's "first frame at or after" lands on it)
#   C. the same two with --no-skip (every packet from the sync sample decoded)
# and reports medians, ratios, and frames decoded per returned frame with and without
# non-reference skipping (on this file and on samples/h264_bframes_aac.mp4).
# Prints a markdown table at the end (bench/BENCH-seek.md has the last one).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"
ROOT=$(bench_root)
cd "$ROOT"
load_report start
RUNS=${1:-9}
MP4KIT=${MP4KIT:-build/mp4kit}
[[ -x $MP4KIT ]] || bash scripts/setup.sh
FILE=$(bench_video750)

# Ten random frames (fixed seed), and their times for ffmpeg.
COUNT=$("$MP4KIT" seek "$FILE" --frame 0 --plan --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["frame_count"])')
FRAMES=$(python3 -c "import random; r=random.Random(20261123); print(','.join(str(r.randrange($COUNT)) for _ in range(10)))")
mapfile -t TIMES < <("$MP4KIT" seek "$FILE" --frame "$FRAMES" --plan --json |
  python3 -c 'import json,sys; [print("%.4f" % max(0.0, t["time"] - 0.0005)) for t in json.load(sys.stdin)["targets"]]')
echo "file: $FILE ($COUNT frames)  runs=$RUNS  ten frames: $FRAMES" >&2

ff_one() { ffmpeg -nostdin -loglevel error -ss "$1" -i "$FILE" -frames:v 1 -f rawvideo -y /dev/null; }
ff_ten() { local t; for t in "${TIMES[@]}"; do ff_one "$t"; done; }

# Sanity: the same pictures on both sides. mp4kit's frame at 17.3 s is the one shown then
# (the last with pts <= 17.3); ffmpeg -ss T gives the first frame with pts >= T, so ffmpeg is
# asked for that frame's own pts here (the timed runs use -ss 17.3 as the issue states).
T1=$("$MP4KIT" seek "$FILE" --time 17.3 --plan --json | python3 -c 'import json,sys; print("%.4f" % (json.load(sys.stdin)["targets"][0]["time"] - 0.0005))')
mk_md5=$("$MP4KIT" seek "$FILE" --time 17.3 --format raw -o - --quiet | md5sum | cut -d' ' -f1)
ff_md5=$(ffmpeg -nostdin -loglevel error -ss "$T1" -i "$FILE" -frames:v 1 -f rawvideo - | md5sum | cut -d' ' -f1)
mk_ten=$("$MP4KIT" seek "$FILE" --frame "$FRAMES" --format raw -o - --quiet | md5sum | cut -d' ' -f1)
ff_ten_md5=$(for t in "${TIMES[@]}"; do ffmpeg -nostdin -loglevel error -ss "$t" -i "$FILE" -frames:v 1 -f rawvideo -; done | md5sum | cut -d' ' -f1)
same=$([[ $mk_md5 == "$ff_md5" && $mk_ten == "$ff_ten_md5" ]] && echo "identical" || echo "DIFFERENT")
echo "pictures vs ffmpeg: frame at 17.3 s $mk_md5 / $ff_md5, ten frames $mk_ten / $ff_ten_md5: $same" >&2

cat "$FILE" >/dev/null  # warm the page cache for both alike
a_mk=(); a_ff=(); a_ns=(); b_mk=(); b_ff=(); b_ns=()
for ((i = 0; i < RUNS; i++)); do
  time_cmd t "$MP4KIT" seek "$FILE" --time 17.3 --format raw -o - --quiet; a_mk+=("$t")
  time_cmd t ff_one 17.3; a_ff+=("$t")
  time_cmd t "$MP4KIT" seek "$FILE" --time 17.3 --format raw -o - --quiet --no-skip; a_ns+=("$t")
  time_cmd t "$MP4KIT" seek "$FILE" --frame "$FRAMES" --format raw -o - --quiet; b_mk+=("$t")
  time_cmd t ff_ten; b_ff+=("$t")
  time_cmd t "$MP4KIT" seek "$FILE" --frame "$FRAMES" --format raw -o - --quiet --no-skip; b_ns+=("$t")
  echo "run $((i + 1))/$RUNS done" >&2
done
ma=$(median "${a_mk[@]}"); fa=$(median "${a_ff[@]}"); na=$(median "${a_ns[@]}")
mb=$(median "${b_mk[@]}"); fb=$(median "${b_ff[@]}"); nb=$(median "${b_ns[@]}")

# Frames decoded per returned frame (packets sent to the decoder / frames asked for).
per_frame() {  # FILE ARGS... -> decoded per returned frame
  local f=$1; shift
  "$MP4KIT" seek "$f" "$@" --format null --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print("%.1f" % (d["totals"]["decoded"] / len(d["targets"])))'
}
single_avg() {  # FILE EXTRA: mean over one call per frame
  local f=$1 extra=${2:-} n s=0 k
  n=$("$MP4KIT" seek "$f" --frame 0 --plan --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["frame_count"])')
  for ((k = 0; k < n; k++)); do
    s=$(awk -v a="$s" -v b="$(per_frame "$f" --frame $k $extra)" 'BEGIN{print a+b}')
  done
  awk -v s="$s" -v n="$n" 'BEGIN{printf "%.1f", s/n}'
}
SMALL=samples/h264_bframes_aac.mp4
SMALL_FRAMES=$(python3 -c "import random; r=random.Random(7); print(','.join(str(r.randrange(72)) for _ in range(10)))")
d_a=$(per_frame "$FILE" --time 17.3); d_a_ns=$(per_frame "$FILE" --time 17.3 --no-skip)
d_b=$(per_frame "$FILE" --frame "$FRAMES"); d_b_ns=$(per_frame "$FILE" --frame "$FRAMES" --no-skip)
d_s1=$(single_avg "$SMALL"); d_s1_ns=$(single_avg "$SMALL" --no-skip)
d_s10=$(per_frame "$SMALL" --frame "$SMALL_FRAMES"); d_s10_ns=$(per_frame "$SMALL" --frame "$SMALL_FRAMES" --no-skip)

echo
echo "| work ($FILE: 1080p H.264, $COUNT frames, GOP 125) | mp4kit median | ffmpeg median | speed-up | target |"
echo "|---|---|---|---|---|"
printf '| one exact frame at 17.3 s (`--format raw`) vs `ffmpeg -ss 17.3 ... -frames:v 1 -f rawvideo` | %.3f s | %.3f s | %sx | >= 3x |\n' "$ma" "$fa" "$(ratio "$fa" "$ma")"
printf '| ten random frames, one call vs ten `ffmpeg -ss` calls | %.3f s | %.3f s | %sx | >= 5x |\n' "$mb" "$fb" "$(ratio "$fb" "$mb")"
printf '| same, one frame, `--no-skip` | %.3f s | %.3f s | %sx | |\n' "$na" "$fa" "$(ratio "$fa" "$na")"
printf '| same, ten frames, `--no-skip` | %.3f s | %.3f s | %sx | |\n' "$nb" "$fb" "$(ratio "$fb" "$nb")"
echo
echo "| frames decoded per returned frame | skipping non-reference | --no-skip |"
echo "|---|---|---|"
printf '| %s, frame at 17.3 s | %s | %s |\n' "$FILE" "$d_a" "$d_a_ns"
printf '| %s, ten random frames in one call | %s | %s |\n' "$FILE" "$d_b" "$d_b_ns"
printf '| %s, every frame, one call each (mean) | %s | %s |\n' "$SMALL" "$d_s1" "$d_s1_ns"
printf '| %s, ten random frames in one call | %s | %s |\n' "$SMALL" "$d_s10" "$d_s10_ns"
echo
echo "pictures identical to ffmpeg's: $same; medians of $RUNS alternating runs, warm page cache, $(nproc) CPUs; reproduce: scripts/bench-seek.sh $RUNS"
load_report end
((BENCH_LOAD_VALID)) || echo "NOT VALID: the machine was not idle (see the bench: lines above)"
