#!/usr/bin/env python3
"""bench and batch on URLs, against a real nginx on 127.0.0.1 (ctest label "http").

  * bench URL: exit 0 in every mode (probe, demux, decode, seek) with --json; the frames
    equal the local file's bench; each run's figures carry bytes_read (the file's size for
    these small files: every byte is fetched) and requests (>= 1); the URL's query string is
    not printed; a 404 is exit 66.
  * batch over a --files-from list of http:// URLs (with a presigned-style query string):
    probe --json records equal the local records except the input, bytes_read/requests and
    the file name; inputs are shown redacted; the grouped child is used (group_size); --resume
    finds every input recorded; decode -o '{stem}.framemd5' names outputs from the URL's path.
Exit 77 (ctest SKIP) when nginx is missing.

Usage: http_bench_batch_test.py MP4KIT_BINARY SOURCE_DIR
"""
import glob
import json
import os
import subprocess
import sys

MP4KIT, SRC = sys.argv[1], sys.argv[2]
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import http_server  # noqa: E402
check = http_server.Checks()
SECRET = "?X-Amz-Signature=SECRET123"



def run(args, timeout=300):
    p = subprocess.run([MP4KIT] + args, capture_output=True, timeout=timeout)
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def strip_record(r):
    r = json.loads(json.dumps(r))
    for k in ("input", "wall_s", "cpu_s", "max_rss_kb", "group_size"):
        r.pop(k, None)
    res = r.get("result", {})
    res.get("format", {}).pop("filename", None)
    res.pop("filename", None)
    mk = res.get("mp4kit", {})
    mk.pop("bytes_read", None)
    mk.pop("requests", None)
    return json.dumps(r, sort_keys=True)


def main():
    if not http_server.find_nginx():
        print("SKIP: needs nginx (Debian nginx-light) and openssl; scripts/setup.sh installs them")
        return 77
    return http_server.run_in_scratch("mp4kit-http-bb-", body)


def body(tmp, procs):
    samples_dir = os.path.join(SRC, "samples")
    urls = http_server.start(tmp, {"samples": samples_dir}, procs)
    base = urls["http"] + "/samples/"
    sample = os.path.join(samples_dir, "h264_bframes_aac.mp4")

    # --- bench URL, every mode
    for mode in ("probe", "demux", "decode", "seek"):
        common = ["bench", "--mode", mode, "--runs", "2", "--warmup", "0", "--json"]
        rc, out, err = run(common + [base + "h264_bframes_aac.mp4" + SECRET])
        check(rc == 0, "bench --mode %s URL: exit %d (%s)" % (mode, rc, err.strip()[:300]))
        check("SECRET123" not in out + err, "bench --mode %s URL: the query string was printed" % mode)
        if rc != 0:
            continue
        j = json.loads(out)
        rc_l, out_l, err_l = run(common + ["--cache", "warm", sample])
        local = json.loads(out_l) if rc_l == 0 else {}
        runs = j["cache"]["cold"]["runs"]
        check(len(runs) == 2, "bench --mode %s URL: %d runs, want 2" % (mode, len(runs)))
        frames_l = local.get("cache", {}).get("warm", {}).get("runs", [{}])[0].get("frames")
        for r in runs:
            check(r["frames"] == frames_l, "bench --mode %s URL: %s frames, local %s" % (mode, r["frames"], frames_l))
            check(r["bytes_read"] == os.path.getsize(sample), "bench --mode %s URL: bytes_read %s, want %d" %
                  (mode, r["bytes_read"], os.path.getsize(sample)))
            check(isinstance(r["requests"], int) and r["requests"] >= 1, "bench --mode %s URL: requests %s" % (mode, r["requests"]))
        lr = local.get("cache", {}).get("warm", {}).get("runs", [{}])[0]
        check(lr.get("bytes_read", 0) is None and lr.get("requests", 0) is None,
              "bench --mode %s local: bytes_read/requests should be null, got %s/%s" % (mode, lr.get("bytes_read"), lr.get("requests")))
        check(j["file"]["size"] == os.path.getsize(sample), "bench URL: file size %s" % j["file"]["size"])
        print("bench --mode %s URL: %s frames, %s bytes, %s requests per run" %
              (mode, runs[0]["frames"], runs[0]["bytes_read"], runs[0]["requests"]), flush=True)
    rc, out, err = run(["bench", "--mode", "probe", "--runs", "1", base + "missing.mp4"])
    check(rc == 66 and "404" in err, "bench of a 404 URL: exit %d (%s)" % (rc, err.strip()[:200]))
    rc, out, err = run(["bench", base + "h264_bframes_aac.mp4"])  # default mode and cache: decode, both
    check(rc == 0 and "fetch MB" in out, "bench URL (table): exit %d (%s)" % (rc, err.strip()[:200]))

    # --- batch over a list of URLs
    files = sorted(glob.glob(os.path.join(samples_dir, "*.mp4")) + glob.glob(os.path.join(samples_dir, "*.mov")))
    local_list = os.path.join(tmp, "local.txt")
    url_list = os.path.join(tmp, "urls.txt")
    with open(local_list, "w") as f:
        f.write("".join(p + "\n" for p in files))
    with open(url_list, "w") as f:
        f.write("".join(base + os.path.basename(p) + SECRET + "\n" for p in files))
    rec_l, rec_u = os.path.join(tmp, "local.jsonl"), os.path.join(tmp, "urls.jsonl")
    rc_l, _, err_l = run(["batch", "--files-from", local_list, "--records", rec_l, "--", "probe", "--json"])
    rc_u, out_u, err_u = run(["batch", "--files-from", url_list, "--records", rec_u, "--", "probe", "--json"])
    check(rc_l == rc_u == 0, "batch probe: exit %d local, %d URLs (%s)" % (rc_l, rc_u, err_u.strip()[:300]))
    text_u = open(rec_u).read()
    check("SECRET123" not in text_u + out_u + err_u, "batch over URLs: the query string was printed or recorded")
    by_l = {os.path.basename(r["input"]): r for r in map(json.loads, open(rec_l))}
    by_u = {os.path.basename(r["input"]).split("?")[0]: r for r in map(json.loads, text_u.splitlines())}
    check(sorted(by_l) == sorted(by_u), "batch: inputs differ: %s vs %s" % (sorted(by_l), sorted(by_u)))
    same = 0
    for name, r in by_l.items():
        u = by_u.get(name, {})
        ok = strip_record(r) == strip_record(u)
        check(ok, "batch record differs over HTTP: %s" % name)
        same += ok
        check(u.get("input", "").endswith("?REDACTED"), "batch record input not redacted: %s" % u.get("input"))
        mk = u.get("result", {}).get("mp4kit", {})
        check(mk.get("requests", 0) >= 1 and mk.get("bytes_read", 0) > 0, "batch record over HTTP: %s bytes_read/requests %s" % (name, mk))
    check(any(r.get("group_size", 1) > 1 for r in by_u.values()), "batch over URLs did not group the probes")
    print("batch probe over URLs: %d of %d records equal the local ones" % (same, len(by_l)), flush=True)
    rc, out, err = run(["batch", "--files-from", url_list, "--records", rec_u, "--resume", "--", "probe", "--json"])
    check(rc == 0 and "0 inputs recorded" in err and "%d recorded before" % len(files) in err,
          "batch --resume over URLs: exit %d (%s)" % (rc, err.strip()[:300]))
    out_dir = os.path.join(tmp, "out")
    two = os.path.join(tmp, "two.txt")
    with open(two, "w") as f:
        f.write("".join(base + os.path.basename(p) + SECRET + "\n" for p in files[:2]))
    rc, out, err = run(["batch", "--files-from", two, "--records", os.path.join(tmp, "dec.jsonl"), "--", "decode", "--format",
                        "framemd5", "--frames", "3", "-o", os.path.join(out_dir, "{stem}.framemd5")])
    want = sorted(os.path.splitext(os.path.basename(p))[0] + ".framemd5" for p in files[:2])
    got = sorted(os.listdir(out_dir)) if os.path.isdir(out_dir) else []
    check(rc == 0 and got == want, "batch decode over URLs: exit %d, outputs %s, want %s (%s)" % (rc, got, want, err.strip()[:200]))
    for p in files[:2]:
        rc_d, out_d, _ = run(["decode", "--format", "framemd5", "--frames", "3", "-o", "-", p])
        name = os.path.splitext(os.path.basename(p))[0] + ".framemd5"
        if name in got:
            check(open(os.path.join(out_dir, name)).read() == out_d, "batch decode over URL: %s differs from the local decode" % name)
    return check.summary()


if __name__ == "__main__":
    sys.exit(main())
