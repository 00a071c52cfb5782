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
