"""`zdd setup` against a sandbox on loopback: in process, `invoke zdd` once as a subprocess."""

from cli_helpers import Recorder, SandboxTime, vector_app

from zdd.flows.codes import ExitCode
from zdd.flows.setup import SetupRequest, run_setup
from zdd.plan import PlanOptions
from zdd.sandbox import ManualClock

STD = "Standard-1X"


def node_app(name="node-app", **over):
    app = {
        "name": name,
        "buildpacks": ["heroku/nodejs"],
        "formation": [{"type": "web", "quantity": 1, "size": STD}],
        "features": {"preboot": False, "http-session-affinity": False},
        "config_vars": {},
    }
    app.update(over)
    return app


def test_fresh_java_app_on_basic_is_blocked_without_size_and_complete_with_it(sandbox_for):
    env = sandbox_for(vector_app("fresh-java-basic"))
    before = env.app_state("java-basic")

    blocked = env.run("--app", "java-basic", "--yes", invoke=True)  # `invoke zdd` = setup
    assert blocked.code == 1, blocked
    assert "zdd setup --app java-basic --size Standard-1X" in blocked.out
    assert "+$61/month" in blocked.out
    assert env.writes() == [] and env.app_state("java-basic") == before

    done = env.run("setup", "--app", "java-basic", "--size", STD, "--yes")
    assert done.code == 0, done
    assert "Snapshot saved to" in done.out
    after = env.app_state("java-basic")
    assert after["features"] == {"preboot": True, "http-session-affinity": True}
    assert after["formation"] == [("web", 2, STD), ("worker", 1, STD)]
    assert after["buildpacks"] == [env.companion, "urn:buildpack:heroku/java"]
    assert after["config_vars"]["ZDD_APP"] == "java-basic"
    assert after["config_vars"]["JAVA_OPTS"] == "-Xss512k"  # only our own vars touched
    # the formation moved in one batch PATCH, and the minted token is read-only
    assert [w["path"] for w in env.writes()].count("/apps/java-basic/formation") == 1
    token = after["config_vars"]["ZDD_API_TOKEN"]
    assert token not in done.out + done.err  # never printed
    (auth,) = [a for a in env.platform.authorizations.values() if a.token == token]
    assert tuple(auth.scope) == ("read",)

    check = env.run("check", "--app", "java-basic")
    assert check.code == 0, check


def test_three_performance_m_web_dynos_are_not_scaled_down_or_resized(sandbox_for):
    app = node_app(formation=[{"type": "web", "quantity": 3, "size": "Performance-M"}])
    env = sandbox_for(app)
    run = env.run("setup", "--app", "node-app", "--size", STD, "--yes", "--json")
    assert run.code == 0, run
    assert env.app_state("node-app")["formation"] == [("web", 3, "Performance-M")]
    assert sorted(w["path"] for w in env.writes()) == [
        "/apps/node-app/features/http-session-affinity",
        "/apps/node-app/features/preboot",
    ]
    formation = next(s for s in run.json["plan"]["steps"] if s["id"] == "formation")
    assert formation["status"] == "unchanged"


def test_three_buildpacks_keep_their_order(sandbox_for):
    bps = ["heroku/nodejs", "https://github.com/example/custom-buildpack.git", "heroku/gradle"]
    env = sandbox_for(node_app("three-bp", buildpacks=bps))
    run = env.run("setup", "--app", "three-bp", "--yes")
    assert run.code == 0, run
    assert env.app_state("three-bp")["buildpacks"] == [
        "urn:buildpack:heroku/nodejs",
        "https://github.com/example/custom-buildpack.git",
        env.companion,
        "urn:buildpack:heroku/gradle",
    ]


def test_fully_configured_app_makes_zero_writes(sandbox_for):
    env = sandbox_for(vector_app("configured-java"))
    run = env.run("setup", "--app", "java-done", "--yes")
    assert run.code == 0, run
    assert "Everything is in place" in run.out
    assert env.writes() == []
    assert len(env.requests()) == 5  # app, features, formation, buildpacks, config vars


def test_second_run_makes_zero_writes(sandbox_for):
    env = sandbox_for(vector_app("fresh-java-basic"))
    assert env.run("setup", "--app", "java-basic", "--size", STD, "--yes").code == 0
    env.clear_log()
    again = env.run("setup", "--app", "java-basic", "--size", STD, "--yes", "--json")
    assert again.code == 0 and env.writes() == []
    assert again.json["requests"]["writes"] == 0
    assert {s["status"] for s in again.json["plan"]["steps"]} == {"unchanged"}


def test_preboot_in_progress_waits_then_scales(sandbox_for):
    """In process, on a stopped sandbox clock: zdd's waits advance it, so a preboot window
    passes at once and the test shows zdd waited it out (not less, not more than one 2 s poll;
    40 s, not a real window's minutes: each poll is a real request)."""
    clock = ManualClock()
    env = sandbox_for(
        node_app(features={"preboot": True, "http-session-affinity": True}), clock=clock
    )
    env.platform.start_preboot("node-app", 40)
    seen = Recorder()
    start = clock()
    request = SetupRequest("node-app", PlanOptions(), yes=True, wait=600.0)
    report = run_setup(request, env.deps(clock=SandboxTime(clock), output=seen))
    assert report.exit_code == ExitCode.OK, report.message
    assert 40 <= clock() - start <= 42
    assert any("waiting for the preboot in progress" in line for line in seen.lines)
    assert env.app_state("node-app")["formation"] == [("web", 2, STD)]
    refused = [w for w in env.writes() if w["status"] == 422]
    assert refused and all(w["path"] == "/apps/node-app/formation" for w in refused)


def test_preboot_outlasting_wait_fails_with_an_account(sandbox_for):
    clock = ManualClock()
    env = sandbox_for(
        node_app(features={"preboot": True, "http-session-affinity": False}), clock=clock
    )
    env.platform.start_preboot("node-app", 600)
    request = SetupRequest("node-app", PlanOptions(), yes=True, wait=30.0)
    report = run_setup(request, env.deps(clock=SandboxTime(clock)))
    assert report.exit_code == ExitCode.NOT_DONE
    outcomes = {r.step.id: r.outcome for r in report.applied.results}
    assert outcomes["affinity"] == "changed" and outcomes["formation"] == "failed"
    assert "--wait" in next(r.detail for r in report.applied.results if r.step.id == "formation")
    assert report.message.startswith("Setup stopped part-way: 1 step(s) changed")
    doc = report.to_json()
    assert doc["exit_code"] == 1 and doc["snapshot"] and doc["results"]


def test_token_without_write_scope(sandbox_for):
    env = sandbox_for(
        vector_app("java-github-url-single-web"),
        tokens=[
            {"token": "read-only-token", "scope": ["read"]},
            {"token": "g", "scope": ["global"]},
        ],
    )
    # can't read config vars: the release-check step is blocked, nothing is written
    run = env.run("setup", "--app", "java-gh", "--yes", token="read-only-token")
    assert run.code == 1, run
    assert "--no-release-check" in run.out and env.writes() == []
    # without it, the first write is refused: a clear failure, nothing else attempted
    run = env.run(
        "setup", "--app", "java-gh", "--yes", "--no-release-check", token="read-only-token"
    )
    assert run.code == 1, run
    assert "failed" in run.out and "not attempted" in run.out
    assert [w["status"] for w in env.writes()] == [403]
    assert "read-only-token" not in run.out + run.err


def test_unknown_app_is_a_clear_error(sandbox_for):
    env = sandbox_for(node_app())
    run = env.run("setup", "--app", "no-such-app", "--yes")
    assert run.code == 2
    assert "Couldn't find that app" in run.err and "heroku apps" in run.err
    as_json = env.run("setup", "--app", "no-such-app", "--json")
    assert as_json.code == 2
    assert as_json.json["error"]["type"] == "NotFound"
    assert as_json.json["exit_code"] == 2


def test_injected_429_and_503_during_apply_are_retried(sandbox_for):
    """In process on a stopped sandbox clock: the client's backoff waits pass on it."""
    clock = ManualClock()
    env = sandbox_for(vector_app("fresh-java-basic"), clock=clock)
    env.add_fault(kind="rate_limit", route="PATCH /apps/*/features/*", count=1)
    env.add_fault(kind="status", status=503, route="PATCH /apps/*/formation", count=1)
    env.add_fault(kind="status", status=500, route="PUT /apps/*/buildpack-installations", count=1)
    options = PlanOptions(size=STD, buildpack=env.companion)
    start = clock()
    report = run_setup(
        SetupRequest("java-basic", options, yes=True), env.deps(clock=SandboxTime(clock))
    )
    assert report.exit_code == ExitCode.OK, report.message
    doc = report.to_json()
    assert doc["requests"]["retries"] >= 3
    assert {r["outcome"] for r in doc["results"]} == {"changed"}
    statuses = sorted(w["status"] for w in env.writes())
    assert statuses.count(429) == 1 and statuses.count(503) == 1 and statuses.count(500) == 1
    assert clock() - start >= 3 * 0.5  # each retry waited its backoff (at least 0.5 s)


def test_dry_run_and_print_commands_make_zero_writes(sandbox_for):
    env = sandbox_for(vector_app("fresh-java-basic"))
    dry = env.run("setup", "--app", "java-basic", "--size", STD, "--dry-run")
    assert dry.code == 3, dry
    printed = env.run("setup", "--app", "java-basic", "--size", STD, "--print-commands")
    assert printed.code == 3
    assert printed.out.splitlines()[:3] == [
        "heroku features:enable http-session-affinity --app java-basic",
        "heroku ps:scale web=2:Standard-1X worker=1:Standard-1X --app java-basic",
        "heroku features:enable preboot --app java-basic",
    ]
    assert env.writes() == []
    assert not list(env.state_home.rglob("*.json"))  # no snapshot either


def test_without_yes_and_without_a_terminal_nothing_changes(sandbox_for):
    env = sandbox_for(node_app())
    run = env.run("setup", "--app", "node-app")
    assert run.code == 2 and "--yes" in run.err
    assert env.writes() == []


def test_setup_help_prints_help():
    import os

    from cli_helpers import run_in_process

    out = run_in_process(["setup", "--help"], dict(os.environ))
    assert out.code == 0 and "--size" in out.out and "--[no-]affinity" in out.out


def test_an_existing_token_is_kept_and_only_zdd_app_is_added(sandbox_for):
    app = vector_app("perf-m-three-buildpacks")  # has ZDD_API_TOKEN, lacks ZDD_APP
    env = sandbox_for(app)
    tokens = set(env.platform.authorizations)
    run = env.run("setup", "--app", "perf-three", "--yes")
    assert run.code == 0, run
    config = env.app_state("perf-three")["config_vars"]
    assert config == {"ZDD_API_TOKEN": "x", "ZDD_APP": "perf-three"}
    assert set(env.platform.authorizations) == tokens  # no new OAuth token minted
    assert [w["path"] for w in env.writes()] == ["/apps/perf-three/config-vars"]


def test_zdd_with_only_flags_runs_setup_like_invoke_zdd(sandbox_for):
    env = sandbox_for(vector_app("configured-java"))
    run = env.run("--app", "java-done", "--yes")
    assert run.code == 0, run
    assert "Everything is in place on java-done" in run.out
    assert env.run("--version").out.startswith("zdd ")
