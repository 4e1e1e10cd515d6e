#!/usr/bin/env bash
# Install mp4kit's build and test dependencies (Debian 12) if any are missing, then
# configure and build into build/ (the CLI ends up at build/mp4kit).
#
# Usage: scripts/setup.sh [--no-build]
#   --no-build   only install missing packages; do not configure or build
#
# Works from any directory. Needs root or sudo only when a package is missing.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

BUILD=1
for arg in "$@"; do
  case "$arg" in
    --no-build) BUILD=0 ;;
    -h|--help)
      sed -n '2,8s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
      exit 0
      ;;
    *)
      echo "setup: unknown option '$arg' (try --help)" >&2
      exit 2
      ;;
  esac
done

log() { printf 'setup: %s\n' "$*"; }

# Build: compiler, CMake, the libraries mp4kit links. Tests and samples: the FFmpeg
# CLI (reference output) and GStreamer (a second muxer to compare against). Packaging:
# dpkg-dev (dpkg-shlibdeps, which `cpack -G DEB` uses to declare the .deb's dependencies).
# Documentation: help2man (the man pages, generated from the CLI's own --help at build time;
# without it the build says so and installs none). Batch: libxxhash-dev (the stable path
# hash of --shard and --resume, header-only), and for the GNU parallel over ssh recipe test
# openssh-server, openssh-client and parallel (the test skips without them). HTTP: libcurl
# (the mp4kit_http.so module); nginx-light and openssl (the HTTP tests' server and
# throwaway certificate).
PACKAGES=(
  libavcodec-dev libavutil-dev libswscale-dev libavformat-dev libswresample-dev
  libcli11-dev libfmt-dev nlohmann-json3-dev doctest-dev
  pkg-config cmake g++ make dpkg-dev help2man
  ffmpeg
  libxxhash-dev openssh-server openssh-client parallel
  libcurl4-openssl-dev nginx-light openssl
  python3-numpy time
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly gstreamer1.0-libav
)

install_missing() {
  if ! command -v dpkg-query >/dev/null 2>&1; then
    log "dpkg-query not found (not Debian?): skipping package installation."
    log "make sure these (or your distribution's equivalents) are installed: ${PACKAGES[*]}"
    return 0
  fi

  local missing=() pkg status
  for pkg in "${PACKAGES[@]}"; do
    status="$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)"
    if [[ "$status" != "install ok installed" ]]; then
      missing+=("$pkg")
    fi
  done

  if ((${#missing[@]} == 0)); then
    log "all ${#PACKAGES[@]} required packages are installed"
    return 0
  fi

  local sudo=()
  if [[ "$(id -u)" -ne 0 ]]; then
    if command -v sudo >/dev/null 2>&1; then
      sudo=(sudo)
    else
      log "missing packages: ${missing[*]}" >&2
      log "not root and sudo is not available; install them as root and re-run" >&2
      exit 1
    fi
  fi

  log "installing ${#missing[@]} missing package(s): ${missing[*]}"
  ${sudo[@]+"${sudo[@]}"} env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  ${sudo[@]+"${sudo[@]}"} env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
  log "installed: ${missing[*]}"
}

build() {
  # Configure once; later builds let CMake re-run itself when CMakeLists.txt changes.
  # Also configure when an earlier configure left a cache but no build system behind.
  if [[ ! -f build/CMakeCache.txt ]] || [[ ! -f build/Makefile && ! -f build/build.ninja ]]; then
    log "configuring: cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo"
    cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo
  else
    log "build/ already configured (delete build/ to start from scratch)"
  fi

  local jobs
  jobs="$(nproc 2>/dev/null || echo 2)"
  log "building: cmake --build build -j$jobs"
  cmake --build build -j"$jobs"
  log "built $ROOT/build/mp4kit"
}

install_missing
if ((BUILD)); then
  build
else
  log "--no-build: skipping configure and build"
fi
