"""How zdd marks the OAuth authorizations it creates, so it can always find them again. Pure.

Every authorization zdd creates for an app's release check carries, in its description, the app
name and a per-run id (written to the snapshot before the create request). From a listing of the
account's authorizations (`GET /oauth/authorizations`) zdd can then tell its own tokens for an app
apart from everything else, find the extra tokens a lost answer or a retry left behind, and revoke
them, with or without a snapshot. A description is free text the user can see in
`heroku authorizations`, so it also says what the token is for.

Which of zdd's authorizations the app still holds (in ZDD_API_TOKEN) is decided by comparing
SHA-256 digests: the listing's token (when the API shows it) against the config var's value. No
token is ever kept or compared in clear outside this comparison.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from zdd.heroku.models import OAuthAuthorization, token_digest

__all__ = [
    "TOKEN_LIFETIME",
    "Marked",
    "describe",
    "digest",
    "marked_for",
    "new_run_id",
    "orphans",
]

#: Seconds a release-check token lives (one year, like a `heroku login` token). An expired token
#: makes the release check skip; `zdd setup --rotate-token` replaces it before that.
TOKEN_LIFETIME = 365 * 24 * 3600

_PREFIX = "zdd release check for "
# "zdd release check for my-app (run 1a2b3c4d5e6f)"; 0.1 wrote it without the run part.
_DESCRIPTION = re.compile(
    r"zdd release check for (?P<app>[^\s()]+)(?: \(run (?P<run>[0-9a-f]+)\))?$"
)


def new_run_id() -> str:
    """A fresh id for one setup run's authorization (12 hex digits)."""
    return secrets.token_hex(6)


def describe(app: str, run: str) -> str:
    """The description zdd gives the authorization it creates for `app` in run `run`."""
    return f"{_PREFIX}{app} (run {run})"


digest = token_digest


@dataclass(frozen=True)
class Marked:
    """One of zdd's authorizations for an app, as its description marks it."""

    auth: OAuthAuthorization
    app: str
    run: str | None  # None: made by zdd 0.1 (no run id)


def marked_for(auths: Iterable[OAuthAuthorization], app: str) -> list[Marked]:
    """zdd's authorizations for `app` (description written by `describe`, or by zdd 0.1)."""
    found = []
    for auth in auths:
        match = _DESCRIPTION.match((auth.description or "").strip())
        if match and match.group("app") == app:
            found.append(Marked(auth, app, match.group("run")))
    return found


def orphans(
    auths: Iterable[OAuthAuthorization],
    app: str,
    held_token: str | None,
    *,
    keep: Iterable[str] = (),
) -> tuple[list[OAuthAuthorization], list[OAuthAuthorization]]:
    """(orphans, undecided) among zdd's authorizations for `app`.

    An orphan is one nobody can hold: its token is not `held_token` (the app's ZDD_API_TOKEN, or
    None when the app has none). Undecided: `held_token` is set but the listing hides this
    authorization's token, so it may be the one the app holds (never revoked on a guess). Ids in
    `keep` are never orphans (the token this run just created and wrote).
    """
    kept = set(keep)
    held = digest(held_token) if held_token else None
    lost, unsure = [], []
    for m in marked_for(auths, app):
        if m.auth.id in kept:
            continue
        if held is None:
            lost.append(m.auth)
        elif m.auth.token_digest is None:
            unsure.append(m.auth)
        elif m.auth.token_digest != held:
            lost.append(m.auth)
    return lost, unsure
