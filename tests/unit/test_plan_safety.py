"""Issue 8 on the planner and the checks: companion order, worker-only apps, persisted opt-outs,
the platform's dyno limits, a large cost, buildpack references and an unserved companion URL."""

from dataclasses import dataclass

import pytest

from zdd.changes import AuthorizationCreate, ConfigUpdate
from zdd.checks import SKIPPED, check, statuses
from zdd.plan import (
    BLOCKED,
    PENDING,
    UNCHANGED,
    PlanError,
    PlanOptions,
    QuantityError,
    check_options,
    plan,
    simulate,
)
from zdd.state import COMPANION_BUILDPACK_URL as ZDD
from zdd.state import AppState, Process

JAVA = AppState(
    app="j",
    buildpacks=("heroku/nodejs", "heroku/java", ZDD, "heroku/python"),
    features={"preboot": True, "http-session-affinity": True},
    formation=(Process("web", 2, "Standard-1X"),),
    config_vars=frozenset({"ZDD_API_TOKEN", "ZDD_APP"}),
)


def finding(state, id_):
    return next(f for f in check(state) if f.id == id_)


# -- item 3: the companion must come before the last JVM buildpack ----------------------------
def test_a_companion_after_the_jvm_buildpack_fails_and_setup_moves_it_keeping_the_others():
    f = finding(JAVA, "buildpack.companion")
    assert f.status == "failed" and "after heroku/java" in f.message and "web" in f.message
    assert f.command == (
        f"heroku buildpacks:remove {ZDD} --app j && heroku buildpacks:add --index 2 {ZDD} --app j"
    )
    step = plan(JAVA).step("buildpack")
    assert step.status == PENDING and step.what.startswith("move the zdd buildpack before")
    assert step.payload == {"buildpacks": ["heroku/nodejs", ZDD, "heroku/java", "heroku/python"]}
    after = simulate(JAVA, plan(JAVA))
    assert finding(after, "buildpack.companion").status == "passed"
    assert plan(after).pending == []


def test_a_new_companion_goes_before_the_last_jvm_buildpack_not_the_last_one():
    state = AppState(app="a", buildpacks=("heroku/java", "heroku/nodejs"))
    step = plan(state).step("buildpack")
    assert step.payload == {"buildpacks": [ZDD, "heroku/java", "heroku/nodejs"]}
    assert step.commands == (f"heroku buildpacks:add --index 1 {ZDD} --app a",)
    # check's fix is setup itself (it checks the URL can be fetched), which makes this plan
    assert finding(state, "buildpack.companion").command.startswith("zdd setup --app a ")


# -- item 9: no web process type: nothing to check, nothing to do -----------------------------
def test_a_worker_only_app_skips_every_check_and_setup_has_nothing_to_do():
    state = AppState(
        app="w",
        buildpacks=("heroku/java",),
        formation=(Process("worker", 1, "Basic"),),
        config_vars=frozenset(),
    )
    assert set(statuses(check(state)).values()) == {SKIPPED}
    assert "no web process type" in finding(state, "affinity.enabled").message
    p = plan(state, PlanOptions(size="Standard-1X"))
    assert p.pending == [] and p.blocked == [] and p.cost_change == 0
    assert all(s.what.endswith("nothing to do") and "no web process type" in s.why for s in p.steps)


# -- item 10: opt-outs persist -----------------------------------------------------------------
def test_no_affinity_is_recorded_in_the_same_config_update_as_the_other_zdd_vars():
    state = AppState(
        app="a",
        buildpacks=("heroku/java",),
        formation=(Process("web", 2, "Standard-1X"),),
        config_vars=frozenset(),
    )
    p = plan(state, PlanOptions(affinity=False))
    config = [s for s in p.steps if s.kind == "config" and s.status == PENDING]
    assert [s.id for s in config] == ["release_check"]  # one update, one release
    assert config[0].change == AuthorizationCreate(
        ConfigUpdate(set={"ZDD_APP": "a", "ZDD_OPT_OUT": "affinity.enabled"})
    )
    # the token is never on a printed command line (argv): only the other vars are
    assert "ZDD_OPT_OUT=affinity.enabled ZDD_APP=a" in config[0].commands[-1]
    after = simulate(state, p)
    assert after.opt_outs == {"affinity.enabled"}
    assert finding(after, "affinity.enabled").message == "opted out (ZDD_OPT_OUT)"


def test_a_recorded_opt_out_is_honoured_by_check_and_by_a_later_setup():
    state = AppState(
        app="a",
        formation=(Process("web", 2, "Standard-1X"),),
        features={"preboot": True},
        opt_outs=frozenset({"affinity.enabled"}),
    )
    assert finding(state, "affinity.enabled").status == SKIPPED
    p = plan(state)  # no --no-affinity this time: the app's choice stands
    assert p.pending == []
    step = p.step("affinity")
    assert step.opted_out and "heroku config:unset ZDD_OPT_OUT --app a" in step.note


# -- item 13: limits, cost, buildpack references -----------------------------------------------
def test_min_web_beyond_the_per_app_limit_is_refused_before_reading():
    with pytest.raises(QuantityError, match="at most 100 dynos per app"):
        check_options(PlanOptions(min_web=1000))


def test_a_plan_beyond_the_per_type_or_per_app_limit_is_refused():
    perf = AppState(app="p", formation=(Process("web", 2, "Performance-M"),))
    with pytest.raises(QuantityError, match="at most 10 Performance-M dynos per process type"):
        plan(perf, PlanOptions(min_web=11))
    busy = AppState(
        app="b", formation=(Process("web", 1, "Standard-1X"), Process("worker", 60, "Standard-1X"))
    )
    with pytest.raises(QuantityError, match="it would run 110 dynos") as e:
        plan(busy, PlanOptions(min_web=50))
    assert "--min-web 40" in e.value.remedy
    assert plan(busy, PlanOptions(min_web=40)).step("formation").status == PENDING


def test_a_large_plan_asks_to_confirm_its_cost():
    state = AppState(app="a", formation=(Process("web", 1, "Standard-1X"),))
    small, large = plan(state), plan(state, PlanOptions(min_web=11))
    assert not small.confirm_cost and small.to_dict()["confirm_cost"] is False
    assert large.cost_change == 250 and large.confirm_cost
    assert large.cost_after == 275 and large.to_dict()["monthly_cost_after_usd"] == 275


@pytest.mark.parametrize(
    "ref",
    [
        "not a url",
        "ftp://example.com/bp.tgz",
        "http://example.com/bp.tgz",
        "https://user:pw@example.com/bp.tgz",
        "https:///bp.tgz",
        "heroku/java extra",
        "",
        " https://example.com/bp.tgz",
    ],
)
def test_a_buildpack_that_is_not_a_url_or_registry_name_is_refused(ref):
    with pytest.raises(PlanError, match="--buildpack"):
        check_options(PlanOptions(buildpack=ref))


@pytest.mark.parametrize(
    "ref",
    [ZDD, "http://127.0.0.1:5000/zdd-buildpack.tgz", "http://localhost/bp.tgz", "zdd-dev/zdd"],
)
def test_buildpack_urls_and_registry_names_are_accepted(ref):
    check_options(PlanOptions(buildpack=ref))


# -- item 2: the companion URL must serve a buildpack ------------------------------------------
@dataclass(frozen=True)
class Checked:  # the shape of zdd.companion.UrlCheck (INTERFACES.md)
    url: str
    ok: bool
    reason: str | None


def test_an_unserved_companion_url_blocks_the_step_with_the_reason_and_the_way_out():
    state = AppState(app="a", buildpacks=("heroku/java",))
    bad = Checked(ZDD, False, "HTTP 404")
    step = plan(state, PlanOptions(url_check=bad)).step("buildpack")
    assert step.status == BLOCKED and "HTTP 404" in step.why
    assert "--buildpack URL" in step.note and "zdd buildpack --out DIR" in step.note
    good = plan(state, PlanOptions(url_check=Checked(ZDD, True, None))).step("buildpack")
    assert good.status == PENDING
    # a companion already installed (even misplaced) is not re-downloaded by adding it
    moved = plan(JAVA, PlanOptions(url_check=bad)).step("buildpack")
    assert moved.status == PENDING


# -- item 12: Private Spaces have neither preboot nor session affinity -------------------------
def test_private_space_apps_skip_affinity_as_well_as_preboot():
    state = AppState(app="p", formation=(Process("web", 2, "Private-M"),))
    assert finding(state, "affinity.enabled").status == SKIPPED
    assert "not available in Private Spaces" in finding(state, "affinity.enabled").message
    p = plan(state)
    assert p.step("affinity").status == UNCHANGED and p.pending == []
