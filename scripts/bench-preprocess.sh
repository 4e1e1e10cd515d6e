#!/usr/bin/env bash
# Preprocessing benchmark: K frames evenly spaced, resized to 224x224 RGB, into one .npy,
# with mp4kit vs ffmpeg (one select+scale call; K -ss calls) vs PyAV, alternating in one run.
#
#   scripts/bench-preprocess.sh [RUNS]     (default 9 alternating runs of each command)
#
# Input: .bench/video750.mp4, the seek benchmark's file (1080p H.264 High with B-frames,
# 750 frames, GOP 125: ffmpeg -stream_loop 5 -i ../shared/corpus/mediabunny_video.mp4 -c copy).
# Frames: i = 0..7, floor((2i+1) N / 16) (the centre of each of 8 equal segments). With
# `seek --uniform` (once it exists) that is `--uniform 8`; before, the same indices as --frame.
# Work:
#   A. mp4kit seek --frame F0,...,F7 --size 224x224 --pix-fmt rgb24 --format npy -o OUT.npy
#      vs ffmpeg -i FILE -vf "select='eq(n,F0)+...',scale=224:224:flags=bicubic,format=rgb24"
#                -fps_mode passthrough -f rawvideo   (one call; the same bytes as the npy's data)
#      vs 8 x ffmpeg -ss T_i -i FILE -frames:v 1 -vf scale=... -f rawvideo
#      vs PyAV (python3-av, when installed): seek to each frame's sync sample, decode to the
#         frame, reformat(224, 224, 'rgb24'), np.stack, np.save
#   B. peak RSS of A's mp4kit command at K = 8 and K = 256 (GNU time's "Maximum resident")
#   C. keyframes as 320-wide JPEGs: mp4kit seek --keyframes --size 320x-2 --format jpeg vs
#      ffmpeg -skip_frame nokey -i FILE -vf scale=320:-2 -fps_mode passthrough -q:v 2 %06d.jpg
#      (only when `seek --keyframes` exists)
# Prints medians, ratios and the load average (> 1.5 makes the run NOT VALID).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"
ROOT=$(bench_root)
cd "$ROOT"
load_report start
RUNS=${1:-9}
MP4KIT=${MP4KIT:-build/mp4kit}
[[ -x $MP4KIT ]] || bash scripts/setup.sh
FILE=${BENCH_FILE:-$(bench_video750)}
OUT=$(mktemp -d "${TMPDIR:-/tmp}/bench-preprocess.XXXXXX")
trap 'rm -rf "$OUT"' EXIT

COUNT=$("$MP4KIT" seek "$FILE" --frame 0 --plan --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["frame_count"])')
uniform() { python3 -c "print(','.join(str((2*i+1)*$COUNT//(2*$1)) for i in range($1)))"; }
FRAMES=$(uniform 8)
FRAMES256=$(uniform 256)
if "$MP4KIT" seek --help 2>&1 | grep -q -- '--uniform'; then
  SELECT8=(--uniform 8); SELECT256=(--uniform 256)
else
  SELECT8=(--frame "$FRAMES"); SELECT256=(--frame "$FRAMES256")
fi
mapfile -t TIMES < <("$MP4KIT" seek "$FILE" --frame "$FRAMES" --plan --json |
  python3 -c 'import json,sys; [print("%.4f" % max(0.0, t["time"] - 0.0005)) for t in json.load(sys.stdin)["targets"]]')
EXPR=$(python3 -c "print('+'.join('eq(n\\\\,%s)' % f for f in '$FRAMES'.split(',')))")
echo "file: $FILE ($COUNT frames)  runs=$RUNS  frames: $FRAMES  selector: ${SELECT8[*]:0:1}" >&2

SCALE="scale=224:224:flags=bicubic,format=rgb24"
mk_npy() { "$MP4KIT" seek "$FILE" "${SELECT8[@]}" --size 224x224 --pix-fmt rgb24 --format npy -o "$OUT/mk.npy" --quiet; }
ff_select() { ffmpeg -nostdin -loglevel error -y -i "$FILE" -vf "select=$EXPR,$SCALE" -fps_mode passthrough -f rawvideo "$OUT/ff.raw"; }
ff_ss() { local t; for t in "${TIMES[@]}"; do ffmpeg -nostdin -loglevel error -y -ss "$t" -i "$FILE" -frames:v 1 -vf "$SCALE" -f rawvideo - ; done >"$OUT/ss.raw"; }
PY=python3; [[ -x /usr/bin/python3 ]] && PY=/usr/bin/python3  # Debian's python3-av / python3-numpy
HAVE_PYAV=0
"$PY" -c 'import av, numpy' 2>/dev/null && HAVE_PYAV=1
py_av() {
  "$PY" - "$FILE" "$FRAMES" "$OUT/pyav.npy" <<'PY'
import sys, av, numpy as np
path, frames, out = sys.argv[1], [int(x) for x in sys.argv[2].split(',')], sys.argv[3]
with av.open(path) as c:
    s = c.streams.video[0]
    # presentation order: frame n is the n-th decoded frame; seek to the sync sample before it
    pts = sorted(p.pts for p in c.demux(s) if p.pts is not None)
    arrays = []
    for n in frames:
        c.seek(pts[n], stream=s, backward=True, any_frame=False)
        for f in c.decode(s):
            if f.pts == pts[n]:
                arrays.append(f.reformat(224, 224, 'rgb24', interpolation='BICUBIC').to_ndarray())
                break
    np.save(out, np.stack(arrays))
PY
}

# Sanity: the same bytes (npy data = ffmpeg's rawvideo; -ss gives the same frames).
mk_npy; ff_select; ff_ss
same=$(python3 - "$OUT" <<'PY'
import sys, os
d = sys.argv[1]
npy = open(os.path.join(d, 'mk.npy'), 'rb').read()
hl = int.from_bytes(npy[8:10], 'little') + 10
raw, ss = open(os.path.join(d, 'ff.raw'), 'rb').read(), open(os.path.join(d, 'ss.raw'), 'rb').read()
print('identical' if npy[hl:] == raw == ss else 'DIFFERENT (npy %d, select %d, -ss %d bytes)' % (len(npy) - hl, len(raw), len(ss)))
PY
)
echo "bytes vs ffmpeg: $same" >&2

cat "$FILE" >/dev/null  # warm the page cache for both alike
a_mk=(); a_sel=(); a_ss=(); a_py=()
for ((i = 0; i < RUNS; i++)); do
  time_cmd t mk_npy; a_mk+=("$t")
  time_cmd t ff_select; a_sel+=("$t")
  time_cmd t ff_ss; a_ss+=("$t")
  if ((HAVE_PYAV)); then time_cmd t py_av; a_py+=("$t"); fi
  echo "run $((i + 1))/$RUNS done" >&2
done
mk=$(median "${a_mk[@]}"); sel=$(median "${a_sel[@]}"); ss=$(median "${a_ss[@]}")
py=$( ((HAVE_PYAV)) && median "${a_py[@]}" || echo 0)

# Peak RSS (KiB) at K = 8 and K = 256: frames are streamed into the npy, never all held.
rss() { /usr/bin/time -f '%M' "$MP4KIT" seek "$FILE" "$@" --size 224x224 --pix-fmt rgb24 --format npy -o "$OUT/rss.npy" --quiet 2>&1 >/dev/null | tail -1; }
if [[ -x /usr/bin/time ]]; then rss8=$(rss "${SELECT8[@]}"); rss256=$(rss "${SELECT256[@]}"); else rss8=n/a; rss256=n/a; fi

echo
echo "| work ($FILE: 1080p H.264, $COUNT frames, GOP 125; 8 frames at floor((2i+1)N/16)) | mp4kit median | other median | speed-up | target |"
echo "|---|---|---|---|---|"
printf '| 224x224 rgb24 .npy vs one `ffmpeg -vf select=...,scale=224:224,format=rgb24` | %.3f s | %.3f s | %sx | >= 3x |\n' "$mk" "$sel" "$(ratio "$sel" "$mk")"
printf '| same vs 8 `ffmpeg -ss T -frames:v 1 -vf scale=...` calls | %.3f s | %.3f s | %sx | >= 6x |\n' "$mk" "$ss" "$(ratio "$ss" "$mk")"
if ((HAVE_PYAV)); then
  printf '| same vs PyAV (seek, decode, reformat, np.save) | %.3f s | %.3f s | %sx | >= 3x |\n' "$mk" "$py" "$(ratio "$py" "$mk")"
else
  echo "| same vs PyAV | | not installed (python3-av) | | >= 3x |"
fi
if "$MP4KIT" seek --help 2>&1 | grep -q -- '--keyframes'; then
  k_mk=(); k_ff=()
  mk_kf() { rm -rf "$OUT/kf"; mkdir -p "$OUT/kf"; "$MP4KIT" seek "$FILE" --keyframes --size 320x-2 --format jpeg -o "$OUT/kf/%06d.jpg" --quiet; }
  ff_kf() { rm -rf "$OUT/kff"; mkdir -p "$OUT/kff"; ffmpeg -nostdin -loglevel error -skip_frame nokey -i "$FILE" -vf scale=320:-2 -fps_mode passthrough -q:v 2 "$OUT/kff/%06d.jpg"; }
  for ((i = 0; i < RUNS; i++)); do time_cmd t mk_kf; k_mk+=("$t"); time_cmd t ff_kf; k_ff+=("$t"); done
  kmk=$(median "${k_mk[@]}"); kff=$(median "${k_ff[@]}")
  printf '| keyframes, 320x-2 jpeg vs `ffmpeg -skip_frame nokey ... -vf scale=320:-2` | %.3f s | %.3f s | %sx | >= 2x |\n' "$kmk" "$kff" "$(ratio "$kff" "$kmk")"
else
  echo "| keyframes, 320x-2 jpeg | | | | waits for seek --keyframes |"
fi
echo
echo "peak RSS of the npy command: K=8 ${rss8} KiB, K=256 ${rss256} KiB (target: within 20%)"
echo "bytes identical to ffmpeg's: $same; medians of $RUNS alternating runs, warm page cache, $(nproc) CPUs; reproduce: scripts/bench-preprocess.sh $RUNS"
load_report end
((BENCH_LOAD_VALID)) || echo "NOT VALID: the machine was not idle (see the bench: lines above)"
