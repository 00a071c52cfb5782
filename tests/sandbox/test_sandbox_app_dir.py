"""An app seeded with `app_dir` runs real dyno processes (zdd.runtime's LocalRunner), and the
sandbox's web route proxies to the dyno its router view picks; the server's stop ends them."""

import time
from pathlib import Path

import httpx
import pytest

from zdd.sandbox import Platform, SandboxClock, SandboxServer

pytestmark = pytest.mark.slow
PYTHON_APP = Path(__file__).resolve().parents[1] / "apps" / "python"


def wait_for(check, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out")


def test_app_dir_dynos_are_real_and_the_web_route_proxies_to_them():
    seed = {
        "apps": [
            {
                "name": "real-app",
                "app_dir": str(PYTHON_APP),
                "formation": [
                    {
                        "type": "web",
                        "quantity": 1,
                        "size": "Standard-1X",
                        "command": "python3 app.py",
                    }
                ],
                "boot_timeout": 180,
            }
        ]
    }
    platform = Platform.from_seed(seed, clock=SandboxClock(factor=5))
    server = SandboxServer(platform).start()
    try:
        web = f"{server.url}/__sandbox/apps/real-app/web/"
        wait_for(lambda: platform.router_view("real-app")["dynos"])
        answer = httpx.get(web, timeout=10)
        assert answer.status_code == 200 and answer.headers["x-release"] == "v2"
        assert answer.json()["dyno"] == "web.1"  # the real process answered
        runner = platform.runner_for(platform._app("real-app"))
        pids = [d.process.pid for d in runner.dynos]
    finally:
        server.stop()
    assert all(not Path(f"/proc/{pid}").exists() or _zombie(pid) for pid in pids)


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
    except OSError:
        return True
