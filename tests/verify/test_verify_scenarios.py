"""Real loopback deploys through the real probe: a restart with a gap, a switch with no gap, caps.

Every server here is a real HTTP server on 127.0.0.1; every --during command is a real process.
"""

import shlex
import sys
import time

import pytest
from verify_helpers import cookie_moves

from zdd.verify.options import build_options
from zdd.verify.report import EXIT_COMMAND_FAILED, EXIT_FAILURES, EXIT_OK
from zdd.verify.runner import run_verify
from zdd.verify.targets import Backend, RestartingTarget, SwitchingRouter


def python_command(code: str) -> str:
    return f"{shlex.quote(sys.executable)} -c {shlex.quote(code)}"


def switch_command(router: SwitchingRouter, to: str, after_s: float) -> str:
    url = router.url(f"/__switch?to={to}")
    return python_command(
        "import time, urllib.request as u; "
        f"time.sleep({after_s}); u.urlopen(u.Request({url!r}, method='POST'), timeout=5)"
    )


def test_restart_with_a_gap_shows_the_failures_and_the_gap_length():
    with RestartingTarget(old="v1", new="v2") as target:
        target.restart_after(delay_s=0.2, gap_s=0.4)
        opts = build_options(
            url=target.url(), rate="50", duration="1.1s", timeout="1s", marker_header="X-Release"
        )
        report = run_verify(opts)
    assert target.gap_s >= 0.4  # what the target really did; the probe must measure that
    assert report.failed >= 16  # ~0.4 s of refused connections at 50/s (80 % of them, or more)
    assert report.failures_by_kind.get("connect", 0) >= 16
    longest = report.longest_run
    assert longest.recovered
    assert longest.seconds == pytest.approx(target.gap_s, abs=0.25)
    assert report.availability < 0.75
    assert report.switch.to_value == "v2"
    assert report.exit_code == EXIT_FAILURES


def test_switch_without_a_gap_has_zero_failures_and_the_switch_time_from_the_marker():
    with Backend("v1") as old, Backend("v2") as new, SwitchingRouter(old, new) as router:
        opts = build_options(
            url=router.url(),
            rate="50",
            during=switch_command(router, "v2", after_s=0.3),
            tail="0.4s",
            marker_json="version",
        )
        starts: list[float] = []

        def clock() -> float:  # the probe's first reading of the clock is its t0
            now = time.monotonic()
            if not starts:
                starts.append(now)
            return now

        report = run_verify(opts, clock=clock)
        switched = router.switched_at - starts[0]
    assert report.failed == 0
    assert report.availability == 1.0
    sw = report.switch
    assert (sw.from_value, sw.to_value) == ("v1", "v2")
    lo, hi = sw.between_s
    assert lo <= switched <= hi  # the report's bounds hold the router's real switch time
    # and pin it: no answer was sent between the last old one and the first new one (a bound
    # in samples, not seconds, so a loaded machine that spaces samples out still holds it)
    assert not [s for s in report.samples if not s.failed and lo < s.sent_s < sw.started_s]
    first_new = min((s for s in report.samples if s.marker == "v2"), key=lambda s: s.sent_s)
    assert hi == first_new.sent_s + (first_new.latency_s or 0.0)  # its answer closes it
    assert sw.mixed_s == 0
    assert report.run.during.exit_code == 0
    assert report.run.stopped_because == "command_and_tail"
    assert 0.4 <= report.run.elapsed_s - report.run.during.ended_s < 0.9
    assert len(cookie_moves(report.affinity)) == 1  # the router re-issued the cookie at the switch
    assert lo <= report.affinity["change_list"][0]["at_s"] <= hi
    assert report.exit_code == EXIT_OK


def test_affinity_changes_are_counted_for_every_switch():
    with Backend("a") as a, Backend("b") as b, SwitchingRouter(a, b) as router:
        flips = "; ".join(
            f"time.sleep(0.2); u.urlopen(u.Request({router.url(f'/__switch?to={n}')!r}, "
            "method='POST'), timeout=5)"
            for n in ("b", "a", "b")
        )
        cmd = python_command(f"import time, urllib.request as u; {flips}")
        report = run_verify(build_options(url=router.url(), rate="50", during=cmd, tail="0.3s"))
    assert report.failed == 0
    assert len(cookie_moves(report.affinity)) == 3
    assert report.affinity["requests_without_cookie_after_assignment"] == 0


def test_router_503_pages_are_failures_with_request_ids():
    with Backend("v1") as old, SwitchingRouter(old) as router:
        router.switch_to(None)
        report = run_verify(build_options(url=router.url(), rate="40", duration="0.3s"))
    assert report.failed == report.requests > 0
    assert report.failures_by_kind == {"http_5xx": report.requests}
    assert report.router_pages == {"application-error": report.requests}
    assert all(s.request_id and s.via == "1.1 zdd-test-router" for s in report.samples)


def test_slow_answers_count_as_timeouts():
    with Backend("slow", delay_s=0.5) as slow:
        report = run_verify(
            build_options(url=slow.url(), rate="20", duration="0.3s", timeout="0.1s")
        )
    assert report.failed == report.requests > 0
    assert set(report.failures_by_kind) == {"timeout"}


def test_rate_cap_holds_over_every_window():
    with Backend("v1") as backend:
        report = run_verify(build_options(url=backend.url(), rate="50", duration="1s"))
    times = [s.sent_s for s in report.samples]
    assert report.requests <= 1 * 50 + 1
    assert report.requests >= 1 * 50 * 0.8  # and it keeps up
    for t in times:  # no half-second window holds more than its share (plus one boundary slot)
        assert sum(1 for u in times if t <= u < t + 0.5) <= 0.5 * 50 + 2


def test_count_cap_stops_the_loop():
    with Backend("v1") as backend:
        report = run_verify(
            build_options(url=backend.url(), rate="50", duration="10s", max_requests="12")
        )
    assert report.requests == 12
    assert report.run.stopped_because == "max_requests"
    assert report.run.elapsed_s < 1.0


def test_during_exit_status_is_reported():
    with Backend("v1") as backend:
        cmd = python_command("import time, sys; time.sleep(0.1); sys.exit(7)")
        report = run_verify(build_options(url=backend.url(), rate="20", during=cmd, tail="0.1s"))
    assert report.failed == 0
    assert report.run.during.exit_code == 7
    assert 0.1 <= report.run.during.ended_s < 10
    assert report.exit_code == EXIT_COMMAND_FAILED


def test_max_duration_stops_a_command_that_never_ends():
    with Backend("v1") as backend:
        cmd = python_command("import time; time.sleep(60)")
        start = time.monotonic()
        report = run_verify(
            build_options(url=backend.url(), rate="20", during=cmd, max_duration="0.3s")
        )
    assert time.monotonic() - start < 8
    assert report.run.stopped_because == "max_duration"
    assert report.run.during.stopped_by_zdd
    assert report.exit_code == EXIT_COMMAND_FAILED


def test_the_scenario_refuses_a_non_loopback_url_before_any_request():
    from zdd.verify import scenario

    with pytest.raises(SystemExit, match="non-loopback"):
        scenario.deploy("http://192.0.2.1:9", "token", "app", None, preboot_s=0)
    with pytest.raises(SystemExit, match="non-loopback"):
        scenario.deploy("http://127.0.0.1:9", "token", "app", "http://192.0.2.1/x", preboot_s=0)
