"""buildpack.companion under ZDD_JVM_PRESET=aot: the companion belongs AFTER the last JVM buildpack
(bin/compile trains the AOT cache with the built app and the slug's JDK), and setup puts it there;
any other value (or none) keeps it before. The bash twin is held to the same rule by the shared
vectors java-aot-companion-{after,before}-jvm (tests/buildpack)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from zdd.apply import CHANGED, Applier
from zdd.checks import FAILED, PASSED, Finding, check
from zdd.heroku.client import HerokuClient
from zdd.plan import PENDING, UNCHANGED, plan, simulate
from zdd.reader import read_state
from zdd.state import COMPANION_BUILDPACK_URL as ZDD
from zdd.state import AppState, Process, is_jvm_buildpack

VECTORS = Path(__file__).parents[1] / "vectors"
READY = {
    "app": "a",
    "formation": (Process("web", 2, "Standard-1X"),),
    "features": {"preboot": True, "http-session-affinity": True},
    "config_vars": frozenset({"ZDD_API_TOKEN", "ZDD_APP"}),
}


def state(*buildpacks: str, preset: str | None = "aot") -> AppState:
    return AppState(buildpacks=buildpacks, jvm_preset=preset, **READY)  # type: ignore[arg-type]


def companion(s: AppState) -> Finding:
    return next(f for f in check(s) if f.id == "buildpack.companion")


def cli_apply(buildpacks: list[str], command: str) -> list[str]:
    """What `heroku buildpacks:remove URL && heroku buildpacks:add --index N URL` does to the list
    (heroku CLI 11, commands/buildpacks/add.js: the 1-based index names the ordinal it goes in
    front of; past the end it is appended)."""
    out = list(buildpacks)
    for part in command.split(" && "):
        words = part.split()
        url = words[words.index("--app") - 1]
        if words[1] == "buildpacks:remove":
            out.remove(url)
        else:
            index = int(words[words.index("--index") + 1])
            out.insert(min(index - 1, len(out)), url)
    return out


# --- check ----------------------------------------------------------------------------------------


def test_after_the_jvm_buildpack_passes_under_aot():
    found = companion(state("heroku/java", ZDD))
    assert found.status == PASSED
    assert found.message == (
        "the zdd buildpack is installed after heroku/java, as ZDD_JVM_PRESET=aot needs "
        "(with a Procfile web: line)"
    )


def test_before_the_jvm_buildpack_fails_under_aot_with_why_and_the_fix():
    found = companion(state("heroku/nodejs", ZDD, "urn:buildpack:heroku/java"))
    assert found.status == FAILED
    assert found.message == (
        "the zdd buildpack comes before heroku/java: ZDD_JVM_PRESET=aot trains its AOT cache "
        "with the built app and its JDK, so it must come after heroku/java, and the app needs "
        "a Procfile web: line"
    )
    assert found.command == (
        f"heroku buildpacks:remove {ZDD} --app a && heroku buildpacks:add --index 3 {ZDD} --app a"
    )


@pytest.mark.parametrize(
    "buildpacks",
    [
        (ZDD, "heroku/java"),
        ("heroku/nodejs", ZDD, "heroku/jvm", "heroku/scala", "heroku/metrics"),
        # (a missing companion's fix is `zdd setup`, which checks the URL: its plan is tested
        # below, not a buildpacks:add command)
    ],
)
def test_the_fix_command_puts_the_companion_just_after_the_last_jvm_buildpack(buildpacks):
    found = companion(state(*buildpacks))
    assert found.status == FAILED
    after = cli_apply(list(buildpacks), found.command)
    assert companion(state(*after)).status == PASSED
    # next to the last JVM buildpack, the others in their order
    assert [b for b in after if b != ZDD] == [b for b in buildpacks if b != ZDD]
    last_jvm = max(i for i, b in enumerate(after) if is_jvm_buildpack(b))
    assert after.index(ZDD) == last_jvm + 1


def test_missing_under_aot_adds_it_after_the_last_jvm_buildpack():
    found = companion(state("heroku/nodejs", "heroku/java", "heroku/metrics"))
    assert found.status == FAILED
    # the fix is zdd setup (it checks the URL can be fetched; its plan places the buildpack after
    # the last JVM one, tested below), never a bare buildpacks:add of a URL nobody checked
    assert found.command.startswith("zdd setup --app a ")
    assert "zdd buildpack --out DIR" in found.command and ZDD not in found.command


@pytest.mark.parametrize("preset", [None, "cds", "fast-start", "AOT", " aot"])
def test_any_other_preset_keeps_the_rule_before_the_jvm_buildpack(preset):
    """Only `aot` exactly: buildpack/lib/aot.sh compares the value as it is."""
    assert companion(state(ZDD, "heroku/java", preset=preset)).status == PASSED
    late = companion(state("heroku/java", ZDD, preset=preset))
    assert late.status == FAILED and "it must come before heroku/java" in late.message


def test_unreadable_config_vars_keep_the_rule_before():
    (app,) = json.loads((VECTORS / "java-aot-companion-after-jvm.json").read_text())["seed"]["apps"]
    assert AppState.from_seed(app).jvm_preset == "aot"
    blind = AppState.from_seed(app, config_readable=False)
    assert blind.jvm_preset is None and companion(blind).status == FAILED


def test_opting_out_still_wins_under_aot():
    s = state(ZDD, "heroku/java").replace(opt_outs=frozenset({"buildpack.companion"}))
    assert companion(s).message == "opted out (ZDD_OPT_OUT)"


# --- plan -----------------------------------------------------------------------------------------


def test_setup_moves_a_companion_before_the_jvm_buildpack_to_just_after_it_under_aot():
    s = state("heroku/nodejs", ZDD, "heroku/java", "heroku/metrics")
    step = plan(s).step("buildpack")
    assert step.status == PENDING
    assert step.what == "move the zdd buildpack after heroku/java (keeping the other 3 in order)"
    assert "ZDD_JVM_PRESET=aot" in step.why and "Procfile web: line" in step.why
    assert step.payload["buildpacks"] == ["heroku/nodejs", "heroku/java", ZDD, "heroku/metrics"]
    assert step.commands == (
        f"heroku buildpacks:remove {ZDD} --app a",
        f"heroku buildpacks:add --index 3 {ZDD} --app a",
    )
    assert cli_apply(list(s.buildpacks), " && ".join(step.commands)) == step.payload["buildpacks"]


def test_setup_leaves_a_companion_after_the_jvm_buildpack_alone_under_aot():
    step = plan(state("heroku/java", ZDD)).step("buildpack")
    assert step.status == UNCHANGED
    assert step.what == "the zdd buildpack is installed after heroku/java"
    assert "ZDD_JVM_PRESET=aot" in step.why


def test_one_other_buildpack_is_kept_in_place_in_words_too():
    step = plan(state("heroku/java")).step("buildpack")
    assert step.what == "add the zdd buildpack after heroku/java (keeping the other one in place)"


def test_setup_adds_the_companion_after_the_jvm_buildpack_under_aot():
    step = plan(state("heroku/nodejs", "heroku/java")).step("buildpack")
    assert step.status == PENDING
    assert step.what == "add the zdd buildpack after heroku/java (keeping the other 2 in order)"
    assert "ZDD_JVM_PRESET=aot" in step.why
    assert step.payload["buildpacks"] == ["heroku/nodejs", "heroku/java", ZDD]
    assert step.commands == (f"heroku buildpacks:add --index 3 {ZDD} --app a",)


def test_without_aot_setup_still_moves_a_late_companion_in_front():
    step = plan(state("heroku/java", ZDD, preset="cds")).step("buildpack")
    assert step.status == PENDING and step.what.startswith("move the zdd buildpack before")
    assert step.payload["buildpacks"] == [ZDD, "heroku/java"]


LAYOUTS = [
    ("heroku/java",),
    (ZDD, "heroku/java"),
    ("heroku/java", ZDD),
    ("heroku/nodejs", ZDD, "heroku/jvm", "heroku/scala"),
    ("heroku/jvm", ZDD, "heroku/gradle", "heroku/nodejs"),
    (ZDD, "heroku/java", ZDD),
]


@pytest.mark.parametrize("preset", [None, "aot"])
@pytest.mark.parametrize("buildpacks", LAYOUTS)
def test_what_setup_plans_is_what_check_passes(buildpacks, preset):
    s = state(*buildpacks, preset=preset)
    after = simulate(s, plan(s))
    assert companion(after).status == PASSED, after.buildpacks
    assert [b for b in after.buildpacks if b != ZDD] == [b for b in buildpacks if b != ZDD]
    assert after.buildpacks.count(ZDD) == 1


# --- through the real API: reader, plan, apply, check ---------------------------------------------


@pytest.fixture
def platform():
    from zdd.sandbox import Platform

    return Platform.from_seed(
        json.loads((VECTORS / "java-aot-companion-before-jvm.json").read_text())["seed"]
    )


def test_setup_moves_it_after_heroku_java_on_the_sandbox(sandbox):
    app = "java-aot-before"
    with HerokuClient(sandbox.url, sandbox.platform.global_token) as client:
        before = read_state(client, app)
        assert before.jvm_preset == "aot"  # read with the other config vars, one GET
        assert companion(before).status == FAILED
        p = plan(before)
        assert [s.id for s in p.pending] == ["buildpack"]
        results = Applier(client, app, wait=0).run(p)
        assert [(r.step.id, r.outcome) for r in results if r.outcome == CHANGED] == [
            ("buildpack", CHANGED)
        ]
        after = read_state(client, app)
    assert [b.removeprefix("urn:buildpack:") for b in after.buildpacks] == ["heroku/java", ZDD]
    assert companion(after).status == PASSED
