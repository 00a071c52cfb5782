"""`zdd deploy` end to end: a real zdd subprocess, the loopback sandbox on a 90x clock, the app's
dynos as real processes (tests/apps/python, faults switched on per release by config vars)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from pathlib import Path

import httpx
import pytest
from deploybox import APP, FACTOR, PROCFILE, WINDOW_S, DeploySandbox

pytestmark = pytest.mark.slow


def markers(doc: dict) -> dict:
    return doc["probe"]["marker"]["values"]


def test_a_healthy_deploy_exits_0_without_a_rollback(make_sandbox):
    box: DeploySandbox = make_sandbox()
    run = box.run("--during", box.push(), "--rollback", "-j")
    doc = run.doc()
    assert run.code == 0, run.err
    assert doc["outcome"] == "healthy"
    assert doc["before"]["version"] == 2 and doc["release"]["version"] == 3
    assert doc["rollback"] is None
    assert doc["probe"]["failed"] == 0
    # preboot: the old release answered on for the window (300 s = 3.3 s real), then the new one
    assert set(markers(doc)) == {"v2", "v3"}
    assert doc["switch_s"] > WINDOW_S / 2
    assert [r["version"] for r in box.releases()] == [1, 2, 3]
    print(f"healthy deploy: {run.seconds:.1f} s")


def test_a_failing_release_phase_keeps_the_old_release_serving(make_sandbox):
    box = make_sandbox()
    procfile = PROCFILE + "\nrelease: echo running migrations; exit 1"
    run = box.run("--during", box.push(procfile), "--rollback", "-j")
    doc = run.doc()
    assert run.code == 1, run.err
    assert doc["outcome"] == "release_failed"
    assert doc["release"] == {**doc["release"], "version": 3, "status": "failed"}
    assert "running migrations" in doc["release_output"]
    assert doc["old_kept_serving"] is True
    assert doc["switch_s"] is None and doc["rollback"] is None  # nothing to undo
    assert set(markers(doc)) == {"v2"} and doc["probe"]["failed"] == 0
    assert len(box.releases()) == 3  # no rollback release
    assert httpx.get(box.web() + "/health").headers["x-release"] == "v2"
    print(f"failed release phase: {run.seconds:.1f} s")


def test_a_release_answering_500_is_rolled_back_and_the_picture_shows_it(make_sandbox, tmp_path):
    box = make_sandbox({"FAULT_500": "1", "FAULT_RELEASE": "v3"})
    picture = tmp_path / "rollback.png"
    run = box.run("--during", box.push(), "--rollback", "--picture", str(picture), "-j")
    doc = run.doc()
    assert run.code == 1, run.err
    assert doc["outcome"] == "unhealthy"
    assert doc["failures_after_switch"] > 0
    rb = doc["rollback"]
    assert rb["done"] and rb["to"]["version"] == 2 and rb["release"]["version"] == 4
    assert rb["requested_s"] > doc["switch_s"] and rb["serving_s"] > rb["requested_s"]
    releases = box.releases()
    assert [r["version"] for r in releases] == [1, 2, 3, 4]
    assert releases[-1]["description"] == "Rollback to v2"
    # the rollback release runs v2's slug and config (the fault names v3 only): healthy again
    answer = httpx.get(box.web() + "/health")
    assert answer.status_code == 200 and answer.headers["x-release"] == "v4"
    assert picture.stat().st_size > 10_000 and doc["picture"] == str(picture)
    print(f"500 after boot, rolled back: {run.seconds:.1f} s")


def test_without_rollback_a_500_release_fails_and_stays(make_sandbox):
    box = make_sandbox({"FAULT_500": "1", "FAULT_RELEASE": "v3"})
    run = box.run("--during", box.push())
    assert run.code == 1, run.err
    assert "unhealthy (v3)" in run.out and "rolled back" not in run.out
    assert len(box.releases()) == 3


def test_a_release_that_crashes_after_boot_is_rolled_back(make_sandbox):
    # v3 binds, serves after the window (3.3 s real), and exits 5 s after it bound: inside the
    # judge window
    box = make_sandbox({"FAULT_CRASH_AFTER": "5", "FAULT_RELEASE": "v3"})
    run = box.run("--during", box.push(), "--rollback", "-j", judge="5s")
    doc = run.doc()
    assert run.code == 1, run.err
    assert doc["outcome"] == "unhealthy"
    assert "v3" in markers(doc)  # it did serve, then crashed
    assert doc["rollback"]["done"]
    print(f"crash after boot: {run.seconds:.1f} s")


def test_a_promotion_is_followed_on_the_target_app(make_sandbox, tmp_path):
    from herokucli import HEROKU, HerokuCLI, available

    if not available():
        pytest.skip("the Heroku CLI is not installed (npm ci in tests/heroku-cli)")
    box = make_sandbox(pipeline=True)
    cli = HerokuCLI(box.url, box.platform.global_token, tmp_path / "cli")
    env = {**box.env(), **cli.env, "PATH": os.environ["PATH"]}
    args = box.deploy_args("--during", f"{HEROKU} pipelines:promote -a guarded-staging", "-j")
    t0 = time.monotonic()
    proc = subprocess.run(args, env=env, capture_output=True, text=True, timeout=180)
    seconds = time.monotonic() - t0
    doc = __import__("json").loads(proc.stdout)
    assert proc.returncode == 0, proc.stderr
    assert doc["outcome"] == "healthy"
    assert doc["release"]["description"].startswith("Promote guarded-staging")
    assert doc["probe"]["during"]["exit_code"] == 0
    print(f"promotion: {seconds:.1f} s")


def _cmdlines() -> list[str]:
    out = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                out.append((proc / "cmdline").read_bytes().replace(b"\0", b" ").decode())
            except OSError:
                pass
    return out


def test_ctrl_c_mid_deploy_exits_4_and_leaves_nothing_running(make_sandbox):
    box = make_sandbox()
    nap = f"{61 + uuid.uuid4().int % 1000 / 1000:.3f}"  # a sleep no other process runs
    args = box.deploy_args("--during", f"{box.push()} && sleep {nap}", "--rollback")
    t0 = time.monotonic()
    proc = subprocess.Popen(
        args, env=box.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not any(f"sleep {nap}" in c for c in _cmdlines()):
            time.sleep(0.1)
        while time.monotonic() < deadline and box.releases()[-1]["version"] != 3:
            time.sleep(0.1)
        assert box.releases()[-1]["version"] == 3  # the push made its release
        time.sleep(1.0)  # mid-deploy: the release exists, preboot has not switched yet
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 4, err
    assert "interrupted" in out and "no rollback" in out
    assert not any(f"sleep {nap}" in c for c in _cmdlines())  # the command's group is gone
    assert len(box.releases()) == 3  # interrupted: no rollback
    print(f"Ctrl-C: {time.monotonic() - t0:.1f} s")


def test_nothing_runs_while_another_release_is_pending(make_sandbox, tmp_path):
    box = make_sandbox()
    box.platform.deploy(APP, {"procfile": PROCFILE + "\nrelease: sleep 20"})
    flag = tmp_path / "ran"
    run = box.run("--during", f"touch {flag}", "-j")
    assert run.code == 1
    assert run.doc()["outcome"] == "busy" and "v3 is still pending" in run.doc()["reason"]
    assert not flag.exists()


def test_a_release_in_its_preboot_window_is_waited_for_and_is_the_rollback_target(make_sandbox):
    """Regression: right after a release (v3, preboot window open, v2 still answering) zdd deploy
    said `serves v3` at once while v2 served. It must wait until v3 answers (by the marker), and
    a rollback must go to v3, the release that served before the deploy."""
    box = make_sandbox({"FAULT_500": "1", "FAULT_RELEASE": "v4"})
    clock = box.platform.clock
    clock.factor = 0  # v3's window stays open until zdd has said it waits for it
    box.platform.deploy(APP, {"procfile": PROCFILE})  # v3: a preboot window opens
    assert httpx.get(box.web() + "/health").headers["x-release"] == "v2"

    def window_runs_on() -> None:
        clock.factor = FACTOR

    run = box.run_then("waiting up to", window_runs_on, "--during", box.push(), "--rollback", "-j")
    doc = run.doc()
    assert "waiting up to" in run.err and "for v3 to serve" in run.err
    assert doc["before"]["version"] == 3 and doc["release"]["version"] == 4
    assert "v2" not in markers(doc)  # the probe (and the judge) started once v3 served
    assert doc["outcome"] == "unhealthy"
    assert doc["rollback"]["to"]["version"] == 3
    assert box.releases()[-1]["description"] == "Rollback to v3"


def test_a_preboot_window_longer_than_the_switch_timeout_refuses_with_one_line(
    make_sandbox, tmp_path
):
    box = make_sandbox()
    box.platform.clock.factor = 0  # sandbox time stands still: v3's window outlasts any timeout
    box.platform.deploy(APP, {"procfile": PROCFILE})  # v3 in its window; v2 answers
    flag = tmp_path / "ran"
    run = box.run("--during", f"touch {flag}", "-j", switch_timeout="1s")
    assert run.code == 1
    doc = run.doc()
    assert doc["outcome"] == "busy"
    assert "v3 is the latest release but the app still answers v2" in doc["reason"]
    assert not flag.exists() and len(box.releases()) == 3


@pytest.mark.parametrize(
    ("flags", "says"),
    [
        ({"bogus": "1"}, "unknown flag --bogus"),
        ({"marker_header": None}, "a release marker is required"),
        ({"health": "x"}, "--health: a path starting with /"),
        ({"judge": "soon"}, "--judge: cannot read 'soon'"),
        ({"max_failures": "-1"}, "--max-failures: expected a whole number"),
    ],
)
def test_bad_flags_exit_2_with_one_line(flags, says, tmp_path, monkeypatch, run_zdd):
    """Refused before any request: no sandbox needed (the API URL is a closed port). In this
    process (every other test here runs the real script)."""
    box = DeploySandbox.__new__(DeploySandbox)
    box.tmp, box.server = tmp_path, type("S", (), {"url": "http://127.0.0.1:9"})()
    box.platform = type("P", (), {"global_token": "not-a-real-token"})()
    args = box.deploy_args(**{"during": "true", **flags})
    assert args[1:4] == ["-m", "zdd", "deploy"]
    monkeypatch.setenv("HEROKU_HOST", box.url)
    monkeypatch.setenv("HEROKU_API_KEY", box.platform.global_token)
    monkeypatch.setenv("NETRC", "/nonexistent")
    proc = run_zdd(*args[3:])
    assert proc.returncode == 2
    assert says in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) <= 2  # the line, and where help is
