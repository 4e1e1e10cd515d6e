#!/usr/bin/env bash
# The hardening stage (issue 6), run by scripts/test.sh after the normal ctest suite:
#
#   1. sanitizers: the whole project and doctest suite built with
#      -DMP4KIT_SANITIZE=address,undefined into build-asan/, then ctest there, with the
#      mutation test on its three covering samples (MP4KIT_MUTATION_FILES, default "quick":
#      "samples" is ~6,000 sanitized processes, 15-20 minutes on 2 cores, where the fuzzers
#      below try far more variants in-process); any AddressSanitizer or
#      UndefinedBehaviorSanitizer report fails a test.
#   2. fuzzing: the libFuzzer targets in fuzz/ built with clang, ASan and UBSan into
#      build-fuzz/, each run for MP4KIT_FUZZ_SECONDS (default 60) from seeds made of
#      samples/ and the corpus, with fuzz/mp4.dict and -malloc_limit_mb=512. A crash, leak,
#      timeout or out-of-memory fails the stage; the input is kept under
#      build-fuzz/fuzz/findings/<target>/ (minimize it with -minimize_crash=1 and add it
#      to tests/regress/, see fuzz/README.md).
#
# Usage: scripts/test-hardening.sh [--no-asan] [--no-fuzz]
# Environment: MP4KIT_FUZZ_SECONDS, MP4KIT_MUTATION_FILES (quick|samples|all),
#              MP4KIT_CORPUS (as scripts/test.sh), JOBS (build/ctest parallelism).
# Needs clang and libclang-rt-14-dev (libFuzzer, sanitizer runtimes); installs them like
# scripts/setup.sh when missing. Exits non-zero if any step fails; runs every step anyway.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

DO_ASAN=1
DO_FUZZ=1
for arg in "$@"; do
  case "$arg" in
    --no-asan) DO_ASAN=0 ;;
    --no-fuzz) DO_FUZZ=0 ;;
    -h|--help) sed -n '2,22s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "test-hardening: unknown option '$arg' (try --help)" >&2; exit 64 ;;
  esac
done

JOBS="${JOBS:-$(nproc 2>/dev/null || echo 2)}"
FUZZ_SECONDS="${MP4KIT_FUZZ_SECONDS:-60}"
export MP4KIT_MUTATION_FILES="${MP4KIT_MUTATION_FILES:-quick}"
log() { printf 'test-hardening: %s\n' "$*"; }
failed=()
stage_start=$SECONDS

# --- tools --------------------------------------------------------------------------------
need_packages=()
if ((DO_FUZZ)); then
  command -v clang++ >/dev/null 2>&1 || need_packages+=(clang)
  compgen -G "/usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a" >/dev/null ||
    need_packages+=(libclang-rt-14-dev)
fi
if ((${#need_packages[@]})); then
  sudo=()
  if [[ "$(id -u)" -ne 0 ]]; then sudo=(sudo); fi
  log "installing ${need_packages[*]}"
  ${sudo[@]+"${sudo[@]}"} env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  ${sudo[@]+"${sudo[@]}"} env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_packages[@]}"
fi

# Sanitizer settings for everything below: stop at the first report, with a stack.
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:strict_string_checks=1:check_initialization_order=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

# --- 1. the suite under ASan + UBSan ------------------------------------------------------
if ((DO_ASAN)); then
  t0=$SECONDS
  # -O1 -g1 (line tables: stacks keep file:line) compiles in half the time of -O2 -g, the
  # sanitizers' own recommendation; NDEBUG is not defined here.
  log "configuring build-asan/ (-DMP4KIT_SANITIZE=address,undefined, -O1 -g1)"
  if cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" \
       -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g1" -DMP4KIT_SANITIZE=address,undefined >/dev/null &&
     cmake --build build-asan -j"$JOBS"; then
    asan_build_s=$((SECONDS - t0))
    log "built build-asan/ in ${asan_build_s} s; ctest with MP4KIT_MUTATION_FILES=$MP4KIT_MUTATION_FILES"
    # In a sanitized build the decode suite runs over samples/ and the corpus only
    # (lib/decode/CMakeLists.txt sets MP4KIT_CORPUS2=none on it): the normal stage already
    # compares corpus2's frames with FFmpeg's, and every corpus2 file is parsed under ASan
    # by mp4kit_tests. install_prefix/install_deb are left to the normal stage: they check
    # the package that ships, and a sanitized libmp4kit.a names its generated sources'
    # build paths in ASan's global metadata, which the packaging check rightly refuses.
    t1=$SECONDS
    if ! ctest --test-dir build-asan --output-on-failure -j"$JOBS" --timeout 1500 -E '^(install_prefix|install_deb)$'; then
      failed+=("ctest under ASan+UBSan")
    fi
    asan_ctest_s=$((SECONDS - t1))
  else
    failed+=("sanitizer build")
  fi
  log "sanitizer step took $((SECONDS - t0)) s"
fi

# --- 2. fuzzing ---------------------------------------------------------------------------
if ((DO_FUZZ)); then
  t0=$SECONDS
  log "configuring build-fuzz/ (clang, -DMP4KIT_FUZZ=ON, ASan+UBSan)"
  if CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" \
       -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g1" -DMP4KIT_FUZZ=ON \
       -DMP4KIT_SANITIZE=address,undefined -DMP4KIT_BUILD_TESTS=OFF >/dev/null &&
     cmake --build build-fuzz -j"$JOBS" --target mp4kit_fuzz_seeds mp4kit_fuzz_all; then
    fuzz_build_s=$((SECONDS - t0))
    log "built build-fuzz/ in ${fuzz_build_s} s"
    F="build-fuzz/fuzz"
    rm -rf "$F/seeds"
    mkdir -p "$F/seeds"
    seed_inputs=(samples/*.mp4 samples/*.mov)
    corpus="${MP4KIT_CORPUS:-$ROOT/../shared/corpus}"
    if [[ -d "$corpus" ]]; then
      while IFS= read -r -d '' f; do seed_inputs+=("$f"); done < <(find "$corpus" -maxdepth 1 -type f \( -name '*.mp4' -o -name '*.mov' -o -name '*.3gp' \) -print0)
    else
      log "*** corpus not found at $corpus: seeding from samples/ only ***"
    fi
    "$F/mp4kit_fuzz_seeds" "$F/seeds" "${seed_inputs[@]}"
    rm -rf "$F/seeds-decode"
    mkdir -p "$F/seeds-decode"
    "$F/mp4kit_fuzz_seeds" --mdat-bytes 32768 "$F/seeds-decode" "${seed_inputs[@]}"
    for target in $(cat "$F/targets.txt"); do
      seeds="$F/seeds" max_len=262144
      if [[ "$target" == fuzz_decode ]]; then seeds="$F/seeds-decode" max_len=131072; fi
      mkdir -p "$F/corpus/$target" "$F/findings/$target"
      log "fuzzing $target for ${FUZZ_SECONDS} s"
      # -use_value_profile helps past the FourCC compares; leaks and OOM (> 512 MB) are
      # findings too. The run's own corpus persists in build-fuzz/ between runs.
      if ! "$F/$target" "$F/corpus/$target" "$seeds" -dict=fuzz/mp4.dict -max_total_time="$FUZZ_SECONDS" \
             -malloc_limit_mb=512 -rss_limit_mb=2048 -timeout=10 -max_len="$max_len" -use_value_profile=1 \
             -print_final_stats=1 -artifact_prefix="$F/findings/$target/" 2>"$F/$target.log"; then
        failed+=("fuzzing $target (see $F/$target.log and $F/findings/$target/)")
        tail -n 60 "$F/$target.log" >&2
      fi
      grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)|^#[0-9]+.*DONE' "$F/$target.log" |
        sed "s/^/test-hardening: $target: /" || true
    done
  else
    failed+=("fuzz build")
  fi
  log "fuzzing step took $((SECONDS - t0)) s"
  fuzz_s=$((SECONDS - t0))
fi

log "hardening stage took $((SECONDS - stage_start)) s (ASan build ${asan_build_s:-0} s, ASan ctest ${asan_ctest_s:-0} s, fuzz build ${fuzz_build_s:-0} s, fuzz build+runs ${fuzz_s:-0} s)"
if ((${#failed[@]})); then
  for f in "${failed[@]}"; do log "FAILED: $f"; done
  exit 1
fi
log "all hardening checks passed"
