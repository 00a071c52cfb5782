"""Pure: the findings on hand-made facts (no process, no socket)."""

from __future__ import annotations

from zdd.rehearse.findings import (
    DynoFacts,
    Facts,
    IdleCloseFact,
    ProbeFailure,
    judge,
)
from zdd.runtime.router import RouterRecord
from zdd.runtime.timing import Timing

MB = 1024 * 1024


def facts(**changes) -> Facts:
    base = dict(
        timing=Timing(),
        jvm=False,
        memory_quota_mb=512,
        size="Standard-1X",
        dynos=(
            DynoFacts("v1/web.1", "v1", 0.0, 2.0, "up", sigterm_at=50.0, stop_outcome="exited",
                      peak_rss_bytes=200 * MB),
            DynoFacts("v2/web.1", "v2", 20.0, 23.0, "up", peak_rss_bytes=210 * MB),
        ),
        records=(RouterRecord("a", "GET", "/slow", 45.0, 55.0, 200, dyno="v1/web.1"),),
        idle_closes=(),
        overlap_peak_bytes=410 * MB,
        new_releases=("v2",),
        phases=(("before", 0.0, 20.0), ("v2 preboot", 20.0, 50.0), ("after", 50.0, 1e9)),
        probe_requests=100,
        probe_failures=(),
        long_requests=True,
        longest_idle_s=90.0,
    )  # fmt: skip
    return Facts(**{**base, **changes})


def by_id(f: Facts) -> dict:
    return {x.id: x for x in judge(f)}


def test_a_clean_deploy_passes_everything():
    assert {k: v.status for k, v in by_id(facts()).items()} == dict.fromkeys(
        by_id(facts()), "passed"
    )


def test_a_dropped_in_flight_request_fails_with_the_count():
    dropped = RouterRecord("b", "GET", "/slow", 45.0, 50.2, 503, dyno="v1/web.1", code="H13")
    f = by_id(facts(records=(dropped,), probe_failures=(ProbeFailure(45.0, "http_5xx", "H13"),)))
    assert f["shutdown.inflight_dropped"].status == "failed"
    assert f["shutdown.inflight_dropped"].figure == {"in_flight_at_sigterm": 1, "dropped": 1}
    assert f["requests.failed"].figure["by_phase"] == {"before": 0, "v2 preboot": 1, "after": 0}


def test_nothing_in_flight_at_sigterm_is_skipped_and_says_how_to_test_it():
    f = by_id(facts(records=(), long_requests=False))["shutdown.inflight_dropped"]
    assert f.status == "skipped" and "--long-path" in f.message


def test_an_idle_close_after_sigterm_is_not_a_keepalive_fault():
    late = IdleCloseFact("v1/web.1", at=51.0, idle_s=0.5)
    assert by_id(facts(idle_closes=(late,)))["router.keepalive"].status == "passed"
    early = IdleCloseFact("v1/web.1", at=30.0, idle_s=20.0)
    failed = by_id(facts(idle_closes=(early,)))["router.keepalive"]
    assert failed.status == "failed" and failed.figure["shortest_idle_s"] == 20.0


def test_keepalive_unproven_when_no_connection_stayed_idle_long_enough():
    f = by_id(facts(longest_idle_s=30.0))["router.keepalive"]
    assert f.status == "skipped" and "--tail" in f.message


def test_no_request_fails_unless_the_run_was_interrupted_first():
    assert by_id(facts(probe_requests=0))["requests.failed"].status == "failed"
    interrupted = by_id(facts(probe_requests=0, interrupted=True))["requests.failed"]
    assert interrupted.status == "skipped"


def test_memory_over_the_quota_fails_per_dyno_and_the_jvm_remedy_names_xmx():
    big = DynoFacts("v2/web.1", "v2", 20.0, 23.0, "up", peak_rss_bytes=600 * MB)
    f = by_id(facts(dynos=(facts().dynos[0], big), jvm=True))["memory.overlap"]
    assert f.status == "failed" and "R14" in f.message and "-Xmx307m" in f.remedy
    # old + new together over one quota is reported, not failed: each dyno has its own quota
    assert by_id(facts(overlap_peak_bytes=900 * MB))["memory.overlap"].status == "passed"


def test_a_new_release_that_answers_500_or_crashes_is_unhealthy():
    bad = RouterRecord("c", "GET", "/", 60.0, 60.1, 500, dyno="v2/web.1")
    assert by_id(facts(records=(bad,)))["release.unhealthy"].status == "failed"
    crashed = DynoFacts("v2/web.1", "v2", 20.0, 23.0, "up", crashed_at=30.0)
    f = by_id(facts(dynos=(facts().dynos[0], crashed)))["release.unhealthy"]
    assert f.status == "failed" and f.figure["crashed"] == ["v2/web.1"]


def test_r10_and_sigkill():
    slow = DynoFacts("v2/web.1", "v2", 20.0, None, "r10")
    killed = DynoFacts("v1/web.1", "v1", 0.0, 2.0, "up", sigterm_at=50.0, stop_outcome="sigkilled")
    f = by_id(facts(dynos=(killed, slow)))
    assert f["boot.r10"].status == "failed" and "R10" in f["boot.r10"].message
    assert f["shutdown.sigkill"].status == "failed"
