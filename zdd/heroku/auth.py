"""Find the API token the way the Heroku CLI does: HEROKU_API_KEY > netrc > `heroku auth:token`.

The CLI (since @heroku-cli/command 13) keeps tokens in the OS keychain and no longer writes netrc,
so `heroku auth:token` is the only portable way to reach them; it runs last because it is slow.
Only the *source* is ever reported (``Credentials.source``); the token never leaves ``.token``.
"""

from __future__ import annotations

import logging
import netrc
import os
import shutil
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from zdd.errors import ConfigError

__all__ = ["Credentials", "resolve_token", "netrc_path", "LOGIN_HELP"]

log = logging.getLogger(__name__)

AUTH_TOKEN_TIMEOUT = 10.0
"""Seconds to wait for `heroku auth:token` (it may start node and read the keychain)."""

LOGIN_HELP = (
    "Log in one of three ways: run `heroku login` (zdd then asks `heroku auth:token`), "
    "or `export HEROKU_API_KEY=$(heroku auth:token)`, "
    "or add to ~/.netrc (or the file named by NETRC): "
    "`machine {machine} login <email> password <token>`."
)


@dataclass(frozen=True)
class Credentials:
    """A token and where it came from; repr shows the source only."""

    token: str = field(repr=False)
    source: str


Runner = Callable[..., subprocess.CompletedProcess[str]]


def netrc_path(env: Mapping[str, str]) -> Path:
    """The netrc file: ``$NETRC`` if set (a file path, as curl reads it), else ~/.netrc."""
    if env.get("NETRC"):
        return Path(env["NETRC"]).expanduser()
    home = env.get("HOME") or str(Path.home())
    return Path(home) / ".netrc"


def _display_path(path: Path, env: Mapping[str, str]) -> str:
    home = env.get("HOME")
    if home:
        try:
            return "~/" + str(path.relative_to(home))
        except ValueError:
            pass
    return str(path)


def _from_netrc(path: Path, machine: str) -> str | None:
    """The password of ``machine`` in ``path``; None when the file or entry is missing."""
    if not path.is_file():
        return None
    try:
        entry = netrc.netrc(str(path)).authenticators(machine)
    except netrc.NetrcParseError as exc:
        # The parser's own message may quote a fragment of the file (a password): omit it.
        raise ConfigError(
            f"Cannot parse the netrc file {path} (line {exc.lineno}).",
            remedy="Fix the file's syntax, or point NETRC elsewhere. "
            + LOGIN_HELP.format(machine=machine),
        ) from None
    except OSError as exc:
        raise ConfigError(
            f"Cannot read the netrc file {path}: {exc.strerror}.",
            remedy="Fix its permissions, or unset NETRC / use HEROKU_API_KEY instead.",
        ) from None
    if entry is None:
        return None
    password = (entry[2] or "").strip()
    return password or None


def _from_heroku_cli(env: Mapping[str, str], run: Runner, notes: list[str]) -> str | None:
    """Stdout of `heroku auth:token` (stderr carries expiry warnings and is ignored)."""
    exe = shutil.which("heroku", path=env.get("PATH"))
    if exe is None:
        notes.append("no `heroku` executable on PATH")
        return None
    try:
        done = run(
            [exe, "auth:token"],
            capture_output=True,
            text=True,
            timeout=AUTH_TOKEN_TIMEOUT,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except subprocess.TimeoutExpired:
        notes.append(f"`heroku auth:token` did not answer within {AUTH_TOKEN_TIMEOUT:g}s")
        return None
    except OSError as exc:
        notes.append(f"`heroku auth:token` could not start: {exc.strerror}")
        return None
    if done.returncode != 0:
        first = (done.stderr or "").strip().splitlines()[:1]
        reason = f": {first[0][:200]}" if first else ""
        notes.append(f"`heroku auth:token` exited {done.returncode}{reason}")
        return None
    lines = [line.strip() for line in (done.stdout or "").splitlines() if line.strip()]
    if not lines or any(ch.isspace() for ch in lines[-1]):
        notes.append("`heroku auth:token` printed no token")
        return None
    return lines[-1]


def resolve_token(
    env: Mapping[str, str] | None = None,
    *,
    machine: str = "api.heroku.com",
    run: Runner = subprocess.run,
) -> Credentials:
    """Return the first token found, in the CLI's order; raise ConfigError naming every way in."""
    env = os.environ if env is None else env
    key = (env.get("HEROKU_API_KEY") or "").strip()
    if key:
        return Credentials(key, "HEROKU_API_KEY")
    if env.get("HEROKU_API_TOKEN"):
        log.warning("HEROKU_API_TOKEN is set but not read; did you mean HEROKU_API_KEY?")

    notes: list[str] = [
        "HEROKU_API_KEY is empty" if "HEROKU_API_KEY" in env else "HEROKU_API_KEY is not set"
    ]
    path = netrc_path(env)
    token = _from_netrc(path, machine)
    if token:
        return Credentials(token, f"netrc ({_display_path(path, env)})")
    shown = _display_path(path, env)
    notes.append(
        f"no `machine {machine}` entry in {shown}"
        if path.is_file()
        else f"no netrc file at {shown}"
    )

    token = _from_heroku_cli(env, run, notes)
    if token:
        return Credentials(token, "heroku auth:token")
    raise ConfigError(
        "No Heroku API token found (" + "; ".join(notes) + ").",
        remedy=LOGIN_HELP.format(machine=machine),
    )
