"""Loopback deploy scenarios for tests and the README picture: real HTTP servers on 127.0.0.1.

- `Backend`: one "release" of an app; answers JSON `{"version": name}` and the header `X-Release`.
- `RestartingTarget`: a deploy without preboot: the server goes away for a gap (connections are
  refused) and comes back on the same port as the new release.
- `SwitchingRouter`: a deploy with preboot: a small router in front of two backends that moves
  traffic from one to the other with no gap, hands out a `heroku-session-affinity` cookie, and
  re-issues it when the backend it points to stops being routable (as Heroku's router does).
  `POST /__switch?to=NAME` switches, so a real `--during` command can trigger the deploy.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import secrets
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from zdd.verify.samples import AFFINITY_COOKIE

HOST = "127.0.0.1"
# Heroku's router answers system-level errors with an unstyled 503 page that loads this template.
ROUTER_ERROR_PAGE = (
    "<!DOCTYPE html><html><head><title>Application Error</title></head><body>"
    '<iframe src="https://www.herokucdn.com/error-pages/application-error.html"></iframe>'
    "</body></html>"
)


class _Server:
    """A ThreadingHTTPServer on 127.0.0.1 in a thread: start() / stop() / url."""

    def __init__(self, handler: type[BaseHTTPRequestHandler], port: int = 0) -> None:
        self._handler = handler
        self.port = port
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        # set by stop(): a handler still waiting out a delay answers at once, so the clients
        # waiting on it (a probe's threads, up to its --timeout) are not held after the test
        self.stopping = threading.Event()

    def start(self) -> _Server:
        self.stopping.clear()
        httpd = ThreadingHTTPServer((HOST, self.port), self._handler)
        httpd.daemon_threads = True
        httpd.owner = self  # type: ignore[attr-defined]
        self.port = httpd.server_address[1]
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    @property
    def running(self) -> bool:
        return self._httpd is not None

    def url(self, path: str = "/health") -> str:
        return f"http://{HOST}:{self.port}{path}"

    def __enter__(self):
        return self.start() if not self.running else self

    def __exit__(self, *exc) -> None:
        self.stop()


class _Quiet(BaseHTTPRequestHandler):
    def log_message(self, format, *args) -> None:  # noqa: A002 - stdlib signature
        pass

    def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        try:
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:  # the client gave up (timed out, or the probe ended): expected
            pass


class _BackendHandler(_Quiet):
    def do_GET(self) -> None:
        owner: Backend = self.server.owner  # type: ignore[attr-defined]
        owner.requested.set()
        if owner.delay_s:
            owner.stopping.wait(owner.delay_s)
        body = json.dumps({"status": "ok", "version": owner.name}).encode()
        headers = {"Content-Type": "application/json", "X-Release": owner.name}
        if owner.trickle_s:
            self._trickle(body, headers, owner.trickle_s, owner.stopping)
        else:
            self._send(200, body, headers)

    def _trickle(
        self, body: bytes, headers: dict[str, str], seconds: float, stopping: threading.Event
    ) -> None:
        """Headers at once, then the body a byte at a time over `seconds`: every read is quick,
        the whole answer is slow."""
        self.send_response(200)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            for i in range(len(body)):
                self.wfile.write(body[i : i + 1])
                self.wfile.flush()
                stopping.wait(seconds / len(body))
        except OSError:  # the client gave up: expected
            pass


class Backend(_Server):
    """One release of the app: a JSON health page that says which release answered."""

    def __init__(
        self, name: str, port: int = 0, delay_s: float = 0.0, trickle_s: float = 0.0
    ) -> None:
        super().__init__(_BackendHandler, port)
        self.name = name
        self.delay_s = delay_s  # wait before answering
        self.trickle_s = trickle_s  # send the body over this long, a byte at a time
        self.requested = threading.Event()  # set by the first request


class RestartingTarget:
    """A deploy without preboot: stop the app, keep the port closed for `gap_s`, start the new."""

    def __init__(self, old: str = "v1", new: str = "v2") -> None:
        self.backend = Backend(old)
        self.new = new
        self.down_at: float | None = None  # time.monotonic() of the stop and of the restart
        self.up_at: float | None = None
        self._timer: threading.Thread | None = None

    def start(self) -> RestartingTarget:
        self.backend.start()
        return self

    def url(self, path: str = "/health") -> str:
        return self.backend.url(path)

    def restart_after(self, delay_s: float, gap_s: float) -> None:
        """In the background: delay_s after the first request, stop for gap_s, then serve `new`
        on the same port. Counting from the first request keeps a slow-starting probe in the test.
        """

        def go() -> None:
            if not self.backend.requested.wait(timeout=60):
                return
            time.sleep(delay_s)
            self.backend.stop()
            self.down_at = time.monotonic()
            time.sleep(gap_s)
            self.backend = Backend(self.new, port=self.backend.port).start()
            self.up_at = time.monotonic()

        self._timer = threading.Thread(target=go, daemon=True)
        self._timer.start()

    @property
    def gap_s(self) -> float | None:
        if self.down_at is None or self.up_at is None:
            return None
        return self.up_at - self.down_at

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.join(timeout=30)
        self.backend.stop()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "server", "date"}


class _RouterHandler(_Quiet):
    def do_POST(self) -> None:
        router: SwitchingRouter = self.server.owner  # type: ignore[attr-defined]
        parts = urlsplit(self.path)
        if parts.path != "/__switch":
            self._send(404, b"not found", {})
            return
        to = parse_qs(parts.query).get("to", [None])[0]
        try:
            router.switch_to(to)
        except KeyError as exc:
            self._send(400, str(exc).encode(), {})
            return
        self._send(200, json.dumps({"routing_to": router.active}).encode(), {})

    def do_GET(self) -> None:
        router: SwitchingRouter = self.server.owner  # type: ignore[attr-defined]
        headers = {"Via": "1.1 zdd-test-router", "X-Request-Id": str(uuid.uuid4())}
        token = _cookie_value(self.headers.get("Cookie"), AFFINITY_COOKIE)
        backend = router.route()
        if backend is None:
            headers["Content-Type"] = "text/html; charset=utf-8"
            self._send(503, ROUTER_ERROR_PAGE.encode(), headers)
            return
        if router.affinity and router.token_of(token) != backend.name:
            new = router.new_token(backend.name)
            headers["Set-Cookie"] = f"{AFFINITY_COOKIE}={new}; Max-Age=86400; Path=/; HttpOnly"
        conn = http.client.HTTPConnection(HOST, backend.port, timeout=10)
        try:
            conn.request("GET", self.path)
            answer = conn.getresponse()
            body = answer.read()
            for key, value in answer.getheaders():
                if key.lower() not in _HOP_BY_HOP:
                    headers.setdefault(key, value)
            self._send(answer.status, body, headers)
        finally:
            conn.close()


def _cookie_value(header: str | None, name: str) -> str | None:
    for part in (header or "").split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None


class SwitchingRouter(_Server):
    """A deploy with preboot: both releases are up; the router moves traffic from one to another."""

    def __init__(self, *backends: Backend, affinity: bool = True) -> None:
        super().__init__(_RouterHandler)
        self.backends = {b.name: b for b in backends}
        self.active: str | None = backends[0].name if backends else None
        self.affinity = affinity
        self._tokens: dict[str, str] = {}
        self._secret = secrets.token_hex(8)
        self._lock = threading.Lock()
        self.switched_at: float | None = None  # time.monotonic() of the last switch

    def switch_to(self, name: str | None) -> None:
        """Route new and sticky traffic to `name` from now on (None: nothing routable, 503s)."""
        if name is not None and name not in self.backends:
            raise KeyError(f"no backend {name!r}; have {sorted(self.backends)}")
        with self._lock:
            self.active = name
            self.switched_at = time.monotonic()

    def route(self) -> Backend | None:
        """The backend for any request: only the active one is routable (as after a preboot
        switch, when the old dynos get no new requests), so a cookie pointing elsewhere is
        re-issued rather than followed."""
        with self._lock:
            return self.backends.get(self.active) if self.active else None

    def token_of(self, token: str | None) -> str | None:
        with self._lock:
            return self._tokens.get(token) if token else None

    def new_token(self, backend: str) -> str:
        """The cookie value for a backend: stable per backend, like a pointer to one dyno."""
        token = hashlib.sha256(f"{self._secret}:{backend}".encode()).hexdigest()[:32]
        with self._lock:
            self._tokens[token] = backend
        return token
