"""What the rehearsal tests share: the fast schedule and a run helper."""

from __future__ import annotations

from pathlib import Path

from zdd.rehearse.flow import RehearsalReport, rehearse
from zdd.rehearse.options import build_options

# The fast schedule: Heroku's durations x0.05 (30 s grace -> 1.5 s, 90 s keepalive -> 4.5 s,
# 30 s request timeout -> 1.5 s), long requests of 1 s in a fifth of the traffic, so some are
# always in flight when a dyno gets SIGTERM.
FAST = dict(
    scale="0.05",
    switch_delay="1s",
    long_path="/slow?s=1",
    long_share="0.2",
    rate="20",
    warmup="1s",
    tail="1s",
    timeout="20s",
    request_timeout="10s",  # H12 stays out of the way of 1 s long requests on a loaded box
    keepalive="2s",  # short enough that a 5 s rehearsal proves the app keeps connections longer
)


def run(app: Path, *env: str, **flags) -> RehearsalReport:
    """One rehearsal of `app` on the fast schedule, with FAULT_* settings as KEY=VALUE."""
    options = build_options(dir=str(app), env=env, **{**FAST, **flags})
    return rehearse(options)


def statuses(report: RehearsalReport) -> dict[str, str]:
    return {f.id: f.status for f in report.findings}


def explain(report: RehearsalReport) -> list:
    """What to print when a rehearsal test fails: the findings and the failed requests."""
    return [f.to_dict() for f in report.findings if f.status != "passed"] + [
        (s.seq, round(s.sent_s, 2), s.router_code, s.detail)
        for s in report.verify.samples
        if s.failed
    ]


def failed(report: RehearsalReport) -> set[str]:
    return {f.id for f in report.findings if f.status == "failed"}
