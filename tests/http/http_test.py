#!/usr/bin/env python3
"""mp4kit over HTTP(S) against a real server (ctest label "http").

Starts nginx (Debian's nginx-light) on spare 127.0.0.1 ports with a generated config,
serving samples/, the corpus and a scratch directory over HTTP and over TLS (HTTP/2) with a
throwaway self-signed certificate passed to mp4kit with --ca-file; and tests/http/fault_proxy.py
in front of it for the bad-server cases. Checks:
  * parity: probe --packets --json of every file in samples/ and the corpus, decode --format
    framemd5 of samples/, and seek targets, byte-identical over HTTP and from the local path
    (the mp4kit object's bytes_read/requests and the file name aside; same exit code);
  * the request policy: a moov-at-end file is probed in <= 4 requests, fetching <= 1.2 x
    (moov + 256 KiB); a local probe does not load libcurl;
  * each fault case: its documented exit code, the URL's query string not printed, no
    output file left behind.
Exit 77 (ctest SKIP) with a message when nginx or openssl is missing.

Usage: http_test.py MP4KIT_BINARY SOURCE_DIR
"""
import glob
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time

MP4KIT, SRC = sys.argv[1], sys.argv[2]
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import http_server  # noqa: E402
CORPUS = os.environ.get("MP4KIT_CORPUS", os.path.join(SRC, "..", "shared", "corpus"))
check = http_server.Checks()



def run(args, timeout=60):
    p = subprocess.run([MP4KIT] + args, capture_output=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr.decode(errors="replace")


def strip_probe(out):
    """probe --json lines without the fields that differ by transport."""
    lines = []
    for line in out.decode().splitlines():
        j = json.loads(line)
        mk = j.get("mp4kit", {})
        mk.pop("bytes_read", None)
        mk.pop("requests", None)
        j.get("format", {}).pop("filename", None)
        j.pop("filename", None)
        lines.append(json.dumps(j, sort_keys=True))
    return lines


def main():
    if not http_server.find_nginx():
        print("SKIP: HTTP tests need nginx (Debian nginx-light) and openssl; scripts/setup.sh installs them")
        return 77
    samples = sorted(glob.glob(os.path.join(SRC, "samples", "*.mp4")) + glob.glob(os.path.join(SRC, "samples", "*.mov")))
    corpus = sorted(f for f in glob.glob(os.path.join(CORPUS, "*")) if re.search(r"\.(mp4|mov|m4a|m4v|3gp)$", f))
    if not corpus:
        print("note: corpus not found at %s; parity over samples/ only" % CORPUS)
    return http_server.run_in_scratch("mp4kit-http-", lambda tmp, procs: body(tmp, procs, samples, corpus))


def body(tmp, procs, samples, corpus):
    t0 = time.time()
    scratch = os.path.join(tmp, "www")
    os.makedirs(scratch)
    os.chmod(scratch, 0o755)
    roots = {"samples": os.path.join(SRC, "samples"), "www": scratch}
    if corpus:
        roots["corpus"] = CORPUS
    urls = http_server.start(tmp, roots, procs)
    base, based, prox = urls["http"], urls["https"], urls["proxy"]
    cert = urls["ca_file"]
    tls = ["--ca-file", cert]

    def url_of(path, root=base):
        if path.startswith(os.path.join(SRC, "samples")):
            return root + "/samples/" + os.path.basename(path)
        if path.startswith(scratch):
            return root + "/www/" + os.path.basename(path)
        return root + "/corpus/" + os.path.basename(path)

    # --- a local probe never loads libcurl
    env = dict(os.environ, LD_DEBUG="libs")
    p = subprocess.run([MP4KIT, "probe", samples[0]], capture_output=True, env=env)
    check(p.returncode == 0 and b"libcurl" not in p.stderr, "a local probe loads libcurl (LD_DEBUG=libs)")

    # --- parity: probe --packets --json, every file (half of them over TLS/HTTP2)
    n_probe = 0
    for i, f in enumerate(samples + corpus):
        over_tls = i % 2 == 1
        rc_l, out_l, err_l = run(["probe", "--packets", "--json", f])
        rc_r, out_r, err_r = run(["probe", "--packets", "--json", url_of(f, based if over_tls else base)] + (tls if over_tls else []))
        same = rc_l == rc_r and (rc_l != 0 or strip_probe(out_l) == strip_probe(out_r))
        check(same, "probe --packets --json differs over %s: %s (rc %d vs %d) %s" %
              ("https" if over_tls else "http", os.path.basename(f), rc_l, rc_r, err_r.strip()[:300]))
        n_probe += same
    print("probe parity: %d of %d files identical over HTTP(S) (%.1f s)" % (n_probe, len(samples + corpus), time.time() - t0), flush=True)
    # Over TLS: HTTP/2 negotiated, and one connection per process (keep-alive), however many requests.
    tls_runs = len(samples + corpus) // 2
    with open(urls["tls_log"]) as f:
        log = [line.split() for line in f if line.strip()]
    protocols = set(p for p, _ in log)
    connections = len(set(c for _, c in log))
    check(protocols == {"HTTP/2.0"}, "TLS requests used %s, want HTTP/2.0 only" % sorted(protocols))
    check(connections <= tls_runs, "%d TLS connections for %d processes (%d requests): no keep-alive" % (connections, tls_runs, len(log)))
    print("over TLS: %d requests on %d connections, %s" % (len(log), connections, sorted(protocols)), flush=True)

    # --- parity: decode --format framemd5 and seek, samples/
    n_dec = n_seek = 0
    for f in samples:
        rc_l, out_l, _ = run(["decode", "--format", "framemd5", "-o", "-", f])
        rc_r, out_r, err_r = run(["decode", "--format", "framemd5", "-o", "-", url_of(f)])
        ok = rc_l == rc_r and out_l == out_r
        check(ok, "decode framemd5 differs over http: %s (rc %d vs %d) %s" % (os.path.basename(f), rc_l, rc_r, err_r.strip()[:300]))
        n_dec += ok
        seek = ["seek", "--frame", "0,7,3", "--format", "framemd5", "-o", "-", "--quiet"]
        rc_l, out_l, _ = run(seek + [f])
        rc_r, out_r, err_r = run(seek + [url_of(f)])
        ok = rc_l == rc_r and out_l == out_r
        check(ok, "seek differs over http: %s (rc %d vs %d) %s" % (os.path.basename(f), rc_l, rc_r, err_r.strip()[:300]))
        n_seek += ok
    print("decode parity: %d of %d; seek parity: %d of %d (%.1f s)" % (n_dec, len(samples), n_seek, len(samples), time.time() - t0), flush=True)

    # --- request policy: a moov-at-end file (ffmpeg's default layout), 20 copies of a sample
    moov_end = os.path.join(scratch, "moov_end.mp4")
    subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-stream_loop", "30", "-i",
                    os.path.join(SRC, "samples", "h264_bframes_aac.mp4"), "-c", "copy", moov_end], check=True)
    rc, out, err = run(["probe", "--json", url_of(moov_end)])
    mk = json.loads(out)["mp4kit"] if rc == 0 else {}
    boxes = json.loads(run(["probe", "--boxes", "--json", moov_end])[1])
    moov = [b for b in boxes.get("boxes", []) if b.get("type") == "moov"]
    moov_size = moov[0]["size"] if moov else 0
    check(rc == 0 and moov and moov[0]["offset"] > 256 << 10, "moov-at-end fixture: rc %d %s" % (rc, err.strip()))
    check(mk.get("requests", 99) <= 4, "moov-at-end probe made %s requests (want <= 4)" % mk.get("requests"))
    check(mk.get("bytes_read", 1 << 60) <= 1.2 * (moov_size + (256 << 10)),
          "moov-at-end probe fetched %s bytes (moov %d; want <= 1.2 x (moov + 256 KiB))" % (mk.get("bytes_read"), moov_size))
    print("moov-at-end probe: %s requests, %s bytes (moov %d bytes, file %d)" %
          (mk.get("requests"), mk.get("bytes_read"), moov_size, os.path.getsize(moov_end)), flush=True)
    # With 4 KiB blocks the moov spans many blocks and its header is not in the block before
    # it: the tail after the mdat is fetched in one request (parse_movie's tail prefetch), so
    # block 0 and the tail make 2 requests, not 3 (next box header, then the moov payload),
    # and the report is the local one.
    rc_s, out_s, err_s = run(["probe", "--json", "--http-block-kb", "4", url_of(moov_end)])
    rc_l, out_l, _ = run(["probe", "--json", moov_end])
    mk_s = json.loads(out_s).get("mp4kit", {}) if rc_s == 0 else {}
    check(rc_s == 0 and mk_s.get("requests") == 2,
          "moov-at-end probe with 4 KiB blocks: rc %d, %s requests (want 2) %s" % (rc_s, mk_s.get("requests"), err_s.strip()[:300]))
    check(rc_s == 0 and moov_size > 4096 and mk_s.get("bytes_read", 1 << 60) <= moov_size + 2 * 4096 + (os.path.getsize(moov_end) - moov[0]["offset"] - moov_size),
          "moov-at-end probe with 4 KiB blocks fetched %s bytes (moov %d)" % (mk_s.get("bytes_read"), moov_size))
    check(rc_s == 0 and strip_probe(out_s) == strip_probe(out_l), "moov-at-end probe with 4 KiB blocks differs from the local probe")
    t_faults = time.time()

    # --- fault cases: exit code, message, no output left behind
    # A file of several blocks (moov at the end), so that a read goes on after the first response.
    sample = "www/moov_end.mp4"
    secret = "?X-Amz-Signature=SECRET123"

    def fault(mode, want_rc, want_msg, extra=(), url=None, cmd="decode"):
        out_dir = tempfile.mkdtemp(prefix="out-" + mode + "-", dir=tmp)
        target = url or "%s/%s/%s%s" % (prox, mode, sample, secret)
        defaults = [a for a in (["--retries", "2"], ["--timeout", "2"]) if a[0] not in extra]
        # 48 frames: the moov at the end, then the first blocks of mdat (a full decode costs seconds).
        args = (["decode", "--format", "framemd5", "--frames", "48", "-o", os.path.join(out_dir, "out.framemd5")] if cmd == "decode"
                else ["probe", "--json"]) + list(extra) + sum(defaults, []) + [target]
        t_run = time.time()
        rc, out, err = run(args)
        check(rc == want_rc, "%s: exit %d, want %d (%s)" % (mode, rc, want_rc, err.strip()[:300]))
        if os.environ.get("MP4KIT_HTTP_TEST_VERBOSE"):
            print("  %s: %.2f s" % (mode, time.time() - t_run), flush=True)
        check(re.search(want_msg, err) is not None, "%s: message %r lacks %r" % (mode, err.strip()[:300], want_msg))
        check("SECRET123" not in err and b"SECRET123" not in out, "%s: the query string was printed" % mode)
        if cmd == "decode":
            left = os.listdir(out_dir)
            check((left == ["out.framemd5"]) if want_rc == 0 else not left, "%s: output dir holds %s" % (mode, left))
        return err

    fault("ok", 0, r"")
    fault("latency20", 0, r"")
    fault("drop1", 0, r"")
    fault("503x2", 0, r"")
    fault("redirect", 0, r"")
    fault("dropall", 74, r"bytes \d+-\d+: .*after 3 tries")
    fault("503all", 74, r"503 Service Unavailable \(after 3 tries\)")
    fault("norange", 0, r"ignores Range", url="%s/norange/samples/h264_bframes_aac.mp4" % prox)
    fault("norange", 74, r"--max-download", extra=["--max-download", "1"], url="%s/norange/%s" % (prox, sample))
    fault("change", 74, r"changed on the server")
    fault("badrange", 74, r"Content-Range bytes 1-\d+/\d+ does not match")
    fault("short", 74, r"short body|Content-Range", )
    fault("stall", 74, r"[Tt]imeout|timed out", extra=["--timeout", "1", "--retries", "0"])
    fault("loop", 74, r"redirect loop")
    fault("404", 66, r"404 Not Found", url="%s/samples/missing.mp4%s" % (base, secret))
    fault("https-untrusted", 74, r"certificate|SSL", url="%s/%s" % (based, sample))
    fault("https-insecure", 0, r"", extra=["--insecure"], url="%s/%s" % (based, sample))
    fault("no-host", 66, r"resolve", url="http://no-such-host.invalid/x.mp4")
    err = fault("header", 0, r"", extra=["--http-header", "Authorization: Bearer SECRET123"], cmd="probe",
                url="%s/%s" % (base, sample))
    # --show-url-query: the query is printed when asked for
    rc, out, err = run(["probe", "--json", "--show-url-query", "%s/%s%s" % (base, sample, secret)])
    check(rc == 0 and b"SECRET123" in out, "--show-url-query: the query string is not shown")
    return check.summary(", %.1f s" % (time.time() - t0))


if __name__ == "__main__":
    sys.exit(main())
