#!/usr/bin/env bash
# The installed mp4kit works on its own, away from the build tree (ctest: install_prefix,
# install_deb; registered in cmake/packaging.cmake, which sets the environment below).
#
#   tests/install_test.sh prefix   cmake --install into a temporary prefix; the public headers
#                                  compile alone; examples/ built out of tree with
#                                  find_package(mp4kit) and with pkg-config print what the CLI
#                                  prints; the installed CLI finds its decode module through
#                                  ../lib/mp4kit; nothing installed points into the build tree
#   tests/install_test.sh deb      cpack -G DEB into a temporary directory; the package's
#                                  Depends name the libav* packages its module links; dpkg -x
#                                  into a scratch root; --version and a decode from there
#
# Environment (from ctest): MP4KIT_BUILD_DIR, MP4KIT_VERSION, MP4KIT_INSTALL_LIBDIR,
# MP4KIT_DECODE_MODULE_FILE, MP4KIT_BENCH_MODULE_FILE (when the bench module is built),
# CMAKE_COMMAND, CPACK_COMMAND, CMAKE_GENERATOR, CXX.
# A missing tool is a failure that names the Debian package to install, never a skip.
set -euo pipefail

mode=${1:?usage: install_test.sh prefix|deb}
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="$(cd "${MP4KIT_BUILD_DIR:?set by ctest}" && pwd)"
VERSION=${MP4KIT_VERSION:?set by ctest}
LIBDIR=${MP4KIT_INSTALL_LIBDIR:-lib}
CMAKE=${CMAKE_COMMAND:-cmake}
CPACK=${CPACK_COMMAND:-cpack}
CXX=${CXX:-c++}
SAMPLE="$ROOT/samples/h264_bframes_aac.mp4"

fail() { echo "install_test: FAIL: $*" >&2; exit 1; }
step() { echo "install_test: $*"; }
need() {  # need TOOL DEBIAN_PACKAGE
  command -v "$1" >/dev/null 2>&1 || fail "'$1' not found: install the Debian package $2 (scripts/setup.sh does)"
}
# same WHAT EXPECTED_FILE ACTUAL_FILE
same() {
  diff -u "$2" "$3" >"$tmp/diff" || { head -n 20 "$tmp/diff" >&2; fail "$1: output differs (first lines of the diff above)"; }
}

# Nothing from the caller's environment may steer an install or the module lookup.
unset DESTDIR MP4KIT_DECODE_MODULE
tmp="$(mktemp -d "${TMPDIR:-/tmp}/mp4kit-install-test.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

[[ -x "$BUILD/mp4kit" ]] || fail "$BUILD/mp4kit is not built"
need readelf binutils
need objcopy binutils

# check_tree DIR: no file under DIR points into the build tree or the source tree:
# symlinks stay inside DIR, text files (CMake package, .pc) name no build or source path,
# ELF files carry no RPATH/RUNPATH into either, and apart from debug sections (DW_AT_comp_dir
# names the build directory, as in any -g build) no binary embeds the build directory.
check_tree() {
  local dir=$1 f target
  while IFS= read -r -d '' f; do
    target="$(readlink -f "$f")"
    [[ "$target" == "$dir"/* ]] || fail "symlink $f points outside the installed tree: $target"
  done < <(find "$dir" -type l -print0)
  if grep -rIlF -e "$BUILD" -e "$ROOT" "$dir" >"$tmp/hits"; then
    fail "installed text files name the build or source tree: $(tr '\n' ' ' <"$tmp/hits")"
  fi
  while IFS= read -r -d '' f; do
    case "$(head -c 8 "$f" | od -An -c | tr -d ' \n')" in
      177ELF*)
        readelf -d "$f" | grep -E 'RPATH|RUNPATH' >"$tmp/rpath" || true
        if grep -qF -e "$BUILD" -e "$ROOT" "$tmp/rpath"; then fail "$f has an RPATH into the build tree: $(cat "$tmp/rpath")"; fi ;;
      '!<arch>'*) ;;
      *) continue ;;
    esac
    objcopy --strip-debug "$f" "$tmp/stripped" || fail "objcopy --strip-debug $f failed"
    if grep -qaF "$BUILD" "$tmp/stripped"; then fail "$f embeds the build directory $BUILD outside its debug sections"; fi
  done < <(find "$dir" -type f -print0)
}

# check_decode MP4KIT: MP4KIT decodes the sample like the build tree's CLI, with no
# MP4KIT_DECODE_MODULE: it must find the installed module by itself.
check_decode() {
  local exe=$1
  "$exe" --version >"$tmp/version" || fail "$exe --version exited $?"
  [[ "$(cat "$tmp/version")" == "mp4kit $VERSION" ]] || fail "$exe --version says '$(cat "$tmp/version")', project() says $VERSION"
  "$BUILD/mp4kit" decode --quiet --format framemd5 "$SAMPLE" >"$tmp/decode.want" 2>/dev/null
  "$exe" decode --quiet --format framemd5 "$SAMPLE" >"$tmp/decode.got" 2>"$tmp/decode.err" ||
    fail "$exe decode exited $?: $(cat "$tmp/decode.err")"
  grep -q '^0, ' "$tmp/decode.got" || fail "$exe decode printed no frame"
  same "$exe decode --format framemd5 (vs $BUILD/mp4kit)" "$tmp/decode.want" "$tmp/decode.got"
}

# check_files DIR REL...: each REL exists under DIR.
check_files() {
  local dir=$1 rel
  shift
  for rel in "$@"; do [[ -e "$dir/$rel" ]] || fail "not installed: $dir/$rel"; done
}

installed_files() {  # the paths every install has, relative to the prefix
  echo bin/mp4kit "lib/mp4kit/${MP4KIT_DECODE_MODULE_FILE:?}" "$LIBDIR/libmp4kit.a" \
    "$LIBDIR/cmake/mp4kit/mp4kitConfig.cmake" "$LIBDIR/cmake/mp4kit/mp4kitConfigVersion.cmake" \
    "$LIBDIR/pkgconfig/mp4kit.pc"
  [[ -z "${MP4KIT_BENCH_MODULE_FILE:-}" ]] || echo "lib/mp4kit/$MP4KIT_BENCH_MODULE_FILE"
  (cd "$ROOT" && ls include/mp4kit/*.h)
}

# check_docs PREFIX: the man pages (when help2man was there at build time) and the bash and
# zsh completion are installed, and bash completion completes subcommands and options.
check_docs() {
  local prefix=$1 sub page
  if [[ -f "$BUILD/man/mp4kit.1" ]]; then
    for page in mp4kit mp4kit-probe mp4kit-decode mp4kit-seek mp4kit-bench; do
      [[ -f "$prefix/share/man/man1/$page.1" ]] || fail "man page not installed: $prefix/share/man/man1/$page.1"
      grep -q '^\.TH ' "$prefix/share/man/man1/$page.1" || fail "$page.1 is not a man page"
    done
    grep -qF -- '\-\-packets' "$prefix/share/man/man1/mp4kit-probe.1" || fail "mp4kit-probe.1 does not list --packets"
    grep -qF -- '\-\-time\-rule' "$prefix/share/man/man1/mp4kit-seek.1" || fail "mp4kit-seek.1 does not list --time-rule"
  else
    step "help2man was not installed at build time: no man pages to check"
  fi
  local bash_completion="$prefix/share/bash-completion/completions/mp4kit"
  [[ -f "$bash_completion" ]] || fail "bash completion not installed: $bash_completion"
  [[ -f "$prefix/share/zsh/site-functions/_mp4kit" ]] || fail "zsh completion not installed"
  # shellcheck disable=SC2016
  local got
  got=$(PATH="$prefix/bin:$PATH" bash -c 'source "$1"; COMP_WORDS=(mp4kit pro); COMP_CWORD=1; _mp4kit; echo "${COMPREPLY[*]}";
                                          COMP_WORDS=(mp4kit seek --time-r); COMP_CWORD=2; _mp4kit; echo "${COMPREPLY[*]}"' _ "$bash_completion")
  [[ "$got" == $'probe\n--time-rule' ]] || fail "bash completion gives '$got', not 'probe' and '--time-rule'"
  if command -v zsh >/dev/null 2>&1; then zsh -n "$prefix/share/zsh/site-functions/_mp4kit" || fail "_mp4kit is not valid zsh"; fi
}

# check_headers PREFIX: each public header compiles alone with only PREFIX/include on the
# path, and includes only other public headers and the standard library (<name> or <name.h>:
# no fmt, nlohmann, libav*, POSIX or lib/ headers, which an installed consumer may not have).
check_headers() {
  local inc=$1/include h line name
  for h in "$inc"/mp4kit/*.h; do
    while IFS= read -r line; do
      name="$(sed -E 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]([^>"]*)[>"].*/\1/' <<<"$line")"
      if [[ "$name" == mp4kit/* ]]; then
        [[ -f "$inc/$name" ]] || fail "$h includes $name, which is not installed"
      elif [[ "$name" == */* || "$line" == *'"'* ]]; then
        fail "public header $(basename "$h") includes $name: public headers may include only mp4kit/*.h and the standard library"
      fi
    done < <(grep -E '^[[:space:]]*#[[:space:]]*include' "$h")
    printf '#include <mp4kit/%s>\n' "$(basename "$h")" >"$tmp/one_header.cpp"
    "$CXX" -std=c++20 -fsyntax-only -Wall -Wextra -Werror -I"$inc" "$tmp/one_header.cpp" 2>"$tmp/cxx.err" ||
      fail "$(basename "$h") does not compile alone against the installed tree: $(head -c 2000 "$tmp/cxx.err")"
    if grep -q 'extern "C"' "$h"; then  # a C ABI header must compile as C too
      printf '#include <mp4kit/%s>\n' "$(basename "$h")" >"$tmp/one_header.c"
      "$CXX" -x c -std=c11 -fsyntax-only -Wall -Wextra -Werror -I"$inc" "$tmp/one_header.c" 2>"$tmp/cc.err" ||
        fail "$(basename "$h") does not compile as C: $(head -c 2000 "$tmp/cc.err")"
    fi
  done
}

# check_examples DIR: each example in DIR (packet_table, ...) prints what the CLI prints.
check_examples() {
  local dir=$1 f want streams s
  [[ -x "$dir/packet_table" ]] || fail "$dir/packet_table was not built"
  for f in "$ROOT"/samples/*.mp4 "$ROOT"/samples/*.mov; do
    "$BUILD/mp4kit" probe --packets --csv "$f" >"$tmp/cli.csv"
    "$dir/packet_table" "$f" >"$tmp/example.csv" || fail "$dir/packet_table $f exited $?"
    same "packet_table $f (vs mp4kit probe --packets --csv)" "$tmp/cli.csv" "$tmp/example.csv"
    streams="$(tail -n +2 "$tmp/cli.csv" | cut -d, -f1 | sort -un)"
    [[ -n "$streams" ]] || fail "mp4kit probe --packets --csv $f printed no packet"
    for s in $streams; do
      awk -F, -v s="$s" 'NR == 1 || $1 == s' "$tmp/cli.csv" >"$tmp/cli_stream.csv"
      "$dir/packet_table" "$f" "$s" >"$tmp/example.csv" || fail "$dir/packet_table $f $s exited $?"
      same "packet_table $f $s (vs mp4kit probe --packets --csv, stream $s)" "$tmp/cli_stream.csv" "$tmp/example.csv"
    done
  done
  # decode_frames: the size and md5 of the first 10 frames equal the CLI's framemd5 columns.
  # Under a sanitizer build, LeakSanitizer's exit-time tracer crashes (signal 11 inside LSan,
  # "LeakSanitizer has encountered a fatal error") on these short programs while libavcodec's
  # frame threads wind down; leaks of the same decode path are checked by the CLI's own
  # tests under ASan, so the examples run here with leak detection off.
  local lsan_off="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
  [[ -x "$dir/decode_frames" ]] || fail "$dir/decode_frames was not built"
  for f in "$ROOT"/samples/*.mp4 "$ROOT"/samples/*.mov; do
    "$BUILD/mp4kit" decode --format framemd5 --frames 10 "$f" 2>/dev/null | grep -v '^#' |
      awk -F', *' '{print $5, $6}' >"$tmp/cli.md5"
    ASAN_OPTIONS="$lsan_off" MP4KIT_DECODE_MODULE="$BUILD/${MP4KIT_DECODE_MODULE_FILE:?}" "$dir/decode_frames" "$f" 10 >"$tmp/example.out" ||
      fail "$dir/decode_frames $f 10 exited $?"
    awk '{print $5, $7}' "$tmp/example.out" >"$tmp/example.md5"
    [[ -s "$tmp/cli.md5" ]] || fail "mp4kit decode --format framemd5 $f printed no frame"
    same "decode_frames $f 10 (vs mp4kit decode --format framemd5 --frames 10)" "$tmp/cli.md5" "$tmp/example.md5"
  done
  # frame_at_time: the frame, pts and md5 `mp4kit seek --time T --json` reports.
  [[ -x "$dir/frame_at_time" ]] || fail "$dir/frame_at_time was not built"
  local t
  for f in "$ROOT"/samples/h264_bframes_aac.mp4 "$ROOT"/samples/vfr.mp4 "$ROOT"/samples/hevc_aac.mp4 "$ROOT"/samples/editlist_cut.mp4; do
    for t in 0.5000000 1.3000000; do  # 7 decimals: a tolerance of 0.05 us, so the exact rule of the example applies
      "$BUILD/mp4kit" seek "$f" --time "$t" --format null --pretty 2>/dev/null |
        awk -F': *' '/"frame":/ && !fr {gsub(/[ ,]/, "", $2); fr=$2} /"pts":/ && !pt {gsub(/[ ,]/, "", $2); pt=$2}
                     /"md5":/ && !m {gsub(/[ ,"]/, "", $2); m=$2} END {print "frame " fr " pts " pt " md5 " m}' >"$tmp/cli.frame"
      ASAN_OPTIONS="$lsan_off" MP4KIT_DECODE_MODULE="$BUILD/${MP4KIT_DECODE_MODULE_FILE:?}" "$dir/frame_at_time" "$f" "$t" >"$tmp/example.frame" ||
        fail "$dir/frame_at_time $f $t exited $?"
      same "frame_at_time $f $t (vs mp4kit seek --time $t --json)" "$tmp/cli.frame" "$tmp/example.frame"
    done
  done
  step "decode_frames and frame_at_time agree with mp4kit decode / seek on samples/"
  # The real-world corpus when present (cover art, damaged files): the same rows, the same exit status.
  local corpus="${MP4KIT_CORPUS:-$ROOT/../shared/corpus}" rc_cli rc_example n=0
  if [[ -d "$corpus" ]]; then
    for f in "$corpus"/*; do
      [[ -f "$f" && "$f" != *.md ]] || continue
      rc_cli=0 rc_example=0
      "$BUILD/mp4kit" probe --packets --csv "$f" >"$tmp/cli.csv" 2>/dev/null || rc_cli=$?
      "$dir/packet_table" "$f" >"$tmp/example.csv" 2>/dev/null || rc_example=$?
      [[ $rc_cli == "$rc_example" ]] || fail "packet_table $f exited $rc_example, mp4kit probe --packets --csv $rc_cli"
      same "packet_table $f (vs mp4kit probe --packets --csv)" "$tmp/cli.csv" "$tmp/example.csv"
      n=$((n + 1))
    done
    step "packet_table = probe --packets --csv on $n corpus files"
  else
    step "corpus not found at $corpus: packet_table compared on samples/ only"
  fi
}

# check_pkg_config PREFIX: pkg-config (on PKG_CONFIG_PATH) finds mp4kit VERSION installed in
# PREFIX: -I PREFIX/include, -L PREFIX/LIBDIR -lmp4kit, and -ldl only for static linking.
check_pkg_config() {
  local prefix=$1 flag incdir="" libdir=""
  [[ "$(pkg-config --modversion mp4kit)" == "$VERSION" ]] || fail "pkg-config --modversion mp4kit is not $VERSION"
  for flag in $(pkg-config --cflags --libs mp4kit); do
    case "$flag" in
      -I*) incdir="$(realpath "${flag#-I}")" ;;
      -L*) libdir="$(realpath "${flag#-L}")" ;;
    esac
  done
  [[ "$incdir" == "$prefix/include" ]] || fail "pkg-config --cflags mp4kit gives -I$incdir, not $prefix/include"
  [[ "$libdir" == "$prefix/$LIBDIR" ]] || fail "pkg-config --libs mp4kit gives -L$libdir, not $prefix/$LIBDIR"
  [[ " $(pkg-config --libs mp4kit) " == *" -lmp4kit "* ]] || fail "pkg-config --libs mp4kit lacks -lmp4kit"
  [[ " $(pkg-config --static --libs mp4kit) " == *" -ldl "* ]] || fail "pkg-config --static --libs mp4kit lacks -ldl"
}

run_prefix() {
  need pkg-config pkgconf
  need make make
  local prefix="$tmp/prefix" gen=()
  [[ -n "${CMAKE_GENERATOR:-}" ]] && gen=(-G "$CMAKE_GENERATOR")

  step "cmake --install $BUILD --prefix $prefix"
  "$CMAKE" --install "$BUILD" --prefix "$prefix" >"$tmp/install.log" || { cat "$tmp/install.log" >&2; fail "cmake --install failed"; }
  # shellcheck disable=SC2046
  check_files "$prefix" $(installed_files)
  (cd "$BUILD" && ls mp4kit_*.so 2>/dev/null) | while read -r m; do
    [[ -e "$prefix/lib/mp4kit/$m" ]] || fail "module $BUILD/$m is built but not installed in lib/mp4kit"
  done
  # The package needs nothing but itself: fmt is compiled in, nlohmann and CLI11 are the CLI's.
  if cat "$prefix/$LIBDIR"/cmake/mp4kit/*.cmake | grep -v '^[[:space:]]*#' | grep -E 'fmt|nlohmann|CLI11|find_dependency'; then
    fail "the CMake package asks consumers for a build-only dependency (lines above)"
  fi

  step "man pages and shell completion"
  check_docs "$prefix"

  step "public headers compile alone"
  check_headers "$prefix"

  step "examples/ with find_package(mp4kit CONFIG)"
  "$CMAKE" -S "$ROOT/examples" -B "$tmp/ex-cmake" ${gen[@]+"${gen[@]}"} -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_CXX_COMPILER="$CXX" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF \
    >"$tmp/ex-cmake.log" 2>&1 || { cat "$tmp/ex-cmake.log" >&2; fail "configuring examples/ against $prefix failed"; }
  grep -qF "mp4kit $VERSION from $prefix/$LIBDIR/cmake/mp4kit" "$tmp/ex-cmake.log" ||
    { cat "$tmp/ex-cmake.log" >&2; fail "examples/ did not find mp4kit $VERSION in $prefix"; }
  "$CMAKE" --build "$tmp/ex-cmake" -j2 >"$tmp/ex-build.log" 2>&1 || { cat "$tmp/ex-build.log" >&2; fail "building examples/ (CMake) failed"; }
  check_examples "$tmp/ex-cmake"

  step "examples/ with pkg-config --cflags --libs mp4kit"
  export PKG_CONFIG_PATH="$prefix/$LIBDIR/pkgconfig"
  check_pkg_config "$prefix"
  mkdir "$tmp/ex-pc"
  make -C "$ROOT/examples" O="$tmp/ex-pc" CXX="$CXX" >"$tmp/ex-pc.log" 2>&1 || { cat "$tmp/ex-pc.log" >&2; fail "building examples/ (Makefile, pkg-config) failed"; }
  check_examples "$tmp/ex-pc"

  step "the installed CLI finds its module (no MP4KIT_DECODE_MODULE)"
  check_decode "$prefix/bin/mp4kit"

  step "nothing installed points into $BUILD"
  check_tree "$prefix"
  step "ok"
}

run_deb() {
  need dpkg-deb dpkg
  need pkg-config pkgconf
  need dpkg-shlibdeps dpkg-dev
  local out="$tmp/pkg" deb root="$tmp/root"
  step "cpack -G DEB -B $out"
  "$CPACK" -G DEB --config "$BUILD/CPackConfig.cmake" -B "$out" >"$tmp/cpack.log" 2>&1 ||
    { cat "$tmp/cpack.log" >&2; fail "cpack -G DEB failed"; }
  deb="$(ls "$out"/mp4kit_"$VERSION"_*.deb 2>/dev/null | head -n 1)"
  [[ -n "$deb" ]] || { cat "$tmp/cpack.log" >&2; ls -la "$out" >&2; fail "cpack made no mp4kit_${VERSION}_ARCH.deb"; }

  dpkg-deb -I "$deb" >"$tmp/info"
  grep -qx ' Package: mp4kit' "$tmp/info" || { cat "$tmp/info" >&2; fail "package name is not mp4kit"; }
  grep -qx " Version: $VERSION" "$tmp/info" || { cat "$tmp/info" >&2; fail "package version is not $VERSION"; }
  grep -q '^ Maintainer: .' "$tmp/info" || fail "no Maintainer field"
  local depends
  depends="$(sed -n 's/^ Depends: //p' "$tmp/info")"
  [[ -n "$depends" ]] || { cat "$tmp/info" >&2; fail "no Depends field (dpkg-shlibdeps did not run?)"; }

  step "dpkg -x into $root"
  dpkg -x "$deb" "$root"
  local prefix="$root/usr"
  # shellcheck disable=SC2046
  check_files "$prefix" $(installed_files)
  # Each FFmpeg library the module links is a dependency, named the Debian way from its
  # soname (libavcodec.so.59 -> libavcodec59).
  local so pkg n=0
  for so in $(readelf -d "$prefix/lib/mp4kit/$MP4KIT_DECODE_MODULE_FILE" | sed -n 's/.*(NEEDED).*\[\(lib\(av\|sw\)[a-z]*\.so\.[0-9]*\)\]/\1/p'); do
    pkg="$(sed -E 's/\.so\./ /; s/ //' <<<"$so")"
    grep -qE "(^|, )$pkg( |,|$)" <<<"$depends" || fail "Depends ($depends) lacks $pkg, which provides $so"
    n=$((n + 1))
  done
  ((n >= 3)) || fail "the module links $n FFmpeg libraries; expected libavcodec, libavutil, libswscale"
  if grep -q 'libavformat' <<<"$depends"; then fail "Depends names libavformat, which is only dlopen()ed by bench --against"; fi
  step "Depends: $depends"

  step "the CLI from the scratch root"
  check_decode "$prefix/bin/mp4kit"
  check_docs "$prefix"
  # The .pc file is relocatable: from the scratch root it names the scratch root.
  PKG_CONFIG_PATH="$prefix/$LIBDIR/pkgconfig" check_pkg_config "$prefix"
  check_tree "$root"
  step "ok"
}

case "$mode" in
  prefix) run_prefix ;;
  deb) run_deb ;;
  *) fail "unknown mode '$mode' (prefix or deb)" ;;
esac
