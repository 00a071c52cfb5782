"""The closed set of typed changes (issue 9): every kind is described, checked and simulated in
one place each; statuses are enums apart from exit codes; findings name the step that fixes them;
the pure planner modules never load the snapshot store."""

import json
import subprocess
import sys
import typing

import pytest

from zdd import changes
from zdd.changes import (
    AuthorizationCreate,
    AuthorizationRevoke,
    BuildpackInsert,
    BuildpackMove,
    BuildpackRemove,
    ConfigUpdate,
    FeatureToggle,
    FormationUpdate,
    ProcessUpdate,
)
from zdd.checks import FIXED_BY, IDS, CheckStatus, check
from zdd.plan import PlanOptions, Step, StepStatus, plan
from zdd.state import AppState, Process

STATE = AppState(
    app="a",
    buildpacks=("heroku/java",),
    features={"preboot": False},
    formation=(Process("web", 1, "Basic"),),
    config_vars=frozenset({"ZDD_OPT_OUT"}),
    opt_outs=frozenset({"preboot.enabled"}),
)
ZDD = "https://example.com/zdd-buildpack.tgz"
SAMPLES = [
    FeatureToggle("preboot", False, True),
    FormationUpdate((ProcessUpdate(STATE.web, quantity=2, size="Standard-1X"),)),
    BuildpackInsert(STATE.buildpacks, (ZDD, "heroku/java"), ZDD),
    BuildpackMove(("heroku/java", ZDD), (ZDD, "heroku/java"), ZDD),
    BuildpackRemove((ZDD, "heroku/java"), ("heroku/java",), ZDD),
    ConfigUpdate(set={"ZDD_OPT_OUT": "affinity.enabled"}, unset=("ZDD_APP",)),
    AuthorizationCreate(ConfigUpdate(set={"ZDD_APP": "a"})),
    AuthorizationRevoke("auth-1"),
]


def test_the_samples_cover_the_closed_set():
    assert {type(c) for c in SAMPLES} == set(typing.get_args(changes.Change))


@pytest.mark.parametrize("change", SAMPLES, ids=lambda c: type(c).__name__)
def test_every_change_has_before_after_and_is_satisfied_by_its_own_simulation(change):
    doc = changes.describe(change)
    json.dumps(doc)  # plain data, for --json
    after = changes.simulate(change, STATE)
    assert changes.satisfied(change, after)
    if not isinstance(change, (AuthorizationRevoke, BuildpackMove, BuildpackRemove)):
        assert not changes.satisfied(change, STATE)  # the state before doesn't show it


def test_a_formation_update_names_before_and_after():
    doc = changes.describe(SAMPLES[1])
    assert doc["updates"] == [
        {
            "type": "web",
            "before": {"type": "web", "quantity": 1, "size": "Basic"},
            "after": {"type": "web", "quantity": 2, "size": "Standard-1X"},
        }
    ]


def test_steps_are_typed():
    with pytest.raises(ValueError, match="no feature"):
        Step("x", "feature", "pending", "", "", change=AuthorizationRevoke("a"))
    with pytest.raises(ValueError, match="pending without a change"):
        Step("x", "feature", "pending", "", "")
    step = plan(STATE, PlanOptions(size="Standard-1X")).step("formation")
    assert step.status is StepStatus.PLANNED and isinstance(step.change, FormationUpdate)
    assert step.to_dict()["status"] == "pending" and step.to_dict()["change"]["type"] == (
        "formation_update"
    )


def test_status_enums_do_not_share_names_with_exit_codes():
    from zdd.apply import Outcome

    assert "PENDING" not in StepStatus.__members__  # zdd.cli.PENDING is exit code 3
    assert set(Outcome) == {"changed", "unchanged", "blocked", "failed", "not_attempted"}
    assert set(CheckStatus) == {"passed", "failed", "skipped"}


def test_every_finding_names_the_step_that_fixes_it():
    steps = {s.id for s in plan(AppState(app="a", buildpacks=("heroku/java",))).steps}
    assert set(FIXED_BY) == set(IDS) and set(FIXED_BY.values()) <= steps
    for f in check(STATE):
        assert f.to_dict()["fixed_by"] == f.fixed_by == FIXED_BY[f.id]


def test_the_pure_modules_never_load_the_snapshot_store():
    code = (
        "import sys, zdd.restore, zdd.plan, zdd.checks, zdd.changes; "
        "print(sorted(m for m in sys.modules if m in ('zdd.snapshot', 'zdd.heroku.client')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
