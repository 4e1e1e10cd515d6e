#!/usr/bin/env python3
"""nginx (HTTP and TLS + HTTP/2, throwaway self-signed certificate) and the fault proxy
(fault_proxy.py) on spare 127.0.0.1 ports, for tests/http/http_test.py and
scripts/bench-http.sh.

As a program: http_server.py SCRATCH_DIR NAME=DIR...   serves each DIR at /NAME/, prints one
JSON line {"http": URL, "https": URL, "proxy": URL, "ca_file": PATH} and runs until it gets
SIGTERM or its standard input closes; exit 77 when nginx or openssl is missing.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def find_nginx():
    n = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
    return n if n and shutil.which("openssl") else None


def spare_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def wait_port(port, proc, what):
    for _ in range(400):
        if proc.poll() is not None:
            raise RuntimeError("%s exited at start (rc %s)" % (what, proc.returncode))
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.025)
    raise RuntimeError("%s did not listen on port %d" % (what, port))


def start(tmp, roots, procs):
    """Starts nginx serving roots {name: dir} and the proxy in front of its HTTP port.
    Appends the processes to `procs` (the caller stops them). Returns the URLs."""
    nginx = find_nginx()
    os.chmod(tmp, 0o755)  # nginx's worker (nobody, when started as root) reads below tmp
    cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"], check=True, capture_output=True)
    http_port, https_port, proxy_port = spare_port(), spare_port(), spare_port()
    loc = "".join("location /%s/ { alias %s/; }\n" % (n, os.path.realpath(d)) for n, d in roots.items())
    conf = os.path.join(tmp, "nginx.conf")
    with open(conf, "w") as f:
        f.write("""daemon off; worker_processes 1; pid %(tmp)s/nginx.pid; error_log %(tmp)s/error.log;
events { worker_connections 64; }
http {
  access_log off; log_format proto '$server_protocol $connection'; default_type application/octet-stream; sendfile on; keepalive_requests 100000;
  client_body_temp_path %(tmp)s/cb; proxy_temp_path %(tmp)s/px; fastcgi_temp_path %(tmp)s/fc;
  uwsgi_temp_path %(tmp)s/uw; scgi_temp_path %(tmp)s/sc;
  server { listen 127.0.0.1:%(http)d; %(loc)s }
  server { listen 127.0.0.1:%(https)d ssl http2; access_log %(tmp)s/tls_access.log proto; ssl_certificate %(cert)s; ssl_certificate_key %(key)s; %(loc)s }
}
""" % {"tmp": tmp, "http": http_port, "https": https_port, "cert": cert, "key": key, "loc": loc})
    ng = subprocess.Popen([nginx, "-p", tmp, "-c", conf], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    procs.append(ng)
    wait_port(http_port, ng, "nginx")
    wait_port(https_port, ng, "nginx")
    proxy = subprocess.Popen([sys.executable, os.path.join(HERE, "fault_proxy.py"), str(proxy_port), "127.0.0.1:%d" % http_port],
                             stdout=subprocess.DEVNULL)
    procs.append(proxy)
    wait_port(proxy_port, proxy, "fault proxy")
    return {"http": "http://127.0.0.1:%d" % http_port, "https": "https://127.0.0.1:%d" % https_port,
            "proxy": "http://127.0.0.1:%d" % proxy_port, "ca_file": cert,
            "tls_log": os.path.join(tmp, "tls_access.log")}  # "PROTOCOL CONNECTION" per request


def stop(procs):
    for p in procs:
        p.terminate()
    for p in procs:
        try:
            p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            p.kill()


def main():
    if not find_nginx():
        print("http_server: needs nginx (Debian nginx-light) and openssl; scripts/setup.sh installs them", file=sys.stderr)
        return 77
    tmp = sys.argv[1]
    roots = dict(a.split("=", 1) for a in sys.argv[2:])
    procs = []
    signal.signal(signal.SIGTERM, lambda *_: (stop(procs), sys.exit(0)))
    try:
        print(json.dumps(start(tmp, roots, procs)), flush=True)
        sys.stdin.read()  # until the caller closes it (or SIGTERM)
    finally:
        stop(procs)
    return 0


if __name__ == "__main__":
    sys.exit(main())


class Checks:
    """The tests' tally: `check(ok, what)` counts a check and prints a FAIL line for a
    false one; `summary(extra)` prints the counts and gives the exit status (1 if any failed)."""

    def __init__(self):
        self.count = 0
        self.failures = []

    def __call__(self, ok, what):
        self.count += 1
        if not ok:
            self.failures.append(what)
            print("FAIL: " + what, flush=True)

    def summary(self, extra=""):
        print("%d checks, %d failed%s" % (self.count, len(self.failures), extra))
        return 1 if self.failures else 0


def run_in_scratch(prefix, body):
    """Runs body(tmp, procs) in a new scratch directory; whatever happens, the servers
    started into `procs` are stopped and the directory is removed. Returns body's result."""
    tmp = tempfile.mkdtemp(prefix=prefix)
    procs = []
    try:
        return body(tmp, procs)
    finally:
        stop(procs)
        shutil.rmtree(tmp, ignore_errors=True)
