"""A local router on one loopback port that behaves as Heroku's Router 2.0 where a deploy needs it.

- It sends each request to one `up` dyno of the serving release, at random, or to the dyno the
  `heroku-session-affinity` cookie points at when that dyno can still serve; otherwise it picks
  another and sets a new cookie (https://devcenter.heroku.com/articles/session-affinity).
- While no dyno of the serving release is up but one is starting (a restart without preboot), it
  holds the request up to `queue_hold_s` (75 s: H20 App boot timeout), as Heroku's router does.
- It keeps idle connections to dynos open for `router_keepalive_s` (90 s) and reuses them without
  looking, so an app that closes idle connections sooner gets H13/H18 (see upstream.py).
- A whole answer must come within `request_timeout_s` (30 s) of the request being routed to a
  dyno (time held while dynos start is H20's, not H12's), else 503 H12 (the app keeps going).
- When no dyno can serve it answers 503 with Heroku's error page and names the code
  (https://devcenter.heroku.com/articles/error-codes): H14 no web dynos, H10 every dyno crashed,
  H20 none came up within the hold, H21 the dyno refused the connection, H13 the dyno closed the
  connection without an answer, H18 it closed it part-way through one, H12 too slow.
  (H99 is Heroku's own platform error; nothing local stands for it, so it is never used.)

Downstream: uvicorn + starlette (the sandbox's stack); upstream: httpcore's pool with a
controlled keepalive expiry. Every request is recorded (`RouterRecord`) for the rehearsal report.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import random
import secrets
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import httpcore
import uvicorn
from starlette.requests import Request
from starlette.responses import Response

from zdd.loopback import is_loopback
from zdd.runtime.timing import Timing
from zdd.runtime.upstream import IdleWatch, make_pool
from zdd.server_thread import serve_in_thread

AFFINITY_COOKIE = "heroku-session-affinity"
AFFINITY_MAX_AGE = 86400
SCAN_EVERY_S = 0.1
DOWNSTREAM_KEEPALIVE_S = 600
HOLD_POLL_S = 0.01
_HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "trailers",
    "transfer-encoding",
    "upgrade",
    "content-length",
    "host",
}
ERROR_DESCRIPTIONS = {
    "H10": "App crashed",
    "H12": "Request timeout",
    "H13": "Connection closed without response",
    "H14": "No web dynos running",
    "H18": "Server Request Interrupted",
    "H20": "App boot timeout",
    "H21": "Backend connection refused",
}

STARTING, UP, STOPPING, CRASHED, DOWN = "starting", "up", "stopping", "crashed", "down"


@dataclass
class Route:
    """One dyno as the router sees it. `key` is unique across releases (v1/web.1, v2/web.1)."""

    name: str
    release: str
    port: int
    state: str = STARTING

    @property
    def key(self) -> str:
        return f"{self.release}/{self.name}"


@dataclass(frozen=True)
class RouterRecord:
    """One request through the router (times are the router clock's, monotonic seconds)."""

    request_id: str
    method: str
    path: str
    started: float
    ended: float
    status: int
    dyno: str | None = None  # Route.key
    code: str | None = None  # H-code when the router answered instead of the app
    reused: bool | None = None  # sent on a kept-alive connection
    detail: str | None = None


class RoutingTable:
    """Which dynos exist, their states, and which release serves. Shared by runtime and router."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._routes: dict[str, Route] = {}
        self.serving: str | None = None

    def put(self, route: Route) -> None:
        with self._lock:
            self._routes[route.key] = route

    def set_state(self, key: str, state: str) -> None:
        with self._lock:
            if key in self._routes:
                self._routes[key].state = state

    def remove(self, key: str) -> None:
        with self._lock:
            self._routes.pop(key, None)

    def serve(self, release: str) -> None:
        with self._lock:
            self.serving = release

    def snapshot(self) -> list[Route]:
        with self._lock:
            return [Route(r.name, r.release, r.port, r.state) for r in self._routes.values()]

    def candidates(self) -> tuple[list[Route], list[Route]]:
        """(up dynos of the serving release, its starting dynos)."""
        with self._lock:
            mine = [r for r in self._routes.values() if r.release == self.serving]
            return [r for r in mine if r.state == UP], [r for r in mine if r.state == STARTING]

    def by_key(self, key: str) -> Route | None:
        with self._lock:
            return self._routes.get(key)


def error_page(code: str) -> bytes:
    """Heroku's application-error page (an iframe of herokucdn's page), naming the H-code."""
    desc = ERROR_DESCRIPTIONS.get(code, "Platform error")
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Application Error</title></head>"
        "<body><iframe src='//www.herokucdn.com/error-pages/application-error.html'></iframe>"
        f'<!-- zdd rehearse router: code={code} desc="{desc}" --></body></html>'
    ).encode()


class _Server(uvicorn.Server):
    def install_signal_handlers(self) -> None:  # the rehearsal owns signals, not uvicorn
        pass


class Router:
    """`Router(table, timing).start()`; `.url`; `.records()`; `.idle_closes`; `.stop()`."""

    def __init__(
        self,
        table: RoutingTable,
        timing: Timing,
        *,
        affinity: bool = True,
        faithful_keepalive: bool = True,
        host: str = "127.0.0.1",
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        if not is_loopback(host):
            raise ValueError(f"the local router listens on loopback only, not {host}")
        self.table = table
        self.timing = timing
        self.affinity = affinity
        self.host = host
        self.clock = clock
        self.rng = rng or random.Random()
        self.watch = IdleWatch(faithful=faithful_keepalive, clock=clock)
        self._secret = secrets.token_hex(8)
        self._records: list[RouterRecord] = []
        self._lock = threading.Lock()
        self._pool: httpcore.AsyncConnectionPool | None = None
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._sock: socket.socket | None = None
        self.port = 0
        self.scan_errors: list[str] = []
        self._pending: dict[str, int] = {}  # route key -> requests picked, not yet sent

    # -- lifecycle ---------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 10.0) -> Router:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, 0))
        sock.listen(256)
        self._sock = sock
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self._asgi,
            http="h11",
            interface="asgi3",
            proxy_headers=False,
            lifespan="off",
            log_level=os.environ.get("ZDD_ROUTER_LOG", "critical"),
            access_log=False,
            # clients' idle connections are not what a rehearsal tests: keep them long, so the
            # probe never races the router's own idle close
            timeout_keep_alive=DOWNSTREAM_KEEPALIVE_S,
            timeout_graceful_shutdown=1,
        )
        self._server = _Server(config)
        try:
            self._thread = serve_in_thread(self._server, sock, name="zdd-router", timeout=timeout)
        except TimeoutError:
            self.stop()
            raise RuntimeError("the local router did not start") from None
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._sock is not None:
            self._sock.close()
        self._server = self._thread = self._sock = None

    # -- what it saw -------------------------------------------------------------------------
    def records(self) -> list[RouterRecord]:
        with self._lock:
            return list(self._records)

    @property
    def idle_closes(self):
        return list(self.watch.closes)

    def pending(self, keys: set[str]) -> int:
        """Requests already routed to these dynos whose headers are not yet sent."""
        with self._lock:
            return sum(n for k, n in self._pending.items() if k in keys)

    def _hold(self, key: str, delta: int) -> None:
        with self._lock:
            self._pending[key] = self._pending.get(key, 0) + delta

    # -- ASGI --------------------------------------------------------------------------------
    async def _asgi(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return
        if self._pool is None:
            self._pool = make_pool(self.timing.router_keepalive_s, self.watch)
            asyncio.get_running_loop().create_task(self._scan_forever())
        response = await self._handle(Request(scope, receive))
        await response(scope, receive, send)

    async def _scan_forever(self) -> None:
        while True:
            try:
                self.watch.scan()
            except Exception as exc:  # never let a failed look end the watch
                self.scan_errors.append(f"{type(exc).__name__}: {exc}")
            await asyncio.sleep(SCAN_EVERY_S)

    def _affinity_value(self, route: Route) -> str:
        return hashlib.sha256(f"{self._secret}:{route.key}".encode()).hexdigest()[:32]

    def _pick(self, up: list[Route], cookie: str | None) -> tuple[Route, bool]:
        """(route, whether to set a new affinity cookie)."""
        if self.affinity and cookie:
            for route in up:
                if self._affinity_value(route) == cookie:
                    return route, False
        return self.rng.choice(up), self.affinity

    async def _handle(self, request: Request) -> Response:
        started = self.clock()
        rid = request.headers.get("x-request-id") or str(uuid.uuid4())
        method, path = request.method, request.url.path
        query = request.url.query
        body = await request.body()

        def record(status: int, **kw) -> None:
            rec = RouterRecord(rid, method, path, started, self.clock(), status, **kw)
            with self._lock:
                self._records.append(rec)

        def fail(code: str, route: Route | None = None, detail: str | None = None) -> Response:
            return self._fail(record, rid, code, route, detail)

        hold_until = started + self.timing.queue_hold_s
        while True:
            up, starting = self.table.candidates()
            if up:
                break
            if not starting and not self._restarting():
                code = "H14" if not self._any_web() else "H10"
                return fail(code)
            if self.clock() >= hold_until:
                return fail("H20")
            await asyncio.sleep(HOLD_POLL_S)
        route, set_cookie = self._pick(up, request.cookies.get(AFFINITY_COOKIE))
        self._hold(route.key, 1)
        sent = [False]

        def release_hold() -> None:
            if not sent[0]:
                sent[0] = True
                self._hold(route.key, -1)

        headers = [
            (k.encode("latin-1"), v.encode("latin-1"))
            for k, v in request.headers.items()
            if k.lower() not in _HOP_BY_HOP
        ]
        headers += [
            (b"Host", f"127.0.0.1:{route.port}".encode()),
            (b"X-Request-Id", rid.encode()),
            (b"X-Forwarded-For", (request.client.host if request.client else "127.0.0.1").encode()),
            (b"X-Forwarded-Proto", b"http"),
            (b"X-Forwarded-Port", str(self.port).encode()),
            (b"X-Request-Start", str(int(time.time() * 1000)).encode()),
            (b"Via", b"1.1 zdd-rehearse-router"),
        ]
        url = f"http://127.0.0.1:{route.port}{path}" + (f"?{query}" if query else "")
        opened: list[bool] = []

        async def trace(name: str, info: dict) -> None:
            if name == "connection.connect_tcp.started":
                opened.append(True)
            elif name == "http11.send_request_headers.complete":
                release_hold()

        left = self.timing.request_timeout_s  # from when it is routed: H20 covers the hold
        try:
            return await self._forward(
                route, method, url, headers, body, trace, left, set_cookie, record, rid, opened
            )
        finally:
            release_hold()

    async def _forward(
        self,
        route: Route,
        method: str,
        url: str,
        headers: list[tuple[bytes, bytes]],
        body: bytes,
        trace: Callable,
        left: float,
        set_cookie: bool,
        record: Callable[..., None],
        rid: str,
        opened: list[bool],
    ) -> Response:
        """Send the request upstream within `left` seconds; the app's answer or an H-code page."""
        got_head = False
        try:
            async with asyncio.timeout(max(0.001, left)):
                async with self._pool.stream(
                    method, url, headers=headers, content=body, extensions={"trace": trace}
                ) as upstream:
                    got_head = True
                    chunks = [chunk async for chunk in upstream.aiter_stream()]
        except TimeoutError:
            limit = self.timing.request_timeout_s
            return self._fail(record, rid, "H12", route, f"no complete answer within {limit:g} s")
        except httpcore.ConnectError as exc:
            return self._fail(record, rid, "H21", route, str(exc) or type(exc).__name__)
        except (httpcore.RemoteProtocolError, httpcore.ReadError, httpcore.WriteError) as exc:
            code = "H18" if got_head else "H13"  # closed part-way through an answer, or before
            reused = not opened
            why = f"{type(exc).__name__}: {exc}" + (" (kept-alive connection)" if reused else "")
            return self._fail(record, rid, code, route, why[:200], reused=reused)
        out = Response(b"".join(chunks), status_code=upstream.status)
        out.raw_headers = [
            (k, v) for k, v in upstream.headers if k.decode("latin-1").lower() not in _HOP_BY_HOP
        ] + [(k.encode(), v.encode()) for k, v in self._base_headers(rid, route).items()]
        out.raw_headers.append((b"content-length", str(len(out.body)).encode()))
        if set_cookie:
            out.set_cookie(
                AFFINITY_COOKIE,
                self._affinity_value(route),
                max_age=AFFINITY_MAX_AGE,
                path="/",
                httponly=True,
            )
        record(upstream.status, dyno=route.key, reused=not opened)
        return out

    def _fail(
        self,
        record: Callable[..., None],
        rid: str,
        code: str,
        route: Route | None,
        detail: str | None,
        reused: bool | None = None,
    ) -> Response:
        """Heroku's error page (503) naming `code`, recorded like any answer."""
        record(503, dyno=route.key if route else None, code=code, detail=detail, reused=reused)
        return Response(
            error_page(code),
            status_code=503,
            media_type="text/html; charset=utf-8",
            headers=self._base_headers(rid, route),
        )

    def _base_headers(self, rid: str, route: Route | None) -> dict[str, str]:
        headers = {"Via": "1.1 zdd-rehearse-router", "X-Request-Id": rid}
        if route is not None:
            headers["X-Zdd-Dyno"] = route.name
            headers["X-Zdd-Release"] = route.release
        return headers

    def _any_web(self) -> bool:
        return any(r.release == self.table.serving for r in self.table.snapshot())

    def _restarting(self) -> bool:
        """A dyno of the serving release is stopping to be replaced (restart without preboot)."""
        return any(
            r.release == self.table.serving and r.state == STOPPING for r in self.table.snapshot()
        )
