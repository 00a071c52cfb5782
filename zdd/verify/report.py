"""Pure: summarise a list of Samples into a VerifyReport (figures, JSON, human text, exit code).

No I/O here, so every figure in the report is tested on hand-made samples.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

from zdd.verify.samples import FAILURE_KINDS, Sample

JSON_VERSION = 1  # like the other commands: fields are only added within a version
SWITCH_MARGIN_S = 5.0  # "during" = the switch-over window widened by this on each side,
SWITCH_MARGIN_SHARE = 0.1  # but by no more than this share of the run (short test runs)

EXIT_OK = 0
EXIT_FAILURES = 1
EXIT_USAGE = 2
EXIT_COMMAND_FAILED = 3
EXIT_INTERRUPTED = 4

EXIT_CODES = {
    EXIT_OK: "no request failed (and the --during command, if any, exited 0)",
    EXIT_FAILURES: "at least one request failed, or none could be sent",
    EXIT_USAGE: "usage error: a missing or bad option",
    EXIT_COMMAND_FAILED: "no request failed, but the --during command failed or was stopped",
    EXIT_INTERRUPTED: "no request failed, but zdd was interrupted before the run's end",
}

# stopped_because values for a run cut short from outside: Ctrl-C, SIGTERM, SIGHUP
INTERRUPTIONS = {
    "interrupted": "Ctrl-C",
    "terminated": "SIGTERM",
    "hangup": "SIGHUP",
}


@dataclass(frozen=True)
class DuringResult:
    """The `--during` command: when it ran (seconds from probe start) and how it ended."""

    command: str
    started_s: float
    ended_s: float | None
    exit_code: int | None
    stopped_by_zdd: bool = False
    stop_reason: str | None = None  # why zdd stopped it: max_duration or an INTERRUPTIONS key

    def to_dict(self) -> dict:
        return {
            "command": self.command,
            "started_s": round(self.started_s, 3),
            "ended_s": None if self.ended_s is None else round(self.ended_s, 3),
            "exit_code": self.exit_code,
            "stopped_by_zdd": self.stopped_by_zdd,
            "stop_reason": self.stop_reason,
        }


@dataclass(frozen=True)
class RunInfo:
    """How the run went, apart from the samples: limits, why it stopped, side observations."""

    url: str
    started_at: str
    elapsed_s: float
    stopped_because: str
    rate: float
    max_requests: int
    max_duration_s: float
    timeout_s: float
    skipped_slots: int = 0  # all dropped send slots: skipped_late + those dropped as too busy
    marker: str | None = None
    during: DuringResult | None = None
    platform: dict | None = None
    skipped_late: int = 0  # of skipped_slots: the send loop fell behind (not the app's doing)

    @property
    def skipped_busy(self) -> int:
        """Slots dropped because --max-in-flight requests were still waiting for answers."""
        return max(0, self.skipped_slots - self.skipped_late)


@dataclass(frozen=True)
class FailureRun:
    """Consecutive failed requests (send order); `seconds` runs to the next success, if any."""

    count: int
    from_s: float
    to_s: float
    recovered: bool
    kinds: dict[str, int]

    @property
    def seconds(self) -> float:
        return self.to_s - self.from_s

    def to_dict(self) -> dict:
        return {
            "count": self.count,
            "seconds": round(self.seconds, 3),
            "from_s": round(self.from_s, 3),
            "to_s": round(self.to_s, 3),
            "recovered": self.recovered,
            "kinds": self.kinds,
        }


@dataclass(frozen=True)
class SwitchOver:
    """The move to the last release marker seen: first answer from it, and when only it answered."""

    from_value: str
    to_value: str
    started_s: float  # sent time of the first answer carrying the new marker
    completed_s: float  # from here on, only the new marker answered
    last_old_before_s: float  # sent time of the last old answer before it
    first_new_done_s: float  # when that first new answer arrived

    @property
    def between_s(self) -> tuple[float, float]:
        """The switch surely lies here: after the last old request left, before the first new
        answer arrived (a request is routed somewhere between being sent and being answered)."""
        return self.last_old_before_s, self.first_new_done_s

    @property
    def mixed_s(self) -> float:
        return self.completed_s - self.started_s

    def to_dict(self) -> dict:
        return {
            "from": self.from_value,
            "to": self.to_value,
            "started_s": round(self.started_s, 3),
            "completed_s": round(self.completed_s, 3),
            "mixed_s": round(self.mixed_s, 3),
            "last_old_before_s": round(self.last_old_before_s, 3),
            "between_s": [round(v, 3) for v in self.between_s],
        }


@dataclass(frozen=True)
class VerifyReport:
    run: RunInfo
    samples: tuple[Sample, ...]
    requests: int
    ok: int
    failed: int
    status_counts: dict[str, int]
    failures_by_kind: dict[str, int]
    router_pages: dict[str, int]
    router_codes: dict[str, int]
    runs: tuple[FailureRun, ...]
    switch: SwitchOver | None
    marker_changes: tuple[dict, ...]
    marker_values: dict[str, int]
    marker_missing: int
    phases: dict[str, tuple[float, float]]
    latency: dict[str, dict | None]
    affinity: dict = field(default_factory=dict)

    @property
    def availability(self) -> float | None:
        return self.ok / self.requests if self.requests else None

    @property
    def longest_run(self) -> FailureRun | None:
        return max(self.runs, key=lambda r: (r.count, r.seconds), default=None)

    @property
    def interrupted(self) -> bool:
        return self.run.stopped_because in INTERRUPTIONS

    @property
    def exit_code(self) -> int:
        if self.failed or not self.requests:
            return EXIT_FAILURES
        if self.interrupted:
            return EXIT_INTERRUPTED
        during = self.run.during
        if during and (during.exit_code != 0 or during.stopped_by_zdd):
            return EXIT_COMMAND_FAILED
        return EXIT_OK

    def to_dict(self) -> dict:
        run = self.run
        longest = self.longest_run
        return {
            "version": JSON_VERSION,
            "command": "verify",
            "url": run.url,
            "started_at": run.started_at,
            "elapsed_s": round(run.elapsed_s, 3),
            "stopped_because": run.stopped_because,
            "limits": {
                "rate": run.rate,
                "max_requests": run.max_requests,
                "max_duration_s": run.max_duration_s,
                "timeout_s": run.timeout_s,
                "skipped_slots": run.skipped_slots,
                "skipped_busy": run.skipped_busy,
                "skipped_late": run.skipped_late,
            },
            "requests": self.requests,
            "ok": self.ok,
            "failed": self.failed,
            "availability": None if self.availability is None else round(self.availability, 6),
            "status_counts": self.status_counts,
            "failures": {
                "by_kind": self.failures_by_kind,
                "router_pages": self.router_pages,
                "router_codes": self.router_codes,
                "longest_run": longest.to_dict() if longest else None,
                "runs": [r.to_dict() for r in self.runs],
                "samples": [s.to_dict() for s in self.samples if s.failed],
            },
            "switch_over": None
            if self.switch is None
            else {"marker": run.marker, **self.switch.to_dict()},
            "marker": {
                "source": run.marker,
                "values": self.marker_values,
                "changes": list(self.marker_changes),
                "missing": self.marker_missing,
            },
            "phases": {k: [round(a, 3), round(b, 3)] for k, (a, b) in self.phases.items()},
            "latency_ms": self.latency,
            "affinity": self.affinity,
            "during": run.during.to_dict() if run.during else None,
            "platform": run.platform,
            "exit_code": self.exit_code,
        }


def percentiles(values_ms: list[float]) -> dict | None:
    """Nearest-rank p50/p90/p95/p99 and max, in ms; None for no values."""
    if not values_ms:
        return None
    ordered = sorted(values_ms)

    def rank(p: float) -> float:
        return round(ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)], 2)

    return {
        "count": len(ordered),
        "p50": rank(50),
        "p90": rank(90),
        "p95": rank(95),
        "p99": rank(99),
        "max": round(ordered[-1], 2),
    }


def failure_runs(samples: list[Sample]) -> list[FailureRun]:
    runs: list[FailureRun] = []
    current: list[Sample] = []
    for s in samples:
        if s.failed:
            current.append(s)
            continue
        if current:
            runs.append(_run(current, next_ok=s))
            current = []
    if current:
        runs.append(_run(current, next_ok=None))
    return runs


def _run(failed: list[Sample], next_ok: Sample | None) -> FailureRun:
    last = failed[-1]
    end = next_ok.sent_s if next_ok else last.sent_s + (last.latency_s or 0.0)
    kinds = Counter(s.kind for s in failed)
    return FailureRun(len(failed), failed[0].sent_s, end, next_ok is not None, dict(kinds))


def marker_story(samples: list[Sample]) -> tuple[SwitchOver | None, list[dict]]:
    """Changes of the release marker among successful answers, and the switch to the final one."""
    seen = [s for s in samples if not s.failed and s.marker is not None]
    changes = [
        {"at_s": round(b.sent_s, 3), "from": a.marker, "to": b.marker}
        for a, b in zip(seen, seen[1:], strict=False)
        if a.marker != b.marker
    ]
    if not seen or seen[0].marker == seen[-1].marker:
        return None, changes
    final = seen[-1].marker
    last_old = max(i for i, s in enumerate(seen) if s.marker != final)
    first_new = next(i for i, s in enumerate(seen) if s.marker == final)
    completed = seen[last_old + 1]
    before = seen[first_new - 1] if first_new else seen[0]
    switch = SwitchOver(
        from_value=seen[last_old].marker,
        to_value=final,
        started_s=seen[first_new].sent_s,
        completed_s=completed.sent_s,
        last_old_before_s=before.sent_s,
        first_new_done_s=seen[first_new].sent_s + (seen[first_new].latency_s or 0.0),
    )
    return switch, changes


def affinity_story(samples: list[Sample]) -> dict:
    """When the router assigned the session-affinity cookie, and every time it changed.

    A change is a cookie replaced by a different one: a request that carried cookie A and was
    answered with cookie B. A request sent before the jar held any cookie (the first concurrent
    requests of a run) getting one is an assignment, never a change."""
    assigned_at: float | None = None
    held_from = math.inf  # when the jar first held the cookie (the assigning answer arrived)
    changes: list[dict] = []
    for s in samples:
        value = s.affinity_set
        if value is None:
            continue
        if s.affinity_sent is None:
            if assigned_at is None or s.sent_s < assigned_at:
                assigned_at = s.sent_s
            held_from = min(held_from, s.sent_s + (s.latency_s or 0.0))
        elif value != s.affinity_sent:
            changes.append(
                {"at_s": round(s.sent_s, 3), "from": s.affinity_sent[:12], "to": value[:12]}
            )
    sent_without = sum(1 for s in samples if s.sent_s > held_from and s.affinity_sent is None)
    return {
        "cookie": "heroku-session-affinity",
        "assigned_at_s": None if assigned_at is None else round(assigned_at, 3),
        "changes": len(changes),
        "change_list": changes,
        "requests_without_cookie_after_assignment": sent_without,
    }


def summarise(
    samples: list[Sample], run: RunInfo, margin_s: float = SWITCH_MARGIN_S
) -> VerifyReport:
    """All the report's figures from the samples; latency percentiles cover successful answers."""
    samples = sorted(samples, key=lambda s: s.seq)
    failed = [s for s in samples if s.failed]
    switch, changes = marker_story(samples)
    end = max([run.elapsed_s] + [s.sent_s for s in samples])
    margin_s = min(margin_s, end * SWITCH_MARGIN_SHARE)
    if switch:
        lo = max(0.0, switch.last_old_before_s - margin_s)
        hi = min(end, switch.completed_s + margin_s)
        phases = {"before": (0.0, lo), "during": (lo, hi), "after": (hi, end)}
    else:
        phases = {"all": (0.0, end)}
    latency: dict[str, dict | None] = {}
    ok_samples = [s for s in samples if not s.failed and s.latency_s is not None]
    latency["all"] = percentiles([s.latency_s * 1000 for s in ok_samples])
    names = list(phases)
    for i, name in enumerate(names):
        if name == "all":
            continue
        lo, hi = phases[name]
        last = i == len(names) - 1
        latency[name] = percentiles(
            [
                s.latency_s * 1000
                for s in ok_samples
                if lo <= s.sent_s < hi or (last and s.sent_s >= hi)
            ]
        )
    ok_with_status = [s for s in samples if not s.failed]
    return VerifyReport(
        run=run,
        samples=tuple(samples),
        requests=len(samples),
        ok=len(samples) - len(failed),
        failed=len(failed),
        status_counts=dict(sorted(Counter(str(s.status) for s in samples if s.status).items())),
        failures_by_kind={k: n for k in FAILURE_KINDS if (n := sum(s.kind == k for s in failed))},
        router_pages=dict(Counter(s.router_page for s in failed if s.router_page)),
        router_codes=dict(Counter(s.router_code for s in failed if s.router_code)),
        runs=tuple(failure_runs(samples)),
        switch=switch,
        marker_changes=tuple(changes),
        marker_values=dict(Counter(s.marker for s in ok_with_status if s.marker is not None)),
        marker_missing=sum(1 for s in ok_with_status if s.marker is None) if run.marker else 0,
        phases=phases,
        latency=latency,
        affinity=affinity_story(samples),
    )
