#!/usr/bin/env bash
# Regenerate samples/ (small MP4/MOV files committed with mp4kit) with FFmpeg and GStreamer,
# then write samples/README.md with each file's size, purpose and the exact command.
#
# Usage: scripts/make-samples.sh
#
# Needs: ffmpeg + ffprobe (Debian: ffmpeg), gst-launch-1.0 + gst-inspect-1.0 with x264enc,
# qtmux, mp4mux (gstreamer1.0-tools, -plugins-base, -plugins-good, -plugins-ugly) and
# preferably avenc_aac (gstreamer1.0-libav) for the GStreamer files' audio track.
#
# Every command is printed before it runs ("+ ..."), exactly as README.md records it; the
# commands run inside a scratch directory, so their file names are relative to samples/.
# The files are built there, checked with ffprobe and a full decode, and only then replace
# every *.mp4 / *.mov in samples/. Sources are fixed lavfi / test sources and FFmpeg runs
# with +bitexact and -map_metadata -1, so FFmpeg output is byte-identical from run to run on
# the same tool versions; GStreamer's qtmux/mp4mux always stamp the current time into
# mvhd/tkhd/mdhd, so those two files differ in those fields only.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
SAMPLES="$ROOT/samples"
MAX_TOTAL=$((3 * 1024 * 1024))

log() { printf 'make-samples: %s\n' "$*"; }
die() { printf 'make-samples: error: %s\n' "$*" >&2; exit 1; }

for tool in ffmpeg ffprobe gst-launch-1.0 gst-inspect-1.0; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool not found (apt-get install ffmpeg gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly gstreamer1.0-libav)"
done

WORK="$(mktemp -d "${TMPDIR:-/tmp}/mp4kit-samples.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"

# --- helpers -------------------------------------------------------------------------------

# Print a command so that it can be pasted into a shell: plain words as they are, anything
# else in single quotes.
quote_cmd() {
  local out="" arg q="'\\''"
  for arg in "$@"; do
    if [[ -n "$arg" && "$arg" =~ ^[A-Za-z0-9_./:=,+@%!-]+$ ]]; then
      out+=" $arg"
    else
      out+=" '${arg//\'/$q}'"
    fi
  done
  printf '%s' "${out# }"
}

ORDER=()
SKIPPED=()
declare -A DESC=() CMD=()

# make_sample FILE DESCRIPTION COMMAND... : run COMMAND, which must write FILE.
make_sample() {
  local file="$1" desc="$2" shown
  shift 2
  shown="$(quote_cmd "$@")"
  printf '+ %s\n' "$shown"
  if "$@" && [[ -s "$file" ]]; then
    ORDER+=("$file")
    DESC[$file]="$desc"
    CMD[$file]="$shown"
  else
    rm -f "$file"
    return 1
  fi
}

skip() {
  log "SKIPPED $1: $2"
  SKIPPED+=("$1: $2")
}

# (Listed once: grep -q on a pipe would SIGPIPE ffmpeg, which pipefail reports as failure.)
ENCODERS="$(ffmpeg -hide_banner -encoders 2>/dev/null)"
has_encoder() { grep -Eq "^ [A-Z.]{6} $1 " <<<"$ENCODERS"; }
has_gst() { gst-inspect-1.0 --exists "$1"; }

# Common FFmpeg options: quiet, no prompts, and no version strings, dates or copied metadata
# in the output.
FF=(ffmpeg -hide_banner -nostdin -loglevel error -y)
BITEXACT=(-fflags +bitexact -flags:v +bitexact -flags:a +bitexact -map_metadata -1)

for enc in libx264 aac; do
  has_encoder "$enc" || die "ffmpeg has no $enc encoder; it is needed for the core samples"
done
for el in x264enc qtmux mp4mux videotestsrc audiotestsrc; do
  has_gst "$el" || die "GStreamer element $el is missing (gstreamer1.0-plugins-base/-good/-ugly)"
done

log "ffmpeg: $(ffmpeg -hide_banner -version | head -n1)"
log "gstreamer: $(gst-launch-1.0 --version | sed -n 's/^GStreamer //p' | head -n1)"

# --- FFmpeg: H.264 + AAC -------------------------------------------------------------------

make_sample h264_bframes_aac.mp4 \
  "H.264 High with B-frames (b-pyramid, ctts v0 + video edit list media_time=1024 = 2 frames), fixed GOP 24 (a sync sample every 1 s), 320x240 24 fps 3 s; AAC-LC stereo 48 kHz with a 1024-sample priming edit list; moov before mdat (+faststart)" \
  "${FF[@]}" -f lavfi -i testsrc2=size=320x240:rate=24:duration=3 \
  -f lavfi -i sine=frequency=440:sample_rate=48000:duration=3 \
  -c:v libx264 -preset medium -crf 28 -pix_fmt yuv420p -bf 2 -g 24 -keyint_min 24 -sc_threshold 0 \
  -c:a aac -b:a 64k -ac 2 \
  "${BITEXACT[@]}" -movflags +faststart h264_bframes_aac.mp4

make_sample editlist_cut.mp4 \
  "stream copy of h264_bframes_aac.mp4 from 1.3 s: starts at the sync sample at 1.0 s, edit lists with media_time > 0 hide the first ~0.3 s (video media_time 4710 is not on the 512-tick frame grid; audio 19392); ffprobe marks the hidden packets with the discard flag (D)" \
  "${FF[@]}" -ss 1.3 -i h264_bframes_aac.mp4 -c copy "${BITEXACT[@]}" editlist_cut.mp4

make_sample fragmented.mp4 \
  "fragmented MP4 by FFmpeg: empty moov + mvex/trex, one moof (both tracks' trafs) + mdat per video sync sample, tfdt, default-base-is-moof, trailing mfra; no edit lists, so the first video pts is 2 frames (0.083 s) and the 1024-sample AAC priming is not trimmed; H.264 with B-frames + AAC-LC stereo, 3 s" \
  "${FF[@]}" -f lavfi -i testsrc2=size=320x240:rate=24:duration=3 \
  -f lavfi -i sine=frequency=550:sample_rate=48000:duration=3 \
  -c:v libx264 -preset medium -crf 28 -pix_fmt yuv420p -bf 2 -g 24 -keyint_min 24 -sc_threshold 0 \
  -c:a aac -b:a 64k -ac 2 \
  "${BITEXACT[@]}" -movflags frag_keyframe+empty_moov+default_base_moof fragmented.mp4

make_sample h264_10bit.mp4 \
  "H.264 High 10 (yuv420p10le) with x264's default B-frames (ctts + edit list), 160x120 24 fps 1 s, mandelbrot source; video only" \
  "${FF[@]}" -f lavfi -i mandelbrot=size=160x120:rate=24 -t 1 \
  -c:v libx264 -preset medium -crf 28 -pix_fmt yuv420p10le \
  "${BITEXACT[@]}" h264_10bit.mp4

make_sample fullrange.mp4 \
  "H.264 full range (yuvj420p, color_range pc), 90x60 24 fps 0.25 s; video only" \
  "${FF[@]}" -f lavfi -i testsrc2=size=90x60:rate=24 -t 0.25 \
  -c:v libx264 -preset medium -crf 30 -pix_fmt yuvj420p -color_range pc \
  "${BITEXACT[@]}" fullrange.mp4

# Display matrices: ffmpeg 5.1 writes the "rotate" tag into tkhd on a stream copy only.
make_sample rotated_180_fullrange.mp4 \
  "stream copy of fullrange.mp4 with a tkhd display matrix of 180 degrees (ffmpeg's autorotate: hflip,vflip)" \
  "${FF[@]}" -i fullrange.mp4 -c copy -metadata:s:v:0 rotate=180 "${BITEXACT[@]}" rotated_180_fullrange.mp4

make_sample rotated_270_10bit.mp4 \
  "stream copy of h264_10bit.mp4 with a display matrix of rotation 90 (ffmpeg's autorotate turns it 270 degrees clockwise: transpose=cclock)" \
  "${FF[@]}" -i h264_10bit.mp4 -c copy -metadata:s:v:0 rotate=90 "${BITEXACT[@]}" rotated_270_10bit.mp4

# 4:2:2: FFmpeg's transpose takes no format whose chroma is subsampled across only, so
# ffmpeg's autorotate of this one inserts a scale before the transpose (to the format the
# output's negotiation picks: rgb24 for png, yuvj444p for jpeg, yuv444p for rawvideo).
make_sample h264_422.mp4 \
  "H.264 High 4:2:2 (yuv422p), 64x48 24 fps 0.25 s (6 frames); video only" \
  "${FF[@]}" -f lavfi -i testsrc2=size=64x48:rate=24 -t 0.25 \
  -c:v libx264 -preset medium -crf 30 -pix_fmt yuv422p \
  "${BITEXACT[@]}" h264_422.mp4

make_sample rotated_90_422.mp4 \
  "stream copy of h264_422.mp4 with a display matrix of rotation -90 (ffmpeg's autorotate: a scale to a transposable format, then transpose=clock)" \
  "${FF[@]}" -i h264_422.mp4 -c copy -metadata:s:v:0 rotate=270 "${BITEXACT[@]}" rotated_90_422.mp4

# Frame k lasts (1 + k mod 3)/60 s, i.e. 1/60, 2/60, 3/60, 1/60, ...; pts in 1/60 ticks is
# the running sum of those: N + 3*floor(N/3) + floor((N mod 3)/2), with N mod 3 spelled out
# so that the filter needs no comma (a filtergraph separator). 60 frames = 2 s.
make_sample vfr.mp4 \
  "variable frame rate H.264: frame durations cycle 1/60, 2/60, 3/60 s (stts with one entry per sample), B-frames (ctts + edit list), 320x240 2 s, 60 frames; video only" \
  "${FF[@]}" -f lavfi -i testsrc2=size=320x240:rate=60 \
  -vf 'setpts=N+3*floor(N/3)+floor((N-3*floor(N/3))/2)' -frames:v 60 -fps_mode vfr \
  -c:v libx264 -preset medium -crf 28 -pix_fmt yuv420p -bf 2 -g 24 \
  "${BITEXACT[@]}" vfr.mp4

make_sample audio_only_pcm.mov \
  "QuickTime .mov, audio only: pcm_s16le ('sowt' sample entry), 16 kHz mono 1 s, one stts entry of 16000 one-tick samples; 'wide' atom, mdat before moov" \
  "${FF[@]}" -f lavfi -i sine=frequency=1000:sample_rate=16000:duration=1 \
  -c:a pcm_s16le -ac 1 \
  "${BITEXACT[@]}" audio_only_pcm.mov

# --- FFmpeg: other codecs (each skipped when the encoder is missing) ----------------------

if has_encoder libx265; then
  make_sample hevc_aac.mp4 \
    "HEVC Main ('hvc1' sample entry, hvcC) with B-frames, GOP 24 with x265's default open GOP: IDR first, then CRA sync samples at 1 s and 2 s followed by RASL leading pictures; edit list media_time=1024; 320x240 24 fps 3 s; AAC-LC stereo 48 kHz" \
    "${FF[@]}" -f lavfi -i testsrc2=size=320x240:rate=24:duration=3 \
    -f lavfi -i sine=frequency=660:sample_rate=48000:duration=3 \
    -c:v libx265 -preset fast -crf 30 -pix_fmt yuv420p -bf 2 -g 24 \
    -x265-params log-level=error:pools=1:frame-threads=1 -tag:v hvc1 \
    -c:a aac -b:a 64k -ac 2 \
    "${BITEXACT[@]}" -movflags +faststart hevc_aac.mp4
else
  skip hevc_aac.mp4 "ffmpeg has no libx265 encoder"
fi

if has_encoder libvpx-vp9; then
  make_sample vp9.mp4 \
    "VP9 in MP4 ('vp09' sample entry, vpcC), 160x120 24 fps 1 s; video only" \
    "${FF[@]}" -f lavfi -i testsrc2=size=160x120:rate=24:duration=1 \
    -c:v libvpx-vp9 -row-mt 0 -deadline realtime -cpu-used 8 -threads 1 -b:v 200k -g 24 -pix_fmt yuv420p \
    "${BITEXACT[@]}" vp9.mp4
else
  skip vp9.mp4 "ffmpeg has no libvpx-vp9 encoder"
fi

if has_encoder libaom-av1; then
  make_sample av1.mp4 \
    "AV1 in MP4 ('av01' sample entry, av1C), libaom, 160x120 24 fps 1 s; video only" \
    "${FF[@]}" -f lavfi -i testsrc2=size=160x120:rate=24:duration=1 \
    -c:v libaom-av1 -cpu-used 8 -row-mt 0 -threads 1 -crf 40 -b:v 0 -g 24 -pix_fmt yuv420p \
    "${BITEXACT[@]}" av1.mp4
elif has_encoder libsvtav1; then
  make_sample av1.mp4 \
    "AV1 in MP4 ('av01' sample entry, av1C), SVT-AV1, 160x120 24 fps 1 s; video only" \
    "${FF[@]}" -f lavfi -i testsrc2=size=160x120:rate=24:duration=1 \
    -c:v libsvtav1 -preset 12 -crf 45 -g 24 -pix_fmt yuv420p \
    "${BITEXACT[@]}" av1.mp4
else
  skip av1.mp4 "ffmpeg has neither libaom-av1 nor libsvtav1"
fi

if has_encoder libopus && has_encoder flac; then
  make_sample opus_flac.mp4 \
    "two audio tracks in MP4: Opus ('Opus' + dOps, 312-sample pre-skip edit list) and FLAC ('fLaC' + dfLa, muxed with -strict -2), 48 kHz mono 1 s each" \
    "${FF[@]}" -f lavfi -i sine=frequency=440:sample_rate=48000:duration=1 \
    -f lavfi -i sine=frequency=880:sample_rate=48000:duration=1 \
    -map 0:a -map 1:a -c:a:0 libopus -b:a:0 32k -c:a:1 flac -strict -2 \
    "${BITEXACT[@]}" opus_flac.mp4 ||
    skip opus_flac.mp4 "ffmpeg could not mux Opus + FLAC into MP4"
else
  skip opus_flac.mp4 "ffmpeg has no libopus or flac encoder"
fi

# --- GStreamer -----------------------------------------------------------------------------

# h264parse lives in gst-plugins-bad; x264enc's output (avc, au-aligned) goes into
# qtmux/mp4mux directly when it is not installed.
PARSE=()
if has_gst h264parse; then
  PARSE=(! h264parse)
fi
AENC=""
for el in avenc_aac voaacenc fdkaacenc; do
  if has_gst "$el"; then
    AENC="$el"
    break
  fi
done

# shellcheck disable=SC2054  # the commas are inside GStreamer caps, not array separators
VIDEO_BRANCH=(videotestsrc num-buffers=72 pattern=ball
  ! video/x-raw,format=I420,width=320,height=240,framerate=24/1
  ! x264enc bframes=2 key-int-max=24 pass=qual quantizer=26 "${PARSE[@]}")
# 144 buffers x 1000 samples at 48 kHz = 3 s.
AUDIO_BRANCH=()
GST_AUDIO_DESC="video only (no GStreamer AAC encoder found)"
if [[ -n "$AENC" ]]; then
  # shellcheck disable=SC2054
  AUDIO_BRANCH=(audiotestsrc num-buffers=144 samplesperbuffer=1000
    ! audio/x-raw,rate=48000,channels=1 ! audioconvert ! "$AENC" ! mux.)
  GST_AUDIO_DESC="AAC-LC mono 48 kHz ($AENC)"
else
  log "no GStreamer AAC encoder (avenc_aac/voaacenc/fdkaacenc): GStreamer samples are video only"
fi

make_sample gst_qtmux.mov \
  "GStreamer qtmux: QuickTime brand, mdat before moov, 'alis' data handler hdlr in minf, timescale 2400, H.264 High with B-frames (video edit list media_time=200 = 2 frames) 320x240 24 fps 3 s; $GST_AUDIO_DESC" \
  gst-launch-1.0 -q -e "${VIDEO_BRANCH[@]}" ! qtmux name=mux ! filesink location=gst_qtmux.mov \
  ${AUDIO_BRANCH[@]+"${AUDIO_BRANCH[@]}"}

make_sample gst_mp4mux_fragmented.mp4 \
  "GStreamer mp4mux fragment-duration=1000: moov with mvex/mehd, one moof per track per fragment (separate video and audio moof/mdat pairs), trailing mfra; no edit list, so the first video pts is 2 frames (0.083 s); H.264 B-frames 320x240 24 fps 3 s; $GST_AUDIO_DESC" \
  gst-launch-1.0 -q -e "${VIDEO_BRANCH[@]}" ! mp4mux name=mux fragment-duration=1000 \
  ! filesink location=gst_mp4mux_fragmented.mp4 ${AUDIO_BRANCH[@]+"${AUDIO_BRANCH[@]}"}

# --- verify ---------------------------------------------------------------------------------

log "verifying ${#ORDER[@]} files"
declare -A SUMMARY=()
total=0
for f in "${ORDER[@]}"; do
  printf '+ %s\n' "$(quote_cmd ffprobe -v error -show_streams -of compact "$f")"
  if ! probe="$(ffprobe -v error -show_streams -of compact "$f" 2>&1)"; then
    die "ffprobe failed on $f: $probe"
  fi
  if grep -qv '^stream|' <<<"$probe" || ! grep -q '^stream|' <<<"$probe"; then
    die "ffprobe reported problems with $f:"$'\n'"$probe"
  fi
  # codec/profile plus either WxH pix_fmt or rate/channels, one entry per stream.
  SUMMARY[$f]="$(awk -F'|' '{
      delete kv; for (i = 2; i <= NF; i++) { split($i, p, "="); kv[p[1]] = substr($i, length(p[1]) + 2) }
      s = kv["codec_name"]; if (kv["profile"] != "" && kv["profile"] != "unknown") s = s " " kv["profile"]
      if (kv["codec_type"] == "video") s = s " " kv["width"] "x" kv["height"] " " kv["pix_fmt"]
      if (kv["codec_type"] == "audio") s = s " " kv["sample_rate"] " Hz " kv["channels"] " ch"
      out = out (NR > 1 ? "; " : "") s
    } END { print out }' <<<"$probe")"

  # Decode everything too, so a file ffprobe accepts but FFmpeg cannot play is caught here.
  if ! dec="$(ffmpeg -hide_banner -nostdin -v error -i "$f" -map 0 -f null - 2>&1)" || [[ -n "$dec" ]]; then
    die "decoding $f failed or reported errors:"$'\n'"$dec"
  fi

  size="$(stat -c %s "$f")"
  total=$((total + size))
  printf '  %-28s %8d bytes  %s\n' "$f" "$size" "${SUMMARY[$f]}"
done
printf 'make-samples: total %d bytes (%d KiB) in %d files\n' "$total" $((total / 1024)) "${#ORDER[@]}"
((total <= MAX_TOTAL)) || die "samples total $total bytes, over the $MAX_TOTAL byte budget"

# --- README + install -----------------------------------------------------------------------

{
  echo "# samples/"
  echo
  echo "Small MP4 / QuickTime files for mp4kit's tests and demo. **Generated** by"
  echo "\`scripts/make-samples.sh\`: do not edit by hand; re-run the script (it replaces every"
  echo "\`*.mp4\` / \`*.mov\` here and this README)."
  echo
  echo "Commands run inside this directory (\`editlist_cut.mp4\` is cut from \`h264_bframes_aac.mp4\`)."
  echo "FFmpeg output is byte-identical across runs with the same tool versions; the GStreamer"
  echo "files differ between runs in their mvhd/tkhd/mdhd creation and modification times only."
  echo
  echo "Generated with $(ffmpeg -hide_banner -version | head -n1 | sed 's/ Copyright.*//') and GStreamer $(gst-launch-1.0 --version | sed -n 's/^GStreamer //p' | head -n1)."
  echo
  echo "| File | Size (bytes) | Streams (ffprobe) | Exercises | Command |"
  echo "|---|---:|---|---|---|"
  for f in "${ORDER[@]}"; do
    # shellcheck disable=SC2016  # literal Markdown backticks
    printf '| `%s` | %d | %s | %s | `%s` |\n' "$f" "$(stat -c %s "$f")" "${SUMMARY[$f]}" "${DESC[$f]}" "${CMD[$f]}"
  done
  echo
  echo "Total: $total bytes."
  if ((${#SKIPPED[@]})); then
    echo
    echo "Not generated on the machine that made these files:"
    echo
    for s in "${SKIPPED[@]}"; do
      echo "- $s"
    done
  fi
} >README.md

mkdir -p "$SAMPLES"
rm -f "$SAMPLES"/*.mp4 "$SAMPLES"/*.mov "$SAMPLES"/README.md
mv -- "${ORDER[@]}" README.md "$SAMPLES"/
log "wrote ${#ORDER[@]} files + README.md to $SAMPLES"
if ((${#SKIPPED[@]})); then
  log "skipped: ${SKIPPED[*]}"
fi
