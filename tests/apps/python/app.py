"""A small web app for `zdd rehearse` tests, healthy by default, with one switchable fault per
finding (env vars, all off unless set):

  FAULT_BOOT_DELAY=S      sleep S seconds before binding $PORT (boot.r10)
  FAULT_SIGTERM=exit      exit at once on SIGTERM, dropping requests in flight
                          (shutdown.inflight_dropped)
  FAULT_SIGTERM=ignore    ignore SIGTERM (shutdown.sigkill)
  FAULT_KEEPALIVE=S       close idle keep-alive connections after S seconds (router.keepalive)
  FAULT_MEMORY_MB=N       hold N MB of memory (memory.overlap)
  FAULT_500=1             answer 500 on every request (release.unhealthy)
  FAULT_CRASH_AFTER=S     exit S seconds after binding (release.unhealthy)
  FAULT_RELEASE=vN        apply the faults only when ZDD_RELEASE is vN (v1 healthy, v2 faulty)

Healthy behaviour: keep-alive connections stay open 600 s; on SIGTERM it stops accepting, lets the
requests in flight finish, then exits. GET /slow?s=2 answers after 2 s; POST echoes the length.
"""

import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

RELEASE = os.environ.get("ZDD_RELEASE", "v0")
ONLY = os.environ.get("FAULT_RELEASE")
MINE = ONLY in (None, "", RELEASE)


def fault(key: str) -> str:
    return os.environ.get(key, "") if MINE else ""


KEEPALIVE = float(fault("FAULT_KEEPALIVE") or 600)
BALLAST = bytearray(int(float(fault("FAULT_MEMORY_MB") or 0) * 1024 * 1024))
for i in range(0, len(BALLAST), 4096):
    BALLAST[i] = 1  # touch every page so it is resident

inflight = 0
lock = threading.Lock()
stopping = threading.Event()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = KEEPALIVE  # idle keep-alive: the socket read times out and the connection closes

    def log_message(self, *args):
        pass

    def _answer(self, body: bytes) -> None:
        global inflight
        with lock:
            inflight += 1
        try:
            url = urlsplit(self.path)
            if url.path == "/slow":
                time.sleep(float(parse_qs(url.query).get("s", ["2"])[0]))
            status = 500 if fault("FAULT_500") else 200
            dyno = os.environ.get("DYNO")
            data = f'{{"release": "{RELEASE}", "dyno": "{dyno}", "got": {len(body)}}}'.encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("X-Release", RELEASE)
            if stopping.is_set():
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            self.wfile.write(data)
        finally:
            with lock:
                inflight -= 1

    def do_GET(self):
        self._answer(b"")

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        self._answer(self.rfile.read(length))


def main() -> None:
    delay = float(fault("FAULT_BOOT_DELAY") or 0)
    if delay:
        time.sleep(delay)
    server = ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler)
    server.daemon_threads = True
    mode = fault("FAULT_SIGTERM")

    def on_term(signum, frame):
        if mode == "exit":
            os._exit(143)
        if mode == "ignore":
            return
        stopping.set()
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, on_term)
    crash = float(fault("FAULT_CRASH_AFTER") or 0)
    if crash:
        threading.Timer(crash, lambda: os._exit(3)).start()
    print(f"{RELEASE} {os.environ.get('DYNO')} listening on {os.environ['PORT']}", flush=True)
    server.serve_forever(poll_interval=0.05)
    server.socket.close()  # stop accepting; then let the requests in flight finish
    deadline = time.monotonic() + 25
    while inflight and time.monotonic() < deadline:
        time.sleep(0.02)
    if mode == "ignore":
        time.sleep(3600)
    sys.exit(0)


if __name__ == "__main__":
    main()
