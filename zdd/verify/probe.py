"""The request loop: a steady, bounded stream of GETs to one URL, recorded as Samples.

Open loop: requests go out on a fixed schedule (one per 1/rate s) from a small thread pool, so one
slow answer does not delay the next request. It never bursts to catch up: a slot that cannot be
used is skipped and counted by cause: the loop itself fell behind its schedule (`skipped_late`:
this machine was busy), or --max-in-flight requests were still waiting for answers
(`skipped_busy`: the app was slow). It stops by itself:
at the caller's stop rule, at max_requests, or at max_duration_s, whichever comes first.

`--timeout` bounds each request as a whole (httpx's timeouts only bound each read): an answer that
takes longer, or a body still trickling in, counts as a timeout. When the loop stops, the requests
still out get until their timeout (never past max_duration_s) to answer; any still unanswered then
are recorded as timeouts, so every request sent is in the report.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass

import httpx

from zdd import __version__
from zdd.tls import ssl_context
from zdd.verify.options import VerifyOptions
from zdd.verify.progress import Live
from zdd.verify.samples import AFFINITY_COOKIE, Sample, from_response

BODY_LIMIT = 65536  # bytes read per answer: enough for a marker or a router error page
POLL_S = 0.05  # how often the idle loop re-checks the stop rule
DRAIN_SLACK_S = 0.25  # lets a request failing right at its timeout record itself before the end


@dataclass(frozen=True)
class ProbeRequest:
    """What one slot sends when a caller mixes traffic (zdd rehearse): GETs, POSTs, long ones."""

    method: str = "GET"
    url: str | None = None  # None: options.url
    content: bytes | None = None


@dataclass(frozen=True)
class ProbeResult:
    samples: list[Sample]
    skipped_busy: int  # slots dropped: --max-in-flight requests were still waiting
    elapsed_s: float
    stopped_because: str
    skipped_late: int = 0  # slots dropped: the send loop itself fell behind its schedule

    @property
    def skipped_slots(self) -> int:
        return self.skipped_busy + self.skipped_late


def make_http_client(options: VerifyOptions) -> httpx.Client:
    """Cookie jar on; no redirects, no proxies from the environment: only the URL is contacted."""
    return httpx.Client(
        verify=ssl_context(),
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
        requests: Callable[[int], ProbeRequest] | None = None,
    ) -> None:
        self.options = options
        self.requests = requests  # seq -> what to send; None: a GET of options.url
        self.http = http or make_http_client(options)
        self.clock = clock
        self.sleep = sleep
        self._t0 = 0.0
        self._samples: list[Sample] = []
        self._inflight: dict[int, float] = {}  # seq -> clock time it was sent
        self._closed = False
        self._lock = threading.Lock()
        self._sent = 0  # live counters for the progress line (progress.py)
        self._failed = 0
        self._marker: str | None = None

    def answered(self) -> list[Sample]:
        """The samples recorded so far (answer order): what zdd deploy judges while it runs."""
        with self._lock:
            return list(self._samples)

    def live(self) -> Live:
        """Seconds since the start, requests sent, failed so far, the latest answer's marker."""
        with self._lock:
            return Live(self.clock() - self._t0, self._sent, self._failed, self._marker)

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
        busy = late_total = 0
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
                    late_total += late
                    next_slot += late * interval
                pending = {f for f in pending if not f.done()}
                if len(pending) >= opts.max_in_flight:
                    busy += 1
                else:
                    pending.add(pool.submit(self._one, seq))
                    seq += 1
                    self._sent = seq
                next_slot += interval
        except KeyboardInterrupt:
            reason = "interrupted"
        finally:
            end = self.clock()
            elapsed = end - self._t0  # the loop's length, not the drain's
            cut_by = "--max-duration ran out"
            try:
                wait(pending, timeout=max(0.0, self.drain_until(end) - self.clock()))
            except KeyboardInterrupt:  # Ctrl-C while waiting for the last answers: report anyway
                reason, cut_by = "interrupted", "zdd was interrupted"
            pool.shutdown(wait=False, cancel_futures=True)
            samples = self._close(cut_by)
        return ProbeResult(samples, busy, elapsed, reason, skipped_late=late_total)

    def drain_until(self, end: float) -> float:
        """Clock time the final drain may last to: each request's timeout, within max_duration."""
        opts = self.options
        return min(end + opts.timeout_s, self._t0 + opts.max_duration_s) + DRAIN_SLACK_S

    def _close(self, cut_by: str) -> list[Sample]:
        """Stop recording; the requests still out become timeouts (`cut_by`: why the wait for
        those younger than the timeout ended). All samples, in send order."""
        now = self.clock()
        limit = self.options.timeout_s
        with self._lock:
            self._closed = True
            unanswered = []
            for seq, start in self._inflight.items():
                waited = now - start
                why = (
                    f"no complete answer after {waited:.2f} s (--timeout {limit:g} s)"
                    if waited >= limit
                    else f"still unanswered after {waited:.2f} s when {cut_by}"
                )
                unanswered.append(
                    Sample(seq, start - self._t0, waited, error="timeout", detail=why)
                )
            return sorted(self._samples + unanswered, key=lambda s: s.seq)

    def _one(self, seq: int) -> None:
        start = self.clock()
        with self._lock:
            if self._closed:  # the run ended before this slot's thread started: never sent
                return
            self._inflight[seq] = start
        sent_cookie = _cookie(self.http, AFFINITY_COOKIE)
        sent_s = start - self._t0
        limit = self.options.timeout_s
        try:
            ask = self.requests(seq) if self.requests else ProbeRequest()
            url = ask.url or self.options.url
            with self.http.stream(ask.method, url, content=ask.content) as response:
                body = b""
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) >= BODY_LIMIT or self.clock() - start > limit:
                        break
                latency = self.clock() - start
                if latency > limit:  # too slow as a whole, however fast each read was
                    why = f"HTTP {response.status_code} answer took more than {limit:g} s"
                    sample = self._error(seq, sent_s, start, "timeout", why, sent_cookie)
                else:
                    sample = self._answer(seq, sent_s, latency, response, body, sent_cookie)
        except httpx.TimeoutException as exc:
            sample = self._error(seq, sent_s, start, "timeout", _describe(exc), sent_cookie)
        except httpx.ConnectError as exc:
            sample = self._error(seq, sent_s, start, "connect", _describe(exc), sent_cookie)
        except httpx.HTTPError as exc:  # dropped or malformed answer: the app closed the socket
            sample = self._error(seq, sent_s, start, "closed", _describe(exc), sent_cookie)
        with self._lock:
            if self._inflight.pop(seq, None) is not None and not self._closed:
                self._samples.append(sample)
                self._failed += sample.failed
                self._marker = sample.marker or self._marker

    def _answer(
        self,
        seq: int,
        sent_s: float,
        latency: float,
        response: httpx.Response,
        body: bytes,
        cookie: str | None,
    ) -> Sample:
        headers = {k.lower(): v for k, v in response.headers.items()}
        return from_response(
            seq,
            sent_s,
            latency,
            response.status_code,
            headers,
            body[:BODY_LIMIT],
            marker=self.options.marker,
            affinity_sent=cookie,
            affinity_set=next(
                (c.value for c in response.cookies.jar if c.name == AFFINITY_COOKIE), None
            ),
        )

    def _error(
        self, seq: int, sent_s: float, start: float, kind: str, detail: str, cookie: str | None
    ) -> Sample:
        return Sample(
            seq=seq,
            sent_s=sent_s,
            latency_s=self.clock() - start,
            error=kind,
            detail=detail[:200],
            affinity_sent=cookie,
        )


def _describe(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
