"""The release check's token through `zdd setup` / `zdd undo` against the sandbox (issue 8 item 4):
a snapshot kept when a failed write took effect, undo finding zdd's tokens without a snapshot,
and `setup --rotate-token`."""

import json
from pathlib import Path

from cli_helpers import SandboxTime, vector_app

from zdd.flows.setup import SetupRequest, run_setup
from zdd.flows.undo import UndoRequest, run_undo
from zdd.heroku.marks import describe
from zdd.plan import PlanOptions
from zdd.sandbox import ManualClock


def zdd_tokens(env, app: str) -> list:
    return [
        a
        for a in env.platform.authorizations.values()
        if a.description.startswith(f"zdd release check for {app}")
    ]


def test_snapshot_is_kept_when_a_failed_write_took_effect(sandbox_for):
    """Every answer to the affinity PATCH is lost although it applied: undo must still work.
    In process on a stopped sandbox clock: the client's retries (four, with backoff) wait on it."""
    clock = ManualClock()
    app = {**vector_app("configured-java"), "features": {"preboot": True}}
    env = sandbox_for(app, clock=clock)
    env.add_fault(kind="drop_after", route="PATCH /apps/*/features/*", count=None)
    request = SetupRequest(
        "java-done", PlanOptions(buildpack=env.companion), yes=True, as_json=True
    )
    setup = run_setup(request, env.deps(clock=SandboxTime(clock))).to_json()
    assert setup["exit_code"] == 1, setup
    assert setup["requests"]["retries"] == 4  # every attempt's answer lost
    assert env.platform.apps["java-done"].features["http-session-affinity"]  # it took effect
    assert setup["snapshot"] and Path(setup["snapshot"]).exists()
    env.clear_faults()
    undo = run_undo(UndoRequest("java-done", yes=True), env.deps(clock=SandboxTime(clock)))
    assert undo.exit_code == 0, undo.message
    assert not env.platform.apps["java-done"].features["http-session-affinity"]


def test_undo_without_a_snapshot_revokes_zdd_tokens_nobody_holds(sandbox_for):
    env = sandbox_for(vector_app("configured-java"))
    held = env.platform.add_token(scope=("read",), description=describe("java-done", "aaaa"))
    env.platform.apps["java-done"].config_vars["ZDD_API_TOKEN"] = held.token
    orphan_new = env.platform.add_token(scope=("read",), description=describe("java-done", "bbbb"))
    orphan_old = env.platform.add_token(
        scope=("read",), description="zdd release check for java-done"
    )
    other_app = env.platform.add_token(scope=("read",), description=describe("java-other", "cccc"))
    users = env.platform.add_token(scope=("read",), description="my own token")

    dry = env.run("undo", "--app", "java-done", "--dry-run", "--json")
    assert dry.code == 3, dry
    pending = [s for s in dry.json["plan"]["steps"] if s["status"] == "pending"]
    revoking = {s["commands"][0].split()[-1] for s in pending}
    assert revoking == {orphan_new.id, orphan_old.id}
    assert {s["kind"] for s in pending} == {"authorization"}

    run = env.run("undo", "--app", "java-done", "--yes")
    assert run.code == 0, run
    assert "No snapshot for java-done" in run.out
    left = set(env.platform.authorizations)
    assert {held.id, other_app.id, users.id} <= left
    assert not {orphan_new.id, orphan_old.id} & left
    assert env.platform.apps["java-done"].config_vars["ZDD_API_TOKEN"] == held.token

    again = env.run("undo", "--app", "java-done", "--yes")
    assert again.code == 2 and "No snapshot for java-done" in again.err  # nothing left to do


def test_undo_after_setup_revokes_a_duplicate_the_snapshot_does_not_name(sandbox_for):
    env = sandbox_for({**vector_app("configured-java"), "config_vars": {}})
    setup = env.run("setup", "--app", "java-done", "--yes", "--json")
    assert setup.code == 0, setup
    snapshot = json.loads(Path(setup.json["snapshot"]).read_text())
    assert snapshot["authorization_run"]
    # a duplicate from a lost answer of that same run, that the snapshot never learnt about
    dup = env.platform.add_token(
        scope=("read",), description=describe("java-done", snapshot["authorization_run"])
    )
    run = env.run("undo", "--app", "java-done", "--yes")
    assert run.code == 0, run
    assert zdd_tokens(env, "java-done") == []
    assert dup.id not in env.platform.authorizations
    assert env.platform.apps["java-done"].config_vars == {}


def test_rotate_token_replaces_it_and_revokes_the_old_one(sandbox_for):
    env = sandbox_for(vector_app("configured-java"))
    old = env.platform.add_token(scope=("read",), description=describe("java-done", "aaaa"))
    env.platform.apps["java-done"].config_vars["ZDD_API_TOKEN"] = old.token
    plain = env.run("setup", "--app", "java-done", "--yes")
    assert plain.code == 0 and "nothing to change" in plain.out  # no rotation unless asked

    run = env.run("setup", "--app", "java-done", "--rotate-token", "--yes", "--json")
    assert run.code == 0, run
    new = env.platform.apps["java-done"].config_vars["ZDD_API_TOKEN"]
    assert new != old.token
    assert old.id not in env.platform.authorizations
    (mine,) = zdd_tokens(env, "java-done")
    assert mine.token == new and mine.expires_in == 365 * 24 * 3600
    assert new not in run.out  # never printed
