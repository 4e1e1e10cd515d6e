#!/usr/bin/env bash
# Selector and audio benchmark (issue 11 "Speed"): mp4kit vs the ffmpeg CLI, alternating in one run.
#
#   scripts/bench-select.sh [RUNS]     (default 9 alternating runs of each command)
#
# Inputs (built on first use; .bench/ is git-ignored):
#   .bench/video750.mp4  = ffmpeg -stream_loop 5 -i ../shared/corpus/mediabunny_video.mp4 -c copy
#                          (1080p H.264 with B-frames, 750 frames, GOP 125: bench-seek.sh's file)
#   .bench/probe-2h.mp4  = the 2-hour file of scripts/bench-probe.sh (its AAC track);
#                          AUDIO=FILE overrides it (e.g. a short sample for a smoke run)
# Work:
#   A. --fps 1:  mp4kit seek --fps 1 --format raw -o /dev/null
#            vs  ffmpeg -i FILE -map 0:v:0 -vf fps=1 -f rawvideo /dev/null          (target >= 1.5x)
#   B. 16 kHz mono s16 WAV of the AAC track:
#                mp4kit decode --sample-rate 16000 --channels 1 --sample-fmt s16 -o A.wav
#            vs  ffmpeg -i FILE -map 0:a:0 -ar 16000 -ac 1 -c:a pcm_s16le (bitexact) B.wav  (target >= 1.2x)
# Checks first that both sides give the same bytes (A: the raw frames' md5; B: cmp of the WAVs),
# then prints medians, ratios and the load average (a load above 1.5 marks the run NOT VALID).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"
ROOT=$(bench_root)
cd "$ROOT"
load_report start
RUNS=${1:-9}
MP4KIT=${MP4KIT:-build/mp4kit}
[[ -x $MP4KIT ]] || bash scripts/setup.sh
FILE=$(bench_video750)
AUDIO=${AUDIO:-.bench/probe-2h.mp4}
if [[ ! -s $AUDIO ]]; then bash scripts/bench-probe.sh 1 >/dev/null; fi
A_OURS=.bench/select-ours.wav A_FF=.bench/select-ff.wav

mk_fps() { "$MP4KIT" seek "$FILE" --fps 1 --format raw -o - --quiet; }
ff_fps() { ffmpeg -nostdin -loglevel error -i "$FILE" -map 0:v:0 -vf fps=1 -f rawvideo -; }
mk_wav() { "$MP4KIT" decode --quiet --sample-rate 16000 --channels 1 --sample-fmt s16 -o "$A_OURS" "$AUDIO"; }
ff_wav() { ffmpeg -nostdin -loglevel error -y -i "$AUDIO" -map 0:a:0 -ar 16000 -ac 1 -c:a pcm_s16le -fflags +bitexact -map_metadata -1 "$A_FF"; }

# Same bytes on both sides, or the timings mean nothing.
fps_mk=$(mk_fps | md5sum | cut -d' ' -f1); fps_ff=$(ff_fps | md5sum | cut -d' ' -f1)
mk_wav; ff_wav
same_fps=$([[ $fps_mk == "$fps_ff" ]] && echo identical || echo DIFFERENT)
same_wav=$(cmp -s "$A_OURS" "$A_FF" && echo identical || echo DIFFERENT)
echo "fps 1 frames: $fps_mk / $fps_ff ($same_fps); WAV: $same_wav" >&2

cat "$FILE" "$AUDIO" >/dev/null  # warm the page cache for both alike
a_mk=(); a_ff=(); b_mk=(); b_ff=()
for ((i = 0; i < RUNS; i++)); do
  time_cmd t mk_fps; a_mk+=("$t")
  time_cmd t ff_fps; a_ff+=("$t")
  # Each WAV is written as a new file, as a dataset job writes its outputs. Left in place,
  # ffmpeg's -y truncates its previous 230 MB output and reuses its pages at once, while
  # mp4kit writes a temporary and renames it over the old file, which needs 230 MB of fresh
  # page cache first (on this VM, pages the guest had handed back to the host: measured
  # 3.6-4.0 s then, 2.6-3.1 s with both writing new files; ffmpeg 3.3 s overwriting,
  # 3.7-4.2 s writing new). Removed outside the timed interval.
  rm -f "$A_OURS" "$A_FF"
  time_cmd t mk_wav; b_mk+=("$t")
  rm -f "$A_OURS" "$A_FF"
  time_cmd t ff_wav; b_ff+=("$t")
  echo "run $((i + 1))/$RUNS done" >&2
done
ma=$(median "${a_mk[@]}"); fa=$(median "${a_ff[@]}")
mb=$(median "${b_mk[@]}"); fb=$(median "${b_ff[@]}")
echo
echo "| work | mp4kit median | ffmpeg median | speed-up | target | same output |"
echo "|---|---|---|---|---|---|"
printf '| `seek --fps 1 --format raw` vs `ffmpeg -vf fps=1 -f rawvideo` (%s) | %.3f s | %.3f s | %sx | >= 1.5x | %s |\n' "$FILE" "$ma" "$fa" "$(ratio "$fa" "$ma")" "$same_fps"
printf '| 16 kHz mono s16 WAV vs `ffmpeg -ar 16000 -ac 1` (%s) | %.3f s | %.3f s | %sx | >= 1.2x | %s |\n' "$AUDIO" "$mb" "$fb" "$(ratio "$fb" "$mb")" "$same_wav"
echo
echo "medians of $RUNS alternating runs, warm page cache, $(nproc) CPUs; reproduce: scripts/bench-select.sh $RUNS"
load_report end
((BENCH_LOAD_VALID)) || echo "NOT VALID: the machine was not idle (see the bench: lines above)"
