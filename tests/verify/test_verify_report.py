"""The pure summary: hand-made samples in, figures out."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zdd.verify.report import (
    EXIT_COMMAND_FAILED,
    EXIT_FAILURES,
    EXIT_INTERRUPTED,
    EXIT_OK,
    DuringResult,
    RunInfo,
    percentiles,
    summarise,
)
from zdd.verify.samples import Marker, Sample, from_response, router_error
from zdd.verify.text import render


def run_info(elapsed=10.0, **kw):
    base = dict(
        url="http://127.0.0.1:1/health",
        started_at="2026-01-01T00:00:00+00:00",
        elapsed_s=elapsed,
        stopped_because="duration",
        rate=10.0,
        max_requests=100,
        max_duration_s=60.0,
        timeout_s=1.0,
        marker="header X-Release",
    )
    return RunInfo(**{**base, **kw})


def ok(seq, t, marker="v1", latency=0.010, **kw):
    return Sample(seq=seq, sent_s=t, latency_s=latency, status=200, marker=marker, **kw)


def refused(seq, t):
    return Sample(seq=seq, sent_s=t, latency_s=0.001, error="connect", detail="refused")


def test_gap_gives_failures_longest_run_and_availability():
    samples = [ok(i, i * 0.1) for i in range(10)]
    samples += [refused(i, i * 0.1) for i in range(10, 25)]  # 1.0 .. 2.4
    samples += [ok(i, i * 0.1, marker="v2") for i in range(25, 40)]
    samples += [refused(40, 4.0), ok(41, 4.1, marker="v2")]
    report = summarise(samples, run_info(elapsed=4.2))
    assert (report.requests, report.failed, report.ok) == (42, 16, 26)
    assert report.availability == pytest.approx(26 / 42)
    assert len(report.runs) == 2
    longest = report.longest_run
    assert longest.count == 15
    assert longest.seconds == pytest.approx(1.5)  # first failure 1.0 s -> next success 2.5 s
    assert longest.recovered
    assert report.failures_by_kind == {"connect": 16}
    assert report.exit_code == EXIT_FAILURES
    data = report.to_dict()
    assert data["failures"]["longest_run"]["count"] == 15
    assert len(data["failures"]["samples"]) == 16
    assert "FAIL: 16 of 42" in render(report)


def test_failures_to_the_end_never_recover():
    samples = [ok(0, 0.0), refused(1, 0.5), refused(2, 1.0)]
    run = summarise(samples, run_info(elapsed=1.2)).longest_run
    assert (run.count, run.recovered) == (2, False)
    assert run.seconds == pytest.approx(0.501)


def test_instant_switch_over_from_the_marker():
    samples = [ok(i, i * 0.1, marker="v1") for i in range(20)]
    samples += [ok(i, i * 0.1, marker="v2") for i in range(20, 50)]
    report = summarise(samples, run_info(elapsed=5.0))
    sw = report.switch
    assert (sw.from_value, sw.to_value) == ("v1", "v2")
    assert sw.started_s == pytest.approx(2.0)
    assert sw.completed_s == pytest.approx(2.0)
    assert sw.last_old_before_s == pytest.approx(1.9)
    assert sw.between_s == pytest.approx((1.9, 2.01))  # first v2 answer arrived 10 ms later
    assert sw.mixed_s == 0
    assert report.failed == 0 and report.exit_code == EXIT_OK
    assert set(report.phases) == {"before", "during", "after"}
    counts = sum(report.latency[p]["count"] for p in ("before", "during", "after"))
    assert counts == 50


def test_mixed_switch_over_ends_at_the_last_old_answer():
    markers = ["v1"] * 5 + ["v2", "v1", "v2", "v1"] + ["v2"] * 5
    samples = [ok(i, float(i), marker=m) for i, m in enumerate(markers)]
    sw = summarise(samples, run_info(elapsed=14)).switch
    assert sw.started_s == 5.0
    assert sw.completed_s == 9.0
    assert sw.mixed_s == 4.0
    assert len(summarise(samples, run_info(elapsed=14)).marker_changes) == 5


def test_no_switch_when_the_marker_ends_where_it_started():
    samples = [ok(0, 0, "v1"), ok(1, 1, "v2"), ok(2, 2, "v1")]
    report = summarise(samples, run_info())
    assert report.switch is None
    assert len(report.marker_changes) == 2
    assert "none seen" in render(report)


def test_without_a_marker_the_summary_says_how_to_get_one():
    samples = [ok(0, 0, marker=None), ok(1, 1, marker=None)]
    report = summarise(samples, run_info(marker=None))
    assert report.switch is None and set(report.phases) == {"all"}
    assert "--marker-header" in render(report)


def test_affinity_cookie_changes_are_counted():
    # (cookie sent, cookie set): a change is a request carrying one cookie answered with another
    pairs = [(None, None), (None, "a"), ("a", None), ("a", "a"), ("a", "b"), ("b", None)]
    pairs += [("b", "b"), ("b", "c")]
    samples = [
        ok(i, float(i), affinity_sent=sent, affinity_set=got) for i, (sent, got) in enumerate(pairs)
    ]
    aff = summarise(samples, run_info()).affinity
    assert aff["assigned_at_s"] == 1.0
    assert aff["changes"] == 2
    assert [c["at_s"] for c in aff["change_list"]] == [4.0, 7.0]
    assert [(c["from"], c["to"]) for c in aff["change_list"]] == [("a", "b"), ("b", "c")]


def test_a_clients_first_cookie_is_never_a_change():
    """Regression: with affinity on, the first concurrent requests went out before the jar held
    a cookie; each got its own cookie and the report said `changed 3 time(s)` before any deploy."""
    samples = [
        ok(0, 0.00, latency=0.19, affinity_set="a"),
        ok(1, 0.05, latency=0.19, affinity_set="b"),  # sent before #0's answer came back
        ok(2, 0.10, latency=0.19, affinity_set="c"),
        ok(3, 0.30, affinity_sent="c", affinity_set="c"),
        ok(4, 0.40, affinity_sent="c"),
    ]
    report = summarise(samples, run_info())
    assert report.affinity["assigned_at_s"] == 0.0
    assert report.affinity["changes"] == 0 and report.affinity["change_list"] == []
    assert report.affinity["requests_without_cookie_after_assignment"] == 0
    assert "changed 0 time(s)" in render(report)


def test_skipped_slots_are_worded_by_their_cause():
    """Regression: slots dropped because the send loop fell behind were reported as `too many
    requests were still waiting` (with max latency 190 ms and a cap of 100 in flight)."""
    late_only = render(summarise([ok(0, 0)], run_info(skipped_slots=6, skipped_late=6)))
    assert "6 send slots skipped: zdd's send loop fell behind its schedule" in late_only
    assert "in flight" not in late_only and "still waiting" not in late_only
    both = summarise([ok(0, 0)], run_info(skipped_slots=5, skipped_late=2))
    text = render(both)
    assert "3 send slots skipped: the cap on requests in flight was reached" in text
    assert "2 send slots skipped: zdd's send loop fell behind" in text
    limits = both.to_dict()["limits"]
    assert (limits["skipped_slots"], limits["skipped_busy"], limits["skipped_late"]) == (5, 3, 2)
    assert "skipped" not in render(summarise([ok(0, 0)], run_info()))


def test_percentiles_nearest_rank():
    stats = percentiles([float(v) for v in range(1, 101)])
    assert (stats["p50"], stats["p90"], stats["p99"], stats["max"]) == (50, 90, 99, 100)
    assert percentiles([]) is None


def test_failed_during_command_exits_3_when_no_request_failed():
    during = DuringResult("exit 7", 0.0, 1.0, 7)
    assert summarise([ok(0, 0)], run_info(during=during)).exit_code == EXIT_COMMAND_FAILED
    stopped = DuringResult("sleep 99", 0.0, 2.0, -15, stopped_by_zdd=True)
    assert summarise([ok(0, 0)], run_info(during=stopped)).exit_code == EXIT_COMMAND_FAILED
    assert summarise([refused(0, 0)], run_info(during=during)).exit_code == EXIT_FAILURES


def test_an_interrupted_run_without_failures_is_not_a_pass():
    during = DuringResult("git push", 0.0, 2.0, -15, stopped_by_zdd=True, stop_reason="terminated")
    report = summarise([ok(0, 0)], run_info(stopped_because="terminated", during=during))
    assert report.exit_code == EXIT_INTERRUPTED
    text = render(report)
    assert "PASS" not in text and "INTERRUPTED: no request failed" in text
    assert "stopped: interrupted by SIGTERM" in text
    assert "--during 'git push': stopped by zdd (interrupted by SIGTERM)" in text
    assert report.to_dict()["during"]["stop_reason"] == "terminated"
    # failures still come first: exit 1
    failed = summarise([refused(0, 0)], run_info(stopped_because="interrupted"))
    assert failed.exit_code == EXIT_FAILURES


def test_no_request_at_all_proves_nothing():
    assert summarise([], run_info()).exit_code == EXIT_FAILURES


def test_router_error_page_and_code_are_read_from_a_5xx_body():
    page = b'<iframe src="https://www.herokucdn.com/error-pages/application-error.html">'
    assert router_error(503, page) == ("application-error", None)
    assert router_error(503, b"at=error code=H12 desc=timeout") == (None, "H12")
    assert router_error(200, page) == (None, None)
    sample = from_response(
        3,
        1.0,
        0.2,
        503,
        {"x-request-id": "rid-1", "via": "1.1 vegur"},
        page,
        marker=Marker(header="X-Release"),
        affinity_sent=None,
        affinity_set=None,
    )
    assert sample.failed and sample.kind == "http_5xx"
    assert (sample.request_id, sample.via, sample.router_page) == (
        "rid-1",
        "1.1 vegur",
        "application-error",
    )


@pytest.mark.parametrize(
    ("marker", "headers", "body", "expected"),
    [
        (Marker(header="X-Release"), {"x-release": " v12 "}, b"", "v12"),
        (Marker(header="X-Release"), {}, b"", None),
        (Marker(json_path="version"), {}, b'{"version": 12}', "12"),
        (Marker(json_path="build.id"), {}, b'{"build": {"id": "abc"}}', "abc"),
        (Marker(json_path="items.1"), {}, b'{"items": ["a", "b"]}', "b"),
        (Marker(json_path="version"), {}, b"not json", None),
        (Marker(json_path="build"), {}, b'{"build": {"id": 1}}', None),
    ],
)
def test_marker_extraction(marker, headers, body, expected):
    assert marker.extract(headers, body) == expected


def test_marker_needs_exactly_one_source():
    with pytest.raises(ValueError):
        Marker()
    with pytest.raises(ValueError):
        Marker(header="X", json_path="y")


def test_4xx_answers_are_not_failures_but_are_pointed_out():
    samples = [ok(0, 0.0), Sample(seq=1, sent_s=0.1, latency_s=0.01, status=404)]
    report = summarise(samples, run_info())
    assert report.failed == 0 and report.status_counts == {"200": 1, "404": 1}
    assert "1 answers were 4xx" in render(report)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.floats(0.001, 0.5),  # gap to the previous send
            st.sampled_from(["ok-v1", "ok-v2", "connect", "timeout", "503"]),
            st.none() | st.sampled_from(["a", "b"]),
        ),
        max_size=60,
    )
)
def test_summary_invariants_hold_for_any_samples(steps):
    samples, t = [], 0.0
    for seq, (gap, what, cookie) in enumerate(steps):
        t += gap
        if what.startswith("ok"):
            samples.append(ok(seq, t, marker=what[3:], affinity_set=cookie))
        elif what == "503":
            samples.append(Sample(seq=seq, sent_s=t, latency_s=0.01, status=503))
        else:
            samples.append(Sample(seq=seq, sent_s=t, latency_s=0.01, error=what))
    report = summarise(samples, run_info(elapsed=t + 0.1))
    assert report.ok + report.failed == report.requests == len(samples)
    assert sum(r.count for r in report.runs) == report.failed
    assert sum(report.failures_by_kind.values()) == report.failed
    for a, b in zip(report.runs, report.runs[1:], strict=False):
        assert a.to_s <= b.from_s  # runs are disjoint and in order
    assert all(r.seconds >= 0 for r in report.runs)
    assert (report.exit_code == EXIT_FAILURES) == (report.failed > 0 or not samples)
    if report.switch:
        lo, hi = report.switch.between_s
        assert lo < report.switch.started_s <= report.switch.completed_s and lo < hi
    counted = sum((report.latency[p] or {"count": 0})["count"] for p in report.phases)
    assert counted == report.ok
