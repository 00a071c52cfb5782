"""Failed requests of a rehearsed deploy of the Tomcat test app: without preboot, with preboot,
and with preboot plus graceful shutdown, measured in one run (real Tomcat 10 processes behind the
local router; `zdd rehearse`'s flow, Heroku's durations x0.1).

"Immediate" shutdown is an app that exits on SIGTERM (what Spring Boot did before 3.4 unless
server.shutdown=graceful); "graceful" pauses the connector and finishes the requests in flight
(tests/apps/tomcat/TomcatApp.java). Each configuration runs RUNS times; medians with min-max.
"""

from __future__ import annotations

import platform as host_platform
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from zdd.rehearse.flow import rehearse
from zdd.rehearse.options import build_options

RUNS = 3
APP = Path(__file__).resolve().parent.parent / "tests" / "apps" / "tomcat"
SCHEDULE = dict(
    scale="0.1",  # grace 3 s, router keepalive 9 s, request timeout 3 s (x0.1)
    boot_timeout="30s",
    request_timeout="10s",
    switch_delay="2s",
    long_path="/slow?s=1",
    long_share="0.2",
    rate="20",
    warmup="2s",
    tail="2s",
    timeout="20s",
)
CONFIGS = (
    ("no preboot, immediate shutdown", False, ("FAULT_SIGTERM=exit",)),
    ("preboot, immediate shutdown", True, ("FAULT_SIGTERM=exit",)),
    ("preboot + graceful shutdown", True, ()),
)


def _build() -> Path:
    target = Path(tempfile.mkdtemp(prefix="zdd-bench-")) / "tomcat"
    shutil.copytree(APP, target, ignore=shutil.ignore_patterns("classes"))
    subprocess.run(["bash", str(target / "build.sh")], check=True, capture_output=True)
    return target


def _one(app: Path, preboot: bool, env: tuple[str, ...]) -> dict:
    options = build_options(
        dir=str(app), preboot=preboot, env=("SHUTDOWN_WAIT=2", *env), **SCHEDULE
    )
    report = rehearse(options)
    by_id = {f.id: f for f in report.findings}
    p99 = (report.verify.latency.get("all") or {}).get("p99")
    return {
        "requests": report.verify.requests,
        "failed": report.verify.failed,
        "dropped": by_id["shutdown.inflight_dropped"].figure.get("dropped", 0),
        "by_kind": by_id["requests.failed"].figure["by_kind"],
        "p99": p99,
    }


def _span(values: list[float], fmt: str = "{:g}") -> str:
    med = statistics.median(values)
    return f"{fmt.format(med)} ({fmt.format(min(values))}-{fmt.format(max(values))})"


def main() -> str:
    app = _build()
    started = time.monotonic()
    rows = []
    try:
        results = {name: [] for name, _, _ in CONFIGS}
        for _ in range(RUNS):  # interleaved, so a slow moment of the box hits every config
            for name, preboot, env in CONFIGS:
                results[name].append(_one(app, preboot, env))
        for name, _, _ in CONFIGS:
            runs = results[name]
            kinds: dict[str, int] = {}
            for r in runs:
                for k, n in r["by_kind"].items():
                    kinds[k] = kinds.get(k, 0) + n
            rows.append(
                f"| {name} | {_span([r['failed'] for r in runs])} | "
                f"{_span([r['dropped'] for r in runs])} | "
                f"{_span([r['requests'] for r in runs])} | "
                f"{_span([r['p99'] or 0 for r in runs], '{:.0f}')} | "
                f"{', '.join(f'{k} x{n}' for k, n in sorted(kinds.items())) or '-'} |"
            )
    finally:
        shutil.rmtree(app.parent, ignore_errors=True)
    took = time.monotonic() - started
    return "\n".join(
        [
            "# Rehearsed deploys of the Tomcat 10 test app",
            "",
            f"`python -m bench rehearse` ({RUNS} runs per configuration, interleaved, in one run "
            f"of {took:.0f} s on {host_platform.machine()} / "
            f"Python {host_platform.python_version()}). "
            "2 web dynos per release, probe at 20 requests/s with a fifth of them 1 s long, "
            "Heroku's durations x0.1 (SIGTERM grace 3 s, router keepalive 9 s), preboot switch "
            "2 s after the deploy starts. Medians, min-max in brackets.",
            "",
            "| deploy | failed requests | dropped at SIGTERM | requests | p99 latency (ms) | "
            "failures by router code (all runs) |",
            "|---|---|---|---|---|---|",
            *rows,
            "",
            "Without preboot the router holds new requests while the dynos restart (H20 after "
            "75 s on Heroku), so the restart gap shows as latency; what fails is every request in "
            "flight when Tomcat exits on SIGTERM. Preboot keeps the old dynos serving until the "
            "new ones are up, but they still get SIGTERM with long requests in flight: an "
            "immediate shutdown drops those. Preboot plus graceful shutdown "
            "(server.shutdown=graceful in Spring Boot) drops none.",
        ]
    )


if __name__ == "__main__":
    print(main())
