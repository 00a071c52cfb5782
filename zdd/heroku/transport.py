"""HTTP for the Platform API: base URL, headers, retries, rate-limit pacing, deadline and paging.

Retry policy (see ``Idempotency``): a request is repeated only when repeating it cannot do harm.
GET/HEAD and "set to this value" writes (PATCH feature/formation/config-vars with absolute values,
PUT buildpack-installations, DELETE) are retried on 429, 5xx, timeouts and dropped connections:
sending them twice leaves the same state as once. POST (OAuth authorization create) creates a new
object each time, so it is retried only when the connection was never established (nothing sent).
Waits use tenacity's exponential backoff with jitter, bounded by ``max_retries`` and the deadline.
"""

from __future__ import annotations

import enum
import logging
import re
import threading
import time
import unicodedata
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
import tenacity

from zdd import __version__
from zdd.errors import (
    APIConnectionError,
    APITimeout,
    ConfigError,
    DeadlineExceeded,
    InvalidResponse,
    RateLimited,
    ServerError,
    Unauthorized,
    ZddError,
)
from zdd.heroku.responses import decode_json, error_from_response, scrub, server_request_id
from zdd.loopback import is_loopback
from zdd.tls import ssl_context

__all__ = [
    "ACCEPT",
    "DEFAULT_API_URL",
    "Idempotency",
    "Page",
    "RequestStats",
    "Transport",
    "api_base_url",
    "check_token",
    "check_token_transport",
    "netrc_machine",
    "user_agent",
]

log = logging.getLogger("zdd.heroku")

DEFAULT_API_URL = "https://api.heroku.com"
ACCEPT = "application/vnd.heroku+json; version=3"
REFILL_INTERVAL = 60.0 / 75.0
"""Heroku refills the account's budget at ~75 requests/minute (platform-api.md section 3)."""
LOW_WATER = 50
"""Below this many remaining requests, pace requests to the refill rate instead of spending."""
MAX_PAGES = 1000


_HOSTNAME = re.compile(
    r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*"
)


def user_agent() -> str:
    return f"zdd/{__version__} python-httpx/{httpx.__version__}"


def api_base_url(env: Mapping[str, str]) -> str:
    """The API URL from HEROKU_HOST, read the way the Heroku CLI reads it."""
    host = (env.get("HEROKU_HOST") or "").strip()
    if not host:
        return DEFAULT_API_URL
    if host.startswith("http"):
        try:
            parts = urlsplit(host)
            hostname = parts.hostname
        except ValueError:
            hostname = None
        if hostname is None or parts.scheme not in ("http", "https"):
            raise ConfigError(
                f"HEROKU_HOST={host!r} starts with 'http', so it is read as the whole API URL, "
                "but it is not an http(s) URL with a host name.",
                remedy="Set e.g. HEROKU_HOST=https://api.example.com or "
                "HEROKU_HOST=http://127.0.0.1:5000, or a bare host name like heroku.com.",
            )
        try:
            parts.port  # noqa: B018 - raises ValueError on a bad port
        except ValueError:
            raise ConfigError(
                f"HEROKU_HOST={host!r} has an invalid port.",
                remedy="Use a port between 1 and 65535, e.g. HEROKU_HOST=http://127.0.0.1:5000.",
            ) from None
        return host.rstrip("/")
    if not _HOSTNAME.fullmatch(host):
        raise ConfigError(
            f"HEROKU_HOST={host!r} is neither a URL (http://... or https://...) nor a host name.",
            remedy="Set a host name (HEROKU_HOST=heroku.com means https://api.heroku.com) "
            "or a full URL; or unset HEROKU_HOST to use https://api.heroku.com.",
        )
    return f"https://api.{host}"


def netrc_machine(env: Mapping[str, str]) -> str:
    """The netrc machine for the token: ``api.<host>``, or the URL's host name for a URL."""
    host = (env.get("HEROKU_HOST") or "").strip()
    if host.startswith("http"):
        return urlsplit(api_base_url(env)).hostname or ""
    return urlsplit(api_base_url(env)).hostname or "api.heroku.com"


def check_token(token: str, source: str | None = None) -> None:
    """Refuse a token that can't be a header value: CR/LF or other control characters would
    inject headers; non-ASCII ones are usually smart quotes pasted around it. The message names
    the character and its position, never the token."""
    where = f" from {source}" if source and source != "explicit" else ""
    for i, ch in enumerate(token):
        if ch in "\r\n" or unicodedata.category(ch) == "Cc":
            raise ConfigError(
                f"The Heroku API token{where} contains a control character "
                f"(U+{ord(ch):04X} at position {i + 1}); zdd refuses to send it as a header.",
                remedy="Set the token again without line breaks, e.g. "
                "`export HEROKU_API_KEY=$(heroku auth:token)`.",
            )
        if ord(ch) > 126:
            name = unicodedata.name(ch, "a non-ASCII character")
            raise ConfigError(
                f"The Heroku API token{where} contains a non-ASCII character (U+{ord(ch):04X} "
                f"{name} at position {i + 1}); Heroku tokens are plain ASCII.",
                remedy="It was probably pasted with smart quotes: set it again as plain text, "
                "e.g. `export HEROKU_API_KEY=$(heroku auth:token)`.",
            )


def check_token_transport(base_url: str) -> None:
    """Refuse to send a bearer token in clear text anywhere but this machine."""
    try:
        parts = urlsplit(base_url)
        hostname = parts.hostname
    except ValueError as exc:
        raise ConfigError(
            f"The API URL {base_url!r} cannot be parsed ({exc}).",
            remedy="Fix HEROKU_HOST (e.g. https://api.heroku.com or http://127.0.0.1:5000).",
        ) from None
    if parts.username is not None or "\\" in parts.netloc:
        # Parsers disagree on such authorities (curl and urlsplit may pick different hosts),
        # so the buildpack's bash check and this one refuse them alike.
        raise ConfigError(
            f"The API URL {base_url!r} has user info or a backslash in its host part.",
            remedy="Set HEROKU_HOST to a plain URL (e.g. http://127.0.0.1:5000); the token "
            "travels in the Authorization header, never in the URL.",
        )
    if parts.scheme == "https" and hostname:
        return
    if parts.scheme == "http" and hostname and is_loopback(hostname):
        return
    raise ConfigError(
        f"Refusing to send the Heroku API token over {parts.scheme or 'a non-https'} URL "
        f"{base_url}: plain http is allowed only to this machine (localhost, 127.0.0.0/8, ::1), "
        "because anyone on the network path could read and reuse the token.",
        remedy="Use an https:// URL in HEROKU_HOST (or unset it for https://api.heroku.com).",
    )


def unauthorized_remedy(source: str) -> str | None:
    """What to do when the token was refused, by where it came from (as the CLI words it)."""
    if source == "HEROKU_API_KEY":
        fix = "The token in HEROKU_API_KEY is invalid or expired: set a fresh one "
        fix += "(`export HEROKU_API_KEY=$(heroku auth:token)`) or unset it to use your login."
    elif source.startswith("netrc"):
        fix = f"The token from {source} is invalid or expired: run `heroku login` again "
        fix += "(or replace the password of the api.heroku.com entry)."
    elif source == "heroku auth:token":
        fix = "The Heroku CLI's token is invalid or expired: run `heroku login` again."
    else:  # a token passed in code: the general advice (Unauthorized.default_remedy) fits
        return None
    return fix + " `heroku authorizations:create` makes a long-lived token."


class Idempotency(enum.Enum):
    """How safe a request is to send again after a failure (see the module docstring)."""

    SAFE = "safe"  # GET/HEAD: no effect
    IDEMPOTENT = "idempotent"  # absolute-value PATCH, PUT, DELETE: same state however often
    NON_IDEMPOTENT = "non_idempotent"  # POST: creates something each time

    @classmethod
    def for_method(cls, method: str) -> Idempotency:
        """The HTTP default; callers mark PATCHes with absolute bodies IDEMPOTENT explicitly."""
        method = method.upper()
        if method in ("GET", "HEAD", "OPTIONS"):
            return cls.SAFE
        if method in ("PUT", "DELETE"):
            return cls.IDEMPOTENT
        return cls.NON_IDEMPOTENT


_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


@dataclass(frozen=True)
class RequestStats:
    """Counts since the client was made: HTTP attempts, of which writes (non-GET), and retries."""

    requests: int = 0
    writes: int = 0
    retries: int = 0
    throttle_waits: int = 0
    #: Write attempts whose outcome is unknown (no answer after sending, or a 5xx): such a
    #: write may have taken effect.
    uncertain_writes: int = 0

    def to_dict(self) -> dict[str, int]:
        return {
            "requests": self.requests,
            "writes": self.writes,
            "retries": self.retries,
            "throttle_waits": self.throttle_waits,
            "uncertain_writes": self.uncertain_writes,
        }


@dataclass(frozen=True)
class Page:
    """One decoded response: status, body and the headers paging needs."""

    status: int
    body: Any
    headers: Mapping[str, str]


class _Retryable(Exception):
    """Internal: a failed attempt that may be retried; ``error`` is what the caller would see."""

    def __init__(self, error: ZddError, *, sent: bool, refused: bool = False) -> None:
        super().__init__(error.message)
        self.error = error
        self.sent = sent
        self.refused = refused  # the connection couldn't be made: every request will see it


class _Outage:
    """A request retrying a refused connection; concurrent ones wait for it instead of retrying."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.failed = False


class Transport:
    """Sends Platform API requests; thread-safe (one httpx.Client, counters under a lock)."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        http: httpx.Client | None = None,
        deadline: float | None = None,
        max_retries: int = 4,
        backoff_initial: float = 0.5,
        backoff_max: float = 8.0,
        backoff_jitter: float = 0.5,
        timeout: float = 30.0,
        low_water: int = LOW_WATER,
        refill_interval: float = REFILL_INTERVAL,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        token_source: str | None = None,
    ) -> None:
        if not token:
            raise ConfigError(
                "No Heroku API token given.", remedy="Pass a token or use from_env()."
            )
        check_token(token, token_source)
        check_token_transport(base_url)
        self.base_url = base_url.rstrip("/")
        self._token = token
        self.token_source = token_source
        self._owns_http = http is None
        # Loopback never goes through a proxy: HTTP_PROXY/ALL_PROXY would otherwise receive
        # every request, bearer token included, in plain http (trust_env=False ignores them).
        self._http = http or httpx.Client(
            verify=ssl_context(),
            timeout=timeout,
            follow_redirects=False,
            trust_env=not is_loopback(urlsplit(base_url).hostname),
        )
        self.timeout = timeout
        self.max_retries = max_retries
        # initial * 2**(n-1), capped, plus up to `jitter` seconds so clients don't retry in step
        self._wait = tenacity.wait_exponential(
            multiplier=backoff_initial, max=backoff_max
        ) + tenacity.wait_random(0, backoff_jitter)
        self.low_water = low_water
        self.refill_interval = refill_interval
        self._sleep = sleep
        self._clock = clock
        self._deadline_at = None if deadline is None else clock() + deadline
        self._deadline_seconds = deadline
        self._lock = threading.Lock()
        self._outage_lock = threading.Lock()
        self._outage: _Outage | None = None
        self._stats = RequestStats()
        self._remaining: int | None = None
        self._next_slot = 0.0

    def __repr__(self) -> str:
        return f"Transport(base_url={self.base_url!r}, token='[redacted]')"

    # -- bookkeeping -------------------------------------------------------------------------

    @property
    def stats(self) -> RequestStats:
        with self._lock:
            return self._stats

    @property
    def rate_limit_remaining(self) -> int | None:
        """The last ``RateLimit-Remaining`` header seen (None before the first response)."""
        with self._lock:
            return self._remaining

    def _count(self, **delta: int) -> None:
        with self._lock:
            s = self._stats
            self._stats = RequestStats(**{k: getattr(s, k) + delta.get(k, 0) for k in s.to_dict()})

    def restart_deadline(self, seconds: float | None) -> None:
        """Start a new total time budget (a long-lived client serving several commands)."""
        self._deadline_seconds = seconds
        self._deadline_at = None if seconds is None else self._clock() + seconds

    def time_left(self) -> float | None:
        return None if self._deadline_at is None else self._deadline_at - self._clock()

    def _spend(self, seconds: float, why: str, cause: BaseException | None = None) -> None:
        """Sleep ``seconds`` unless that would pass the deadline; then raise DeadlineExceeded."""
        left = self.time_left()
        if left is not None and seconds >= left:
            raise DeadlineExceeded(
                f"The command's {self._deadline_seconds:g}s deadline would pass while {why} "
                f"({seconds:.1f}s needed, {max(left, 0):.1f}s left)."
                + (f" Last error: {cause}" if cause else "")
            ) from cause
        if seconds > 0:
            self._sleep(seconds)

    def _note_rate_limit(self, headers: Mapping[str, str], *, limited: bool = False) -> None:
        """Remember the budget; a 429 without the header means it is empty."""
        value = headers.get("ratelimit-remaining")
        try:
            remaining = int(value) if value is not None else None
        except ValueError:
            remaining = None
        if remaining is None:
            if not limited:
                return
            remaining = 0
        with self._lock:
            self._remaining = remaining

    def _pace(self) -> None:
        """Below ``low_water``, space requests one refill interval apart (shared by all threads)."""
        with self._lock:
            remaining = self._remaining
            now = self._clock()
            pacing = remaining is not None and remaining < self.low_water
            slot = max(now, self._next_slot) if pacing else now
            if pacing and remaining is not None and remaining <= 0:
                slot += self.refill_interval  # nothing left: wait for a token to come back
            self._next_slot = slot + self.refill_interval
            delay = slot - now
        if delay > 0:
            log.info(
                "Heroku API budget low (%d requests left): waiting %.1fs before the next request",
                remaining,
                delay,
            )
            self._count(throttle_waits=1)
            self._spend(delay, "waiting for the API rate limit budget to refill")

    # -- one attempt ---------------------------------------------------------------------------

    def _attempt(
        self,
        method: str,
        path: str,
        *,
        json: Any,
        headers: Mapping[str, str] | None,
        idem: Idempotency,
    ) -> Page:
        self._pace()
        left = self.time_left()
        if left is not None and left <= 0:
            raise DeadlineExceeded(
                f"The command's {self._deadline_seconds:g}s deadline passed before {method} {path}."
            )
        timeout = self.timeout if left is None else max(0.001, min(self.timeout, left))
        request_id = str(uuid.uuid4())
        send_headers = {
            "Accept": ACCEPT,
            "User-Agent": user_agent(),
            "Request-Id": request_id,
            "Authorization": f"Bearer {self._token}",
            **(headers or {}),
        }
        self._count(requests=1, writes=0 if idem is Idempotency.SAFE else 1)
        started = self._clock()
        try:
            response = self._http.request(
                method,
                self.base_url + path,
                json=json,
                headers=send_headers,
                timeout=timeout,
            )
        except httpx.TimeoutException as exc:
            if idem is not Idempotency.SAFE and not isinstance(exc, _NOT_SENT):
                self._count(uncertain_writes=1)
            err = APITimeout(
                f"{method} {path}: no answer from {self.base_url} in time "
                f"({type(exc).__name__}, Request-Id {request_id} sent).",
                method=method,
                path=path,
                request_id=request_id,
            )
            raise _Retryable(err, sent=not isinstance(exc, _NOT_SENT)) from exc
        except httpx.TransportError as exc:
            if idem is not Idempotency.SAFE and not isinstance(exc, _NOT_SENT):
                self._count(uncertain_writes=1)
            err = APIConnectionError(
                f"{method} {path}: connection to {self.base_url} failed "
                f"({type(exc).__name__}: {scrub(str(exc), self._token) or 'no detail'}; "
                f"Request-Id {request_id} sent).",
                method=method,
                path=path,
                request_id=request_id,
            )
            raise _Retryable(
                err,
                sent=not isinstance(exc, _NOT_SENT),
                refused=isinstance(exc, httpx.ConnectError),
            ) from exc
        headers_in = response.headers
        self._note_rate_limit(headers_in, limited=response.status_code == 429)
        for name in ("x-heroku-warning", "warning-message"):
            if name in headers_in:
                log.warning("Heroku API warning on %s %s: %s", method, path, headers_in[name])
        log.debug(
            "%s %s -> %d in %.2fs (Request-Id %s)",
            method,
            path,
            response.status_code,
            self._clock() - started,
            server_request_id(headers_in) or request_id,
        )
        if response.status_code >= 500 and idem is not Idempotency.SAFE:
            self._count(uncertain_writes=1)
        if response.status_code >= 400:
            error = error_from_response(
                response.status_code,
                headers_in,
                response.content,
                method=method,
                path=path,
                token=self._token,
                sent_request_id=request_id,
            )
            if isinstance(error, (RateLimited, ServerError)):
                raise _Retryable(error, sent=True)
            if isinstance(error, Unauthorized):
                error.remedy = unauthorized_remedy(self.token_source or "") or error.remedy
            raise error
        body = decode_json(
            response.status_code,
            headers_in,
            response.content,
            method=method,
            path=path,
            token=self._token,
            sent_request_id=request_id,
        )
        return Page(response.status_code, body, headers_in)

    # -- retries ------------------------------------------------------------------------------

    @staticmethod
    def _should_retry(exc: BaseException, idem: Idempotency) -> bool:
        if not isinstance(exc, _Retryable):
            return False
        if idem is Idempotency.NON_IDEMPOTENT:
            return not exc.sent
        return True

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        idempotency: Idempotency | None = None,
    ) -> Page:
        """Send one API request with retries; return the decoded page or raise a zdd error."""
        method = method.upper()
        idem = idempotency or Idempotency.for_method(method)
        max_attempts = self.max_retries + 1
        lead: _Outage | None = None  # set when this request retries a refused connection
        gave_way = False  # stopped because another request's retries of it ran out

        def stop(state: tenacity.RetryCallState) -> bool:
            nonlocal lead, gave_way
            if state.attempt_number >= max_attempts:
                return True
            left = self.time_left()
            if left is not None and (state.upcoming_sleep or 0) >= left:
                return True
            exc = state.outcome.exception() if state.outcome else None
            if lead is None and isinstance(exc, _Retryable) and exc.refused:
                with self._outage_lock:
                    other = self._outage
                    if other is None:
                        lead = self._outage = _Outage()
                if lead is None and other is not None:
                    other.done.wait(left)
                    gave_way = other.failed
                    return gave_way
            return False

        def give_up(state: tenacity.RetryCallState) -> Any:
            exc = state.outcome.exception() if state.outcome else None
            assert isinstance(exc, _Retryable)
            left = self.time_left()
            if gave_way:
                raise exc.error from exc.__cause__
            if state.attempt_number < max_attempts and left is not None:
                raise DeadlineExceeded(
                    f"The command's {self._deadline_seconds:g}s deadline leaves no time to retry "
                    f"{method} {path} (attempt {state.attempt_number}). "
                    f"Last error: {exc.error.message}"
                ) from exc.error
            if state.attempt_number > 1:
                exc.error.message += f" (gave up after {state.attempt_number} attempts)"
                exc.error.args = (exc.error.message,)
            raise exc.error from exc.__cause__

        def before_sleep(state: tenacity.RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome else None
            self._count(retries=1)
            log.warning(
                "Will retry %s %s in %.1fs (attempt %d of %d) because: %s",
                method,
                path,
                state.upcoming_sleep,
                state.attempt_number + 1,
                max_attempts,
                exc.error.message if isinstance(exc, _Retryable) else exc,
            )

        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception(lambda e: self._should_retry(e, idem)),
            stop=stop,
            wait=self._wait,
            sleep=self._sleep,
            before_sleep=before_sleep,
            retry_error_callback=give_up,
            reraise=True,
        )
        attempts = 0

        def attempt() -> Page:
            nonlocal attempts
            attempts += 1
            return self._attempt(method, path, json=json, headers=headers, idem=idem)

        failed = True
        try:
            page, failed = retrying(attempt), False
            return page
        except _Retryable as exc:  # not retryable for this method (e.g. POST after sending)
            exc.error.attempts = attempts
            raise exc.error from exc.__cause__
        except ZddError as exc:
            exc.attempts = attempts
            raise
        finally:
            if lead is not None:
                with self._outage_lock:
                    if self._outage is lead:
                        self._outage = None
                lead.failed = failed
                lead.done.set()

    # -- paging -------------------------------------------------------------------------------

    def request_all(
        self, path: str, *, range_header: str | None = None, limit: int | None = None
    ) -> list[Any]:
        """GET a list, following ``Next-Range`` while the server answers 206 (Heroku paging)."""
        items: list[Any] = []
        seen: set[str] = set()
        rng = range_header
        for _ in range(MAX_PAGES):
            page = self.request("GET", path, headers={"Range": rng} if rng else None)
            if not isinstance(page.body, list):
                raise InvalidResponse(
                    f"GET {path}: expected a JSON list, got {type(page.body).__name__} "
                    f"(Request-Id {server_request_id(page.headers)}).",
                    status=page.status,
                    method="GET",
                    path=path,
                )
            items.extend(page.body)
            if limit is not None and len(items) >= limit:
                return items[:limit]
            next_range = page.headers.get("next-range")
            if page.status != 206 or not next_range:
                return items
            if next_range in seen:
                raise InvalidResponse(
                    f"GET {path}: the server sent the same Next-Range twice ({next_range!r}).",
                    status=page.status,
                    method="GET",
                    path=path,
                )
            seen.add(next_range)
            rng = next_range
        raise InvalidResponse(f"GET {path}: more than {MAX_PAGES} pages; stopped.", path=path)

    def close(self) -> None:
        if self._owns_http:
            self._http.close()
