#!/usr/bin/env bash
# Install dependencies and build (scripts/setup.sh), then run the test suite with ctest.
#
# Usage: scripts/test.sh [CTEST_ARGS...]
#   Extra arguments go to ctest, e.g. scripts/test.sh -R box_reader -V
#   Without arguments the hardening stage follows (scripts/test-hardening.sh, ~15 min on
#   2 cores); MP4KIT_HARDENING=0 skips it.
#
# Corpus: tests read real files from $MP4KIT_CORPUS, or from ../shared/corpus next to the
# repository; when neither exists, the corpus tests are skipped.
# Exits with ctest's status, or 1 if only the hardening stage failed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Where the corpus tests look (reported before the build, and again before ctest so it is
# next to the results). Resolved before the cd below, so a relative MP4KIT_CORPUS means
# relative to the caller's directory; tests get an absolute path either way.
if [[ -n "${MP4KIT_CORPUS:-}" ]]; then
  if [[ -d "$MP4KIT_CORPUS" ]]; then
    MP4KIT_CORPUS="$(cd "$MP4KIT_CORPUS" && pwd)"
    export MP4KIT_CORPUS
    corpus_msg="test: corpus: $MP4KIT_CORPUS (from MP4KIT_CORPUS)"
  else
    corpus_msg="test: *** MP4KIT_CORPUS=$MP4KIT_CORPUS is not a directory, corpus tests will be skipped ***"
  fi
else
  corpus_default="$(cd "$ROOT/.." && pwd)/shared/corpus"
  if [[ -d "$corpus_default" ]]; then
    MP4KIT_CORPUS="$(cd "$corpus_default" && pwd)"
    export MP4KIT_CORPUS
    corpus_msg="test: corpus: $MP4KIT_CORPUS"
  else
    corpus_msg="test: *** corpus not found at $corpus_default, corpus tests will be skipped ***"
  fi
fi
echo "$corpus_msg"

cd "$ROOT"
setup_start=$SECONDS
bash "$ROOT/scripts/setup.sh"
setup_s=$((SECONDS - setup_start))

echo "$corpus_msg"
# FFmpeg's answers are memoised for this run (tests/test_util.h test::oracle): the hardening
# stage's sanitized suite asks the same ffprobe/ffmpeg questions about the same files.
if [[ -z "${MP4KIT_ORACLE_CACHE:-}" ]]; then
  export MP4KIT_ORACLE_CACHE="$ROOT/build/oracle-cache"
  rm -rf "$MP4KIT_ORACLE_CACHE"
fi
echo "test: ctest --test-dir build --output-on-failure -j2${*:+ $*}"
status=0
ctest_start=$SECONDS
ctest --test-dir build --output-on-failure -j2 "$@" || status=$?
echo "test: setup and build took ${setup_s} s, ctest took $((SECONDS - ctest_start)) s"

# The hardening stage (scripts/test-hardening.sh: the suite under ASan+UBSan, then each
# fuzz target for MP4KIT_FUZZ_SECONDS). Skipped for a filtered run (ctest arguments given)
# and with MP4KIT_HARDENING=0.
if [[ "${MP4KIT_HARDENING:-1}" != 0 && $# -eq 0 ]]; then
  echo "test: scripts/test-hardening.sh"
  bash "$ROOT/scripts/test-hardening.sh" || status=$((status ? status : 1))
else
  echo "test: hardening stage skipped (MP4KIT_HARDENING=0 or ctest arguments given)"
fi
exit "$status"
