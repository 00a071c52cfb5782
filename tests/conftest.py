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
