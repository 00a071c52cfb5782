"""Shared fixtures. Every test starts with no HEROKU_* / ZDD_* variables from the machine."""

import os

import pytest


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch, tmp_path):
    """Drop the caller's Heroku and zdd settings, and give each test an empty HOME."""
    for key in list(os.environ):
        if key.startswith(("HEROKU_", "ZDD_")) or key in ("NETRC", "NO_COLOR"):
            monkeypatch.delenv(key)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / ".local" / "state"))


@pytest.fixture
def platform():
    """A fresh sandbox Platform with the demo app `zdd-demo` (see zdd.sandbox.seed.DEMO_SEED)."""
    from zdd.sandbox import Platform

    return Platform.demo()


@pytest.fixture
def sandbox(platform):
    """A started SandboxServer on a loopback port over `platform`; stopped after the test."""
    from zdd.sandbox import SandboxServer

    server = SandboxServer(platform).start()
    yield server
    server.stop()


@pytest.fixture
def sandbox_env(sandbox, monkeypatch):
    """`sandbox`, with HEROKU_HOST and HEROKU_API_KEY (its global token) set for the test."""
    monkeypatch.setenv("HEROKU_HOST", sandbox.url)
    monkeypatch.setenv("HEROKU_API_KEY", sandbox.platform.global_token)
    return sandbox


@pytest.fixture
def run_zdd(capsys, monkeypatch, tmp_path):
    """run_zdd(*args, cwd=tmp_path) -> (returncode, stdout, stderr) of `zdd ARGS` in this process:
    the Program the console script runs, without a second interpreter's start-up. stdin is not a
    terminal (as under pytest); os.environ is the test's (monkeypatch it)."""
    from subprocess import CompletedProcess

    from zdd.main import make_program

    def run(*args: str, cwd=None) -> CompletedProcess:
        monkeypatch.chdir(cwd or tmp_path)
        capsys.readouterr()  # what came before is not this run's output
        code = 0
        try:
            make_program().run(["zdd", *args])
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
        out, err = capsys.readouterr()
        return CompletedProcess(["zdd", *args], code, out, err)

    return run
