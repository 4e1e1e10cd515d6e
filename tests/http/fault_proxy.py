#!/usr/bin/env python3
"""A fault-injecting HTTP/1.1 proxy for mp4kit's HTTP tests (tests/http/http_test.py) and
scripts/bench-http.sh. It forwards GET requests to an upstream server and misbehaves on
request, chosen by the first path segment:

  /ok/<path>          forward unchanged
  /latency<N>/<path>  wait N ms before each request (a far bucket)
  /drop1/<path>       the first response for <path> is cut mid-body (then forward)
  /dropall/<path>     every response with a body is cut mid-body
  /503x<N>/<path>     answer "503 Service Unavailable" N times for <path>, then forward
  /503all/<path>      always 503
  /norange/<path>     strip the Range header (the upstream answers 200 with the whole file)
  /change/<path>      a different ETag from the second request on (the file "changed")
  /badrange/<path>    Content-Range shifted by one byte
  /short/<path>       the body (and Content-Length) one byte short of the Content-Range
  /stall/<path>       send the headers, then nothing for 30 s
  /loop/<path>        302 to itself, forever
  /redirect/<path>    302 to the upstream itself (another host:port)
  /__stats            {"requests": N, "bytes": B}: GETs forwarded and body bytes sent so far
                      (what a client fetched through the proxy); /__reset zeroes them

Usage: fault_proxy.py LISTEN_PORT UPSTREAM_HOST:PORT   (prints "ready" when listening)
Python 3 standard library only.
"""
import http.client
import io
import http.server
import re
import socketserver
import sys
import threading
import time

UPSTREAM = None
COUNTS = {}
LOCK = threading.Lock()
TOTAL = {"requests": 0, "bytes": 0}


def account(n_bytes):
    with LOCK:
        TOTAL["requests"] += 1
        TOTAL["bytes"] += n_bytes


def bump(key):
    with LOCK:
        COUNTS[key] = COUNTS.get(key, 0) + 1
        return COUNTS[key]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet
        pass

    def do_GET(self):
        if self.path in ("/__stats", "/__reset"):
            with LOCK:
                if self.path == "/__reset":
                    TOTAL.update(requests=0, bytes=0)
                body = ("{\"requests\": %d, \"bytes\": %d}\n" % (TOTAL["requests"], TOTAL["bytes"])).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        m = re.match(r"^/([^/]+)(/.*)$", self.path)
        if not m:
            self.send_error(404)
            return
        mode, rest = m.group(1), m.group(2)
        n = bump((mode, rest))
        if mode.startswith("latency"):
            time.sleep(int(mode[7:] or "0") / 1000.0)
        if mode == "loop":
            self.redirect(self.path)
            return
        if mode == "redirect":
            self.redirect("http://%s%s" % (UPSTREAM, rest))
            return
        m503 = re.match(r"^503x(\d+)$", mode)
        if mode == "503all" or (m503 and n <= int(m503.group(1))):
            body = b"busy\n"
            self.send_response(503, "Service Unavailable")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        headers = {k: v for k, v in self.headers.items() if k.lower() in ("range", "if-range", "authorization")}
        if mode == "norange":
            headers = {k: v for k, v in headers.items() if k.lower() != "range"}
        conn = http.client.HTTPConnection(UPSTREAM, timeout=30)
        try:
            conn.request("GET", rest, headers=headers)
            resp = conn.getresponse()
            self.relay(mode, n, resp)
        finally:
            conn.close()

    def relay(self, mode, n, resp):
        # The body is streamed as it arrives from the upstream (64 KiB at a time), never read
        # whole first: a client that reads part of a response and hangs up (ffprobe's
        # open-ended "Range: bytes=0-") costs what it read, as with a real server. (Reading
        # the whole body first charged ffprobe for all 234 MB of the 2-hour bench file on
        # each such request, 0.4 s that no real far bucket adds.)
        body = resp
        if resp.getheader("Content-Length") is None:  # chunked or to-close: read it whole
            data = resp.read()
            body, length = io.BytesIO(data), len(data)
        else:
            length = int(resp.getheader("Content-Length"))
        out_headers = [(k, v) for k, v in resp.getheaders()
                       if k.lower() not in ("connection", "keep-alive", "transfer-encoding", "content-length", "server", "date")]
        if mode == "change" and n > 1:
            out_headers = [(k, ('"changed-%d"' % n) if k.lower() == "etag" else v) for k, v in out_headers]
        if mode == "badrange":
            def shift(v):
                mm = re.match(r"bytes (\d+)-(\d+)/(\d+)", v)
                return "bytes %d-%d/%s" % (int(mm.group(1)) + 1, int(mm.group(2)) + 1, mm.group(3)) if mm else v
            out_headers = [(k, shift(v) if k.lower() == "content-range" else v) for k, v in out_headers]
        send = length  # body bytes forwarded
        if mode == "short" and resp.status == 206 and length > 1:
            send = length - 1
        self.send_response(resp.status, resp.reason)
        for k, v in out_headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(send))
        if mode == "stall":
            self.end_headers()
            self.wfile.flush()
            time.sleep(30)
            return
        cut = (mode == "dropall" or (mode == "drop1" and n == 1)) and length > 16
        if cut:
            self.send_header("Connection", "close")
            send = length // 2
        self.end_headers()
        self.send_counted(body, send)
        if cut:
            self.close_connection = True

    def send_counted(self, body, send):
        # Counts what reached the socket: a client that hangs up early is charged only for
        # what it was sent.
        sent = 0
        try:
            while sent < send:
                chunk = body.read(min(65536, send - sent))
                if not chunk:
                    break
                self.wfile.write(chunk)
                sent += len(chunk)
            self.wfile.flush()
        except OSError:  # the client hung up
            self.close_connection = True
        finally:
            account(sent)
        if sent < send:
            self.close_connection = True

    def redirect(self, location):
        self.send_response(302, "Found")
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        pass  # clients that hang up (a cut body, a timeout) are part of the tests


def main():
    global UPSTREAM
    port = int(sys.argv[1])
    UPSTREAM = sys.argv[2]
    srv = Server(("127.0.0.1", port), Handler)
    print("ready", flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
