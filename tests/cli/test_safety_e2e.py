"""Safety fixes end to end (the real `zdd` against a sandbox): Private Space sizes, custom
companion URLs, blocked steps in --print-commands, --json without a terminal, an unwritable state
directory, undo over several runs, unknown sizes, a failed verifying read, flag letters."""

import http.server
import json

import cli_schemas as schemas
import jsonschema
import pytest
from cli_helpers import Recorder, SandboxTime, short_preboot, vector_app
from loopback_http import server_url, serving

from zdd.sandbox import ManualClock

STD = "Standard-1X"


@pytest.fixture
def custom_companion():
    """A self-hosted companion: the tarball zdd ships, served from a loopback server under a
    name of the user's own (setup checks the URL serves a buildpack before adding it)."""
    from zdd.buildpack_archive import bundled

    body = bundled()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            self.send_response(200)
            self.send_header("Content-Type", "application/gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    with serving(Handler) as server:
        yield f"{server_url(server)}/bp/warmup.tgz"


def test_private_space_web_is_neither_blocked_nor_downsized(sandbox_for):
    app = {
        "name": "private-app",
        "buildpacks": ["heroku/nodejs"],
        "formation": [{"type": "web", "quantity": 2, "size": "Private-M"}],
        "features": {"preboot": False, "http-session-affinity": False},
    }
    env = sandbox_for(app)
    run = env.run("setup", "--app", "private-app", "--yes", "--json")
    assert run.code == 0, run
    steps = {s["id"]: s for s in run.json["plan"]["steps"]}
    assert steps["formation"]["status"] == "unchanged"
    assert steps["preboot"]["status"] == "unchanged" and "rolling" in steps["preboot"]["why"]
    # session affinity is not available in Private Spaces either: nothing to write
    assert steps["affinity"]["status"] == "unchanged" and "Private" in steps["affinity"]["why"]
    assert "Standard-1X" not in run.out
    assert env.app_state("private-app")["formation"] == [("web", 2, "Private-M")]
    assert env.writes() == []
    check = env.run("check", "--app", "private-app", "--json")
    assert check.code == 0, check
    found = {f["id"]: f["status"] for f in check.json["apps"][0]["findings"]}
    assert found["tier.professional"] == "passed" and found["preboot.enabled"] == "skipped"
    assert found["affinity.enabled"] == "skipped"


def test_a_custom_companion_url_is_recognised_by_check_a_rerun_and_undo(
    sandbox_for, custom_companion
):
    CUSTOM = custom_companion  # noqa: N806 (reads as the constant it was)
    env = sandbox_for(short_preboot(vector_app("java-github-url-single-web")))
    before = env.app_state("java-gh")
    args = ("--app", "java-gh", "--no-release-check")
    run = env.run("setup", *args, "--buildpack", CUSTOM, "--yes", "--json")
    assert run.code == 0, run
    assert CUSTOM in env.app_state("java-gh")["buildpacks"]
    assert json.loads(open(run.json["snapshot"]).read())["companion_url"] == CUSTOM

    # check and a re-run without --buildpack know it from the snapshot
    def companion(*extra):
        run = env.run("check", "--app", "java-gh", "--json", *extra)
        found = {f["id"]: f["status"] for f in run.json["apps"][0]["findings"]}
        return found["buildpack.companion"]

    assert companion() == "passed"
    env.clear_log()
    again = env.run("setup", *args, "--yes")
    assert again.code == 0 and "Everything is in place" in again.out, again
    assert env.writes() == []
    # and with --buildpack, even without any snapshot (another machine)
    for f in env.state_home.rglob("*.json"):
        f.rename(f.with_suffix(".moved"))
    assert companion() == "failed"
    assert companion("--buildpack", CUSTOM) == "passed"
    for f in env.state_home.rglob("*.moved"):
        f.rename(f.with_suffix(".json"))
    undo = env.run("undo", "--app", "java-gh", "--yes")
    assert undo.code == 0, undo
    assert env.app_state("java-gh") == before


def test_print_commands_shows_blocked_steps_and_the_next_command_with_the_users_flags(
    sandbox_for,
):
    env = sandbox_for(vector_app("fresh-java-basic"))
    run = env.run(
        "setup", "--app", "java-basic", "--min-web", "3", "--no-affinity", "--print-commands"
    )
    assert run.code == 1, run
    lines = run.out.splitlines()
    assert "# nothing to do" not in lines
    assert any(line.startswith("# blocked: would scale web: 1 -> 3 dynos") for line in lines)
    assert "# blocked: enable preboot (preboot needs Standard or Performance dynos" in run.out
    next_cmd = (
        "zdd setup --app java-basic --size Standard-1X --min-web 3 --no-affinity "
        f"--buildpack {env.companion}"
    )
    assert f"# next: {next_cmd}" in lines
    text = env.run("setup", "--app", "java-basic", "--min-web", "3", "--no-affinity", "--yes")
    assert f"To apply with your consent, run: {next_cmd}" in text.out
    assert env.writes() == []


def test_json_without_a_terminal_and_without_yes_prints_one_error_document(sandbox_for):
    env = sandbox_for(vector_app("java-github-url-single-web"))
    run = env.run("setup", "--app", "java-gh", "--json")
    assert run.code == 2, run
    doc = run.json  # exactly one document
    jsonschema.validate(doc, schemas.FAILURE)
    assert doc["error"]["type"] == "NeedsConfirmation" and doc["plan"]["steps"]
    assert "above" not in doc["error"]["remedy"] and "--yes" in doc["error"]["remedy"]
    assert env.writes() == []
    text = env.run("setup", "--app", "java-gh")
    assert text.code == 2 and "review the plan above" in text.err.lower()
    env.run("setup", "--app", "java-gh", "--yes", "--no-release-check")
    undo = env.run("undo", "--app", "java-gh", "-j")  # -j is --json everywhere
    assert undo.code == 2 and undo.json["error"]["type"] == "NeedsConfirmation"
    jsonschema.validate(undo.json, schemas.FAILURE)


def test_an_unwritable_state_directory_is_a_clear_error_before_any_write(sandbox_for):
    env = sandbox_for(vector_app("java-github-url-single-web"))
    env.state_home.parent.mkdir(parents=True, exist_ok=True)
    env.state_home.write_text("a file, not a directory")
    run = env.run("setup", "--app", "java-gh", "--yes", "--no-release-check")
    assert run.code == 2, run
    assert "Traceback" not in run.err
    assert f"Can't write the snapshot to {env.state_home / 'zdd' / 'java-gh'}" in run.err
    assert "XDG_STATE_HOME" in run.err
    assert env.writes() == []
    as_json = env.run("setup", "--app", "java-gh", "--yes", "--no-release-check", "-j")
    assert as_json.code == 2 and as_json.json["error"]["type"] == "ConfigError"


def test_undo_after_a_part_way_setup_and_its_rerun_restores_the_state_before_both(sandbox_for):
    """The flows in process on a stopped sandbox clock: undo's formation change waits out the
    preboot window its own config release opens, in sandbox time."""
    from zdd.flows.codes import ExitCode
    from zdd.flows.setup import SetupRequest, run_setup
    from zdd.flows.undo import UndoRequest, run_undo
    from zdd.plan import PlanOptions

    clock = ManualClock()
    env = sandbox_for(short_preboot(vector_app("fresh-java-basic")), clock=clock)
    before = env.app_state("java-basic")

    def setup(**over):
        options = PlanOptions(size=STD, buildpack=env.companion, **over)
        request = SetupRequest("java-basic", options, yes=True)
        return run_setup(request, env.deps(clock=SandboxTime(clock)))

    def undo(seen=None):
        request = UndoRequest("java-basic", yes=True, restore_sizes=True)
        return run_undo(request, env.deps(clock=SandboxTime(clock), output=seen or Recorder()))

    env.add_fault(kind="status", status=422, route="PUT /apps/*/buildpack-installations", count=1)
    first = setup()
    assert first.exit_code == ExitCode.NOT_DONE, first.message
    assert first.message.startswith("Setup stopped part-way"), first.message
    second = setup()
    assert second.exit_code == ExitCode.OK, second.message
    assert len(list((env.state_home / "zdd" / "java-basic").glob("*.json"))) == 2

    seen = Recorder()
    undone = undo(seen)
    assert undone.exit_code == ExitCode.OK, undone.message
    assert any("1 later run(s) not yet undone" in line for line in seen.lines), seen.lines
    assert env.app_state("java-basic") == before
    env.clear_log()
    again = undo()
    assert again.exit_code == ExitCode.OK and "nothing to change" in again.message
    assert env.writes() == []

    # a new setup starts a new chain: undo goes back to the state before it only
    setup(release_check=False)
    assert undo().exit_code == ExitCode.OK
    assert env.app_state("java-basic") == before


def test_an_unknown_size_is_rejected_before_any_request(sandbox_for):
    env = sandbox_for(vector_app("fresh-java-basic"))
    run = env.run("setup", "--app", "java-basic", "--size", "Standard-9X", "--yes")
    assert run.code == 2, run
    assert "Standard-9X is not a Heroku dyno size" in run.err
    assert "Standard-1X, Standard-2X, Performance-M" in run.err
    assert env.requests() == []


class FailReadsOnceWaiting(SandboxTime):
    """The flow's clock on a stopped sandbox clock that, the first time zdd waits for the preboot
    window, makes the API fail the app's feature reads (404, not retried): the writes still go
    through after the wait, and the verifying re-read after them fails."""

    def __init__(self, clock, env, app: str) -> None:
        super().__init__(clock)
        self.env, self.app, self.waits = env, app, 0

    def sleep(self, seconds: float) -> None:
        if not self.waits:
            self.env.add_fault(
                kind="status", status=404, route=f"GET /apps/{self.app}/features", count=None
            )
        self.waits += 1
        super().sleep(seconds)


def test_a_failed_verifying_read_still_reports_every_step(sandbox_for):
    """In process, on a stopped sandbox clock (zdd's waits advance it): the --json documents of
    a setup and an undo whose verifying re-read fails."""
    from zdd.flows.setup import SetupRequest, run_setup
    from zdd.flows.undo import UndoRequest, run_undo
    from zdd.plan import PlanOptions

    app = dict(
        vector_app("node-standard-no-preboot"),
        features={"preboot": True, "http-session-affinity": True},
        formation=[{"type": "web", "quantity": 1, "size": STD}],
    )
    clock = ManualClock()
    env = sandbox_for(app, clock=clock)
    env.platform.start_preboot("node-std", 8)  # setup waits for it before scaling
    waiting = FailReadsOnceWaiting(clock, env, "node-std")
    request = SetupRequest("node-std", PlanOptions(), yes=True, wait=30.0, as_json=True)
    doc = run_setup(request, env.deps(clock=waiting)).to_json()
    assert waiting.waits >= 1  # it did wait out the window
    jsonschema.validate(doc, schemas.SETUP)
    assert doc["exit_code"] == 1, doc
    (result,) = [r for r in doc["results"] if r["id"] == "formation"]
    assert result["outcome"] == "changed" and "unverified" in result["detail"]
    assert doc["verified"] is False and doc["verify_error"]["type"] == "NotFound"
    assert doc["snapshot"] and doc["findings"] is None
    assert env.platform.apps["node-std"].formation["web"].quantity == 2

    env.clear_faults()
    env.platform.start_preboot("node-std", 8)  # undo waits for it too
    waiting = FailReadsOnceWaiting(clock, env, "node-std")
    request = UndoRequest("node-std", yes=True, wait=30.0, as_json=True)
    doc = run_undo(request, env.deps(clock=waiting)).to_json()
    assert waiting.waits >= 1
    jsonschema.validate(doc, schemas.UNDO)
    assert doc["exit_code"] == 1 and doc["verified"] is False, doc
    assert [r["outcome"] for r in doc["results"] if r["id"] == "formation"] == ["changed"]
    assert env.platform.apps["node-std"].formation["web"].quantity == 1


def test_a_run_that_changed_nothing_keeps_no_snapshot(sandbox_for):
    env = sandbox_for(vector_app("java-github-url-single-web"))
    env.add_fault(kind="status", status=422, route="PATCH /apps/*/formation", count=1)
    run = env.run("setup", "--app", "java-gh", "--yes", "--no-release-check")
    assert run.code == 1, run
    assert "Setup stopped before changing anything" in run.out
    assert "0 step(s) changed" not in run.out
    assert not list(env.state_home.rglob("*.json"))


def test_json_is_j_in_every_command_and_java_has_no_short_flag():
    import os

    from cli_helpers import run_in_process

    helps = {c: run_in_process([c, "--help"], dict(os.environ)) for c in ("setup", "check", "undo")}
    for command, help_ in helps.items():
        assert help_.code == 0 and "-j, --json" in help_.out, command
    assert "  --java " in helps["setup"].out and "  --no-java " in helps["setup"].out
