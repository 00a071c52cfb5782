"""check() against every vector in tests/vectors (pure, from the seed), and what they miss."""

import json
from pathlib import Path

import pytest

from zdd.checks import FAILED, IDS, SKIPPED, check, statuses
from zdd.state import AppState, Process

VECTORS = sorted((Path(__file__).parents[1] / "vectors").glob("*.json"))


def test_there_are_enough_vectors_and_each_status_of_each_id_occurs():
    assert len(VECTORS) >= 8
    seen = {(k, v) for p in VECTORS for k, v in json.loads(p.read_text())["expected"].items()}
    for id_ in IDS:
        assert (id_, "passed") in seen and (id_, "failed") in seen, id_
    for id_ in ("tier.professional", "web.redundancy", "buildpack.companion"):
        assert (id_, "skipped") in seen, id_


@pytest.mark.parametrize("path", VECTORS, ids=lambda p: p.stem)
def test_vector(path):
    vector = json.loads(path.read_text())
    (app,) = vector["seed"]["apps"]
    findings = check(AppState.from_seed(app))
    assert [f.id for f in findings] == list(IDS)
    assert statuses(findings) == vector["expected"]
    for f in findings:
        if f.status == FAILED:
            assert f.command and f.doc.startswith("https://"), f
            assert app["name"] in f.command


def test_unreadable_config_vars_skip_the_credentials_check():
    state = AppState(app="a", buildpacks=("heroku/java",), config_vars=None)
    (finding,) = [f for f in check(state) if f.id == "release_check.credentials"]
    assert finding.status == SKIPPED and "scope" in finding.message


def test_sizes_compare_case_insensitively():
    state = AppState(app="a", formation=(Process("web", 2, "standard-1x"),))
    assert statuses(check(state))["tier.professional"] == "passed"


def test_tier_remedy_moves_every_process_type():
    state = AppState(app="a", formation=(Process("web", 1, "Basic"), Process("worker", 1, "Basic")))
    (tier,) = [f for f in check(state) if f.id == "tier.professional"]
    assert tier.command == "heroku ps:type web=Standard-1X worker=Standard-1X --app a"


@pytest.mark.parametrize("size", ["Private-M", "Shield-S"])
def test_private_space_sizes_pass_the_tier_and_skip_preboot_with_the_reason(size):
    state = AppState(app="a", formation=(Process("web", 2, size),))
    findings = {f.id: f for f in check(state)}
    assert findings["tier.professional"].status == "passed"
    assert "rolling" in findings["tier.professional"].message
    assert findings["preboot.enabled"].status == SKIPPED
    assert "rolling" in findings["preboot.enabled"].message
    assert findings["web.redundancy"].status == "passed"


def test_redundancy_remedy_on_basic_names_a_professional_size():
    state = AppState(app="a", formation=(Process("web", 1, "Basic"), Process("worker", 1, "Basic")))
    (web,) = [f for f in check(state) if f.id == "web.redundancy"]
    assert web.command == "heroku ps:scale web=2:Standard-1X worker=1:Standard-1X --app a"
    state = AppState(app="a", formation=(Process("web", 1, "Standard-2X"),))
    (web,) = [f for f in check(state) if f.id == "web.redundancy"]
    assert web.command == "heroku ps:scale web=2 --app a"


def test_a_custom_or_remembered_companion_passes():
    custom = "https://internal.example.com/bp/warmup.tgz"
    state = AppState(app="a", buildpacks=(custom, "heroku/java"), config_vars=None)
    status = lambda **kw: statuses(check(state, **kw))["buildpack.companion"]  # noqa: E731
    assert status() == "failed"
    assert status(companion_url=custom) == "passed"
    assert status(known_companions=[custom + "/"]) == "passed"
