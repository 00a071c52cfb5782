"""`zdd verify --app`: release versions and dyno states from the sandbox's Platform API, over
loopback, while a real --during command deploys (creates a release) and the router switches."""

import json
import time

import pytest

from zdd.heroku import HerokuClient
from zdd.verify import scenario
from zdd.verify.options import build_options
from zdd.verify.platform import PlatformWatcher
from zdd.verify.runner import run_verify
from zdd.verify.targets import Backend, SwitchingRouter
from zdd.verify.text import render

APP = scenario.APP
PREBOOT_S = 0.6  # the seeded preboot window; the new dynos boot for 3/4 of it (scenario.demo_seed)


@pytest.fixture
def platform():
    """Overrides the shared fixture: an app with preboot, so a release opens a preboot window."""
    from zdd.sandbox import Platform

    return Platform.from_seed(scenario.demo_seed(preboot_seconds=PREBOOT_S))


def test_watcher_sees_the_new_release_and_dynos_booting_then_up(sandbox_env):
    with Backend("v2") as old, Backend("v3") as new, SwitchingRouter(old, new) as router:
        during = scenario.command(APP, router.url("/__switch?to=v3"), preboot_s=PREBOOT_S)
        with HerokuClient.from_env(deadline=10) as client:
            watcher = PlatformWatcher(client, APP, interval_s=0.15)  # ~3 looks while booting
            opts = build_options(
                url=router.url(), rate="20", during=during, tail="0.3s", marker_header="X-Release"
            )
            report = run_verify(opts, watcher=watcher)
    assert report.failed == 0 and report.run.during.exit_code == 0
    platform = report.run.platform
    assert platform["errors"] == []
    releases = [e["version"] for e in platform["events"] if e["type"] == "release"]
    assert releases == [2, 3]  # seeded v1 + v2; the --during command made v3
    states = [e["dynos"] for e in platform["events"] if e["type"] == "dynos"]
    assert states[0] == {"web.1": "up v2", "web.2": "up v2"}
    # the preboot window: new dynos booting (whether the old ones are still listed is the
    # sandbox's business; verify must record what it lists)
    assert any("starting v3" in d.values() for d in states)
    assert states[-1] == {"web.1": "up v3", "web.2": "up v3"}
    assert report.switch.to_value == "v3"
    v3 = next(e for e in platform["events"] if e.get("version") == 3)
    during = report.run.during
    # created_at, moved onto the probe's time line: inside the --during command, before the switch
    assert during.started_s - 0.5 <= v3["created_s"] <= during.ended_s + 0.5
    assert v3["created_s"] <= report.switch.started_s
    assert "release v3 (succeeded): created at ~" in render(report)
    assert len(platform["polls"]) >= 4
    assert platform["api_requests"] >= 2 * len(platform["polls"])


def test_api_errors_are_recorded_not_fatal(sandbox_env):
    with Backend("v1") as backend, HerokuClient.from_env(deadline=5) as client:
        watcher = PlatformWatcher(client, "no-such-app", interval_s=0.2)
        report = run_verify(
            build_options(url=backend.url(), rate="20", duration="0.2s"), watcher=watcher
        )
    assert report.failed == 0 and report.exit_code == 0
    errors = report.run.platform["errors"]
    assert errors and all("Couldn't find that app" in e["message"] for e in errors)
    assert all("HTTP 404" in e["message"] and "Request-Id" in e["message"] for e in errors)


def test_cli_with_app_records_releases(sandbox_env, tmp_path, run_zdd):
    with Backend("v2") as old, Backend("v3") as new, SwitchingRouter(old, new) as router:
        during = scenario.command(APP, router.url("/__switch?to=v3"), preboot_s=0.1)
        out = run_zdd(
            "verify", "--url", router.url(), "--rate", "20", "--during", during, "--tail", "0.2s",
            "--marker-header", "X-Release", "--app", APP, "--json", "--picture", "none",
            cwd=tmp_path,
        )  # fmt: skip
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    releases = [e["version"] for e in data["platform"]["events"] if e["type"] == "release"]
    assert releases == [2, 3]  # polled at the start and once more at the end
    assert data["platform"]["app"] == APP


def test_cli_with_app_and_no_token_is_a_usage_error(tmp_path, monkeypatch, run_zdd):
    # no HEROKU_API_KEY (the autouse fixture dropped it), no netrc in the empty HOME, and no
    # `heroku` program on PATH to ask for a token
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    monkeypatch.setenv("HEROKU_HOST", "http://127.0.0.1:9")
    out = run_zdd(
        "verify", "--url", "http://127.0.0.1:9/", "--app", APP, "--picture", "none", cwd=tmp_path
    )
    assert out.returncode == 2
    assert "--app zdd-verify-demo" in out.stderr and "Traceback" not in out.stderr


def test_polls_keep_working_after_the_first_deadline_span(sandbox_env):
    """The client's deadline is a total budget from construction; each poll must get a new one."""
    now = [0.0]
    with HerokuClient.from_env(deadline=1.0, clock=lambda: now[0]) as client:
        watcher = PlatformWatcher(client, APP, clock=lambda: now[0], poll_deadline_s=1.0)
        for _ in range(3):
            watcher.poll()
            now[0] += 5.0  # each poll comes after the previous deadline span has passed
    assert watcher.errors == []
    assert [p["release"] for p in watcher.polls] == [2, 2, 2]


def test_an_unexpected_error_is_recorded_and_polling_goes_on():
    with Backend("api") as api:
        client = HerokuClient(api.url(""), "token", deadline=5)
        client.close()  # a closed client raises RuntimeError, not a ZddError
        watcher = PlatformWatcher(client, APP, interval_s=0.05)
        watcher.start(watcher.clock())
        deadline = time.monotonic() + 5
        while len(watcher.errors) < 2 and time.monotonic() < deadline:  # two polls from the thread
            time.sleep(0.01)
        result = watcher.stop()
    assert len(result["errors"]) >= 3  # the thread lived on: one error per poll, and the last
    assert all(e["message"].startswith("RuntimeError: ") for e in result["errors"])


def test_stop_takes_no_second_look_while_a_poll_still_hangs():
    with Backend("api", delay_s=1.5) as api, HerokuClient(api.url(""), "token") as client:
        watcher = PlatformWatcher(client, APP, interval_s=10, join_timeout_s=0.2)
        watcher.start(watcher.clock())
        api.requested.wait(5)
        result = watcher.stop()
        requests = client.stats.requests
    assert requests == 1  # only the hanging poll's request: stop() did not start another
    assert result["errors"][-1]["message"].startswith("no final poll")
