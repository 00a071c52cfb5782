"""A loopback sandbox whose app runs real dynos (tests/apps/python) on a fast clock, and a runner
for `zdd deploy` as a real subprocess against it (the fixture is in conftest.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from zdd.sandbox import SandboxServer

ROOT = Path(__file__).resolve().parents[2]
PYTHON_APP = ROOT / "tests" / "apps" / "python"
# Sandbox time runs 90x. The app's boot timeout is raised to the most Heroku allows (180 s, R10)
# so a real dyno still has 2 s of real time to bind, as it had at 30x with the default 60 s; a
# preboot window (boot timeout + 2 min = 300 s) is then 3.3 s real; SIGTERM grace 30 s = 0.3 s.
FACTOR = 90
BOOT_TIMEOUT = 180
WINDOW_S = (BOOT_TIMEOUT + 120) / FACTOR  # a preboot window, in real seconds
APP = "guarded"
PROCFILE = "web: python3 app.py"


def seed(config: dict[str, str] | None = None, *, pipeline: bool = False) -> dict:
    app = {
        "name": APP,
        "formation": [
            {"type": "web", "quantity": 2, "size": "Standard-1X", "command": "python3 app.py"}
        ],
        "features": {"preboot": True, "runtime-dyno-metadata": True},
        "config_vars": dict(config or {}),
        "app_dir": str(PYTHON_APP),
        "boot_timeout": BOOT_TIMEOUT,
    }
    doc: dict = {"apps": [app]}
    if pipeline:
        staging = {
            **app,
            "name": "guarded-staging",
            "formation": [
                {"type": "web", "quantity": 1, "size": "Standard-1X", "command": "python3 app.py"}
            ],
        }
        doc["apps"].append(staging)
        doc["pipelines"] = [
            {"name": "guarded", "stages": {"staging": ["guarded-staging"], "production": [APP]}}
        ]
    return doc


@dataclass
class Run:
    code: int
    out: str
    err: str
    seconds: float

    def doc(self) -> dict:
        return json.loads(self.out)


class DeploySandbox:
    def __init__(self, server: SandboxServer, tmp: Path) -> None:
        self.server = server
        self.platform = server.platform
        self.tmp = tmp

    @property
    def url(self) -> str:
        return self.server.url

    def web(self, app: str = APP) -> str:
        return f"{self.url}/__sandbox/apps/{app}/web"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("HEROKU_", "ZDD_"))}
        env.update(
            HEROKU_HOST=self.url,
            HEROKU_API_KEY=self.platform.global_token,
            NETRC="/nonexistent",
            HOME=str(self.tmp),
        )
        return env

    def push(self, procfile: str = PROCFILE, app: str = APP) -> str:
        """What `git push heroku main` ends in on the sandbox: a build's slug released."""
        body = json.dumps({"procfile": procfile})
        return (
            f"curl -fsS -o /dev/null -X POST -H 'Content-Type: application/json' "
            f"--data '{body}' {self.url}/__sandbox/apps/{app}/deploy"
        )

    def wait_up(self, app: str = APP, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.web(app) + "/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"{app} never served")

    def deploy_args(self, *extra: str, app: str = APP, **flags: str) -> list[str]:
        """zdd deploy's argv: these defaults, `flags` (judge="8s") replacing or (None) dropping
        them, then `extra`."""
        base = {
            "app": app,
            "url": self.web(app),
            "health": "/health",
            "marker-header": "X-Release",
            "rate": "5",
            "timeout": "3s",
            "api-interval": "0.5s",
            "judge": "3s",
            "switch-timeout": "40s",
            "max-duration": "3m",
        }
        base.update({k.replace("_", "-"): v for k, v in flags.items()})
        argv = [sys.executable, "-m", "zdd", "deploy"]
        for key, value in base.items():
            if value is not None:
                argv += [f"--{key}", value]
        return [*argv, *extra]

    def run(self, *extra: str, timeout: float = 120.0, **flags: str) -> Run:
        t0 = time.monotonic()
        proc = subprocess.run(
            self.deploy_args(*extra, **flags),
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=self.tmp,
        )
        return Run(proc.returncode, proc.stdout, proc.stderr, time.monotonic() - t0)

    def run_then(
        self, said: str, then: Callable[[], None], *extra: str, timeout: float = 120.0, **flags: str
    ) -> Run:
        """Like run(), and `then()` once zdd's stderr has shown a line containing `said` (so a
        test lets sandbox time move on only after zdd has seen a state); killed after `timeout`."""
        t0 = time.monotonic()
        proc = subprocess.Popen(
            self.deploy_args(*extra, **flags),
            env=self.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=self.tmp,
        )
        assert proc.stdout is not None and proc.stderr is not None
        stdout = proc.stdout
        out: list[str] = []
        reader = threading.Thread(target=lambda: out.append(stdout.read()))
        killer = threading.Timer(timeout, proc.kill)
        reader.start()
        killer.start()
        err: list[str] = []
        try:
            for line in proc.stderr:
                if said in line and not any(said in e for e in err):
                    then()
                err.append(line)
            proc.wait()
        finally:
            killer.cancel()
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            reader.join()
        return Run(proc.returncode, "".join(out), "".join(err), time.monotonic() - t0)

    def releases(self, app: str = APP) -> list[dict]:
        return self.platform.release_list(app)

    def processes_left(self) -> list[int]:
        """Live pids of dynos this sandbox started (must be only the current ones)."""
        return [
            d.process.pid
            for r in self.platform._local_runners.values()
            for d in r.dynos
            if d.process.group_alive()
        ]
