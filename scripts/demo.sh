#!/usr/bin/env bash
# Build mp4kit (scripts/setup.sh) and show it on a bundled sample.
#
# Usage: scripts/demo.sh [FILE]
#   FILE defaults to samples/h264_bframes_aac.mp4 (H.264 with B-frames + AAC).
set -euo pipefail

CALLER_PWD="$PWD"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

FILE="samples/h264_bframes_aac.mp4"
if (($# > 1)); then
  echo "usage: scripts/demo.sh [FILE]" >&2
  exit 2
elif (($# == 1)); then
  FILE="$1"
  # A relative FILE is relative to where the user ran the script, not the repo root.
  if [[ "$FILE" != /* && -e "$CALLER_PWD/$FILE" ]]; then
    FILE="$CALLER_PWD/$FILE"
  fi
fi
if [[ ! -f "$FILE" ]]; then
  echo "demo: no such file: $FILE" >&2
  exit 1
fi

bash "$ROOT/scripts/setup.sh"
echo

run() {
  printf '+ %s\n' "$*"
  "$@"
}

status=0
run build/mp4kit probe "$FILE" || status=$?
echo
run build/mp4kit probe --boxes "$FILE" || status=$?
exit "$status"
