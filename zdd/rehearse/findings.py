"""Pure: the rehearsal's findings from what the runtime, the router and the probe recorded.

Each finding is passed / failed / skipped with the measured figure and, when it failed, a remedy
(for JVM apps, the exact setting). No I/O here: tests build `Facts` by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from zdd.runtime.router import RouterRecord
from zdd.runtime.timing import Timing

PASSED, FAILED, SKIPPED = "passed", "failed", "skipped"
IDS = (
    "boot.r10",
    "shutdown.inflight_dropped",
    "shutdown.sigkill",
    "router.keepalive",
    "memory.overlap",
    "release.unhealthy",
    "requests.failed",
)
DOCS = {
    "boot.r10": "https://devcenter.heroku.com/articles/error-codes#r10-boot-timeout",
    "shutdown.inflight_dropped": "https://devcenter.heroku.com/articles/dyno-shutdown-behavior",
    "shutdown.sigkill": "https://devcenter.heroku.com/articles/dyno-shutdown-behavior",
    "router.keepalive": "https://help.heroku.com/Y6M4QI4V",
    "memory.overlap": "https://devcenter.heroku.com/articles/error-codes#r14-memory-quota-exceeded",
    "release.unhealthy": "https://devcenter.heroku.com/articles/preboot",
    "requests.failed": "https://devcenter.heroku.com/articles/error-codes",
}
MB = 1024 * 1024
PROVEN_SHARE = 0.9  # an idle connection kept this share of the router's keepalive proves it


@dataclass(frozen=True)
class Finding:
    id: str
    status: str
    message: str
    figure: dict = field(default_factory=dict)
    remedy: str | None = None

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "status": self.status,
            "message": self.message,
            "figure": self.figure,
            "remedy": self.remedy,
            "doc": DOCS[self.id] if self.status == FAILED else None,
        }


@dataclass(frozen=True)
class DynoFacts:
    """One dyno's life. Times are monotonic seconds (the same clock as the router records)."""

    key: str  # "v1/web.1"
    release: str
    started_at: float
    bound_at: float | None
    boot_outcome: str  # up | r10 | exited (before binding)
    crashed_at: float | None = None  # exited while up, not asked to stop
    sigterm_at: float | None = None  # any SIGTERM, a deploy's or the rehearsal's end
    stop_outcome: str | None = None  # exited | sigkilled, when a deploy stopped it
    peak_rss_bytes: int = 0
    port: int = 0


@dataclass(frozen=True)
class IdleCloseFact:
    dyno: str
    at: float
    idle_s: float


@dataclass(frozen=True)
class ProbeFailure:
    """A failed probe request, at its send time (monotonic), with its kind and router code."""

    at: float
    kind: str
    code: str | None = None


@dataclass(frozen=True)
class Facts:
    timing: Timing
    jvm: bool
    memory_quota_mb: int
    size: str
    dynos: tuple[DynoFacts, ...]
    records: tuple[RouterRecord, ...]
    idle_closes: tuple[IdleCloseFact, ...]
    overlap_peak_bytes: int  # peak of the summed RSS of every dyno alive at one sample
    new_releases: tuple[str, ...]  # the releases deployed (v2, ...)
    phases: tuple[tuple[str, float, float], ...]  # (name, start, end), monotonic
    probe_requests: int
    probe_failures: tuple[ProbeFailure, ...]
    long_requests: bool  # the traffic held long requests (--long-path)
    interrupted: bool = False  # Ctrl-C / SIGTERM ended the rehearsal early
    longest_idle_s: float = 0.0  # longest an upstream connection was seen idle and still open


def _fmt_s(x: float) -> str:
    return f"{x:.2f} s"


def boot_r10(f: Facts) -> Finding:
    limit = f.timing.boot_timeout_s
    slow = [d for d in f.dynos if d.boot_outcome == "r10"]
    died = [d for d in f.dynos if d.boot_outcome == "exited"]
    times = [d.bound_at - d.started_at for d in f.dynos if d.bound_at is not None]
    figure = {
        "boot_timeout_s": round(limit, 3),
        "slowest_bind_s": round(max(times), 3) if times else None,
        "r10": [d.key for d in slow],
        "exited_before_bind": [d.key for d in died],
    }
    if not slow and not died:
        return Finding(
            "boot.r10",
            PASSED,
            f"every dyno bound $PORT in time (slowest {_fmt_s(max(times))} of {limit:g} s)",
            figure,
        )
    parts = []
    if slow:
        parts.append(
            f"{', '.join(d.key for d in slow)} did not bind $PORT within {limit:g} s (R10)"
        )
    if died:
        parts.append(f"{', '.join(d.key for d in died)} exited before binding $PORT")
    remedy = (
        "bind $PORT before slow start-up work; for Spring Boot try "
        "spring.main.lazy-initialization=true and check the JVM has the CPU it needs; "
        "Heroku support can raise the boot timeout"
        if f.jvm
        else "bind $PORT before slow start-up work (connect to databases, warm caches after)"
    )
    return Finding("boot.r10", FAILED, "; ".join(parts), figure, remedy)


def _in_flight_at(rec: RouterRecord, t: float) -> bool:
    return rec.started < t < rec.ended


def shutdown_inflight(f: Facts) -> Finding:
    stopped = [d for d in f.dynos if d.stop_outcome and d.sigterm_at is not None]
    if not stopped:
        return Finding("shutdown.inflight_dropped", SKIPPED, "no dyno was stopped by a deploy")
    inflight = []
    for d in stopped:
        inflight += [r for r in f.records if r.dyno == d.key and _in_flight_at(r, d.sigterm_at)]
    dropped = [r for r in inflight if r.status >= 500]
    figure = {"in_flight_at_sigterm": len(inflight), "dropped": len(dropped)}
    if not inflight:
        why = "no request was in flight when a dyno got SIGTERM"
        if not f.long_requests:
            why += "; add long requests with --long-path (e.g. a slow page) to test this"
        return Finding("shutdown.inflight_dropped", SKIPPED, why, figure)
    if not dropped:
        return Finding(
            "shutdown.inflight_dropped",
            PASSED,
            f"all {len(inflight)} requests in flight at SIGTERM were answered",
            figure,
        )
    codes = sorted({r.code or str(r.status) for r in dropped})
    remedy = (
        "shut down gracefully on SIGTERM: Spring Boot server.shutdown=graceful (with "
        "spring.lifecycle.timeout-per-shutdown-phase=25s); plain embedded Tomcat: on SIGTERM pause "
        "the connector (connector.pause()), wait for requests in flight, then tomcat.stop()"
        if f.jvm
        else "on SIGTERM stop accepting, finish the requests in flight (within 30 s), then exit"
    )
    return Finding(
        "shutdown.inflight_dropped",
        FAILED,
        f"{len(dropped)} of {len(inflight)} requests in flight at SIGTERM were dropped "
        f"({', '.join(codes)})",
        figure,
        remedy,
    )


def shutdown_sigkill(f: Facts) -> Finding:
    stopped = [d for d in f.dynos if d.stop_outcome]
    grace = f.timing.sigterm_grace_s
    if not stopped:
        return Finding("shutdown.sigkill", SKIPPED, "no dyno was stopped")
    killed = [d for d in stopped if d.stop_outcome == "sigkilled"]
    figure = {"stopped": len(stopped), "sigkilled": [d.key for d in killed], "grace_s": grace}
    if not killed:
        return Finding(
            "shutdown.sigkill",
            PASSED,
            f"all {len(stopped)} stopped dynos exited within {grace:g} s of SIGTERM",
            figure,
        )
    remedy = (
        "exit within 30 s of SIGTERM: do not trap and ignore it; Spring Boot "
        "spring.lifecycle.timeout-per-shutdown-phase=20s; make shutdown hooks finish quickly"
        if f.jvm
        else "exit within 30 s of SIGTERM (do not ignore it; bound the shutdown work)"
    )
    return Finding(
        "shutdown.sigkill",
        FAILED,
        f"{', '.join(d.key for d in killed)} still ran {grace:g} s after SIGTERM and was SIGKILLed",
        figure,
        remedy,
    )


def router_keepalive(f: Facts) -> Finding:
    keep = f.timing.router_keepalive_s
    by_key = {d.key: d for d in f.dynos}

    def serving(c: IdleCloseFact) -> bool:
        d = by_key.get(c.dyno)
        return d is None or d.sigterm_at is None or c.at < d.sigterm_at

    early = [c for c in f.idle_closes if serving(c) and c.idle_s < keep]
    stopping = {d.key: d.sigterm_at for d in f.dynos if d.sigterm_at is not None}
    # an error on a kept-alive connection to a dyno already told to stop is the shutdown's
    raced = [
        r
        for r in f.records
        if r.code in ("H13", "H18")
        and r.reused
        and not (r.dyno in stopping and r.ended >= stopping[r.dyno])
    ]
    figure = {
        "router_keepalive_s": keep,
        "app_closed_idle": len(early),
        "shortest_idle_s": round(min(c.idle_s for c in early), 3) if early else None,
        "errors": len(raced),
        "codes": sorted({r.code for r in raced}),
        "longest_idle_open_s": round(f.longest_idle_s, 3),
    }
    if not early and not raced:
        seen = f"the longest seen idle and still open was {f.longest_idle_s:.1f} s"
        if f.longest_idle_s < PROVEN_SHARE * keep:
            return Finding(
                "router.keepalive",
                SKIPPED,
                f"the app closed no idle connection, but {seen}, short of the router's {keep:g} s: "
                "rehearse longer (--tail) to prove it",
                figure,
            )
        return Finding(
            "router.keepalive",
            PASSED,
            f"the app closed no idle connection; {seen} (the router keeps them {keep:g} s)",
            figure,
        )
    shortest = figure["shortest_idle_s"]
    what = f"the app closed {len(early)} idle connection(s) before the router's {keep:g} s"
    if shortest is not None:
        what += f" (after {shortest:.2f} s idle)"
    what += f"; {len(raced)} request(s) hit one: {', '.join(figure['codes']) or 'none yet'}"
    remedy = (
        "keep idle connections open longer than 90 s: Spring Boot "
        "server.tomcat.keep-alive-timeout=100s (Jetty: server.jetty.connection-idle-timeout=100s); "
        'plain Tomcat: connector.setProperty("keepAliveTimeout", "100000"); or '
        "heroku labs:enable http-disable-keepalive-to-dyno"
        if f.jvm
        else "set the server's idle keep-alive timeout above 90 s (gunicorn --keep-alive 100, "
        "Node server.keepAliveTimeout = 100000); or heroku labs:enable "
        "http-disable-keepalive-to-dyno"
    )
    return Finding("router.keepalive", FAILED, what, figure, remedy)


def memory_overlap(f: Facts) -> Finding:
    quota = f.memory_quota_mb * MB
    peaks = {d.key: d.peak_rss_bytes for d in f.dynos}
    if not any(peaks.values()):
        return Finding("memory.overlap", SKIPPED, "no memory sample was taken")
    worst_key = max(peaks, key=peaks.get)
    worst = peaks[worst_key]
    figure = {
        "quota_mb": f.memory_quota_mb,
        "size": f.size,
        "peak_dyno": worst_key,
        "peak_dyno_mb": round(worst / MB, 1),
        "overlap_peak_mb": round(f.overlap_peak_bytes / MB, 1),
    }
    over = {k: v for k, v in peaks.items() if v > quota}
    overlap = f"old + new dynos together peaked at {f.overlap_peak_bytes / MB:.0f} MB"
    if not over:
        return Finding(
            "memory.overlap",
            PASSED,
            f"peak {worst / MB:.0f} MB ({worst_key}) within the {f.size} quota of "
            f"{f.memory_quota_mb} MB; {overlap}",
            figure,
        )
    level = "R15" if worst > 2 * quota else "R14"
    heap = int(f.memory_quota_mb * 0.6)
    remedy = (
        f"cap the heap for the quota: JAVA_OPTS=-Xmx{heap}m (or -XX:MaxRAMPercentage=60), "
        "or a larger dyno size"
        if f.jvm
        else "use less memory per dyno (fewer workers/threads) or a larger dyno size"
    )
    return Finding(
        "memory.overlap",
        FAILED,
        f"{', '.join(sorted(over))} peaked at {worst / MB:.0f} MB, over the {f.size} quota of "
        f"{f.memory_quota_mb} MB ({level}); {overlap}",
        figure,
        remedy,
    )


def release_unhealthy(f: Facts) -> Finding:
    if not f.new_releases:
        return Finding("release.unhealthy", SKIPPED, "no release was deployed")
    new = [d for d in f.dynos if d.release in f.new_releases]
    keys = {d.key for d in new}
    app_5xx = [r for r in f.records if r.dyno in keys and r.status >= 500 and r.code is None]
    crashed = [d.key for d in new if d.crashed_at is not None or d.boot_outcome != "up"]
    figure = {"answers_5xx": len(app_5xx), "crashed": crashed}
    if not app_5xx and not crashed:
        served = sum(1 for r in f.records if r.dyno in keys)
        return Finding(
            "release.unhealthy",
            PASSED,
            f"{', '.join(f.new_releases)} answered {served} requests without a 5xx or a crash",
            figure,
        )
    parts = []
    if app_5xx:
        parts.append(f"answered {len(app_5xx)} request(s) with 5xx")
    if crashed:
        parts.append(f"{', '.join(crashed)} crashed or never came up")
    return Finding(
        "release.unhealthy",
        FAILED,
        f"{', '.join(f.new_releases)} {'; '.join(parts)}, and traffic was switched to it anyway "
        "(Heroku has no health check)",
        figure,
        "fix the release before it ships; gate deploys on a smoke request "
        "(ZDD_SMOKE_PATH=/health in the release phase) and watch them (zdd deploy --rollback)",
    )


def requests_failed(f: Facts) -> Finding:
    by_phase: dict[str, int] = {name: 0 for name, _, _ in f.phases}
    for failure in f.probe_failures:
        name = next(
            (n for n, lo, hi in f.phases if lo <= failure.at < hi),
            f.phases[-1][0] if f.phases else "all",
        )
        by_phase[name] = by_phase.get(name, 0) + 1
    kinds: dict[str, int] = {}
    for failure in f.probe_failures:
        label = failure.code or failure.kind
        kinds[label] = kinds.get(label, 0) + 1
    figure = {
        "requests": f.probe_requests,
        "failed": len(f.probe_failures),
        "by_phase": by_phase,
        "by_kind": kinds,
    }
    if not f.probe_requests:
        if f.interrupted:
            return Finding("requests.failed", SKIPPED, "interrupted before any request", figure)
        why = "no request was sent, so nothing is proven"
        return Finding("requests.failed", FAILED, why, figure)
    if not f.probe_failures:
        return Finding(
            "requests.failed",
            PASSED,
            f"none of {f.probe_requests} requests failed across the deploy",
            figure,
        )
    where = ", ".join(f"{n} {name}" for name, n in by_phase.items() if n)
    return Finding(
        "requests.failed",
        FAILED,
        f"{len(f.probe_failures)} of {f.probe_requests} requests failed ({where})",
        figure,
        "see the failed findings above for the cause and its fix",
    )


def judge(f: Facts) -> list[Finding]:
    return [
        boot_r10(f),
        shutdown_inflight(f),
        shutdown_sigkill(f),
        router_keepalive(f),
        memory_overlap(f),
        release_unhealthy(f),
        requests_failed(f),
    ]
