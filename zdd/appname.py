"""Which app: --app, else HEROKU_APP, else the repo's Heroku git remote (as the Heroku CLI does)."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Mapping
from pathlib import Path

from zdd.errors import ConfigError

# https://git.heroku.com/<app>.git, git@heroku.com:<app>.git, ssh://git@heroku.com/<app>.git
_REMOTE = re.compile(
    r"^(?:https://git\.heroku\.com/|ssh://git@heroku\.com/|git@heroku\.com:)"
    r"(?P<app>[a-z][a-z0-9-]*)(?:\.git)?/?$"
)


def app_from_url(url: str) -> str | None:
    """The app behind a Heroku git URL, or None for any other URL."""
    m = _REMOTE.match(url.strip())
    return m.group("app") if m else None


def heroku_remotes(cwd: str | Path | None = None) -> dict[str, str]:
    """{remote name: app} for the git repo at cwd (empty when not in a repo or git is missing)."""
    try:
        out = subprocess.run(
            ["git", "config", "--get-regexp", r"^remote\..*\.url$"],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return {}
    remotes = {}
    for line in out.splitlines():
        key, _, url = line.partition(" ")
        app = app_from_url(url)
        if app:
            remotes[key[len("remote.") : -len(".url")]] = app
    return remotes


def resolve_app(
    app: str | None, env: Mapping[str, str] | None = None, cwd: str | Path | None = None
) -> str:
    """The app name to act on; ConfigError says how to name it when it can't be decided."""
    if app:
        return app
    env = os.environ if env is None else env
    if env.get("HEROKU_APP"):
        return env["HEROKU_APP"]
    remotes = heroku_remotes(cwd)
    if "heroku" in remotes:
        return remotes["heroku"]
    apps = sorted(set(remotes.values()))
    if len(apps) == 1:
        return apps[0]
    if not apps:
        raise ConfigError(
            "No app given, HEROKU_APP is not set and this folder has no Heroku git remote.",
            remedy="Pass --app NAME (or set HEROKU_APP, or run `heroku git:remote --app NAME`).",
        )
    listed = ", ".join(f"{r} ({a})" for r, a in sorted(remotes.items()))
    raise ConfigError(
        f"Several Heroku git remotes point at different apps: {listed}.",
        remedy="Pass --app NAME to pick one.",
    )
