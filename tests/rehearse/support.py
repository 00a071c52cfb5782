"""What the rehearsal tests share: the fast schedule and a run helper."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from zdd.rehearse.flow import RehearsalReport, rehearse
from zdd.rehearse.options import build_options

# The fast schedule: Heroku's durations x0.05 (30 s grace -> 1.5 s, 60 s boot timeout -> 3 s),
# long requests of 0.5 s in two fifths of the traffic, so about four are in flight whenever a dyno
# gets SIGTERM, and each finishes well inside the grace. Every window is as short as the rows it
# feeds allow. router.keepalive passes once the router's 0.1 s scan saw an idle connection still
# open after PROVEN_SHARE (0.9) of the router's keepalive, before the router itself closes it: a
# 1 s keepalive leaves that 0.1 s window, and the spare connections the rehearsal opens idle
# through warmup + switch delay (1.1 s) before v1 stops.
FAST = dict(
    scale="0.05",
    switch_delay="0.6s",
    long_path="/slow?s=0.5",
    long_share="0.4",
    rate="20",
    warmup="0.5s",
    tail="0.5s",
    timeout="20s",
    request_timeout="10s",  # H12 stays out of the way of the long requests on a loaded box
    keepalive="1s",  # the faulty app closes idle connections after 0.3 s, the healthy one 600 s
)


# The dynos' `python3` is the interpreter running the tests (first on PATH): through a pyenv shim
# (bash, then `pyenv exec`) each dyno's start costs about 3x the CPU, most of a boot on a busy box.
PYTHON_FIRST_PATH = os.pathsep.join((str(Path(sys.executable).parent), os.environ["PATH"]))
DYNO_ENV = {**os.environ, "PATH": PYTHON_FIRST_PATH}


def run(app: Path, *env: str, **flags) -> RehearsalReport:
    """One rehearsal of `app` on the fast schedule, with FAULT_* settings as KEY=VALUE."""
    options = build_options(dir=str(app), env=env, base_env=DYNO_ENV, **{**FAST, **flags})
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
