"""How many API requests setup and check make, and how long check --all takes under latency.

Runs the real `zdd` program in-process with --json against a sandbox on loopback, and counts both
what the client reports (`requests` in the JSON) and what the sandbox logged (/__sandbox/requests).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import platform as host_platform
import tempfile
import time

import httpx

from zdd.sandbox import Platform, SandboxServer

LATENCY = 0.05  # seconds added to every API request in the check --all runs
N_APPS = 100


def _zdd(argv: list[str]) -> dict:
    from zdd.main import make_program

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(io.StringIO()):
        try:
            make_program().run(["zdd", *argv], exit=True)
        except SystemExit:
            pass
    return json.loads(buf.getvalue())


@contextlib.contextmanager
def _sandbox(seed: dict):
    platform = Platform.from_seed(seed)
    server = SandboxServer(platform).start()
    old = {k: os.environ.get(k) for k in ("HEROKU_HOST", "HEROKU_API_KEY", "XDG_STATE_HOME")}
    os.environ.update(
        HEROKU_HOST=server.url,
        HEROKU_API_KEY=platform.global_token,
        XDG_STATE_HOME=tempfile.mkdtemp(prefix="zdd-bench-"),
    )
    try:
        yield server
    finally:
        server.stop()
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _server_log(server) -> tuple[int, int]:
    log = httpx.get(f"{server.url}/__sandbox/requests").json()
    httpx.delete(f"{server.url}/__sandbox/requests")
    return len(log), sum(1 for r in log if r["method"] != "GET")


def _app(name: str, jvm: bool) -> dict:
    return {
        "name": name,
        "buildpacks": ["heroku/java"] if jvm else ["heroku/nodejs"],
        "formation": [
            {"type": "web", "quantity": 1, "size": "Basic"},
            {"type": "worker", "quantity": 1, "size": "Basic"},
        ],
        "features": {"preboot": False, "http-session-affinity": False},
        "config_vars": {"JAVA_OPTS": "-Xss512k"} if jvm else {},
    }


def setup_rows() -> list[tuple[str, str, int, int, int]]:
    rows = []
    with _sandbox({"apps": [_app("bench-java", True), _app("bench-node", False)]}) as server:
        for app in ("bench-java", "bench-node"):
            argv = ["setup", "--app", app, "--size", "Standard-1X", "--yes", "--json"]
            for label in ("fresh app (Basic, with --size)", "configured app (re-run)"):
                doc = _zdd(argv)
                total, writes = _server_log(server)
                req = doc["requests"]
                rows.append((f"`zdd setup` {label}", app, req["requests"], req["writes"], total))
                assert total == req["requests"] and writes == req["writes"], (doc, total)
            doc = _zdd(["check", "--app", app, "--json"])
            total, _ = _server_log(server)
            rows.append(("`zdd check` one app", app, doc["requests"]["requests"], 0, total))
    return rows


def check_all_rows() -> list[tuple[int, int, float, int]]:
    """check --all over N_APPS apps (half JVM) with LATENCY on every request, per concurrency."""
    seed = {"apps": [_app(f"bench-{i:03d}", i % 2 == 0) for i in range(N_APPS)]}
    rows = []
    for concurrency in (1, 8, 16):
        with _sandbox(seed) as server:
            server.platform.faults.add("latency", route="*", count=None, seconds=LATENCY)
            started = time.monotonic()
            doc = _zdd(["check", "--all", "--concurrency", str(concurrency), "--json"])
            took = time.monotonic() - started
            total, _ = _server_log(server)
            assert doc["summary"]["apps"] == N_APPS, doc["summary"]
            rows.append((concurrency, doc["requests"]["requests"], took, total))
    return rows


def main() -> str:
    setup = setup_rows()
    check_all = check_all_rows()
    lines = [
        "# API requests made by zdd setup and check",
        "",
        f"Measured by `python -m bench requests` on {time.strftime('%Y-%m-%d')} "
        f"(Python {host_platform.python_version()}, {os.cpu_count()} CPUs), against the local "
        "sandbox. `client` = the JSON `requests` counters; `sandbox` = requests the sandbox "
        "logged (they agree, so no request goes uncounted).",
        "",
        "| run | app | requests (client) | writes | requests (sandbox) |",
        "|---|---|---:|---:|---:|",
        *(f"| {r[0]} | {r[1]} | {r[2]} | {r[3]} | {r[4]} |" for r in setup),
        "",
        "A setup reads 5 resources concurrently (app, features, formation, buildpacks, config "
        "vars), writes once per pending step (features one PATCH each, the whole formation in "
        "one batch PATCH after re-reading the formation so it never lowers a quantity, "
        "buildpacks one PUT, the token one POST + one config PATCH), then re-reads the same 5 "
        "to verify. A configured app costs the 5 reads and no write.",
        "",
        f"## `zdd check --all` over {N_APPS} apps (half JVM) with {LATENCY * 1000:.0f} ms "
        "added to every request",
        "",
        "| concurrency | requests (client) | requests (sandbox) | wall time |",
        "|---:|---:|---:|---:|",
        *(f"| {c} | {n} | {t} | {s:.1f} s |" for c, n, s, t in check_all),
        "",
        f"Requests: 1 app list + 1 free rate-limit read + 3 GETs per app + config vars for the "
        f"{N_APPS // 2} JVM apps only = {2 + 3 * N_APPS + N_APPS // 2}. Request counts are "
        "exact; wall times depend on the machine's load (it may be shared with other suites).",
    ]
    return "\n".join(lines)
