"""HTTP face of the sandbox: create_app(platform) -> ASGI app.

Parses requests, calls Platform methods, maps PlatformError ids to statuses through ERROR_STATUS
(the only place statuses are decided; state.py and rules.py raise ids), and
adds the protocol around every answer (platform-api.md §1-§4): the v3 Accept check, Bearer/Basic
auth, OAuth scopes, the rate-limit bucket, Request-Id chaining, ETag/If-None-Match/If-Match,
Range pagination, and the response headers real api.heroku.com sends. Faults from
`platform.faults` are applied here, as they are about the wire. `/__sandbox/` is the control API.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import logging
import re
import time
import uuid
from email.utils import formatdate

from starlette.requests import Request
from starlette.responses import Response

from . import registry
from .catalog import ACCEPTED_SCOPES
from .control import (
    BUILDPACK_PATH,
    handle_control,
    serve_app_web,
    serve_buildpack,
    stream_release_output,
)
from .ranges import RangeError, paginate, parse_range
from .routes import ROUTES, Route
from .rules import RATE_LIMIT_MESSAGE, RATE_LIMIT_URL, PlatformError
from .state import Platform

log = logging.getLogger("zdd.sandbox")

# Heroku's error id -> HTTP status (platform-api.md §2). Every id the sandbox raises is here; each
# id has one status, so no error carries its own, except injected faults (InjectedFault), whose
# status is whatever the test asked for.
ERROR_STATUS = {
    "bad_request": 400,
    "unauthorized": 401,
    "delinquent": 402,
    "forbidden": 403,
    "suspended": 403,
    "not_found": 404,
    "not_acceptable": 406,
    "conflict": 409,
    "gone": 410,
    "precondition_failed": 412,
    "requested_range_not_satisfiable": 416,
    "invalid_params": 422,
    "verification_needed": 422,
    "rate_limit": 429,
    "internal_server_error": 500,
    "service_unavailable": 503,
}

UNKNOWN_ENDPOINT = (
    "The requested API endpoint was not found. Are you using the right HTTP verb (i.e. `GET` vs. "
    "`POST`), and did you specify your intended version with the `Accept` header?"
)
NOT_ACCEPTABLE = (
    "Please specify a version along with Heroku's API MIME type. For example, "
    "`Accept: application/vnd.heroku+json; version=3`."
)
WRITE_METHODS = ("POST", "PATCH", "PUT", "DELETE")
_ACCEPT_V3 = re.compile(r"application/vnd\.heroku\+json\s*;\s*version=3(\.[\w-]+)?\b")


class Answer:
    """What the protocol layer will send: status, JSON payload (or raw bytes), extra headers."""

    def __init__(self, status: int, payload=None, headers: dict | None = None, raw: bytes = b""):
        self.status, self.payload, self.headers = status, payload, dict(headers or {})
        self.raw = raw if payload is None else json.dumps(payload).encode()
        self.authorization: str | None = None  # id of the authorization that authenticated it


class InjectedFault(PlatformError):
    """A `status` fault: the one error whose status is not decided by its id (a 502 fault says
    internal_server_error like a 500 does, as Heroku documents no id for 502/504)."""

    def __init__(self, id: str, message: str, status: int) -> None:
        super().__init__(id, message)
        self.status = status


def error_answer(err: PlatformError) -> Answer:
    status = err.status if isinstance(err, InjectedFault) else ERROR_STATUS.get(err.id, 500)
    return Answer(status, err.body())


def bearer_token(header: str | None) -> str | None:
    """Bearer <token>, or Basic base64(<anything>:<token>) as `curl -n` and netrc send."""
    if not header:
        return None
    kind, _, value = header.strip().partition(" ")
    if kind.lower() == "bearer":
        return value.strip() or None
    if kind.lower() == "basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode()
        except ValueError:
            return None
        user, _, password = decoded.partition(":")
        return password or user or None
    return None


def chain_request_id(client_ids: str | None) -> str:
    """Server id first, then the client's ids (platform-api.md §1.2)."""
    ids = [str(uuid.uuid4())]
    for part in (client_ids or "").split(","):
        part = part.strip()
        if re.fullmatch(r"[\w.-]{1,200}", part):
            ids.append(part)
    return ",".join(ids)


def etag_of(raw: bytes) -> str:
    return '"' + hashlib.md5(raw, usedforsecurity=False).hexdigest() + '"'


class SandboxApp:
    """The ASGI callable; one per Platform."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        if re.fullmatch(r"/__sandbox/apps/[^/]+/web(/.*)?", scope["path"]):
            await serve_app_web(self.platform, request, send)
            return
        if scope["path"] == BUILDPACK_PATH and request.method in ("GET", "HEAD"):
            await serve_buildpack(request.method, send)
            return
        if scope["path"].startswith("/__sandbox/streams/"):
            await stream_release_output(self.platform, scope["path"], send)
            return
        if scope["path"].startswith("/buildpacks/") and request.method == "GET":
            status, payload = registry.lookup(scope["path"].removeprefix("/buildpacks/"))
            await Response(json.dumps(payload), status, media_type="application/json")(
                scope, receive, send
            )
            return
        if scope["path"].startswith("/__sandbox/") or scope["path"] == "/__sandbox":
            try:
                status, payload = await handle_control(self.platform, request)
            except PlatformError as err:
                answer = error_answer(err)
                status, payload = answer.status, answer.payload
            await Response(json.dumps(payload), status, media_type="application/json")(
                scope, receive, send
            )
            return
        await self.serve_api(request, scope, receive, send)

    async def serve_api(self, request: Request, scope, receive, send) -> None:
        started = time.perf_counter()
        method = request.method.upper()
        override = request.headers.get("x-http-method-override")
        if method == "POST" and override:
            method = override.upper()
        path = request.url.path
        faults = {f.kind: f for f in self.platform.faults.take(method, path)}
        if "latency" in faults:
            await asyncio.sleep(faults["latency"].seconds)
        if "drop" in faults:
            self.platform.requests.record(method, path, 0)
            await drop_connection(send)
            return
        answer, oauth_scope, accepted = await self.answer(request, method, path, faults)
        if "drop_after" in faults:  # the write took effect; its answer is lost
            self.platform.requests.record(method, path, 0)
            await drop_connection(send)
            return
        headers = self.protocol_headers(request, answer, oauth_scope, accepted, started)
        self.platform.requests.record(method, path, answer.status, answer.authorization)
        if "slow_body" in faults and answer.raw:
            await slow_send(send, answer, headers, faults["slow_body"])
            return
        await Response(answer.raw, answer.status, headers=headers)(scope, receive, send)

    async def answer(self, request: Request, method: str, path: str, faults: dict):
        """Run the protocol checks and the handler; returns (answer, token scope, accepted)."""
        oauth_scope, accepted, auth = None, None, None
        try:
            if "rate_limit" in faults:
                raise PlatformError("rate_limit", RATE_LIMIT_MESSAGE, url=RATE_LIMIT_URL)
            if "status" in faults:
                raise injected_error(faults["status"].status)
            if not _ACCEPT_V3.search(request.headers.get("accept", "")):
                raise PlatformError("not_acceptable", NOT_ACCEPTABLE)
            auth = self.platform.authenticate(bearer_token(request.headers.get("authorization")))
            oauth_scope = " ".join(auth.scope)
            try:
                route, params = match_route(method, path)
            except PlatformError:
                self.platform.rate_limit_consume()  # a call to a wrong URL still costs a token
                raise
            query = request.query_params
            params.update({k: query[k] for k in route.query if k in query})
            accepted = " ".join(ACCEPTED_SCOPES[route.scope])
            if not route.free:
                self.platform.rate_limit_consume()
            self.platform.authorize(auth, route.scope)
            body = await read_json(request) if method in ("POST", "PATCH", "PUT") else None
            if method in WRITE_METHODS and request.headers.get("if-match"):
                self.check_if_match(path, request.headers["if-match"])
            payload = route.handler(self.platform, params, body)
            answer = Answer(route.status, payload)
            if route.ranges and method == "GET":
                answer = self.page(answer, route, request.headers.get("range"))
        except PlatformError as err:
            answer = error_answer(err)
        except Exception as exc:  # a sandbox bug: say so in JSON, and log it (uvicorn is quiet)
            log.exception("sandbox error on %s %s", method, path)
            answer = error_answer(PlatformError("internal_server_error", f"Sandbox bug: {exc!r}"))
        answer.authorization = auth.id if auth is not None else None
        return answer, oauth_scope, accepted

    def page(self, answer: Answer, route: Route, header: str | None) -> Answer:
        try:
            spec = parse_range(header, route.ranges)
            items = answer.payload
            tie = "id" if all("id" in it for it in items) else None  # buildpacks have no id
            first = route.ranges[0]
            page = paginate(
                items, spec, lambda item, field: item.get(field, item.get(first)), tiebreak=tie
            )
        except RangeError as exc:
            raise PlatformError("requested_range_not_satisfiable", str(exc)) from exc
        headers = {"Accept-Ranges": ", ".join(route.ranges)}
        if page.content_range:
            headers["Content-Range"] = page.content_range
        if page.next_range:
            headers["Next-Range"] = page.next_range
        return Answer(page.status, page.items, headers)

    def check_if_match(self, path: str, if_match: str) -> None:
        """412 when the resource's current ETag differs (platform-api.md §1.3)."""
        try:
            route, params = match_route("GET", path)
            current = etag_of(Answer(200, route.handler(self.platform, params, None)).raw)
        except PlatformError:
            return
        wanted = [t.strip() for t in if_match.split(",")]
        if "*" not in wanted and current not in wanted:
            raise PlatformError(
                "precondition_failed",
                "The resource has changed since you read it (If-Match does not match its ETag).",
            )

    def protocol_headers(self, request, answer, oauth_scope, accepted, started) -> dict:
        """The headers real responses carry (platform-api.md §1.1)."""
        now = time.time()
        headers = {
            "Cache-Control": "private, no-cache",
            "Content-Type": "application/json",
            "Ratelimit-Multiplier": "1",
            "Ratelimit-Remaining": str(self.platform.rate_limit_info()["remaining"]),
            "Request-Id": chain_request_id(request.headers.get("request-id")),
            "Vary": "Authorization,Accept-Encoding",
            "X-Content-Type-Options": "nosniff",
        }
        if oauth_scope:
            headers["Oauth-Scope"] = oauth_scope
        if accepted:
            headers["Oauth-Scope-Accepted"] = accepted
        headers.update(answer.headers)
        if request.method == "GET" and answer.status in (200, 206):
            tag = etag_of(answer.raw)
            headers["ETag"] = tag
            headers["Last-Modified"] = formatdate(now, usegmt=True)
            if if_none_match_hits(request.headers.get("if-none-match"), tag):
                answer.status, answer.raw = 304, b""
                headers.pop("Content-Type")
        headers["X-Runtime"] = f"{time.perf_counter() - started:.4f}"
        return headers


def if_none_match_hits(header: str | None, tag: str) -> bool:
    """RFC 9110 §13.1.2: If-None-Match uses the weak comparison, so `W/"x"` matches `"x"`."""
    if not header:
        return False
    wanted = [t.strip().removeprefix("W/") for t in header.split(",")]
    return "*" in wanted or tag.removeprefix("W/") in wanted


def injected_error(status: int) -> InjectedFault:
    ids = {v: k for k, v in reversed(ERROR_STATUS.items())}
    err_id = ids.get(status, "internal_server_error" if status >= 500 else "bad_request")
    return InjectedFault(err_id, f"Injected fault: HTTP {status} from the sandbox.", status)


def match_route(method: str, path: str) -> tuple[Route, dict]:
    """The route for a request; a wrong verb is 404 like an unknown path, as on Heroku."""
    for route in ROUTES:
        m = route.pattern.fullmatch(path)
        if m and route.method == method:
            return route, m.groupdict()
    raise PlatformError("not_found", UNKNOWN_ENDPOINT)


async def read_json(request: Request):
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except ValueError as exc:
        message = "Request invalid, validate usage and try again."
        raise PlatformError("bad_request", message) from exc


async def drop_connection(send) -> None:
    """Close the socket without a response, as a dying router would.

    uvicorn hands us its RequestResponseCycle.send; its transport is the only way to close the
    socket from an ASGI app. Marking the cycle disconnected stops uvicorn answering 500 instead.
    """
    cycle = getattr(send, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is None:  # not under uvicorn (e.g. TestClient): nearest thing is an error
        raise ConnectionAbortedError("sandbox fault: connection dropped")
    transport.abort()
    cycle.disconnected = True
    await asyncio.sleep(0)


async def slow_send(send, answer: Answer, headers: dict, fault) -> None:
    """Trickle the body out in `fault.chunks` pieces over `fault.seconds`."""
    raw_headers = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    raw_headers.append((b"content-length", str(len(answer.raw)).encode()))
    await send({"type": "http.response.start", "status": answer.status, "headers": raw_headers})
    n = max(1, min(fault.chunks, len(answer.raw)))
    step = -(-len(answer.raw) // n)
    for i in range(0, len(answer.raw), step):
        await asyncio.sleep(fault.seconds / n)
        last = i + step >= len(answer.raw)
        chunk = answer.raw[i : i + step]
        await send({"type": "http.response.body", "body": chunk, "more_body": not last})


def create_app(platform: Platform) -> SandboxApp:
    """The ASGI app serving `platform` (use with uvicorn or starlette's TestClient)."""
    return SandboxApp(platform)
