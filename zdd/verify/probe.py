"""The request loop: a steady, bounded stream of GETs to one URL, recorded as Samples.

Open loop: requests go out on a fixed schedule (one per 1/rate s) from a small thread pool, so one
slow answer does not delay the next request. It never bursts to catch up: a slot that cannot be
used (loop late, or too many requests still waiting) is skipped and counted. It stops by itself:
at the caller's stop rule, at max_requests, or at max_duration_s, whichever comes first.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass

import httpx

from zdd import __version__
from zdd.verify.options import VerifyOptions
from zdd.verify.samples import AFFINITY_COOKIE, Sample, from_response

BODY_LIMIT = 65536  # bytes read per answer: enough for a marker or a router error page
POLL_S = 0.05  # how often the idle loop re-checks the stop rule


@dataclass(frozen=True)
class ProbeResult:
    samples: list[Sample]
    skipped_slots: int
    elapsed_s: float
    stopped_because: str


def make_http_client(options: VerifyOptions) -> httpx.Client:
    """Cookie jar on; no redirects, no proxies from the environment: only the URL is contacted."""
    return httpx.Client(
        timeout=options.timeout_s,
        follow_redirects=False,
        trust_env=False,
        headers={"User-Agent": f"zdd-verify/{__version__}", "Cache-Control": "no-cache"},
        limits=httpx.Limits(max_connections=options.max_in_flight),
    )


def _cookie(client: httpx.Client, name: str) -> str | None:
    """The jar's value for `name` (Cookies.get raises when two domains hold one)."""
    for cookie in list(client.cookies.jar):
        if cookie.name == name:
            return cookie.value
    return None


class Probe:
    """Sends the requests and records them; never prints. Clock and HTTP client are injected."""

    def __init__(
        self,
        options: VerifyOptions,
        *,
        http: httpx.Client | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.options = options
        self.http = http or make_http_client(options)
        self.clock = clock
        self.sleep = sleep
        self._t0 = 0.0
        self._samples: list[Sample] = []
        self._lock = threading.Lock()

    def run(
        self,
        should_stop: Callable[[float], str | None],
        on_start: Callable[[float], None] | None = None,
    ) -> ProbeResult:
        """Run until should_stop(seconds since start) returns a reason, or a cap is reached."""
        opts = self.options
        interval = 1.0 / opts.rate
        self._t0 = self.clock()
        if on_start:
            on_start(self._t0)
        pending: set[Future] = set()
        next_slot = 0.0
        seq = 0
        skipped = 0
        reason = "interrupted"
        pool = ThreadPoolExecutor(max_workers=opts.max_in_flight, thread_name_prefix="zdd-probe")
        try:
            while True:
                now = self.clock() - self._t0
                reason = (
                    should_stop(now)
                    or ("max_requests" if seq >= opts.max_requests else None)
                    or ("max_duration" if now >= opts.max_duration_s else None)
                )
                if reason:
                    break
                if now < next_slot:
                    self.sleep(min(next_slot - now, POLL_S))
                    continue
                late = int((now - next_slot) / interval)
                if late:  # the loop itself fell behind: drop those slots, never burst
                    skipped += late
                    next_slot += late * interval
                pending = {f for f in pending if not f.done()}
                if len(pending) >= opts.max_in_flight:
                    skipped += 1
                else:
                    pending.add(pool.submit(self._one, seq))
                    seq += 1
                next_slot += interval
        except KeyboardInterrupt:
            reason = "interrupted"
        finally:
            elapsed = self.clock() - self._t0  # the loop's length, not the drain's
            wait(pending, timeout=opts.timeout_s + 5)
            pool.shutdown(wait=False, cancel_futures=True)
        with self._lock:
            samples = sorted(self._samples, key=lambda s: s.seq)
        return ProbeResult(samples, skipped, elapsed, reason)

    def _one(self, seq: int) -> None:
        sent_cookie = _cookie(self.http, AFFINITY_COOKIE)
        start = self.clock()
        sent_s = start - self._t0
        try:
            with self.http.stream("GET", self.options.url) as response:
                body = b""
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) >= BODY_LIMIT:
                        break
                latency = self.clock() - start
                headers = {k.lower(): v for k, v in response.headers.items()}
                sample = from_response(
                    seq,
                    sent_s,
                    latency,
                    response.status_code,
                    headers,
                    body[:BODY_LIMIT],
                    marker=self.options.marker,
                    affinity_sent=sent_cookie,
                    affinity_set=next(
                        (c.value for c in response.cookies.jar if c.name == AFFINITY_COOKIE), None
                    ),
                )
        except httpx.TimeoutException as exc:
            sample = self._error(seq, sent_s, start, "timeout", exc, sent_cookie)
        except httpx.ConnectError as exc:
            sample = self._error(seq, sent_s, start, "connect", exc, sent_cookie)
        except httpx.HTTPError as exc:  # dropped or malformed answer: the app closed the socket
            sample = self._error(seq, sent_s, start, "closed", exc, sent_cookie)
        with self._lock:
            self._samples.append(sample)

    def _error(
        self, seq: int, sent_s: float, start: float, kind: str, exc: Exception, cookie: str | None
    ) -> Sample:
        detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        return Sample(
            seq=seq,
            sent_s=sent_s,
            latency_s=self.clock() - start,
            error=kind,
            detail=detail[:200],
            affinity_sent=cookie,
        )
