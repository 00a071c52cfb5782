"""undo_plan(): back to the snapshot, removing only what setup added, sizes only with consent."""

from zdd.plan import BLOCKED, PENDING, PlanOptions, plan, simulate
from zdd.restore import undo_plan
from zdd.snapshot import Snapshot
from zdd.state import COMPANION_BUILDPACK_URL, AppState, Process

BASIC = AppState(
    app="a",
    buildpacks=("heroku/nodejs", "heroku/java"),
    features={"preboot": False, "http-session-affinity": False},
    formation=(Process("web", 1, "Basic"), Process("worker", 1, "Basic")),
    config_vars=frozenset({"JAVA_OPTS"}),
)


def after_setup(state=BASIC, **opts):
    return simulate(state, plan(state, PlanOptions(size="Standard-2X", **opts)))


def test_undo_of_a_full_setup_reaches_the_snapshot_with_consent():
    snap = Snapshot.of(BASIC)
    snap.authorization_id = "auth-1"
    now = after_setup()
    p = undo_plan(now, snap, restore_sizes=True, authorization_exists=True)
    # Back onto Basic, which can't run preboot: preboot goes off just before that resize (which
    # restarts those dynos without preboot anyway), still after the config vars' release.
    assert [s.id for s in p.pending] == [
        "buildpack",
        "release_check",
        "affinity",
        "preboot",
        "formation",
        "authorization",
    ]
    back = simulate(now, p)
    assert back.features == BASIC.features
    assert back.formation == BASIC.formation
    assert back.buildpacks == BASIC.buildpacks
    assert back.config_vars == BASIC.config_vars
    assert p.step("authorization").payload == {"revoke": "auth-1"}
    assert "explicit request" in p.step("formation").note


def test_without_consent_a_resized_type_keeps_its_quantity_and_its_size():
    """Issue 8 item 11: plain undo used to leave web at 1 x Standard-2X (more than before setup,
    and no redundancy). A type setup resized goes back, quantity and size, only with consent."""
    now = after_setup()
    p = undo_plan(now, Snapshot.of(BASIC))
    assert p.step("formation") is None  # nothing to lower on its own
    sizes = p.step("formation_sizes")
    assert sizes.status == BLOCKED
    assert sizes.payload == {
        "updates": [
            {"type": "web", "quantity": 1, "size": "Basic"},
            {"type": "worker", "size": "Basic"},
        ]
    }
    assert "web at 2 x Standard-2X" in sizes.note
    assert p.next_command == "zdd undo --app a --restore-sizes"
    assert p.cost_after == 150  # what the app keeps paying: 3 x Standard-2X
    assert undo_plan(now, Snapshot.of(BASIC), restore_sizes=True).cost_after == 14


def test_a_type_whose_size_setup_kept_gets_its_quantity_back_without_consent():
    before = BASIC.replace(
        formation=(Process("web", 1, "Standard-1X"), Process("worker", 1, "Basic"))
    )
    now = before.replace(
        formation=(Process("web", 2, "Standard-1X"), Process("worker", 1, "Standard-1X"))
    )
    p = undo_plan(now, Snapshot.of(before))
    assert p.step("formation").status == PENDING
    assert p.step("formation").payload == {"updates": [{"type": "web", "quantity": 1}]}
    assert p.step("formation_sizes").payload == {"updates": [{"type": "worker", "size": "Basic"}]}
    assert p.cost_after == 25 + 25


def test_only_our_buildpack_and_vars_are_removed_and_later_additions_stay():
    now = after_setup().replace(
        buildpacks=("heroku/nodejs", "heroku/ruby", COMPANION_BUILDPACK_URL, "heroku/java"),
        config_vars=frozenset({"JAVA_OPTS", "ZDD_API_TOKEN", "ZDD_APP", "NEW_VAR"}),
    )
    p = undo_plan(now, Snapshot.of(BASIC))
    assert p.step("buildpack").payload == {
        "buildpacks": ["heroku/nodejs", "heroku/ruby", "heroku/java"]
    }
    assert p.step("release_check").payload == {"unset": ["ZDD_API_TOKEN", "ZDD_APP"]}


def test_a_token_that_existed_before_setup_is_kept():
    before = BASIC.replace(config_vars=frozenset({"ZDD_API_TOKEN"}))
    now = after_setup(before)
    assert plan(before, PlanOptions(size="Standard-1X")).step("release_check").payload == {
        "set": {"ZDD_APP": "a"}
    }
    p = undo_plan(now, Snapshot.of(before))
    assert p.step("release_check").payload == {"unset": ["ZDD_APP"]}


def test_nothing_to_undo_is_all_unchanged():
    snap = Snapshot.of(BASIC)
    p = undo_plan(BASIC, snap, restore_sizes=True)
    assert p.pending == [] and p.blocked == []


def test_blocked_size_step_costs_the_whole_way_back():
    now = after_setup()  # web 2 x Standard-2X, worker 1 x Standard-2X; the snapshot: 1 x Basic
    p = undo_plan(now, Snapshot.of(BASIC))
    sizes = p.step("formation_sizes")
    assert "web: 2 x Standard-2X -> 1 x Basic" in sizes.what
    assert sizes.cost_change == 7 + 7 - (100 + 50)


def test_a_chain_of_runs_removes_what_each_added_and_revokes_every_live_token():
    custom = "https://internal.example.com/bp/warmup.tgz"
    first = Snapshot.of(BASIC, companion_url=custom)  # part-way run: the buildpack step failed
    second = Snapshot.of(after_setup().replace(buildpacks=BASIC.buildpacks), companion_url=custom)
    first.authorization_id, second.authorization_id = "auth-1", "auth-2"
    now = after_setup().replace(buildpacks=("heroku/nodejs", custom, "heroku/java"))
    p = undo_plan(
        now,
        first,
        restore_sizes=True,
        later=[second],
        live_authorizations={"auth-1", "auth-2"},
    )
    assert p.step("buildpack").payload == {"buildpacks": ["heroku/nodejs", "heroku/java"]}
    revoked = [s.payload["revoke"] for s in p.pending if s.kind == "authorization"]
    assert revoked == ["auth-1", "auth-2"]
    back = simulate(now, p)
    assert back.formation == BASIC.formation and back.features == BASIC.features


STANDARD = AppState(
    app="s",
    buildpacks=("heroku/java",),
    features={"preboot": False, "http-session-affinity": False},
    formation=(Process("web", 1, "Standard-1X"),),
    config_vars=frozenset({"JAVA_OPTS"}),
)


def test_undo_removes_config_vars_while_preboot_is_on_and_turns_preboot_off_last():
    """Reviewer's SAFETY finding: undo turned preboot off first, so the release that removing
    ZDD_* makes restarted every dyno without preboot (a serving gap). Every change that makes a
    release or restarts dynos comes first; preboot off is the final step."""
    snap = Snapshot.of(STANDARD)
    snap.authorization_id = "auth-1"
    now = simulate(STANDARD, plan(STANDARD, PlanOptions()))
    assert now.feature("preboot") and now.web.quantity == 2
    p = undo_plan(now, snap, authorization_exists=True)
    ids = [s.id for s in p.pending]
    assert ids == [
        "buildpack",
        "release_check",
        "formation",
        "authorization",
        "affinity",
        "preboot",
    ]
    assert p.step("release_check").restarts
    assert ids[-1] == "preboot"
    assert simulate(now, p).features == STANDARD.features


def test_setup_enables_preboot_before_any_change_that_restarts_dynos():
    """The same rule for setup: preboot is on before the config update's release."""
    p = plan(STANDARD, PlanOptions())
    ids = [s.id for s in p.pending]
    restarting = [i for i, s in enumerate(p.pending) if s.restarts]
    assert restarting and ids.index("preboot") < min(restarting)


def test_print_commands_never_put_the_token_on_a_command_line():
    """Reviewer: `heroku config:set ZDD_API_TOKEN="$ZDD_API_TOKEN"` puts the token in argv (ps).
    The token step is a comment naming `zdd setup` and the marked description undo looks for."""
    commands = plan(STANDARD, PlanOptions()).step("release_check").commands
    runnable = [c for c in commands if not c.startswith("#")]
    assert runnable == ["heroku config:set ZDD_APP=s --app s"]
    assert not any("ZDD_API_TOKEN" in c for c in runnable)
    (note,) = [c for c in commands if c.startswith("#")]
    assert "zdd setup --app s" in note
    assert '"zdd release check for s (run <run id>)"' in note


def test_check_fix_for_a_missing_companion_is_zdd_setup_not_an_unchecked_url():
    """Reviewer: check's fix was `heroku buildpacks:add ... <default URL>`, which setup refuses
    when that URL can't be fetched; following it could break the next build."""
    from zdd.checks import check
    from zdd.state import COMPANION_BUILDPACK_URL

    findings = check(STANDARD)
    (fix,) = [f.command for f in findings if f.id == "buildpack.companion"]
    assert fix.startswith("zdd setup --app s ")
    assert "zdd buildpack --out DIR" in fix
    assert COMPANION_BUILDPACK_URL not in fix and "buildpacks:add" not in fix
