"""The sandbox's deploy lifecycle on real processes: LocalRunner as the Platform's DynoRunner."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from tests.rehearse.support import PYTHON_FIRST_PATH
from zdd.runtime.sandbox_runner import LocalRunner
from zdd.sandbox import Platform, SandboxClock

pytestmark = pytest.mark.slow
SEED = {
    "apps": [
        {
            "name": "local-app",
            "formation": [
                {"type": "web", "quantity": 2, "size": "Standard-1X", "command": "python3 app.py"}
            ],
            "features": {"preboot": True},
        }
    ]
}


def wait_for(check, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out")


def environ(pid: int) -> bytes:
    return Path(f"/proc/{pid}/environ").read_bytes()


def test_a_seeded_app_runs_real_dynos_and_a_release_replaces_them_with_preboot(python_app):
    clock = SandboxClock(factor=30)  # preboot window 180 s = 6 s real; a boot of ~1 s = 30 s
    with LocalRunner(
        {"local-app": python_app}, clock=clock, env={"PATH": PYTHON_FIRST_PATH}
    ) as runner:
        platform = Platform.from_seed(SEED, clock=clock, runner=runner)

        def states():
            return [d["state"] for d in platform.dyno_list("local-app")]

        wait_for(lambda: states() == ["up", "up"])
        first = list(runner.dynos)
        for dyno in first:
            answer = httpx.get(f"http://127.0.0.1:{dyno.port}/").json()
            assert answer["dyno"] == dyno.process.name
        platform.config_var_update("local-app", {"GREETING": "hello"})
        wait_for(lambda: len(runner.dynos) == 4)
        new = runner.dynos[2:]
        # read until each has exec'd its command (mid-exec, /proc/PID/environ may read empty)
        wait_for(lambda: all(b"GREETING=hello" in environ(d.process.pid) for d in new), 10)
        assert all(d.process.alive() for d in first)  # preboot: the old ones still serve
        # the platform replays its lifecycle when asked (any API call): poll it as a client would
        wait_for(lambda: states() and all(d.process.exited_at for d in first), timeout=40)
        assert all(d.process.exit_code == 0 for d in first)  # SIGTERM, clean exit
        assert all(d.process.alive() for d in new)
    assert all(not d.process.group_alive() for d in runner.dynos)  # close() stopped them all


def test_an_app_without_a_directory_is_refused():
    with pytest.raises(KeyError, match="no app directory"):
        LocalRunner({}).boot(type("Job", (), {"app": "x"})())
