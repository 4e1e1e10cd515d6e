#!/usr/bin/env bash
# Batch benchmark (issue 12): `mp4kit batch` over many inputs, in one run:
#   A. probe N inputs (symlinks to the samples and corpus files, cycled):
#        mp4kit batch --files-from LIST -- probe --json            (children, grouped)
#        xargs -P2 -n1 ffprobe -show_streams -show_format -of json  (on FF_N of the inputs)
#        mp4kit probe --json over the same N inputs, in-process     (xargs packs them into
#                                                                    as few processes as ARG_MAX allows)
#      compared by throughput (inputs/s): targets batch >= 50x ffprobe, and >= 80% of the
#      in-process probe.
#   B. decode-heavy batch: DECODE_N links to DECODE_FILE (default: the corpus's 1080p H.264
#      mediabunny_video.mp4, whose decode takes far longer than a process start) decoded
#      single-threaded (decode --threads 1 --format null), --jobs 2 vs --jobs 1: target >= 1.8x.
#   C. the batch process's own peak RSS (its summary line: getrusage RUSAGE_SELF) at N
#      inputs and at BIG generated inputs (paths to missing files: each is recorded failed):
#      target < 50 MB at both.
# Rounds alternate the contenders; medians and ratios; the load average is printed at the
# start and end, and a load above 1.5 marks the run NOT VALID (scripts/bench-lib.sh).
#
#   scripts/bench-batch.sh [RUNS] [N] [BIG]     (defaults: 5 10000 1000000)
#   env: FF_N (ffprobe inputs, default 300: its rate does not depend on the count), DECODE_N
#        (default 8), DECODE_FILE, MP4KIT (build/mp4kit)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"
ROOT=$(bench_root)
cd "$ROOT"
load_report start
RUNS=${1:-5}
N=${2:-10000}
BIG=${3:-1000000}
FF_N=${FF_N:-$((N < 300 ? N : 300))}
DECODE_N=${DECODE_N:-8}
DECODE_FILE=${DECODE_FILE:-${MP4KIT_CORPUS:-../shared/corpus}/mediabunny_video.mp4}
MP4KIT=$(realpath "${MP4KIT:-build/mp4kit}")
[[ -x $MP4KIT ]] || bash scripts/setup.sh
TMP=$(mktemp -d /tmp/mp4kit-bench-batch.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

# Sources: samples/ and the corpora beside the tree (tests/test_util.h finds the same).
mapfile -t SRC < <(find samples ../shared/corpus ../shared/corpus2 -maxdepth 1 -type f \
  \( -iname '*.mp4' -o -iname '*.mov' -o -iname '*.m4v' -o -iname '*.m4a' -o -iname '*.3gp' \) 2>/dev/null | sort)
((${#SRC[@]} > 0)) || { echo "bench: no media files found" >&2; exit 1; }
mkdir -p "$TMP/in"
for ((i = 0; i < N; i++)); do
  src=${SRC[i % ${#SRC[@]}]}
  ln -s "$(realpath "$src")" "$TMP/in/$i-$(basename "$src")"
done
find "$TMP/in" -type l | sort > "$TMP/list.txt"
head -n "$FF_N" "$TMP/list.txt" > "$TMP/ff_list.txt"
cat "${SRC[@]}" > /dev/null  # warm the page cache for every contender alike
echo "inputs: $N links to ${#SRC[@]} files; ffprobe on $FF_N of them; runs=$RUNS" >&2

# Some corpus files are damaged on purpose: a contender's non-zero exit is not a failure here.
any_exit() { "$@" || true; }
a_batch=(); a_ff=(); a_one=()
for ((r = 0; r < RUNS; r++)); do
  time_cmd t any_exit "$MP4KIT" batch --quiet --overwrite --records "$TMP/a.jsonl" --files-from "$TMP/list.txt" -- probe --json; a_batch+=("$t")
  time_cmd t any_exit xargs -d '\n' -P2 -n1 -a "$TMP/ff_list.txt" ffprobe -v error -show_streams -show_format -of json; a_ff+=("$t")
  time_cmd t any_exit xargs -d '\n' -a "$TMP/list.txt" "$MP4KIT" probe --json; a_one+=("$t")
  echo "A: round $((r + 1))/$RUNS done" >&2
done
mb=$(median "${a_batch[@]}"); mf=$(median "${a_ff[@]}"); mo=$(median "${a_one[@]}")
rate() { awk -v n="$1" -v s="$2" 'BEGIN{ if (s>0) printf "%.1f", n/s; else print "inf" }'; }
rb=$(rate "$N" "$mb"); rf=$(rate "$FF_N" "$mf"); ro=$(rate "$N" "$mo")

# B: decode-heavy. Inputs: DECODE_N links to DECODE_FILE. (The samples are too small for
# this: each decodes in less time than a process takes to start.)
[[ -s $DECODE_FILE ]] || { echo "bench: need $DECODE_FILE (set DECODE_FILE or MP4KIT_CORPUS)" >&2; exit 66; }
mkdir -p "$TMP/dec"
for ((i = 0; i < DECODE_N; i++)); do ln -s "$(realpath "$DECODE_FILE")" "$TMP/dec/$i.mp4"; done
find "$TMP/dec" -type l > "$TMP/dec_list.txt"
b1=(); b2=()
for ((r = 0; r < RUNS; r++)); do
  time_cmd t any_exit "$MP4KIT" batch --quiet --overwrite --jobs 1 --records "$TMP/b.jsonl" --files-from "$TMP/dec_list.txt" -- decode --threads 1 --format null --quiet; b1+=("$t")
  time_cmd t any_exit "$MP4KIT" batch --quiet --overwrite --jobs 2 --records "$TMP/b.jsonl" --files-from "$TMP/dec_list.txt" -- decode --threads 1 --format null --quiet; b2+=("$t")
  echo "B: round $((r + 1))/$RUNS done" >&2
done
m1=$(median "${b1[@]}"); m2=$(median "${b2[@]}")

# C: the batch process's own peak RSS, from its summary line.
peak_rss() { { "$MP4KIT" batch --overwrite --records "$TMP/c.jsonl" --files-from "$1" -- probe --json 2>&1 >/dev/null || true; } |
  grep -o 'batch process peak RSS [0-9.]* MiB' | grep -o '[0-9.]*'; }
rss_n=$(peak_rss "$TMP/list.txt")
seq 1 "$BIG" | sed 's|^|/nonexistent/mp4kit-bench/|; s|$|.mp4|' > "$TMP/big_list.txt"
rss_big=$(peak_rss "$TMP/big_list.txt")
big_records=$(wc -l < "$TMP/c.jsonl")

echo
echo "| work | mp4kit | reference | ratio | target |"
echo "|---|---|---|---|---|"
printf '| probe %s inputs: `batch -- probe --json` vs `xargs -P2 -n1 ffprobe -show_streams -show_format` | %s inputs/s | %s inputs/s | %sx | >= 50x |\n' "$N" "$rb" "$rf" "$(ratio "$rb" "$rf")"
printf '| the same vs one in-process `mp4kit probe --json` over the %s inputs | %s inputs/s | %s inputs/s | %s | >= 0.8 |\n' "$N" "$rb" "$ro" "$(ratio "$rb" "$ro")"
printf '| decode %s x %s single-threaded: `--jobs 2` vs `--jobs 1` | %.3f s | %.3f s | %sx | >= 1.8x |\n' "$DECODE_N" "$(basename "$DECODE_FILE")" "$m2" "$m1" "$(ratio "$m1" "$m2")"
printf '| batch process peak RSS at %s / %s inputs (%s records) | %s MiB / %s MiB | | | < 50 MB |\n' "$N" "$BIG" "$big_records" "$rss_n" "$rss_big"
echo
echo "medians of $RUNS alternating rounds, warm page cache, $(nproc) CPUs; reproduce: scripts/bench-batch.sh $RUNS $N $BIG"
load_report end
((BENCH_LOAD_VALID)) || echo "NOT VALID: the machine was not idle (see the bench: lines above)"
