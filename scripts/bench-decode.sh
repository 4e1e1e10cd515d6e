#!/usr/bin/env bash
# Decode benchmark (not a test): mp4kit decode vs ffmpeg on 1080p H.264 with real content.
#
# Usage: scripts/bench-decode.sh [RUNS=5] [THREADS=2]
# Input: .bench/video750.mp4 = ffmpeg -stream_loop 5 -i ../shared/corpus/mediabunny_video.mp4 -c copy
#        (750 frames; built on first use; .bench/ is git-ignored).
# Each round runs, one after the other (alternating, same thread count):
#   A  mp4kit decode --threads T FILE                         (null output)
#   B  ffmpeg -threads T -i FILE -map 0:v:0 -f null -
#   C  build/mp4kit_decode_ceiling FILE T                    (libavcodec loop over preloaded packets, bench/bench_ceiling.cpp)
#   D  mp4kit decode --threads T --format y4m -o - FILE | cat > /dev/null
#   E  ffmpeg -threads T -i FILE -map 0:v:0 -f yuv4mpegpipe - | cat > /dev/null
# Wall time and peak RSS from /usr/bin/time; prints medians, ratios and a markdown table
# (also written to .bench/decode-results.md).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUNS="${1:-5}"
T="${2:-2}"
cd "$ROOT"
B=.bench
mkdir -p "$B"
CORPUS="${MP4KIT_CORPUS:-$ROOT/../shared/corpus}"
FILE="$B/video750.mp4"
if [[ ! -s "$FILE" ]]; then
  ffmpeg -nostdin -loglevel error -y -stream_loop 5 -i "$CORPUS/mediabunny_video.mp4" -c copy "$FILE"
fi
[[ -x /usr/bin/time ]] || { echo "bench-decode: /usr/bin/time missing (apt-get install time)" >&2; exit 1; }
[[ -x build/mp4kit && -x build/mp4kit_decode_ceiling ]] || cmake --build build -j2 >/dev/null
FRAMES=$(ffprobe -v error -select_streams v:0 -count_packets -show_entries stream=nb_read_packets -of csv=p=0 "$FILE" | tr -d ",")

res="$B/decode-runs.txt"; : > "$res"
tm() { /usr/bin/time -f "%e %M" -o "$B/t" "$@"; }
for ((i = 1; i <= RUNS; i++)); do
  tm build/mp4kit decode --threads "$T" "$FILE" 2> "$B/a.err"
  echo "A $(cat $B/t) $(grep -o '([0-9.]* fps)' $B/a.err | tr -d '(a-z )')" >> "$res"
  tm ffmpeg -nostdin -loglevel error -threads "$T" -i "$FILE" -map 0:v:0 -f null -
  echo "B $(cat $B/t)" >> "$res"
  tm build/mp4kit_decode_ceiling "$FILE" "$T" > "$B/c.out"
  echo "C $(cat $B/t) $(awk '{print $6}' $B/c.out)" >> "$res"
  bash -c "/usr/bin/time -f '%e %M' -o $B/t build/mp4kit decode --quiet --threads $T --format y4m -o - $FILE | cat > /dev/null"
  echo "D $(cat $B/t)" >> "$res"
  bash -c "/usr/bin/time -f '%e %M' -o $B/t ffmpeg -nostdin -loglevel error -threads $T -i $FILE -map 0:v:0 -f yuv4mpegpipe - | cat > /dev/null"
  echo "E $(cat $B/t)" >> "$res"
  echo "round $i/$RUNS done" >&2
done

python3 - "$res" "$FRAMES" "$T" "$RUNS" <<'PY' | tee "$B/decode-results.md"
import statistics as st, sys
path, frames, threads, runs = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
rows = {}
for line in open(path):
    k, *v = line.split()
    rows.setdefault(k, []).append([float(x) for x in v])
med = lambda k, i: st.median(r[i] for r in rows[k])
fps = lambda k: frames / med(k, 0)
# Ratios are medians of per-round ratios: runs of one round are back to back, so a load
# change on a shared machine affects both sides of a ratio alike.
pair = lambda a, b, i=0, inv=True: st.median((rb[i] / ra[i]) if inv else (ra[i] / rb[i]) for ra, rb in zip(rows[a], rows[b]))
a_fps, b_fps, d_fps, e_fps = fps('A'), fps('B'), fps('D'), fps('E')
a_rss, b_rss, c_rss, d_rss, e_rss = (med(k, 1) / 1024 for k in 'ABCDE')
print(f"Input: 1080p H.264 High, {frames} frames (.bench/video750.mp4), {threads} decoder threads, "
      f"{runs} rounds of alternating runs; fps = frames / wall time of the whole process (start-up, parse, decode), "
      f"median over rounds; ratios = median of the per-round ratios.\n")
print("| run | fps | peak RSS (MB) | vs ffmpeg (fps ratio, RSS ratio) |")
print("|---|---:|---:|---|")
print(f"| `mp4kit decode` (null) | {a_fps:.1f} | {a_rss:.1f} | x{pair('A','B'):.3f}, {100*pair('A','B',1,False):.1f}% |")
print(f"| `ffmpeg -threads {threads} -i FILE -map 0:v:0 -f null -` | {b_fps:.1f} | {b_rss:.1f} | |")
print(f"| `mp4kit decode --format y4m -o - \\| cat` | {d_fps:.1f} | {d_rss:.1f} | x{pair('D','E'):.3f}, {100*pair('D','E',1,False):.1f}% |")
print(f"| `ffmpeg ... -f yuv4mpegpipe - \\| cat` | {e_fps:.1f} | {e_rss:.1f} | |")
print()
print(f"Ceiling: `build/mp4kit_decode_ceiling` (libavcodec send/receive over packets preloaded in memory, default allocator): "
      f"{med('C', 2):.1f} fps (decode loop only). mp4kit's decode loop: {med('A', 2):.1f} fps; "
      f"per-round ratio mp4kit/ceiling: {100*pair('A','C',2,False):.1f}%.")
PY
