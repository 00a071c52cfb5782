"""The release check's OAuth token: create it, hand it to the app, and never lose one.

A create request whose answer is lost still mints a token, and two setups at once on one app both
mint one. So every token zdd creates is marked (zdd.heroku.marks: the app and a per-run id in its
description, the run id saved in the snapshot before the request), which makes the create safe
to retry: after the app holds one token, every other marked token for the app is revoked. The
config update that hands the token over is conditional (If-Match on the config's ETag), so of two
concurrent setups exactly one writes ZDD_API_TOKEN and the other revokes its own token. A token is
revoked only when a re-read shows the app does not hold it, never on a failed write alone (the
write may have taken effect with its answer lost).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from zdd.errors import NotFound, PreconditionFailed, ZddError
from zdd.heroku.marks import TOKEN_LIFETIME, describe, marked_for, new_run_id, orphans
from zdd.snapshot import Snapshot
from zdd.state import ZDD_TOKEN_VAR

if TYPE_CHECKING:
    from zdd.heroku.client import HerokuClient

#: Conditional writes refused by other changes to the config (not by another token) before
#: giving up: each refusal means someone else is changing the app's config right now.
MAX_CONFLICTS = 3


@dataclass(frozen=True)
class TokenResult:
    """What the token step did: `held` is the authorization id the app now holds (None: another
    run's or an earlier one's), `revoked` the ids this step revoked, `note` a line for the user."""

    held: str | None
    revoked: tuple[str, ...] = ()
    note: str = ""


def revoke_quietly(client: HerokuClient, ids: Iterable[str]) -> tuple[list[str], list[str]]:
    """Revoke each id; (revoked, failed). A 404 counts as revoked (someone did it already)."""
    done, failed = [], []
    for auth_id in ids:
        try:
            client.oauth_authorization_delete(auth_id)
            done.append(auth_id)
        except NotFound:
            done.append(auth_id)
        except ZddError:
            failed.append(auth_id)
    return done, failed


def install_token(
    client: HerokuClient,
    app: str,
    changes: Mapping[str, str | None],
    *,
    snapshot: Snapshot | None = None,
    rotate: bool = False,
    new_run: Callable[[], str] = new_run_id,
) -> TokenResult:
    """Create a read token for `app` and write it to ZDD_API_TOKEN along with `changes`.

    `rotate`: replace a token the app already holds (the old one is revoked once the new one is
    in place). Raises the ZddError that stopped it; a token it created is then either held by
    the app, revoked, or recorded in the snapshot (and marked, so undo finds it).
    """
    run = new_run()
    if snapshot is not None:  # before the POST: a lost answer still leaves a findable run id
        snapshot.authorization_run = run
        snapshot.save()
    config, etag = client.config_vars_versioned(app)
    if not rotate and ZDD_TOKEN_VAR in config:  # another setup installed one meanwhile
        rest = {k: v for k, v in changes.items() if k != ZDD_TOKEN_VAR and config.get(k) != v}
        if rest:
            client.config_vars_update(app, rest)
        return TokenResult(None, note="another run had set ZDD_API_TOKEN meanwhile; kept it")
    try:
        auth = client.oauth_authorization_create(
            scope=["read"],
            description=describe(app, run),
            expires_in=TOKEN_LIFETIME,
            retry_safe=True,
        )
    except ZddError:
        _revoke_run(client, app, run)  # a create that took effect with its answer lost
        raise
    if snapshot is not None:
        snapshot.authorization_id = auth.id
        snapshot.save()
    token = auth.access_token or ""
    write = {**changes, ZDD_TOKEN_VAR: token}
    conflicts = 0
    while True:
        try:
            client.config_vars_update(app, write, if_match=etag)
            break
        except PreconditionFailed:
            held = _held_token(client, app)
            if held == token:  # our write's answer was lost and the retry found it applied
                break
            conflicts += 1
            if (held is not None and not rotate) or conflicts > MAX_CONFLICTS:
                revoked = _give_back(client, app, run, auth.id, snapshot)
                if held is not None and not rotate:
                    rest = {k: v for k, v in changes.items() if k != ZDD_TOKEN_VAR}
                    fresh = client.config_vars(app)
                    rest = {k: v for k, v in rest.items() if fresh.get(k) != v}
                    if rest:
                        client.config_vars_update(app, rest)
                    return TokenResult(
                        None,
                        tuple(revoked),
                        "another setup set ZDD_API_TOKEN at the same time; kept its token and "
                        "revoked the one this run created",
                    )
                raise
            _, etag = client.config_vars_versioned(app)
        except ZddError:
            try:
                held = _held_token(client, app)
            except ZddError:
                raise  # can't tell: the token stays, recorded in the snapshot and marked
            if held == token:
                break
            _give_back(client, app, run, auth.id, snapshot)
            raise
    # The app holds our token: every other token zdd made for it is held by nobody.
    revoked, failed = _revoke_others(client, app, keep=auth.id)
    note = ""
    if revoked:
        note = f"revoked {len(revoked)} older or duplicate zdd token(s) for {app}"
    if failed:
        note += (
            f"{'; ' if note else ''}could not revoke {', '.join(failed)} "
            f"(`zdd undo --app {app}` or `heroku authorizations:revoke ID` does)"
        )
    return TokenResult(auth.id, tuple(revoked), note)


def _held_token(client: HerokuClient, app: str) -> str | None:
    return client.config_vars(app).get(ZDD_TOKEN_VAR)


def _revoke_run(client: HerokuClient, app: str, run: str) -> list[str]:
    """Revoke every token this run created (lost answers included); best effort."""
    try:
        mine = [
            m.auth.id for m in marked_for(client.oauth_authorization_list(), app) if m.run == run
        ]
    except ZddError:
        return []
    return revoke_quietly(client, mine)[0]


def _give_back(
    client: HerokuClient, app: str, run: str, auth_id: str, snapshot: Snapshot | None
) -> list[str]:
    """The app does not hold this run's token: revoke it and any duplicates of this run."""
    revoked = _revoke_run(client, app, run)
    if auth_id not in revoked:
        revoked += revoke_quietly(client, [auth_id])[0]
    if snapshot is not None and auth_id in revoked:
        snapshot.authorization_id = None
        snapshot.save()
    return revoked


def _revoke_others(client: HerokuClient, app: str, keep: str) -> tuple[list[str], list[str]]:
    try:
        auths = client.oauth_authorization_list()
    except ZddError:
        return [], []
    lost, _ = orphans(auths, app, None, keep=[keep])
    return revoke_quietly(client, [a.id for a in lost])


def revocable(client: HerokuClient, app: str, held_token: str | None) -> list[str]:
    """Ids of zdd's tokens for `app` nobody holds (`held_token`: the value the app keeps in
    ZDD_API_TOKEN after this command, None when it keeps none). For undo, with or without a
    snapshot; tokens the listing can't tell apart from the held one are kept."""
    lost, _ = orphans(client.oauth_authorization_list(), app, held_token)
    return [a.id for a in lost]
