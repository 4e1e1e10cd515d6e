#!/usr/bin/env python3
"""Fragmented files over HTTP: the moof offsets come from a sidx or an mfra (ctest label "http").

A fragmented file's top-level walk meets one moof per fragment; over HTTP each used to cost
one request. lib/mp4/moof_prefetch.cpp learns the offsets ahead from a 'sidx' or an 'mfra'
and fetches the moof headers in a few coalesced requests (ByteSource::prefetch). Checks,
against a real nginx on 127.0.0.1 (tests/http/http_server.py):
  * parity: probe --packets --json over HTTP equals the local output (bytes_read/requests
    and the file name aside) for every fragmented file of samples/ and both corpora, two
    ffmpeg-made fixtures of 186 fragments (one global sidx; one mfra), and a copy whose
    mfra lies (every tfra moof_offset moved), at the default block size and at 4 KiB;
  * the request bound: for each file whose index lists its moofs ahead (a sidx of >= 4
    references, or an mfra) and has >= 16 fragments, requests <= 12 and requests x 5 <=
    fragments, at both block sizes.
Exit 77 (ctest SKIP) when nginx or ffmpeg is missing.

Usage: http_fragments_test.py MP4KIT_BINARY SOURCE_DIR
"""
import glob
import json
import os
import shutil
import struct
import subprocess
import sys

MP4KIT, SRC = sys.argv[1], sys.argv[2]
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import http_server  # noqa: E402
SHARED = os.path.join(SRC, "..", "shared")
CORPORA = [os.environ.get("MP4KIT_CORPUS", os.path.join(SHARED, "corpus")),
           os.environ.get("MP4KIT_CORPUS2", os.path.join(SHARED, "corpus2"))]
check = http_server.Checks()



def top_level(data):
    """[(type, offset, size)] of the top-level boxes."""
    out, pos = [], 0
    while pos + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if size == 1 and pos + 16 <= len(data):
            size = struct.unpack(">Q", data[pos + 8:pos + 16])[0]
        elif size == 0:
            size = len(data) - pos
        if size < 8:
            break
        out.append((kind.decode("latin-1"), pos, size))
        pos += size
    return out


def fragment_facts(path):
    """(moof count, whether an index lists the moofs ahead: a sidx of >= 4 references or an mfra)."""
    with open(path, "rb") as f:
        data = f.read()
    boxes = top_level(data)
    moofs = sum(1 for t, _, _ in boxes if t == "moof")
    indexed = any(t == "mfra" for t, _, _ in boxes)
    for t, off, size in boxes:
        if t == "sidx":
            version = data[off + 8]
            at = off + 12 + 8 + (16 if version == 1 else 8) + 2
            indexed |= struct.unpack(">H", data[at:at + 2])[0] >= 4
    return moofs, indexed


def lying_mfra(src, dst):
    """A copy of `src` whose tfra moof_offsets all point 1000 bytes past the moofs."""
    data = bytearray(open(src, "rb").read())
    for t, off, size in top_level(bytes(data)):
        if t != "mfra":
            continue
        pos = off + 8
        while pos + 8 <= off + size:
            csize, kind = struct.unpack(">I4s", data[pos:pos + 8])
            if kind == b"tfra":
                version = data[pos + 8]
                lengths = struct.unpack(">I", data[pos + 16:pos + 20])[0]
                count = struct.unpack(">I", data[pos + 20:pos + 24])[0]
                entry = (16 if version == 1 else 8) + ((lengths >> 4) & 3) + ((lengths >> 2) & 3) + (lengths & 3) + 3
                e = pos + 24
                for _ in range(count):
                    if version == 1:
                        struct.pack_into(">Q", data, e + 8, struct.unpack(">Q", data[e + 8:e + 16])[0] + 1000)
                    else:
                        struct.pack_into(">I", data, e + 4, struct.unpack(">I", data[e + 4:e + 8])[0] + 1000)
                    e += entry
            pos += max(csize, 8)
    open(dst, "wb").write(data)


def probe(target, extra=()):
    p = subprocess.run([MP4KIT, "probe", "--packets", "--json"] + list(extra) + [target], capture_output=True, timeout=120)
    lines, mk = [], {}
    for line in p.stdout.decode().splitlines():
        j = json.loads(line)
        m = j.get("mp4kit", {})
        mk = dict(m)
        m.pop("bytes_read", None)
        m.pop("requests", None)
        j.get("format", {}).pop("filename", None)
        j.pop("filename", None)
        lines.append(json.dumps(j, sort_keys=True))
    return p.returncode, lines, mk, p.stderr.decode(errors="replace")


def main():
    if not http_server.find_nginx() or not shutil.which("ffmpeg"):
        print("SKIP: needs nginx (Debian nginx-light), openssl and ffmpeg; scripts/setup.sh installs them")
        return 77
    return http_server.run_in_scratch("mp4kit-http-frag-", body)


def body(tmp, procs):
    scratch = os.path.join(tmp, "www")
    os.makedirs(scratch)
    os.chmod(scratch, 0o755)
    sample = os.path.join(SRC, "samples", "h264_bframes_aac.mp4")
    ff = ["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-stream_loop", "30", "-i", sample, "-c", "copy",
          "-frag_duration", "500000"]
    with_sidx = os.path.join(scratch, "global_sidx.mp4")
    with_mfra = os.path.join(scratch, "mfra.mp4")
    subprocess.run(ff + ["-movflags", "frag_keyframe+global_sidx+skip_trailer", with_sidx], check=True)
    subprocess.run(ff + ["-movflags", "frag_keyframe", with_mfra], check=True)
    lying = os.path.join(scratch, "lying_mfra.mp4")
    lying_mfra(with_mfra, lying)

    roots = {"samples": os.path.join(SRC, "samples"), "www": scratch}
    files = [with_sidx, with_mfra, lying]
    for i, c in enumerate(CORPORA):
        if os.path.isdir(c):
            roots["corpus%d" % i] = c
    urls = http_server.start(tmp, roots, procs)
    base = urls["http"]

    def url_of(path):
        for name, root in roots.items():
            if os.path.realpath(path).startswith(os.path.realpath(root) + os.sep):
                return "%s/%s/%s" % (base, name, os.path.basename(path))
        raise ValueError(path)

    candidates = sorted(glob.glob(os.path.join(SRC, "samples", "*")))
    for i, c in enumerate(CORPORA):
        if os.path.isdir(c):
            candidates += sorted(glob.glob(os.path.join(c, "*")))
    for f in candidates:
        if f.lower().endswith((".mp4", ".mov", ".m4a", ".m4v", ".3gp")) and fragment_facts(f)[0] > 0:
            files.append(f)

    n_same = n_bounded = 0
    for f in files:
        moofs, indexed = fragment_facts(f)
        rc_l, out_l, _, _ = probe(f)
        for block in ("256", "4"):
            rc_r, out_r, mk, err = probe(url_of(f), ["--http-block-kb", block])
            same = rc_l == rc_r and out_l == out_r
            check(same, "probe --packets --json differs over HTTP (block %s KiB): %s (rc %d vs %d) %s" %
                  (block, os.path.basename(f), rc_l, rc_r, err.strip()[:300]))
            n_same += same
            requests = mk.get("requests", 1 << 30)
            if indexed and moofs >= 16 and f != lying:
                ok = requests <= 12 and requests * 5 <= moofs
                check(ok, "%s (block %s KiB): %d requests for %d fragments (want <= 12 and <= fragments / 5)" %
                      (os.path.basename(f), block, requests, moofs))
                n_bounded += ok
            print("  %-45s block %3s KiB: %3d fragments, %3d requests, %8d bytes%s" %
                  (os.path.basename(f), block, moofs, requests, mk.get("bytes_read", -1), " (indexed)" if indexed else ""),
                  flush=True)
    print("fragmented parity: %d of %d probes identical over HTTP; request bound held for %d indexed files x block sizes" %
          (n_same, 2 * len(files), n_bounded))
    check(n_bounded >= 4, "the request bound was checked on %d (file, block size) pairs, want >= 4" % n_bounded)
    return check.summary()


if __name__ == "__main__":
    sys.exit(main())
