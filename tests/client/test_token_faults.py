"""The release check's OAuth token under injected faults, through the real client over loopback.

Lost answers (the sandbox applies the request, then drops the connection: fault `drop_after`),
429 storms and concurrent setups on one app must leave no live zdd token the app doesn't hold,
never keep a revoked token in ZDD_API_TOKEN, and let undo find zdd's tokens without a snapshot.
"""

from __future__ import annotations

import itertools
import random
import threading

import pytest

from zdd.apply import CHANGED, Applier
from zdd.authorize import install_token
from zdd.changes import AuthorizationCreate, ConfigUpdate
from zdd.heroku.client import HerokuClient
from zdd.heroku.marks import describe, marked_for
from zdd.plan import PENDING, Plan, Step
from zdd.sandbox import Platform, SandboxServer
from zdd.sandbox.seed import apply_seed
from zdd.snapshot import Snapshot
from zdd.state import ZDD_APP_VAR, ZDD_TOKEN_VAR

CREATE = "POST /oauth/authorizations"
CONFIG = "PATCH /apps/*/config-vars"


@pytest.fixture(scope="module")
def server():
    s = SandboxServer(Platform.from_seed({"apps": []})).start()
    yield s
    s.stop()


def new_client(server) -> HerokuClient:
    return HerokuClient(
        server.url,
        server.platform.global_token,
        backoff_initial=0.001,
        backoff_max=0.01,
        backoff_jitter=0.0,
    )


names = (f"tok-{i}" for i in itertools.count())


def new_app(server) -> str:
    name = next(names)
    apply_seed(
        server.platform,
        {
            "apps": [
                {
                    "name": name,
                    "buildpacks": ["heroku/java"],
                    "formation": [{"type": "web", "quantity": 2, "size": "Standard-1X"}],
                }
            ]
        },
    )
    return name


def token_plan(app: str, rotate: bool = False) -> Plan:
    change = AuthorizationCreate(ConfigUpdate(set={"ZDD_APP": app}), rotate=rotate)
    step = Step("release_check", "config", PENDING, "set the token", "", change=change)
    return Plan(app, (step,), (), "")


def audit(platform: Platform, app: str) -> dict:
    """Orphans: live zdd tokens for `app` the app does not hold; stale: a held token revoked."""
    held = platform.apps[app].config_vars.get(ZDD_TOKEN_VAR)
    live = {a.token: a for a in platform.authorizations.values()}
    mine = [
        a
        for a in platform.authorizations.values()
        if (a.description or "").startswith(f"zdd release check for {app}")
    ]
    return {
        "orphans": sum(a.token != held for a in mine),
        "stale": int(held is not None and held not in live),
        "held": held is not None,
    }


def run_setup(server, app: str, tmp_path, rotate: bool = False) -> list:
    with new_client(server) as client:
        snap = Snapshot(app, "t", {}, [], [], [])
        snap.save(tmp_path)
        return Applier(client, app, snapshot=snap).run(token_plan(app, rotate))


FAULTS = (  # (faults, does the setup succeed?)
    ([("drop_after", CREATE, 1)], True),
    ([("drop_after", CREATE, 2)], True),
    ([("drop_after", CONFIG, 1)], True),
    ([("drop_after", CREATE, 1), ("drop_after", CONFIG, 1)], True),
    ([("rate_limit", CREATE, 3)], True),
    ([("rate_limit", CREATE, 9)], False),  # more than the retries: fails, leaves nothing
    ([("drop", CREATE, 1)], True),
    ([("status", CONFIG, 1, 422)], False),  # a refused write: the token must go
    ([("drop_after", CONFIG, 5)], True),  # every answer lost: the write took effect anyway
)


def schedule(platform: Platform, faults) -> None:
    for kind, route, count, *status in faults:
        extra = {"status": status[0]} if status else {}
        platform.faults.add(kind, route, count=count, **extra)


def test_lost_answers_and_429_storms_leave_no_orphan(server, tmp_path):
    """100 setups, each under a drawn mix of lost answers, 429 storms and refusals."""
    rng = random.Random(8)
    totals = {"orphans": 0, "stale": 0, "failed": 0, "held": 0}
    for _ in range(100):
        app = new_app(server)
        faults, succeeds = rng.choice(FAULTS)
        schedule(server.platform, faults)
        results = run_setup(server, app, tmp_path)
        server.platform.faults.clear()
        assert (results[0].outcome == CHANGED) == succeeds, (faults, results[0].detail)
        totals["failed"] += results[0].outcome != CHANGED
        seen = audit(server.platform, app)
        totals["orphans"] += seen["orphans"]
        totals["stale"] += seen["stale"]
        totals["held"] += seen["held"]
        if results[0].outcome == CHANGED:
            assert seen["held"]
    print(f"\n100 setups under faults: {totals}")
    assert totals["orphans"] == 0, totals
    assert totals["stale"] == 0, totals
    assert totals["held"] + totals["failed"] == 100


def test_a_429_on_the_create_is_retried(server, tmp_path):
    app = new_app(server)
    server.platform.faults.add("rate_limit", CREATE, count=2)
    results = run_setup(server, app, tmp_path)
    assert results[0].outcome == CHANGED, results[0].detail
    assert audit(server.platform, app) == {"orphans": 0, "stale": 0, "held": True}


def test_concurrent_setups_keep_one_token(server, tmp_path):
    """Two setups at once on one app, 30 rounds: one token held, none orphaned, none stale."""
    orphans = stale = 0
    for n in range(30):
        app = new_app(server)
        barrier = threading.Barrier(2)
        outcomes: list = []

        def one(i: int, app: str = app, barrier=barrier, outcomes=outcomes, n=n) -> None:
            with new_client(server) as client:
                barrier.wait()
                snap = Snapshot(app, f"t{i}", {}, [], [], [])
                snap.save(tmp_path / f"{n}-{i}")
                outcomes.append(Applier(client, app, snapshot=snap).run(token_plan(app))[0])

        threads = [threading.Thread(target=one, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        seen = audit(server.platform, app)
        orphans += seen["orphans"]
        stale += seen["stale"]
        assert seen["held"]
        assert server.platform.apps[app].config_vars[ZDD_APP_VAR] == app
    print(f"\n30 concurrent rounds: orphans={orphans} stale={stale}")
    assert (orphans, stale) == (0, 0)


def test_snapshot_has_the_run_id_before_the_create(server, tmp_path):
    """A create that never answers still leaves the run id on disk, and its token is marked."""
    app = new_app(server)
    server.platform.faults.add("drop_after", CREATE, count=None)
    with new_client(server) as client:
        snap = Snapshot(app, "t", {}, [], [], [])
        snap.save(tmp_path)
        results = Applier(client, app, snapshot=snap).run(token_plan(app))
    server.platform.faults.clear()
    assert results[0].outcome != CHANGED
    run = Snapshot.load(snap.path).authorization_run
    assert run
    # the lost creates were revoked once the listing could be read again
    assert audit(server.platform, app)["orphans"] == 0
    assert describe(app, run).endswith(f"(run {run})")


def test_rotate_replaces_the_token_and_revokes_the_old(server, tmp_path):
    app = new_app(server)
    run_setup(server, app, tmp_path)
    old = server.platform.apps[app].config_vars[ZDD_TOKEN_VAR]
    results = run_setup(server, app, tmp_path, rotate=True)
    assert results[0].outcome == CHANGED
    new = server.platform.apps[app].config_vars[ZDD_TOKEN_VAR]
    assert new != old
    assert old not in {a.token for a in server.platform.authorizations.values()}
    assert audit(server.platform, app) == {"orphans": 0, "stale": 0, "held": True}


def test_install_token_keeps_a_token_another_run_set(server):
    """The re-read before creating: a token set since the plan is kept, no new one minted."""
    app = new_app(server)
    server.platform.apps[app].config_vars[ZDD_TOKEN_VAR] = "someone-elses"
    before = len(server.platform.authorizations)
    with new_client(server) as client:
        done = install_token(client, app, {ZDD_APP_VAR: app})
    assert done.held is None
    assert len(server.platform.authorizations) == before
    assert server.platform.apps[app].config_vars[ZDD_APP_VAR] == app


def test_tokens_carry_an_expiry_and_the_marked_description(server, tmp_path):
    app = new_app(server)
    run_setup(server, app, tmp_path)
    with new_client(server) as client:
        mine = marked_for(client.oauth_authorization_list(), app)
    assert len(mine) == 1 and mine[0].run
    assert mine[0].auth.expires_in == 365 * 24 * 3600
