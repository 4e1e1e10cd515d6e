#!/usr/bin/env bash
# Install dependencies and build (scripts/setup.sh), then run the test suite with ctest.
#
# Usage: scripts/test.sh [CTEST_ARGS...]
#   Extra arguments go to ctest, e.g. scripts/test.sh -R box_reader -V
#
# Corpus: tests read real files from $MP4KIT_CORPUS, or from ../shared/corpus next to the
# repository; when neither exists, the corpus tests are skipped.
# Exits with ctest's status.
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
bash "$ROOT/scripts/setup.sh"

echo "$corpus_msg"
echo "test: ctest --test-dir build --output-on-failure -j2${*:+ $*}"
exec ctest --test-dir build --output-on-failure -j2 "$@"
