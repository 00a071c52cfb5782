"""Each finding catches its fault on the Python test app, and the healthy app passes them all.

Real processes and a real router on loopback, on the fast schedule (tests/rehearse/support.py).
"""

from __future__ import annotations

import shutil

import pytest

from tests.rehearse.support import explain, failed, run, statuses
from zdd.rehearse.flow import RehearsalReport

pytestmark = pytest.mark.slow


def test_healthy_app_passes_two_preboot_deploys_in_a_row_with_no_false_alarm(python_app):
    report = run(python_app, deploys="2")
    assert statuses(report) == {
        "boot.r10": "passed",
        "shutdown.inflight_dropped": "passed",  # long requests were in flight and finished
        "shutdown.sigkill": "passed",
        "router.keepalive": "passed",
        "memory.overlap": "passed",
        "release.unhealthy": "passed",
        "requests.failed": "passed",
    }, explain(report)
    assert report.exit_code == 0
    assert [d["release"] for d in report.deploys] == ["v2", "v3"]
    assert all(d["preboot"] for d in report.deploys)
    v = report.verify
    assert v.requests > 40 and v.failed == 0
    assert v.switch is not None and (v.switch.from_value, v.switch.to_value) == ("v2", "v3")
    assert v.marker_values.keys() == {"v1", "v2", "v3"}
    assert [r["kind"] for r in report.events].count("switched") == 2
    assert v.affinity["assigned_at_s"] is not None  # the router set heroku-session-affinity
    posts = [s for s in v.samples if s.status == 200]
    assert len(posts) == v.requests


def test_healthy_app_passes_a_restart_without_preboot_requests_are_held(python_app):
    report = run(python_app, preboot=False)
    assert failed(report) == set(), explain(report)
    restart = report.deploys[0]
    assert restart["preboot"] is False
    assert restart["old"] == {"v1/web.1": "exited", "v1/web.2": "exited"}


def assert_caught(report: RehearsalReport, finding: str) -> None:
    """The fault's finding failed with a remedy, exit 1, and no false alarm on the rows the
    fault cannot touch."""
    caught = failed(report)
    assert finding in caught, explain(report)
    assert report.exit_code == 1
    by_id = {f.id: f for f in report.findings}
    assert by_id[finding].remedy  # a failed finding says what to do
    assert "boot.r10" not in caught or finding == "boot.r10"
    assert "memory.overlap" not in caught or finding == "memory.overlap"


@pytest.mark.parametrize(
    ("env", "flags", "finding"),
    [
        (("FAULT_MEMORY_MB=80",), {"memory_quota": "64"}, "memory.overlap"),
        (("FAULT_CRASH_AFTER=0.2", "FAULT_RELEASE=v2"), {}, "release.unhealthy"),
        (("FAULT_BOOT_DELAY=4", "FAULT_RELEASE=v2"), {"boot_timeout": "1.5s"}, "boot.r10"),
    ],
    ids=["memory", "crash", "r10"],
)
def test_each_fault_is_caught(python_app, env, flags, finding):
    assert_caught(run(python_app, *env, **flags), finding)


def test_exit_at_sigterm_drops_requests_counted_at_sigterm_and_in_requests_failed(python_app):
    report = run(python_app, "FAULT_SIGTERM=exit")
    assert_caught(report, "shutdown.inflight_dropped")
    by_id = {f.id: f for f in report.findings}
    drop = by_id["shutdown.inflight_dropped"].figure
    assert drop["dropped"] >= 1 and drop["dropped"] <= drop["in_flight_at_sigterm"]
    lost = by_id["requests.failed"].figure
    assert lost["failed"] >= drop["dropped"]
    assert {"H13", "H18"} & set(lost["by_kind"])  # the router named the drops


def test_ignoring_sigterm_is_sigkilled_after_the_grace(python_app):
    report = run(python_app, "FAULT_SIGTERM=ignore", grace="0.8s")  # no healthy dyno to drain
    assert_caught(report, "shutdown.sigkill")
    assert report.deploys[0]["old"] == {"v1/web.1": "sigkilled", "v1/web.2": "sigkilled"}
    kills = [e for e in report.events if e["kind"] == "sigkilled"]
    terms = {e["dyno"]: e["at_s"] for e in report.events if e["kind"] == "sigterm"}
    grace = report.options.timing.sigterm_grace_s
    for e in kills:
        assert e["at_s"] - terms[e["dyno"]] >= grace - 0.05


def test_keepalive_race_becomes_h13_on_ordinary_traffic(python_app):
    report = run(python_app, "FAULT_KEEPALIVE=0.3", long_share="0")
    assert_caught(report, "router.keepalive")
    figure = {f.id: f for f in report.findings}["router.keepalive"].figure
    assert figure["app_closed_idle"] >= 1
    assert figure["shortest_idle_s"] < report.options.timing.router_keepalive_s


def test_v1_that_never_binds_exits_3(python_app):
    report = run(python_app, "FAULT_BOOT_DELAY=5", boot_timeout="1s")
    assert report.stopped_because == "v1_down"
    assert report.exit_code == 3
    assert statuses(report)["boot.r10"] == "failed"
    assert report.verify.requests == 0


def test_next_dir_is_v2_and_its_env_file_is_read(python_app, tmp_path):
    """v2 answering 500 (the fault in --next's .env) fails release.unhealthy."""
    broken = tmp_path / "next"
    shutil.copytree(python_app, broken)
    (broken / ".env").write_text("# v2 answers 500\nFAULT_500=1\n")
    report = run(python_app, next=str(broken))
    assert report.options.release_dir(2) == broken.resolve()
    assert_caught(report, "release.unhealthy")
    v1 = [s for s in report.verify.samples if s.marker == "v1"]
    assert v1 and all(s.status == 200 for s in v1)  # --dir has no .env: v1 stays healthy
