"""What the deploy guard saves users: a release that boots, then answers 500 on every request.

One run, one loopback sandbox on a 30x clock (a Heroku minute is 2 s here), two apps alike
(tests/apps/python as real dynos, 2 web dynos, preboot, FAULT_500 on release v3 only):
- unguarded: the push alone (what `git push heroku main` does);
- guarded: the same push under `zdd deploy --rollback` (judge 3 s, max-failures 0).
A separate "users" probe (zdd verify, 5 requests/s) watches each app from the push on for the
same window, and counts the failed requests users saw. The window is fixed (OBSERVE_S real
seconds), so the unguarded figure is "failures per that much time" (it never recovers by itself).

Usage: python -m bench deploy_guard   (writes bench/results/deploy_guard.md and
bench/results/deploy_guard.png, the guarded deploy's picture)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
APP_DIR = REPO / "tests" / "apps" / "python"
RESULTS = REPO / "bench" / "results"
FACTOR = 30
OBSERVE_S = 30.0  # real seconds the users' probe watches each app (15 Heroku minutes)
RATE = 5


def _app(name: str) -> dict:
    return {
        "name": name,
        "formation": [
            {"type": "web", "quantity": 2, "size": "Standard-1X", "command": "python3 app.py"}
        ],
        "features": {"preboot": True, "runtime-dyno-metadata": True},
        "config_vars": {"FAULT_500": "1", "FAULT_RELEASE": "v3"},
        "app_dir": str(APP_DIR),
    }


def _env(url: str, token: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HEROKU_", "ZDD_"))}
    return {**env, "HEROKU_HOST": url, "HEROKU_API_KEY": token, "NETRC": "/nonexistent"}


def _push(url: str, app: str) -> str:
    body = json.dumps({"procfile": "web: python3 app.py"})
    return (
        "curl -fsS -o /dev/null -X POST -H 'Content-Type: application/json' "
        f"--data '{body}' {url}/__sandbox/apps/{app}/deploy"
    )


def _users(url: str, app: str, env: dict[str, str]) -> subprocess.Popen:
    web = f"{url}/__sandbox/apps/{app}/web/health"
    argv = [sys.executable, "-m", "zdd", "verify", "--url", web, "--rate", str(RATE)]
    argv += ["--duration", f"{OBSERVE_S:g}s", "--timeout", "3s", "--marker-header", "X-Release"]
    return subprocess.Popen(argv + ["-j"], env=env, stdout=subprocess.PIPE, text=True)


def _wait_up(url: str, app: str) -> None:
    import httpx

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/__sandbox/apps/{app}/web/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{app} never served")


def main() -> str:
    from zdd.sandbox import Platform, SandboxClock, SandboxServer

    clock = SandboxClock(factor=FACTOR)
    seed = {"apps": [_app("unguarded"), _app("guarded")]}
    server = SandboxServer(Platform.from_seed(seed, clock=clock)).start()
    try:
        url, token = server.url, server.platform.global_token
        env = _env(url, token)
        for app in ("unguarded", "guarded"):
            _wait_up(url, app)
        users = _users(url, "unguarded", env)
        subprocess.run(_push(url, "unguarded"), shell=True, check=True)
        unguarded = json.loads(users.communicate(timeout=OBSERVE_S + 60)[0])

        picture = RESULTS / "deploy_guard.png"
        users = _users(url, "guarded", env)
        web = f"{url}/__sandbox/apps/guarded/web"
        argv = [sys.executable, "-m", "zdd", "deploy", "--app", "guarded", "--url", web]
        argv += ["--health", "/health", "--marker-header", "X-Release", "--rollback"]
        argv += ["--during", _push(url, "guarded"), "--judge", "3s", "--api-interval", "0.5s"]
        argv += ["--rate", str(RATE), "--timeout", "3s", "--switch-timeout", "40s"]
        argv += ["--picture", str(picture), "-j"]
        t0 = time.monotonic()
        guard = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=180)
        guard_s = time.monotonic() - t0
        guarded = json.loads(users.communicate(timeout=OBSERVE_S + 60)[0])
        deploy = json.loads(guard.stdout)
    finally:
        server.stop()
    rb = deploy["rollback"] or {}
    bad_for = (rb.get("serving_s") or 0) - (deploy["switch_s"] or 0)
    ratio = guarded["failed"] / unguarded["failed"] if unguarded["failed"] else float("nan")
    minutes = OBSERVE_S * FACTOR / 60
    lines = [
        "# Deploy guard: failed requests users saw, 500-after-boot release",
        "",
        f"One run: loopback sandbox, clock {FACTOR}x (a Heroku minute = {60 / FACTOR:g} s), "
        f"2 web dynos with preboot, users probing at {RATE}/s for {OBSERVE_S:g} s real "
        f"({minutes:g} Heroku minutes) from the push on. Machine: {os.cpu_count()} cores, "
        "shared with other sessions' work.",
        "",
        "| deploy | users' requests | failed | availability | answered OK by |",
        "|---|---:|---:|---:|---|",
        f"| push only | {unguarded['requests']} | {unguarded['failed']} | "
        f"{unguarded['availability'] * 100:.1f}% | {sorted(unguarded['marker']['values'])} |",
        f"| `zdd deploy --rollback` | {guarded['requests']} | {guarded['failed']} | "
        f"{guarded['availability'] * 100:.1f}% | {sorted(guarded['marker']['values'])} |",
        "",
        f"Guarded/unguarded failed requests: {ratio:.2f} (same run, same window). The guard "
        f"saw the switch-over at {deploy['switch_s']:.1f} s, failed the release after "
        f"{deploy['failures_after_switch']} failed request(s) of its own probe, asked for the "
        f"rollback at {rb.get('requested_s') or 0:.1f} s and saw the old slug serve again at "
        f"{rb.get('serving_s') or 0:.1f} s: users saw the bad release for {bad_for:.1f} s "
        f"(~{bad_for * FACTOR / 60:.1f} Heroku minutes; the rollback is a new release, so it "
        "waits out its own preboot window). Without the guard the failures go on until someone "
        f"notices; the figure above only counts {minutes:g} minutes of it. zdd deploy exited "
        f"{guard.returncode} in {guard_s:.1f} s.",
        "",
        f"Picture of the guarded deploy: {picture.relative_to(REPO)}",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(main())
