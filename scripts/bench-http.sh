#!/usr/bin/env bash
# Remote-file benchmark: mp4kit over HTTP vs ffprobe/ffmpeg over HTTP, alternating in one run,
# against a loopback nginx (tests/http/http_server.py) and the fault proxy's latency mode.
#
#   scripts/bench-http.sh [RUNS]       (default 9 alternating runs of each command)
#
# Inputs (built on first use, .bench/ is git-ignored): .bench/probe-2h.mp4 (scripts/bench-probe.sh:
# 2 hours, moov at the end) and .bench/video750.mp4 (scripts/bench-seek.sh: 1080p H.264).
# Work:
#   A. plain probe of the 2-hour file: mp4kit probe --json URL  vs  ffprobe -show_streams -show_format URL
#   B. the same with 50 ms added before every request (the proxy's /latency50/: a far bucket)
#   C. one exact frame at 17.3 s of the 1080p file, 50 ms per request:
#      mp4kit seek --time 17.3 --format raw -o -  vs  ffmpeg -ss 17.3 -i URL -frames:v 1 -f rawvideo
# and prints medians, ratios, bytes fetched and requests made for both sides (counted by the
# proxy for both, and reported by mp4kit itself), the moov size, the load average, and two
# floors: the curl tool fetching only the moov (timed in A's loop), and one request's 50 ms.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"
ROOT=$(bench_root)
cd "$ROOT"
load_report start
RUNS=${1:-9}
MP4KIT=${MP4KIT:-build/mp4kit}
[[ -x $MP4KIT ]] || bash scripts/setup.sh
PROBE_FILE=.bench/probe-2h.mp4
SEEK_FILE=.bench/video750.mp4
CORPUS=${MP4KIT_CORPUS:-$ROOT/../shared/corpus}
mkdir -p .bench
if [[ ! -s $PROBE_FILE ]]; then  # as scripts/bench-probe.sh makes it
  echo "bench: generating $PROBE_FILE (2 h, takes a few minutes)..." >&2
  ffmpeg -v error -y -f lavfi -i testsrc2=size=128x72:rate=24 -f lavfi -i sine -t 7200 \
    -c:v libx264 -preset ultrafast -g 48 -bf 2 -c:a aac -b:a 32k -shortest "$PROBE_FILE.tmp.mp4"
  mv "$PROBE_FILE.tmp.mp4" "$PROBE_FILE"
fi
if [[ ! -s $SEEK_FILE ]]; then  # as scripts/bench-seek.sh makes it
  [[ -s $CORPUS/mediabunny_video.mp4 ]] || { echo "bench: need $CORPUS/mediabunny_video.mp4 (set MP4KIT_CORPUS)" >&2; exit 66; }
  ffmpeg -nostdin -loglevel error -y -stream_loop 5 -i "$CORPUS/mediabunny_video.mp4" -c copy "$SEEK_FILE.tmp.mp4"
  mv "$SEEK_FILE.tmp.mp4" "$SEEK_FILE"
fi

TMP=$(mktemp -d)
coproc SRV { exec python3 tests/http/http_server.py "$TMP" "bench=$ROOT/.bench"; }
SRV_IN=${SRV[1]}
trap 'kill "$SRV_PID" 2>/dev/null || true; wait "$SRV_PID" 2>/dev/null || true; rm -rf "$TMP"' EXIT
read -r -u "${SRV[0]}" URLS || { echo "bench: the HTTP server did not start" >&2; exit 69; }
url_of() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$URLS" "$1"; }
HTTP=$(url_of http); PROXY=$(url_of proxy)
P_URL=$HTTP/bench/probe-2h.mp4
P_FAR=$PROXY/latency50/bench/probe-2h.mp4
S_FAR=$PROXY/latency50/bench/video750.mp4

# Bytes and requests, both sides, counted by the proxy (one untimed run each).
counted() {  # CMD... -> "requests bytes"
  python3 -c 'import urllib.request,sys; urllib.request.urlopen(sys.argv[1]).read()' "$PROXY/__reset"
  "$@" >/dev/null 2>&1 || true
  python3 -c 'import json,urllib.request,sys; d=json.load(urllib.request.urlopen(sys.argv[1])); print(d["requests"], d["bytes"])' "$PROXY/__stats"
}
mk_probe() { "$MP4KIT" probe --json "$1"; }
ff_probe() { ffprobe -v error -show_streams -show_format -of json "$1"; }
mk_seek() { "$MP4KIT" seek "$1" --time 17.3 --format raw -o - --quiet; }
ff_seek() { ffmpeg -nostdin -loglevel error -ss 17.3 -i "$1" -frames:v 1 -f rawvideo -y /dev/null; }
read -r mk_p_req mk_p_bytes < <(counted mk_probe "$PROXY/ok/bench/probe-2h.mp4")
read -r ff_p_req ff_p_bytes < <(counted ff_probe "$PROXY/ok/bench/probe-2h.mp4")
read -r mk_s_req mk_s_bytes < <(counted mk_seek "$PROXY/ok/bench/video750.mp4")
read -r ff_s_req ff_s_bytes < <(counted ff_seek "$PROXY/ok/bench/video750.mp4")
MOOV=$("$MP4KIT" probe --boxes --json "$PROBE_FILE" | python3 -c 'import json,sys; print(sum(b["size"] for b in json.load(sys.stdin)["boxes"] if b["type"] == "moov"))')
MOOV_AT=$("$MP4KIT" probe --boxes --json "$PROBE_FILE" | python3 -c 'import json,sys; print([b["offset"] for b in json.load(sys.stdin)["boxes"] if b["type"] == "moov"][0])')
# A floor for any libcurl client: the curl tool fetching only the moov's bytes (one request,
# no parsing), timed in the same loop. Plain probe cannot be faster than this plus parsing.
curl_moov() { curl -s -r "$MOOV_AT-" -o /dev/null "$1"; }
BOUND=$(( (MOOV + 262144) * 12 / 10 ))
mk_md5=$(mk_seek "$S_FAR" | md5sum | cut -d' ' -f1)
mk_local=$(mk_seek "$SEEK_FILE" | md5sum | cut -d' ' -f1)
echo "seek over HTTP vs local: $mk_md5 / $mk_local: $([[ $mk_md5 == "$mk_local" ]] && echo identical || echo DIFFERENT)" >&2

a_mk=(); a_ff=(); a_curl=(); b_mk=(); b_ff=(); c_mk=(); c_ff=()
for ((i = 0; i < RUNS; i++)); do
  time_cmd t mk_probe "$P_URL"; a_mk+=("$t")
  time_cmd t ff_probe "$P_URL"; a_ff+=("$t")
  time_cmd t curl_moov "$P_URL"; a_curl+=("$t")
  time_cmd t mk_probe "$P_FAR"; b_mk+=("$t")
  time_cmd t ff_probe "$P_FAR"; b_ff+=("$t")
  time_cmd t mk_seek "$S_FAR"; c_mk+=("$t")
  time_cmd t ff_seek "$S_FAR"; c_ff+=("$t")
  echo "run $((i + 1))/$RUNS done" >&2
done
if ((RUNS > 0)); then
  ma=$(median "${a_mk[@]}"); fa=$(median "${a_ff[@]}"); ca=$(median "${a_curl[@]}")
  mb=$(median "${b_mk[@]}"); fb=$(median "${b_ff[@]}")
  mc=$(median "${c_mk[@]}"); fc=$(median "${c_ff[@]}")
else
  ma=0 fa=0 ca=0 mb=0 fb=0 mc=0 fc=0
fi
echo
echo "| work (loopback nginx) | mp4kit median | reference median | speed-up | target | mp4kit fetched | reference fetched |"
echo "|---|---|---|---|---|---|---|"
printf '| plain probe, 2 h file (moov %s B) vs `ffprobe URL` | %.4f s | %.4f s | %sx | >= 20x | %s B, %s req (bound %s B, <= 4 req) | %s B, %s req |\n' \
  "$MOOV" "$ma" "$fa" "$(ratio "$fa" "$ma")" "$mk_p_bytes" "$mk_p_req" "$BOUND" "$ff_p_bytes" "$ff_p_req"
printf '| the same, +50 ms per request | %.4f s | %.4f s | %sx | >= 10x | | |\n' "$mb" "$fb" "$(ratio "$fb" "$mb")"
printf '| frame at 17.3 s of the 1080p file, +50 ms per request, vs `ffmpeg -ss 17.3 -i URL -frames:v 1` | %.4f s | %.4f s | %sx | >= 3x | %s B, %s req | %s B, %s req |\n' \
  "$mc" "$fc" "$(ratio "$fc" "$mc")" "$mk_s_bytes" "$mk_s_req" "$ff_s_bytes" "$ff_s_req"
echo
echo "floors: \`curl -r $MOOV_AT- URL\` (the moov's bytes alone, one request) took $(printf '%.4f' "$ca") s, so a libcurl client's plain probe is at most $(ratio "$fa" "$ca")x ffprobe here;"
echo "with 50 ms per request, one request alone bounds any client at $(ratio "$fb" 0.05)x ffprobe and the frame at $(ratio "$fc" 0.05)x ffmpeg (mp4kit makes $mk_p_req and $mk_s_req)."
echo "medians of $RUNS alternating runs; bytes/requests counted by tests/http/fault_proxy.py; reproduce: scripts/bench-http.sh $RUNS"
load_report end
((BENCH_LOAD_VALID)) || echo "NOT VALID: the machine was not idle (see the bench: lines above)"
