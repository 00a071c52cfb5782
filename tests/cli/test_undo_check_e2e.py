"""`zdd undo` and `zdd check` end to end, plus every --json document against its schema."""

import json
from pathlib import Path

import cli_schemas as schemas
import jsonschema
from cli_helpers import VECTORS, short_preboot, vector_app

STD = "Standard-1X"


def test_undo_after_setup_restores_the_exact_prior_state(sandbox_for):
    env = sandbox_for(short_preboot(vector_app("fresh-java-basic")))
    before = env.app_state("java-basic")
    tokens_before = set(env.platform.authorizations)
    setup = env.run("setup", "--app", "java-basic", "--size", STD, "--yes", "--json")
    assert setup.code == 0, setup
    jsonschema.validate(setup.json, schemas.SETUP)
    snapshot = json.loads(Path(setup.json["snapshot"]).read_text())
    assert snapshot["authorization_id"] in env.platform.authorizations

    dry = env.run("undo", "--app", "java-basic", "--dry-run", "--json")
    assert dry.code == 3
    jsonschema.validate(dry.json, schemas.UNDO)

    partial = env.run("undo", "--app", "java-basic", "--yes")
    assert partial.code == 1, partial  # sizes need consent
    assert "--restore-sizes" in partial.out
    # web keeps 2 x Standard-1X: never 1 x Standard-1X (dearer than before, no redundancy)
    assert env.app_state("java-basic")["formation"] == [("web", 2, STD), ("worker", 1, STD)]
    assert "Monthly cost of the dynos after this: $75/month" in partial.out

    full = env.run("undo", "--app", "java-basic", "--yes", "--restore-sizes")
    assert full.code == 0, full
    assert env.app_state("java-basic") == before
    assert set(env.platform.authorizations) == tokens_before  # our token is revoked

    env.clear_log()
    again = env.run("undo", "--app", "java-basic", "--yes", "--restore-sizes")
    assert again.code == 0 and "nothing to change" in again.out
    assert env.writes() == []


def test_undo_without_a_snapshot_says_where_it_looked(sandbox_for):
    env = sandbox_for(vector_app("configured-java"))
    run = env.run("undo", "--app", "java-done", "--yes")
    assert run.code == 2
    assert "No snapshot for java-done" in run.err and "--snapshot" in run.err


def test_check_exit_codes_and_json_for_several_apps(sandbox_for):
    env = sandbox_for(vector_app("configured-java"), vector_app("fresh-java-basic"))
    ready = env.run("check", "--app", "java-done")
    assert ready.code == 0 and "Passed" in ready.out
    both = env.run("check", "--app", "java-done", "--app", "java-basic", "--json")
    assert both.code == 1
    jsonschema.validate(both.json, schemas.CHECK)
    assert both.json["summary"] == {"apps": 2, "ready": 1, "not_ready": 1, "errors": 0}
    assert env.writes() == []
    unknown = env.run("check", "--app", "java-done", "--app", "ghost", "--json")
    assert unknown.code == 2
    assert [a["error"] and a["error"]["type"] for a in unknown.json["apps"]] == [None, "NotFound"]


def test_check_all_matches_every_vector(sandbox_for):
    """Every vector through the real API and the real command: the same findings."""
    vectors = [json.loads(p.read_text()) for p in sorted(VECTORS.glob("*.json"))]
    env = sandbox_for(*[v["seed"]["apps"][0] for v in vectors])
    run = env.run("check", "--all", "--json")
    assert run.code == 1
    jsonschema.validate(run.json, schemas.CHECK)
    got = {a["app"]: {f["id"]: f["status"] for f in a["findings"]} for a in run.json["apps"]}
    for v in vectors:
        assert got[v["seed"]["apps"][0]["name"]] == v["expected"], v["description"]
    # one list, 4 GETs per app (config vars too: any app may opt out in ZDD_OPT_OUT), one free
    # rate-limit read
    assert run.json["requests"]["requests"] == 1 + 1 + 4 * len(vectors)


def test_error_documents_have_the_failure_shape(sandbox_for):
    env = sandbox_for(vector_app("configured-java"))
    for args in (
        ["setup", "--app", "ghost", "--json"],
        ["setup", "--app", "java-done", "--size", "Basic", "--json"],
        ["check", "--app", "a", "--all", "--json"],
    ):
        run = env.run(*args)
        assert run.code == 2, (args, run)
        jsonschema.validate(run.json, schemas.FAILURE)
        assert run.json["error"]["message"]
    env.clear_log()
    bad_size = env.run("setup", "--app", "java-done", "--size", "Basic")
    assert bad_size.code == 2 and "can't be chosen with --size" in bad_size.err
    assert env.requests() == []  # rejected before any request


def test_check_all_refuses_to_overrun_the_api_budget(sandbox_for):
    apps = [dict(vector_app("configured-java"), name=f"app-{i}") for i in range(6)]
    env = sandbox_for(*apps, rate_limit={"capacity": 12, "refill_per_minute": 0})
    run = env.run("check", "--all")
    assert run.code == 2
    assert "Checking 6 apps takes up to 24 API requests" in run.err and "--app" in run.err
