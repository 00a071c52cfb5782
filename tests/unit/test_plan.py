"""plan() on the named cases of the issue: exact steps, statuses, costs and CLI commands."""

import json
from pathlib import Path

import pytest

from zdd.changes import ConfigUpdate
from zdd.plan import BLOCKED, PENDING, UNCHANGED, PlanError, PlanOptions, check_options, plan
from zdd.state import COMPANION_BUILDPACK_URL, AppState, Process

VECTORS = Path(__file__).parents[1] / "vectors"


def seed_state(name):
    (app,) = json.loads((VECTORS / f"{name}.json").read_text())["seed"]["apps"]
    return AppState.from_seed(app)


def test_fresh_java_basic_is_blocked_without_size_and_says_what_to_run():
    p = plan(seed_state("fresh-java-basic"))
    assert [s.id for s in p.steps] == [
        "affinity",
        "formation",
        "preboot",
        "buildpack",
        "release_check",
    ]
    status = {s.id: s.status for s in p.steps}
    assert status == {
        "affinity": PENDING,
        "formation": BLOCKED,
        "preboot": BLOCKED,
        "buildpack": PENDING,
        "release_check": PENDING,
    }
    formation = p.step("formation")
    # web 1 Basic -> 2 Standard-1X ($50 - $7) and worker Basic -> Standard-1X ($25 - $7)
    assert formation.cost_change == 43 + 18
    assert "+$61/month" in formation.why
    assert p.next_command == "zdd setup --app java-basic --size Standard-1X"


def test_fresh_java_basic_with_size_moves_every_type_in_one_batch():
    p = plan(seed_state("fresh-java-basic"), PlanOptions(size="standard-2x"))
    formation = p.step("formation")
    assert formation.status == PENDING
    assert formation.payload == {
        "updates": [
            {"type": "web", "quantity": 2, "size": "Standard-2X"},
            {"type": "worker", "size": "Standard-2X"},
        ]
    }
    assert formation.commands == (
        "heroku ps:scale web=2:Standard-2X worker=1:Standard-2X --app java-basic",
    )
    assert p.step("preboot").status == PENDING
    assert p.cost_change == (100 - 7) + (50 - 7)


def test_three_performance_m_web_dynos_are_kept_even_with_size():
    state = seed_state("perf-m-three-buildpacks")
    for opts in (PlanOptions(), PlanOptions(size="Standard-1X", min_web=2)):
        p = plan(state, opts)
        step = p.step("formation")
        assert step.status == UNCHANGED and "3 x Performance-M" in step.what
        assert bool(p.notes) == bool(opts.size)  # says the consent wasn't needed


def test_companion_goes_just_before_the_last_buildpack():
    state = AppState(app="a", buildpacks=("heroku/nodejs", "heroku/python", "heroku/java"))
    step = plan(state).step("buildpack")
    assert step.payload["buildpacks"] == [
        "heroku/nodejs",
        "heroku/python",
        COMPANION_BUILDPACK_URL,
        "heroku/java",
    ]
    assert step.commands == (f"heroku buildpacks:add --index 3 {COMPANION_BUILDPACK_URL} --app a",)


def test_existing_token_only_adds_the_app_var():
    state = AppState(app="a", buildpacks=("heroku/java",), config_vars=frozenset({"ZDD_API_TOKEN"}))
    step = plan(state).step("release_check")
    assert step.change == ConfigUpdate(set={"ZDD_APP": "a"})  # no new token: only ZDD_APP
    assert step.commands == ("heroku config:set ZDD_APP=a --app a",)


def test_no_affinity_leaves_it_alone_and_non_jvm_skips_java_steps():
    state = AppState(
        app="a", buildpacks=("heroku/nodejs",), formation=(Process("web", 2, "Standard-1X"),)
    )
    p = plan(state, PlanOptions(affinity=False))
    assert [s.status for s in p.steps] == [UNCHANGED] * 2 + [PENDING] + [UNCHANGED] * 2 + [PENDING]
    assert p.step("affinity").opted_out
    # the choice is recorded on the app, so zdd check and the buildpack's checks honour it
    assert p.step("opt_out").payload == {"set": {"ZDD_OPT_OUT": "affinity.enabled"}}
    assert p.step("opt_out").commands == ("heroku config:set ZDD_OPT_OUT=affinity.enabled --app a",)


def test_java_flag_forces_the_buildpack_on_a_non_jvm_app():
    state = AppState(app="a", buildpacks=("heroku/nodejs",))
    assert plan(state, PlanOptions(java=True)).step("buildpack").status == PENDING


@pytest.mark.parametrize("size", ["Basic", "eco", "Private-S"])
def test_non_professional_size_is_a_usage_error(size):
    with pytest.raises(PlanError, match="can.t be chosen with --size"):
        plan(AppState(app="a"), PlanOptions(size=size))


@pytest.mark.parametrize("size", ["Standard-9X", "Performance-Q", "large"])
def test_unknown_size_is_a_usage_error_listing_the_valid_ones(size):
    with pytest.raises(PlanError, match="not a Heroku dyno size") as e:
        check_options(PlanOptions(size=size))
    assert "Standard-1X, Standard-2X, Performance-M" in str(e.value)


@pytest.mark.parametrize("size", ["Private-M", "Shield-L", "Private-S"])
def test_private_space_sizes_are_not_blocked_nor_downsized(size):
    state = AppState(app="p", buildpacks=("heroku/nodejs",), formation=(Process("web", 2, size),))
    p = plan(state)
    assert p.blocked == [] and p.next_command == ""
    assert p.step("formation").status == UNCHANGED
    preboot = p.step("preboot")
    assert preboot.status == UNCHANGED and preboot.opted_out and "rolling" in preboot.why
    assert all("Standard-1X" not in c for c in p.commands())


def test_private_web_below_min_is_scaled_in_its_own_size():
    state = AppState(app="p", formation=(Process("web", 1, "Private-M"),))
    step = plan(state).step("formation")
    assert step.status == PENDING
    assert step.payload == {"updates": [{"type": "web", "quantity": 2}]}
    assert "Standard or Performance" not in step.why


def test_next_command_keeps_every_flag_the_user_gave():
    state = seed_state("fresh-java-basic")
    opts = PlanOptions(
        min_web=3,
        affinity=False,
        java=True,
        buildpack="https://example.com/bp.tgz?v=1&sig=a",
        release_check=False,
    )
    p = plan(state, opts)
    assert p.next_command == (
        "zdd setup --app java-basic --size Standard-1X --min-web 3 --no-affinity --java "
        "--buildpack 'https://example.com/bp.tgz?v=1&sig=a' --no-release-check"
    )
    assert p.next_command in p.step("formation").note
    assert plan(state, PlanOptions(java=False)).next_command.endswith("--no-java")


def test_no_java_alone_names_no_java_as_the_reason():
    state = seed_state("fresh-java-basic")
    step = plan(state, PlanOptions(java=False)).step("release_check")
    assert step.what == "no release-check credentials: --no-java" and step.opted_out
    step = plan(state, PlanOptions(release_check=False)).step("release_check")
    assert step.what == "no release-check credentials: --no-release-check"


def test_a_companion_from_an_earlier_run_is_recognised():
    custom = "https://internal.example.com/bp/warmup.tgz"
    state = AppState(app="a", buildpacks=("heroku/nodejs", custom, "heroku/java"))
    assert plan(state).step("buildpack").status == PENDING  # unknown URL: looks foreign
    for opts in (PlanOptions(buildpack=custom), PlanOptions(known_companions=(custom,))):
        assert plan(state, opts).step("buildpack").status == UNCHANGED
