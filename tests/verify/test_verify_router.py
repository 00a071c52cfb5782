"""`zdd verify --app` on the sandbox's lifecycle: the probe hits the app's web traffic as the
sandbox's router serves it (`/__sandbox/apps/{app}/web`), and the watcher reads the router view for
the platform's own switch-over and gaps. The sandbox clock runs fast (400x: a 210 s preboot window
takes about half a second), and each bound is in sandbox seconds over that factor."""

import pytest

from zdd.heroku import HerokuClient
from zdd.sandbox import Platform, SandboxClock
from zdd.verify import scenario
from zdd.verify.options import build_options
from zdd.verify.platform import PlatformWatcher, router_on_probe_time
from zdd.verify.runner import run_verify
from zdd.verify.text import render

APP = "lc-app"


def lifecycle_seed(preboot: bool, boot_seconds: float) -> dict:
    web = {"type": "web", "quantity": 2, "size": "Standard-1X", "command": "java -jar a.jar"}
    return {
        "apps": [
            {
                "name": APP,
                "buildpacks": ["heroku/java"],  # JVM: boot timeout 90 s, window 210 s
                "formation": [web],
                "features": {"preboot": preboot},
                "boot_seconds": boot_seconds,
            }
        ]
    }


@pytest.fixture
def platform(request):
    preboot, boot, factor = request.param
    return Platform.from_seed(lifecycle_seed(preboot, boot), clock=SandboxClock(factor=factor))


def verify(sandbox, tail: str):
    during = scenario.command(APP, None, preboot_s=0)
    with HerokuClient.from_env(deadline=10) as client:
        watcher = PlatformWatcher(client, APP, interval_s=0.2)
        opts = build_options(
            url=f"{sandbox.url}/__sandbox/apps/{APP}/web/",
            rate="40",
            during=during,
            tail=tail,
            marker_header="X-Release",
        )
        return run_verify(opts, watcher=watcher)


@pytest.mark.parametrize("platform", [(True, 20, 400)], indirect=True)
def test_with_preboot_traffic_moves_after_the_window_and_nothing_fails(sandbox_env):
    factor = 400
    report = verify(sandbox_env, tail="0.9s")  # the window (~0.5 s), then ~15 answers from v3
    assert report.failed == 0, render(report)
    router = report.run.platform["router"]
    assert [(s["from"], s["to"]) for s in router["switches"]] == [([2], [3])]
    assert router["gaps"] == []
    release = next(e for e in report.run.platform["events"] if e.get("version") == 3)
    moved = router["switches"][0]["at_s"]
    # the window (90 s boot timeout + 2 min) after the release was created, within 100 s
    assert moved - release["created_s"] == pytest.approx(210 / factor, abs=100 / factor)
    assert report.switch is not None and report.switch.to_value == "v3"
    assert "router (sandbox): traffic moved v2 -> v3 at" in render(report)


@pytest.mark.parametrize("platform", [(False, 60, 200)], indirect=True)
def test_without_preboot_the_restart_gap_fails_requests(sandbox_env):
    factor = 200  # a 60 s boot is a 0.3 s gap: about 12 requests at 40/s
    report = verify(sandbox_env, tail="0.6s")  # the gap, then ~0.3 s of answers
    router = report.run.platform["router"]
    assert len(router["gaps"]) == 1
    gap = router["gaps"][0]
    assert gap["until_s"] - gap["from_s"] == pytest.approx(60 / factor, abs=25 / factor)  # boot
    assert report.failed > 0  # every request in the gap got the router's 503
    assert all(s.status == 503 for s in report.samples if s.failed)
    assert "router (sandbox): no web dyno serving" in render(report)


def test_router_timeline_maps_onto_probe_time():
    view = {
        "now": 1000.0,
        "clock_factor": 10,
        "releases": [3],
        "timeline": [
            {"from": 900.0, "until": 950.0, "releases": [2], "dynos": 2},
            {"from": 950.0, "until": 970.0, "releases": [], "dynos": 0},
            {"from": 970.0, "until": None, "releases": [3], "dynos": 2},
        ],
    }
    out = router_on_probe_time(view, seen_at_s=20.0)
    assert out["gaps"] == [{"from_s": 15.0, "until_s": 17.0}]
    assert out["switches"] == [{"at_s": 17.0, "from": [2], "to": [3]}]
