#!/usr/bin/env bash
# Compares `mp4kit decode --format framemd5` with FFmpeg's framemd5 (size and md5 columns)
# for every audio and video stream of the given files (default: samples/ and the corpus).
#
# Usage: scripts/compare-framemd5.sh [FILE...]   (env: MP4KIT=build/mp4kit, EXTRA="--packet-copy always")
# Video oracle: ffmpeg -noautorotate -i FILE -map 0:N -fps_mode passthrough -f framemd5 -
# Audio oracle: the same with -c:a pcm_<the decoder's sample type, packed> (fltp -> pcm_f32le, s16p -> pcm_s16le, ...)
# Prints one line per stream (same/DIFF/ERROR) and a total; exits 1 when any stream differs.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MP4KIT="${MP4KIT:-$ROOT/build/mp4kit}"
EXTRA="${EXTRA:-}"
if [[ $# -eq 0 ]]; then
  set -- "$ROOT"/samples/*.mp4 "$ROOT"/samples/*.mov
  CORPUS="${MP4KIT_CORPUS:-$ROOT/../shared/corpus}"
  [[ -d "$CORPUS" ]] && set -- "$@" "$CORPUS"/*.mp4 "$CORPUS"/*.3gp
fi
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
same=0; diff=0; total=0
for f in "$@"; do
  while IFS=, read -r idx type sfmt; do
    [[ "$type" == video || "$type" == audio ]] || continue
    args=(-map "0:$idx")
    if [[ "$type" == video ]]; then args+=(-fps_mode passthrough)
    else
      case "$sfmt" in
        fltp|flt) args+=(-c:a pcm_f32le) ;; s16|s16p) args+=(-c:a pcm_s16le) ;; s32|s32p) args+=(-c:a pcm_s32le) ;;
        dbl|dblp) args+=(-c:a pcm_f64le) ;; u8|u8p) args+=(-c:a pcm_u8) ;; *) args+=(-c:a pcm_f32le) ;;
      esac
    fi
    total=$((total + 1))
    name="$(basename "$f"):$idx ($type)"
    ffmpeg -nostdin -hide_banner -loglevel quiet -threads 2 -noautorotate -i "$f" "${args[@]}" -f framemd5 - 2>/dev/null \
      | grep -v '^#' | awk -F', *' '{print $5, $6}' > "$tmp/ff"
    "$MP4KIT" decode --quiet --threads 2 --stream "$idx" --format framemd5 $EXTRA "$f" 2>"$tmp/err" \
      | grep -v '^#' | awk -F', *' '{print $5, $6}' > "$tmp/mk"
    rc=${PIPESTATUS[0]}
    nf=$(wc -l < "$tmp/ff"); nm=$(wc -l < "$tmp/mk")
    if [[ $rc -ne 0 ]]; then
      echo "ERROR $name: exit $rc: $(head -c 300 "$tmp/err") (ffmpeg $nf frames)"; diff=$((diff + 1))
    elif cmp -s "$tmp/ff" "$tmp/mk"; then
      echo "same  $name: $nm frames"; same=$((same + 1))
    else
      first=$(diff <(cat -n "$tmp/ff") <(cat -n "$tmp/mk") | grep -m1 '^[<>]' )
      echo "DIFF  $name: ffmpeg $nf frames, mp4kit $nm; first: $first"; diff=$((diff + 1))
    fi
  done < <(ffprobe -v quiet -show_entries stream=index,codec_type,sample_fmt -of csv=p=0 "$f" | awk -F, '{print $1","$2","$3}')
done
echo "total: $same/$total identical"
[[ $diff -eq 0 ]]
