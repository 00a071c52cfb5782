"""`zdd setup --smoke-path P` writes ZDD_SMOKE_PATH=P in setup's config update; undo removes it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from zdd.sandbox import Platform, SandboxClock, SandboxServer


@pytest.fixture
def demo(tmp_path):
    server = SandboxServer(Platform.demo(clock=SandboxClock(factor=1000))).start()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HEROKU_", "ZDD_"))}
    env.update(
        HEROKU_HOST=server.url,
        HEROKU_API_KEY=server.platform.global_token,
        NETRC="/nonexistent",
        HOME=str(tmp_path),
    )
    yield server, env
    server.stop()


def zdd(env, *argv: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "zdd", *argv], env=env, capture_output=True, text=True, timeout=120
    )


def test_smoke_path_is_set_once_and_undo_removes_it(demo):
    server, env = demo
    bp = f"{server.url}/__sandbox/buildpack/zdd-buildpack.tgz"
    args = ["setup", "--app", "zdd-demo", "--size", "Standard-1X", "--smoke-path", "/health"]
    args += ["--buildpack", bp, "--yes"]
    first = zdd(env, *args, "-j")
    assert first.returncode == 0, first.stderr + first.stdout
    config = server.platform.config_var_info_for_app("zdd-demo")
    assert config["ZDD_SMOKE_PATH"] == "/health"
    steps = {s["id"]: s for s in json.loads(first.stdout)["plan"]["steps"]}
    assert "ZDD_SMOKE_PATH=/health" in steps["release_check"]["what"]  # the same config update
    again = zdd(env, *args, "--dry-run")
    assert again.returncode == 0, again.stdout  # nothing pending: already set
    undo = zdd(env, "undo", "--app", "zdd-demo", "--restore-sizes", "--yes")
    assert undo.returncode == 0, undo.stderr + undo.stdout
    assert "ZDD_SMOKE_PATH" not in server.platform.config_var_info_for_app("zdd-demo")


def test_a_smoke_path_without_a_slash_is_one_line_exit_2(demo):
    _, env = demo
    res = zdd(env, "setup", "--app", "zdd-demo", "--smoke-path", "health", "--yes")
    assert res.returncode == 2
    assert "--smoke-path 'health' is not a URL path" in res.stderr
    assert "Traceback" not in res.stderr
