"""The sandbox control API under `/__sandbox/` (contract in docs/design.md).

No Heroku token is needed, but only loopback clients are served, so a sandbox started with
--allow-remote still cannot be reseeded or faulted from another machine.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import weakref
from typing import TYPE_CHECKING

from zdd.loopback import is_loopback

from .clock import SandboxClock, clock_factor
from .faults import FaultError
from .records import iso
from .rules import PlatformError, not_found
from .seed import SeedError, apply_seed, export_seed

if TYPE_CHECKING:
    from starlette.requests import Request

    from .state import Platform


async def handle_control(platform: Platform, request: Request) -> tuple[int, object]:
    """Serve one control request; returns (status, JSON payload). A PlatformError (unknown app)
    propagates, so app.py gives it the API's status and body."""
    client = request.client.host if request.client else None
    if not is_loopback(client):
        return 403, {"id": "forbidden", "message": "The sandbox control API is loopback-only."}
    method, path = request.method.upper(), request.url.path.rstrip("/")
    try:
        body = None
        if method in ("POST", "PUT", "PATCH"):
            raw = await request.body()
            body = json.loads(raw) if raw.strip() else {}
        return route(platform, method, path, body, dict(request.query_params))
    except ValueError as exc:  # includes JSON, seed and fault errors
        return 400, {"id": "bad_request", "message": str(exc)}


#: The companion buildpack tarball this zdd ships, served so setup's URL check and a demo run
#: offline: `zdd setup --buildpack <sandbox>/__sandbox/buildpack/zdd-buildpack.tgz`.
BUILDPACK_PATH = "/__sandbox/buildpack/zdd-buildpack.tgz"


async def serve_buildpack(method: str, send) -> None:
    """GET/HEAD BUILDPACK_PATH: zdd.buildpack_archive.bundled() as application/gzip."""
    from zdd.buildpack_archive import bundled

    body = bundled()
    headers = [
        (b"content-type", b"application/gzip"),
        (b"content-length", str(len(body)).encode()),
    ]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if method == "HEAD" else body})


STREAM_POLL_S = 0.05  # real seconds between looks at a running release command's output
STREAM_LIMIT_S = 600.0  # a stream never stays open longer than this (real seconds)


async def stream_release_output(platform: Platform, path: str, send) -> None:
    """`output_stream_url` (`/__sandbox/streams/{app}/releases/{version}`): the release command's
    output as text/plain, streamed while it runs and closed when it ends, as `heroku
    releases:output` and `pipelines:promote` read it. Plain GET, no token, like the real stream."""
    m = re.fullmatch(r"/__sandbox/streams/([^/]+)/releases/(\d+)", path)
    try:
        if m is None:
            raise not_found("release")
        text, done = platform.release_output(m.group(1), m.group(2))
    except PlatformError as err:
        body = json.dumps(err.body()).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 404,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
        return
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"cache-control", b"no-cache"),
            ],
        }
    )
    sent = 0
    waited = 0.0
    while True:
        if len(text) > sent:
            await send(
                {"type": "http.response.body", "body": text[sent:].encode(), "more_body": True}
            )
            sent = len(text)
        if done or waited >= STREAM_LIMIT_S:
            break
        await asyncio.sleep(STREAM_POLL_S)
        waited += STREAM_POLL_S
        text, done = platform.release_output(m.group(1), m.group(2))
    await send({"type": "http.response.body", "body": b""})


# Heroku's router answers with this page when no web dyno can take a request (its error pages load
# https://www.herokucdn.com/error-pages/application-error.html).
APP_ERROR_PAGE = (
    b"<!DOCTYPE html><html><head><title>Application Error</title></head><body>"
    b'<iframe src="https://www.herokucdn.com/error-pages/application-error.html"></iframe>'
    b"</body></html>"
)


async def serve_app_web(platform: Platform, request: Request, send) -> None:
    """`/__sandbox/apps/{app}/web[/...]`: the app's web traffic as the sandbox's router view sees
    it, so a probe (`zdd verify --url`) can watch a deploy on the model: answered by the release
    serving now (`X-Release: vN`, JSON `{"release": N, "dyno": "web.1"}`), or 503 with Heroku's
    error page when no web dyno is serving (choice: at once; the real router may first hold the
    request while a dyno boots) or the app is in maintenance mode. For an app seeded with an
    `app_dir` the request is proxied to the real dyno process the router view picked."""
    m = re.fullmatch(r"/__sandbox/apps/([^/]+)/web(/.*)?", request.url.path)
    status, headers, body = 404, [(b"content-type", b"application/json")], b"{}"
    try:
        view = platform.router_view(m.group(1)) if m else None
    except PlatformError as err:
        view, body = None, json.dumps(err.body()).encode()
    if view is not None and (view["maintenance"] or not view["dynos"]):
        status, headers, body = 503, [(b"content-type", b"text/html")], APP_ERROR_PAGE
    elif view is not None:
        dyno, cookie = _pick(view, request.cookies.get(AFFINITY_COOKIE))
        marker = (b"x-release", f"v{dyno['release']}".encode())
        port = platform.dyno_port(view["app"], dyno["name"], dyno["release"])
        if port is not None:
            status, headers, body = await _proxy(request, port, m.group(2) or "/")
        elif platform.runs_real_dynos(view["app"]):  # its process is gone (crashed): as H10/H13
            status, headers, body = 503, [(b"content-type", b"text/html")], APP_ERROR_PAGE
        else:
            status = 200
            body = json.dumps({"release": dyno["release"], "dyno": dyno["name"]}).encode()
            headers = [(b"content-type", b"application/json")]
        if not any(k == b"x-release" for k, _ in headers):  # a real dyno may say it itself
            headers.append(marker)
        if cookie:
            headers.append((b"set-cookie", f"{AFFINITY_COOKIE}={cookie}; Path=/".encode()))
    headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


_PROXY_CLIENTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # loop -> AsyncClient


def _proxy_client():
    """One AsyncClient per event loop: a new client per request builds an SSL context each
    time, which under load blocks the loop for tens of milliseconds per proxied request."""
    import asyncio

    import httpx

    loop = asyncio.get_running_loop()
    client = _PROXY_CLIENTS.get(loop)
    if client is None:
        client = httpx.AsyncClient(trust_env=False, timeout=30.0)
        _PROXY_CLIENTS[loop] = client
    return client


async def _proxy(request: Request, port: int, path: str) -> tuple[int, list, bytes]:
    """Forward one request to a real dyno on 127.0.0.1:port; a dead dyno is Heroku's 503."""
    import httpx

    query = request.url.query
    url = f"http://127.0.0.1:{port}{path}" + (f"?{query}" if query else "")
    keep = {k: v for k, v in request.headers.items() if k.lower() not in HOP_HEADERS}
    try:
        answer = await _proxy_client().request(
            request.method, url, headers=keep, content=await request.body()
        )
    except httpx.HTTPError:
        return 503, [(b"content-type", b"text/html")], APP_ERROR_PAGE
    out = [
        (k.encode(), v.encode())
        for k, v in answer.headers.items()
        if k.lower() not in HOP_HEADERS and k.lower() != "content-length"
    ]
    return answer.status_code, out, answer.content


HOP_HEADERS = {
    "host",
    "connection",
    "keep-alive",
    "transfer-encoding",
    "content-encoding",
    "upgrade",
}
_ROUND_ROBIN = itertools.count()
AFFINITY_COOKIE = "heroku-session-affinity"


def _pick(view: dict, cookie: str | None) -> tuple[dict, str | None]:
    """The dyno for one request, and the affinity cookie to set (None: keep the client's).

    With http-session-affinity on, a client's cookie names its dyno: while that dyno serves, it
    gets the request; once it no longer does (a deploy moved traffic), the router picks another
    and sets a new cookie (https://devcenter.heroku.com/articles/session-affinity). The cookie's
    value is opaque on Heroku; here it is the dyno id."""
    dynos = view["dynos"]
    if view.get("affinity") and cookie:
        for dyno in dynos:
            if dyno["id"] == cookie:
                return dyno, None
    dyno = dynos[next(_ROUND_ROBIN) % len(dynos)]
    return dyno, dyno["id"] if view.get("affinity") else None


def clock_state(platform: Platform) -> dict:
    now = platform.clock()
    return {"now": round(now, 3), "at": iso(now), "factor": clock_factor(platform.clock)}


def set_clock(platform: Platform, body: object) -> dict:
    """`{"advance": S}` steps sandbox time forward; `{"factor": F}` changes its speed."""
    if not isinstance(body, dict) or not set(body) <= {"advance", "factor"} or not body:
        raise ValueError('Send {"advance": seconds} and/or {"factor": speed}.')
    clock = platform.clock
    if not isinstance(clock, SandboxClock):
        raise ValueError("This sandbox runs on a plain clock; start it with a SandboxClock.")
    for key in ("factor", "advance"):
        value = body.get(key)
        if value is None:
            continue
        if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
            raise ValueError(f"'{key}' must be a number >= 0.")
        if key == "factor":
            clock.factor = value
        else:
            clock.advance(value)
    return clock_state(platform)


def route(
    platform: Platform, method: str, path: str, body, query: dict | None = None
) -> tuple[int, object]:
    query = query or {}
    if path == "/__sandbox/requests":
        if method == "GET":
            return 200, platform.requests.entries()
        if method == "DELETE":
            platform.requests.clear()
            return 200, []
    elif path == "/__sandbox/faults":
        if method == "GET":
            return 200, platform.faults.pending()
        if method == "POST":
            specs = body if isinstance(body, list) else [body]
            try:
                added = [platform.faults.add_dict(spec) for spec in specs]
            except (TypeError, FaultError) as exc:
                raise ValueError(f"Bad fault: {exc}") from exc
            out = [f.to_dict() for f in added]
            return 201, out if isinstance(body, list) else out[0]
        if method == "DELETE":
            platform.faults.clear()
            return 200, []
    elif path == "/__sandbox/seed" and method == "GET":
        return 200, export_seed(platform)
    elif path == "/__sandbox/seed" and method == "POST":
        if not isinstance(body, dict):
            raise SeedError("The seed must be a JSON object (see docs/design.md).")
        apply_seed(platform, body)
        return 200, {"apps": sorted(platform.apps), "tokens": len(platform.authorizations)}
    elif path == "/__sandbox/clock":
        if method == "GET":
            return 200, clock_state(platform)
        if method == "POST":
            return 200, set_clock(platform, body or {})
    elif m := re.fullmatch(r"/__sandbox/apps/([^/]+)/router", path):
        if method == "GET":
            at = query.get("at")
            return 200, platform.router_view(m.group(1), float(at) if at else None)
    elif m := re.fullmatch(r"/__sandbox/apps/([^/]+)/deploy", path):
        if method == "POST":
            return 201, platform.deploy(m.group(1), body or {})
    elif m := re.fullmatch(r"/__sandbox/apps/([^/]+)/cycle", path):
        if method == "POST":
            body = body or {}
            spacing = body.get("spacing", 60)
            if not isinstance(spacing, int | float) or spacing < 0:
                raise ValueError("'spacing' must be a number of seconds >= 0.")
            return 200, platform.cycle(m.group(1), body.get("dyno"), float(spacing))
    elif m := re.fullmatch(r"/__sandbox/apps/([^/]+)/preboot", path):
        if method == "POST":
            seconds = (body or {}).get("seconds", 0)
            if not isinstance(seconds, int | float) or seconds < 0:
                raise ValueError("'seconds' must be a number >= 0.")
            return 200, platform.start_preboot(m.group(1), seconds)
    return 404, {"id": "not_found", "message": f"No sandbox control endpoint {method} {path}."}
