"""Which app, as the Heroku CLI decides it: --app, else HEROKU_APP, else the git remote named by
--remote or `git config heroku.remote`, else the only Heroku git remote of the repo.

The Heroku CLI's rule (its `app` flag in @heroku-cli/command): several Heroku remotes and none
chosen is an error, never a guess. Two choices of zdd's own: --remote beats HEROKU_APP (a flag
typed now says more than the environment), and --app with --remote is a contradiction.
An app id (a UUID) is resolved to its name once (`app_name`), so ZDD_APP, snapshots and messages
all carry the name. https://devcenter.heroku.com/articles/multiple-environments
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

from zdd.errors import ConfigError, UsageError

# https://git.heroku.com/<app>.git, git@heroku.com:<app>.git, ssh://git@heroku.com/<app>.git
_REMOTE = re.compile(
    r"^(?:https://git\.heroku\.com/|ssh://git@heroku\.com/|git@heroku\.com:)"
    r"(?P<app>[a-z][a-z0-9-]*)(?:\.git)?/?$"
)
#: What can name an app in a URL path: a name (letters, digits, dashes) or an id (a UUID).
_APP_REF = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
MULTIPLE_ENVIRONMENTS = "https://devcenter.heroku.com/articles/multiple-environments"


def app_from_url(url: str) -> str | None:
    """The app behind a Heroku git URL, or None for any other URL."""
    m = _REMOTE.match(url.strip())
    return m.group("app") if m else None


def _git(cwd: str | Path | None, *args: str) -> str:
    try:
        return subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, timeout=10, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return ""


def heroku_remotes(cwd: str | Path | None = None) -> dict[str, str]:
    """{remote name: app} for the git repo at cwd (empty when not in a repo or git is missing)."""
    out = _git(cwd, "config", "--get-regexp", r"^remote\..*\.url$")
    remotes = {}
    for line in out.splitlines():
        key, _, url = line.partition(" ")
        app = app_from_url(url)
        if app:
            remotes[key[len("remote.") : -len(".url")]] = app
    return remotes


def config_remote(cwd: str | Path | None = None) -> str | None:
    """`git config heroku.remote`: the remote a repo names as its default Heroku app."""
    return _git(cwd, "config", "heroku.remote").strip() or None


def check_app_ref(app: str, flag: str = "--app") -> str:
    """The app name or id as given, or UsageError: an empty or malformed value is never taken
    for "no app given" (which would fall back to the git remote: another app)."""
    if not app.strip():
        raise UsageError(
            f"{flag} is empty; name the app",
            remedy=f"Pass {flag} NAME (or leave {flag} out to use HEROKU_APP or the git remote).",
        )
    if not _APP_REF.match(app):
        raise UsageError(
            f"{flag} {app!r} is not a Heroku app name or id (letters, digits and dashes)",
            remedy=f"Pass {flag} NAME, as `heroku apps` lists it.",
        )
    return app


def resolve_app(
    app: str | None,
    env: Mapping[str, str] | None = None,
    cwd: str | Path | None = None,
    *,
    remote: str | None = None,
) -> str:
    """The app to act on; ConfigError (or UsageError) says how to name it when it can't be
    decided."""
    if app is not None and remote is not None:
        raise UsageError(
            "--app and --remote both name an app; pass one of them",
            remedy="Pass --app NAME, or --remote REMOTE for the app behind a git remote.",
        )
    if app is not None:
        return check_app_ref(app)
    if remote is not None:
        check_app_ref(remote, "--remote")
    env = os.environ if env is None else env
    if remote is None and env.get("HEROKU_APP"):
        return check_app_ref(env["HEROKU_APP"], "HEROKU_APP")
    remotes = heroku_remotes(cwd)
    chosen = remote or config_remote(cwd)
    if chosen is not None:
        if chosen in remotes:
            return remotes[chosen]
        source = "--remote" if remote is not None else "git config heroku.remote"
        raise ConfigError(
            f"{source} names the git remote {chosen!r}, which is not a Heroku git remote here.",
            remedy="Run `git remote -v` to see the remotes, or pass --app NAME.",
        )
    if len(remotes) == 1:
        return next(iter(remotes.values()))
    if not remotes:
        raise ConfigError(
            "No app given, HEROKU_APP is not set and this folder has no Heroku git remote.",
            remedy="Pass --app NAME (or set HEROKU_APP, or run `heroku git:remote --app NAME`).",
        )
    listed = ", ".join(f"{r} ({a})" for r, a in sorted(remotes.items()))
    first = sorted(remotes)[0]
    raise ConfigError(
        f"Several Heroku git remotes, so zdd can't tell which app you mean: {listed}.",
        remedy=f"Pass --app NAME or --remote REMOTE (e.g. --remote {first}), or make one the "
        f"default: `git config heroku.remote {first}` ({MULTIPLE_ENVIRONMENTS}).",
    )


class _Named(Protocol):
    name: str


class _AppReader(Protocol):
    def app_info(self, app: str) -> _Named: ...


def is_app_id(app: str) -> bool:
    return bool(_UUID.match(app))


def app_name(client: _AppReader, app: str) -> str:
    """The app's name: `app` itself, or for an app id (UUID) the name the API gives it (one GET),
    so everything after (ZDD_APP, snapshots, messages) uses the name."""
    if not is_app_id(app):
        return app
    return client.app_info(app).name
