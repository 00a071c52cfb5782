"""Fir-generation apps (issue 11 "Generations"): zdd checks and plans rolling-deploy readiness.

Pure: AppState in, findings and plans out. The Fir vectors in tests/vectors (marked python_only)
run through tests/unit/test_checks.py and, over the sandbox, tests/cli/test_fir_e2e.py.
"""

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zdd.checks import FAILED, PASSED, SKIPPED, check
from zdd.cost import FIR_SIZE_NAMES, PROFESSIONAL_SIZES, monthly_price
from zdd.plan import PENDING, UNCHANGED, PlanError, PlanOptions, check_options, plan, simulate
from zdd.state import AFFINITY, PREBOOT, AppState, Process

VECTORS = Path(__file__).parents[1] / "vectors"
NODE = ("heroku/nodejs",)
JAVA = ("heroku/java",)


def fir(*formation: Process, buildpacks=NODE, **over) -> AppState:
    fields = {
        "app": "fir-app",
        "generation": "fir",
        "buildpacks": buildpacks,
        "features": {AFFINITY: False, PREBOOT: False},
        "formation": formation,
        "config_vars": frozenset(),
    }
    return AppState(**(fields | over))


def by_id(findings):
    return {f.id: f for f in findings}


def test_fir_app_with_one_web_dyno_fails_only_web_redundancy():
    found = by_id(check(fir(Process("web", 1, "dyno-1c-0.5gb"))))
    assert {i: str(f.status) for i, f in found.items()} == {
        "tier.professional": "passed",
        "web.redundancy": "failed",
        "affinity.enabled": "skipped",
        "preboot.enabled": "skipped",
        "buildpack.companion": "skipped",
        "release_check.credentials": "skipped",
    }
    assert found["web.redundancy"].command == "heroku ps:scale web=2 --app fir-app"
    assert "dyno-1c-0.5gb" in found["tier.professional"].message
    assert "rolling restarts" in found["preboot.enabled"].message
    assert "session affinity" in found["affinity.enabled"].message


def test_the_same_app_on_cedar_fails_preboot_and_affinity():
    """The generation alone makes the difference (the test the Fir rule fails without)."""
    cedar = fir(Process("web", 2, "Standard-1X"), generation="cedar")
    found = by_id(check(cedar))
    assert found["preboot.enabled"].status == FAILED
    assert found["affinity.enabled"].status == FAILED


def test_fir_java_app_expects_no_classic_companion_nor_credentials():
    app = fir(Process("web", 2, "dyno-2c-1gb"), buildpacks=JAVA)
    assert app.is_jvm
    found = by_id(check(app))
    for id_ in ("buildpack.companion", "release_check.credentials"):
        assert found[id_].status == SKIPPED
        assert "Cloud Native Buildpacks" in found[id_].message
    assert found["web.redundancy"].status == PASSED
    assert found["tier.professional"].status == PASSED


def test_fir_worker_only_and_opt_outs_still_apply():
    worker = fir(Process("worker", 2, "dyno-1c-0.5gb"))
    assert {str(f.status) for f in check(worker)} == {"skipped"}
    opted = fir(Process("web", 1, "dyno-1c-0.5gb"), opt_outs=frozenset({"web.redundancy"}))
    assert by_id(check(opted))["web.redundancy"].message == "opted out (ZDD_OPT_OUT)"


def test_an_unknown_size_on_fir_is_not_judged_by_the_tier_check():
    found = by_id(check(fir(Process("web", 2, "dyno-64c-1tb"))))
    assert found["tier.professional"].status == SKIPPED
    assert "dyno-64c-1tb" in found["tier.professional"].message


def test_generation_missing_from_the_body_is_inferred_from_fir_sizes():
    assert fir(Process("web", 1, "dyno-1c-0.5gb"), generation=None).on_fir
    assert not fir(Process("web", 1, "Standard-1X"), generation=None).on_fir
    assert fir(generation="Fir").on_fir
    assert fir(Process("web", 1, "dyno-1c-0.5gb")).to_dict()["generation"] == "fir"


def test_setup_on_fir_only_scales_web_on_its_own_size():
    app = fir(Process("web", 1, "dyno-2c-1gb"), Process("worker", 1, "dyno-1c-0.5gb"))
    p = plan(app)
    assert [s.id for s in p.pending] == ["formation"]
    step = p.step("formation")
    assert step.commands == ("heroku ps:scale web=2:dyno-2c-1gb --app fir-app",)
    assert step.cost_change == monthly_price("dyno-2c-1gb") == 50
    for id_ in ("affinity", "preboot", "buildpack", "release_check"):
        assert p.step(id_).status == UNCHANGED and p.step(id_).change is None
    assert not p.confirm_cost  # a known, small cost: `setup --yes` applies it
    after = simulate(app, p)
    assert after.formation == (
        Process("web", 2, "dyno-2c-1gb"),
        Process("worker", 1, "dyno-1c-0.5gb"),
    )
    assert not [f for f in check(after) if f.status == FAILED]
    assert plan(after).pending == []
    assert any("Fir-generation app" in n for n in p.notes)


def test_setup_on_fir_never_scales_down_and_honours_min_web():
    app = fir(Process("web", 4, "dyno-1c-0.5gb"))
    assert plan(app).pending == []
    assert plan(app, PlanOptions(min_web=5)).step("formation").commands == (
        "heroku ps:scale web=5:dyno-1c-0.5gb --app fir-app",
    )


def test_setup_on_a_fir_java_app_adds_no_companion_and_records_no_opt_out():
    app = fir(Process("web", 1, "dyno-1c-0.5gb"), buildpacks=JAVA)
    for opts in (PlanOptions(), PlanOptions(affinity=False, java=False, release_check=False)):
        p = plan(app, opts)
        assert [s.id for s in p.pending] == ["formation"]
        assert p.step("opt_out") is None  # a config var change would restart every dyno


@pytest.mark.parametrize("size", ["dyno-1c-0.5gb", "DYNO-2C-1GB", "dyno-32c-64gb"])
def test_size_of_a_fir_app_must_be_a_fir_size(size):
    check_options(PlanOptions(size=size))  # known before reading the app
    p = plan(fir(Process("web", 1, "dyno-1c-0.5gb")), PlanOptions(size=size))
    assert any("not used" in n for n in p.notes)  # no Fir size is Eco/Basic: nothing to move
    with pytest.raises(PlanError, match="is a Fir size and cedar-app is a Cedar-generation app"):
        plan(AppState("cedar-app", formation=(Process("web", 1, "Basic"),)), PlanOptions(size=size))


@pytest.mark.parametrize("size", PROFESSIONAL_SIZES)
def test_a_cedar_size_on_a_fir_app_is_one_clear_usage_error(size):
    with pytest.raises(PlanError, match="is a Cedar size and fir-app is a Fir-generation app") as e:
        plan(fir(Process("web", 1, "dyno-1c-0.5gb")), PlanOptions(size=size))
    assert "Pass a Fir size" in (e.value.remedy or "")


def test_java_and_buildpack_flags_are_not_used_on_fir_and_the_plan_says_so():
    app = fir(Process("web", 1, "dyno-1c-0.5gb"))
    p = plan(app, PlanOptions(java=True, buildpack="https://example.com/zdd-buildpack.tgz"))
    assert [s.id for s in p.pending] == ["formation"]
    assert p.step("buildpack").change is None
    assert any(n.startswith("--java and --buildpack not used: Fir-generation") for n in p.notes)
    assert not any("not used: Fir" in n for n in plan(app).notes)


def test_unknown_sizes_name_the_fir_ones_too():
    with pytest.raises(PlanError, match="dyno-1c-0.5gb"):
        check_options(PlanOptions(size="dyno-3c-3gb"))


def test_fir_vectors_are_marked_python_only_and_only_they():
    """The bash twin skips python_only vectors: only Fir apps, where it never runs, may be."""
    marked = []
    for path in sorted(VECTORS.glob("*.json")):
        vector = json.loads(path.read_text())
        (app,) = vector["seed"]["apps"]
        is_fir = app.get("generation") == "fir"
        assert ("python_only" in vector) == is_fir, path.name
        if is_fir:
            assert vector["python_only"].strip(), path.name  # says why
            marked.append(path.stem)
    assert len(marked) >= 2


fir_process = st.builds(
    Process,
    type=st.sampled_from(["web", "worker", "clock"]),
    quantity=st.integers(0, 5),
    size=st.sampled_from(FIR_SIZE_NAMES),
)
fir_states = st.builds(
    lambda procs, java, opt: fir(
        *{p.type: p for p in procs}.values(),
        buildpacks=JAVA if java else NODE,
        opt_outs=frozenset(opt),
    ),
    st.lists(fir_process, max_size=3),
    st.booleans(),
    st.sets(st.sampled_from(["web.redundancy", "preboot.enabled", "tier.professional"])),
)


@settings(max_examples=100, deadline=None)
@given(fir_states, st.integers(1, 4), st.booleans())
def test_a_fir_plan_writes_only_the_formation_never_lower_and_leaves_nothing_failing(
    state, min_web, affinity
):
    p = plan(state, PlanOptions(min_web=min_web, affinity=affinity))
    assert {s.id for s in p.pending} <= {"formation"}
    after = simulate(state, p)
    for old, new in zip(state.formation, after.formation, strict=True):
        assert new.quantity >= old.quantity and new.size == old.size
    failed = [f.id for f in check(after) if f.status == FAILED]
    assert failed in ([], ["web.redundancy"])
    if failed:  # only when the user asked for fewer, or opted out, or there are no web dynos
        assert min_web < 2 or state.web is None or "web.redundancy" in state.opt_outs
    assert plan(after, PlanOptions(min_web=min_web)).pending == []
    assert all(s.status in (PENDING, UNCHANGED) for s in p.steps)
