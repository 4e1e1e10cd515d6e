#!/usr/bin/env bash
# Reproduces the README's whole performance section in one run.
#
#   scripts/bench-all.sh [RUNS]        (default 5 runs of everything)
#
# Runs, one after the other:
#   1. scripts/bench-probe.sh RUNS     mp4kit probe vs ffprobe (2-hour file)
#   2. scripts/bench-decode.sh RUNS 2  mp4kit decode vs ffmpeg (1080p H.264, 750 frames)
#   3. scripts/bench-seek.sh RUNS      exact-frame seeking vs ffmpeg (skipped with a message if absent)
#   4. mp4kit bench, cold and warm page cache, each against libavformat in the same process:
#        decode  .bench/video750.mp4   (1080p H.264, 2 decoder threads)
#        seek    .bench/video750.mp4   (16 pseudo-random exact frames, 2 threads)
#        demux   .bench/demux-300mb.mp4 (the same content looped to ~300 MB: cold reads are real I/O)
#        probe   .bench/probe-2h.mp4   (482,880 samples)
# Writes .bench/results/: one .md per script, bench-<mode>.json (schema mp4kit.bench/1),
# summary.json (the medians below) and PERFORMANCE.md (everything as markdown tables).
# Needs: ffmpeg/ffprobe, python3, a built mp4kit (built if missing). No GPU; 2 cores are enough.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"
ROOT=$(bench_root)
cd "$ROOT"
RUNS=${1:-5}
MP4KIT=${MP4KIT:-build/mp4kit}
OUT=.bench/results
mkdir -p "$OUT"
[[ -x $MP4KIT && -f $(dirname "$MP4KIT")/mp4kit_decode.so && -f $(dirname "$MP4KIT")/mp4kit_bench.so ]] || bash scripts/setup.sh
CORPUS="${MP4KIT_CORPUS:-$ROOT/../shared/corpus}"
note() { echo "bench-all: $*" >&2; }

# --- 1-3: the comparison scripts (their markdown goes to .bench/results/*.md)
note "probe: scripts/bench-probe.sh $RUNS"
bash scripts/bench-probe.sh "$RUNS" > "$OUT/probe.md"
note "decode: scripts/bench-decode.sh $RUNS 2"
bash scripts/bench-decode.sh "$RUNS" 2 > "$OUT/decode.md"
if [[ -f scripts/bench-seek.sh ]]; then
  note "seek: scripts/bench-seek.sh $RUNS"
  bash scripts/bench-seek.sh "$RUNS" > "$OUT/seek.md"
else
  note "seek: scripts/bench-seek.sh is not there yet, skipped"
  echo "_scripts/bench-seek.sh not present: skipped_" > "$OUT/seek.md"
fi

# --- 4: mp4kit bench, cold and warm, against libavformat
VIDEO=.bench/video750.mp4      # made by bench-decode.sh
BIG=.bench/demux-300mb.mp4
PROBE=.bench/probe-2h.mp4      # made by bench-probe.sh
if [[ ! -s $BIG ]]; then
  note "generating $BIG"
  ffmpeg -nostdin -loglevel error -y -stream_loop 149 -i "$CORPUS/mediabunny_video.mp4" -c copy "$BIG.tmp.mp4"
  mv "$BIG.tmp.mp4" "$BIG"
fi
bench() {  # bench MODE FILE EXTRA...
  local mode=$1 file=$2; shift 2
  note "mp4kit bench --mode $mode $file (cold and warm, against libavformat, $RUNS runs each)"
  "$MP4KIT" bench --mode "$mode" --cache both --runs "$RUNS" --warmup 1 --against libavformat --json "$@" "$file" \
    > "$OUT/bench-$mode.json"
}
bench decode "$VIDEO" --threads 2
bench seek "$VIDEO" --threads 2 --seeks 16
bench demux "$BIG"
bench probe "$PROBE"

# --- summary.json and PERFORMANCE.md
python3 - "$OUT" "$RUNS" <<'PY'
import json, os, sys, platform
out, runs = sys.argv[1], sys.argv[2]
def load(mode):
    with open(os.path.join(out, f"bench-{mode}.json")) as f:
        return json.load(f)
def mb(v): return "-" if v is None else f"{v/1e6:.1f}"
def num(v, d=1): return "-" if v is None else f"{v:.{d}f}"
def ms(v): return "-" if v is None else f"{v:.4g}"  # 0.00008 .. 500: significant digits
summary, rows = {}, []
for mode in ("decode", "seek", "demux", "probe"):
    j = load(mode)
    summary[mode] = {"file": j["file"], "io": j["io"], "states": {}}
    for state in ("cold", "warm"):
        c = j["cache"].get(state)
        b = (j.get("against") or {}).get("cache", {}).get(state)
        if not c or not c.get("available"):
            rows.append(f"| {mode} | {state} | not measurable: {c.get('reason') if c else 'not run'} | | | | | | |")
            summary[mode]["states"][state] = {"available": False, "reason": c.get("reason") if c else None}
            continue
        m, l = c["median"], b["median"]
        ratio = j["against"]["ratio"].get(state, {})
        summary[mode]["states"][state] = {"mp4kit": m, "libavformat": l, "ratio": ratio}
        rows.append(f"| {mode} | {state} | {num(m['fps'])} | {num(l['fps'])} | {num(ratio.get('fps'), 2)}x | "
                    f"{num(ratio.get('cpu_s'), 2)}x | {mb(m['storage_read_bytes'])} / {mb(l['storage_read_bytes'])} | "
                    f"{num(100*m['residency_before'], 0) if m['residency_before'] is not None else '-'}% | "
                    f"{ms(m['latency_p50_ms'])} / {ms(m['latency_p99_ms'])} | {mb(m['peak_rss_bytes'])} / {mb(l['peak_rss_bytes'])} |")
with open(os.path.join(out, "summary.json"), "w") as f:
    json.dump({"schema": "mp4kit.bench-all/1", "runs": int(runs), "machine": {"cpus": os.cpu_count(), "kernel": platform.release()},
               "modes": summary}, f, indent=2)
def section(name):
    with open(os.path.join(out, name)) as f: return f.read().strip()
with open(os.path.join(out, "PERFORMANCE.md"), "w") as f:
    f.write(f"## Performance ({os.cpu_count()} CPUs, Linux {platform.release()}, {runs} runs per figure)\n\n")
    f.write("### probe (`scripts/bench-probe.sh`)\n\n" + section("probe.md") + "\n\n")
    f.write("### decode (`scripts/bench-decode.sh`)\n\n" + section("decode.md") + "\n\n")
    f.write("### seek (`scripts/bench-seek.sh`)\n\n" + section("seek.md") + "\n\n")
    f.write("### cold and warm page cache (`mp4kit bench --against libavformat`)\n\n")
    f.write("Medians; cold = file evicted and verified (mincore) before every run; each run in its own process; "
            "mp4kit and libavformat runs alternate. Ratios mp4kit/libavformat: fps > 1 = faster, CPU < 1 = cheaper.\n\n")
    f.write("| mode | cache | mp4kit fps | libavformat fps | fps ratio | CPU ratio | storage MB (mp4kit / lavf) | residency before | p50 / p99 ms | peak RSS MB (mp4kit / lavf) |\n")
    f.write("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
    f.write("\n".join(rows) + "\n")
    srcs = {m: summary[m]["io"]["storage_read_source"] for m in summary}
    f.write(f"\nStorage bytes from: {', '.join(f'{m} {s}' for m, s in srcs.items())}; "
            f"block requests: {summary['demux']['io']['block_requests']}.\n")
print(open(os.path.join(out, "PERFORMANCE.md")).read())
PY
note "wrote $OUT/PERFORMANCE.md, $OUT/summary.json and $OUT/bench-*.json"
