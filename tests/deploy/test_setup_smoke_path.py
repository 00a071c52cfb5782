"""`zdd setup --smoke-path P` writes ZDD_SMOKE_PATH=P in setup's config update; undo removes it.
The zdd Program in this process (run_zdd) against a loopback sandbox."""

from __future__ import annotations

import json

import pytest

from zdd.sandbox import Platform, SandboxClock, SandboxServer


@pytest.fixture
def demo(monkeypatch):
    server = SandboxServer(Platform.demo(clock=SandboxClock(factor=1000))).start()
    monkeypatch.setenv("HEROKU_HOST", server.url)
    monkeypatch.setenv("HEROKU_API_KEY", server.platform.global_token)
    monkeypatch.setenv("NETRC", "/nonexistent")
    yield server
    server.stop()


def test_smoke_path_is_set_once_and_undo_removes_it(demo, run_zdd):
    server = demo
    bp = f"{server.url}/__sandbox/buildpack/zdd-buildpack.tgz"
    args = ["setup", "--app", "zdd-demo", "--size", "Standard-1X", "--smoke-path", "/health"]
    args += ["--buildpack", bp, "--yes"]
    first = run_zdd(*args, "-j")
    assert first.returncode == 0, first.stderr + first.stdout
    config = server.platform.config_var_info_for_app("zdd-demo")
    assert config["ZDD_SMOKE_PATH"] == "/health"
    steps = {s["id"]: s for s in json.loads(first.stdout)["plan"]["steps"]}
    assert "ZDD_SMOKE_PATH=/health" in steps["release_check"]["what"]  # the same config update
    again = run_zdd(*args, "--dry-run")
    assert again.returncode == 0, again.stdout  # nothing pending: already set
    undo = run_zdd("undo", "--app", "zdd-demo", "--restore-sizes", "--yes")
    assert undo.returncode == 0, undo.stderr + undo.stdout
    assert "ZDD_SMOKE_PATH" not in server.platform.config_var_info_for_app("zdd-demo")


def test_a_smoke_path_without_a_slash_is_one_line_exit_2(demo, run_zdd):
    res = run_zdd("setup", "--app", "zdd-demo", "--smoke-path", "health", "--yes")
    assert res.returncode == 2
    assert "--smoke-path 'health' is not a URL path" in res.stderr
    assert "Traceback" not in res.stderr
