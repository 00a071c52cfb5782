"""apply.py through the real client against a sandbox on loopback (no mocks): part-way failures,
token cleanup, verification, and plans for generated apps that the platform's rules accept."""

import itertools

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from zdd.apply import CHANGED, FAILED, NOT_ATTEMPTED, UNCHANGED, Applier, check_results
from zdd.changes import FormationUpdate, ProcessUpdate
from zdd.checks import FAILED as CHECK_FAILED
from zdd.checks import check
from zdd.cost import PROFESSIONAL_SIZES
from zdd.heroku.client import HerokuClient
from zdd.plan import PENDING, Plan, PlanOptions, Step, plan
from zdd.reader import read_state
from zdd.sandbox import Platform, SandboxClock, SandboxServer
from zdd.snapshot import Snapshot
from zdd.state import Process


@pytest.fixture(scope="module")
def server():
    # 200x sandbox time: a preboot window the applier waits out (boot timeout + 2 min) passes in
    # about a second, not three minutes of the test's time.
    s = SandboxServer(Platform.from_seed({"apps": []}, clock=SandboxClock(factor=200))).start()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def client(server):
    with HerokuClient(server.url, server.platform.global_token, backoff_initial=0.01) as c:
        yield c


names = (f"gen-{i}" for i in itertools.count())


def seed(server, **app) -> str:
    from zdd.sandbox.seed import apply_seed

    name = next(names)
    apply_seed(server.platform, {"apps": [{"name": name, **app}]})
    return name


def test_failure_part_way_stops_and_accounts_for_every_step(server, client, tmp_path):
    app = seed(
        server,
        buildpacks=["heroku/java"],
        formation=[{"type": "web", "quantity": 1, "size": "Standard-1X"}],
    )
    server.platform.faults.add("status", route="PUT /apps/*/buildpack-installations", status=422)
    state = read_state(client, app)
    snap = Snapshot.of(state)
    snap.save(tmp_path)
    results = Applier(client, app, snapshot=snap).run(plan(state))
    outcomes = [(r.step.id, r.outcome) for r in results]
    assert outcomes == [
        ("affinity", CHANGED),
        ("formation", CHANGED),
        ("preboot", CHANGED),
        ("buildpack", FAILED),
        ("release_check", NOT_ATTEMPTED),
    ]
    assert "HTTP 422" in results[3].detail
    after = read_state(client, app)
    assert [r.outcome for r in check_results(results, after)] == [r[1] for r in outcomes]
    assert snap.authorization_id is None  # no token was minted


def test_token_is_revoked_when_the_config_update_fails(server, client, tmp_path):
    app = seed(server, buildpacks=["heroku/java"])
    server.platform.faults.add("status", route="PATCH /apps/*/config-vars", status=422)
    before = set(server.platform.authorizations)
    state = read_state(client, app)
    snap = Snapshot.of(state)
    snap.save(tmp_path)
    results = Applier(client, app, snapshot=snap).run(plan(state, PlanOptions(affinity=False)))
    assert results[-1].outcome == FAILED
    assert set(server.platform.authorizations) == before
    assert snap.authorization_id is None


def test_verification_flags_a_change_the_re_read_does_not_show(server, client):
    app = seed(server, buildpacks=["heroku/nodejs"])
    state = read_state(client, app)
    results = Applier(client, app).run(plan(state))
    stale = state  # as if the API had silently dropped the writes
    assert {r.outcome for r in check_results(results, stale)} >= {FAILED}
    assert {r.outcome for r in check_results(results, read_state(client, app))} <= {
        CHANGED,
        UNCHANGED,
    }


@st.composite
def seeds(draw):
    types = draw(st.lists(st.sampled_from(["web", "worker", "clock"]), unique=True, max_size=3))
    hobby = draw(st.booleans())
    size = draw(st.sampled_from(["Eco", "Basic"])) if hobby else None
    formation = [
        {
            "type": t,
            "quantity": draw(st.integers(0, 1 if hobby else 4)),
            "size": size or draw(st.sampled_from(PROFESSIONAL_SIZES)),
        }
        for t in types
    ]
    # The platform runs at most 2 Eco dynos per app, and seeds follow the platform's rules.
    assume(size != "Eco" or sum(f["quantity"] for f in formation) <= 2)
    bps = draw(
        st.lists(
            st.sampled_from(["heroku/java", "heroku/nodejs", "heroku/gradle", "heroku/python"]),
            unique=True,
            max_size=3,
        )
    )
    features = {
        "preboot": draw(st.booleans()) and not hobby,
        "http-session-affinity": draw(st.booleans()),
    }
    return {"buildpacks": bps, "formation": formation, "features": features}


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seeds(), st.none() | st.sampled_from(PROFESSIONAL_SIZES), st.integers(1, 3))
def test_the_sandbox_accepts_every_plan_and_the_result_passes_or_is_explained(
    server, client, app_seed, size, min_web
):
    app = seed(server, **app_seed)
    state = read_state(client, app)
    p = plan(state, PlanOptions(size=size, min_web=min_web))
    results = check_results(Applier(client, app, wait=0).run(p), read_state(client, app))
    assert all(r.outcome in (CHANGED, UNCHANGED, "blocked") for r in results), results
    after = read_state(client, app)
    for old, new in zip(
        sorted(state.formation, key=lambda p: p.type),
        sorted(after.formation, key=lambda p: p.type),
        strict=True,
    ):
        assert new.quantity >= old.quantity
    failing = {f.id for f in check(after) if f.status == CHECK_FAILED}
    if not p.blocked and min_web >= 2:
        assert failing == set(), (state, after)
    assert plan(after, PlanOptions(size=size, min_web=min_web)).pending == []


def test_formation_never_goes_below_what_the_applier_reads_just_before(server, client):
    app = seed(server, formation=[{"type": "web", "quantity": 1, "size": "Standard-1X"}])
    state = read_state(client, app)
    p = plan(state, PlanOptions(min_web=3, affinity=False))
    server.platform.formation_batch_update(app, [{"type": "web", "quantity": 6}])  # meanwhile
    results = Applier(client, app).run(p)
    (formation,) = [r for r in results if r.step.id == "formation"]
    assert formation.outcome == UNCHANGED and "web kept at 6" in formation.detail
    after = read_state(client, app)
    assert after.web.quantity == 6
    assert all(r.outcome != FAILED for r in check_results(results, after))
    # undo's applier (never_lower=False) lowers on purpose
    lower = Step(
        "formation",
        "formation",
        PENDING,
        "restore",
        "",
        change=FormationUpdate((ProcessUpdate(after.web, quantity=1),)),
    )
    Applier(client, app, never_lower=False).run(Plan(app, (lower,)))
    assert read_state(client, app).web.quantity == 1


def test_a_size_change_still_goes_through_when_the_quantity_is_kept(server, client):
    app = seed(server, formation=[{"type": "web", "quantity": 1, "size": "Basic"}])
    state = read_state(client, app)
    p = plan(state, PlanOptions(size="Standard-1X", affinity=False))
    assert p.step("formation").payload["updates"] == [
        {"type": "web", "quantity": 2, "size": "Standard-1X"}
    ]
    results = Applier(client, app).run(p)
    assert read_state(client, app).web == Process("web", 2, "Standard-1X")
    assert [r.outcome for r in results if r.step.id == "formation"] == [CHANGED]


def test_no_affinity_is_recorded_on_the_app_and_check_honours_it(server, client):
    """Issue 8 item 10 through the real API: one config update records ZDD_OPT_OUT beside
    ZDD_API_TOKEN/ZDD_APP; the re-read check reports affinity skipped (opted out)."""
    app = seed(
        server,
        buildpacks=["heroku/java"],
        formation=[{"type": "web", "quantity": 2, "size": "Standard-1X"}],
        features={"preboot": True},
    )
    state = read_state(client, app)
    p = plan(state, PlanOptions(affinity=False))
    server.platform.clear_request_log()
    results = Applier(client, app).run(p)
    after = read_state(client, app)
    assert [r.outcome for r in check_results(results, after) if r.step.kind == "config"] == [
        CHANGED
    ]
    patches = [r for r in server.platform.request_log() if r["path"].endswith("/config-vars")]
    assert [r["method"] for r in patches].count("PATCH") == 1  # one update, one release
    assert after.opt_outs == {"affinity.enabled"}
    affinity = next(f for f in check(after) if f.id == "affinity.enabled")
    assert (affinity.status, affinity.message) == ("skipped", "opted out (ZDD_OPT_OUT)")
    assert plan(after).pending == []
