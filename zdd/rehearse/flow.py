"""The rehearsal: boot v1 on the local runtime, probe it through the router, deploy, judge.

`rehearse(options, ...)` is a plain function: collaborators (the app factory, clock, sleep, a
progress callback, the stop signals) come in, a typed `RehearsalReport` goes out; it prints
nothing. Every process it starts is stopped before it returns, whatever happens (Ctrl-C, SIGTERM,
an error): `LocalApp.close()` runs in a `finally`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime

from zdd.rehearse.findings import (
    FAILED,
    IDS,
    PROVEN_SHARE,
    SKIPPED,
    DynoFacts,
    Facts,
    Finding,
    IdleCloseFact,
    ProbeFailure,
    boot_r10,
    judge,
)
from zdd.rehearse.options import RehearseOptions
from zdd.runtime.app import DeployRecord, LocalApp, dyno_key
from zdd.verify.options import VerifyOptions
from zdd.verify.probe import Probe, ProbeRequest
from zdd.verify.report import (
    EXIT_COMMAND_FAILED,
    EXIT_FAILURES,
    EXIT_INTERRUPTED,
    EXIT_OK,
    DuringResult,
    RunInfo,
    VerifyReport,
    summarise,
)
from zdd.verify.samples import Marker

MARKER_HEADER = "X-Zdd-Release"  # the router names the release of the dyno that answered
JSON_VERSION = 1


class Interrupted(Exception):
    """Raised inside the rehearsal's waits once a stop was asked for (Ctrl-C, SIGTERM)."""


@dataclass(frozen=True)
class RehearsalReport:
    options: RehearseOptions
    verify: VerifyReport
    findings: tuple[Finding, ...]
    events: tuple[dict, ...]
    dynos: tuple[dict, ...]
    deploys: tuple[dict, ...]
    stopped_because: str  # done | v1_down | interrupted | terminated | hangup
    started_at: str

    @property
    def failed(self) -> list[Finding]:
        return [f for f in self.findings if f.status == FAILED]

    @property
    def exit_code(self) -> int:
        """As zdd verify: 1 a finding failed, 3 the rehearsal could not run (v1 never came up),
        4 interrupted with nothing failed so far, 0 every finding passed or was skipped."""
        if self.stopped_because == "v1_down":
            return EXIT_COMMAND_FAILED
        if self.failed:
            return EXIT_FAILURES
        if self.stopped_because != "done":
            return EXIT_INTERRUPTED
        return EXIT_OK

    def to_dict(self) -> dict:
        o = self.options
        return {
            "version": JSON_VERSION,
            "command": "rehearse",
            "started_at": self.started_at,
            "app_dir": str(o.app_dir),
            "next_dir": str(o.next_dir) if o.next_dir else None,
            "dynos": o.dynos,
            "preboot": o.preboot,
            "deploys": o.deploys,
            "jvm": o.jvm,
            "timing": o.timing.to_dict(),
            "stopped_because": self.stopped_because,
            "findings": [f.to_dict() for f in self.findings],
            "probe": self.verify.to_dict(),
            "events": list(self.events),
            "dyno_list": list(self.dynos),
            "deploy_list": list(self.deploys),
            "exit_code": self.exit_code,
        }


def traffic_plan(options: RehearseOptions, base_url: str) -> Callable[[int], ProbeRequest]:
    """Spread long requests and POSTs evenly through the stream (deterministic, no bursts)."""

    def every(share: float, seq: int, offset: float) -> bool:
        return share > 0 and int((seq + 1) * share + offset) > int(seq * share + offset)

    def plan(seq: int) -> ProbeRequest:
        if options.long_path and every(options.long_share, seq, 0.5):
            return ProbeRequest("GET", base_url + options.long_path)
        if every(options.post_share, seq, 0.25):
            return ProbeRequest("POST", base_url + options.path, b'{"zdd": "rehearse"}')
        return ProbeRequest("GET", base_url + options.path)

    return plan


def spread_connections(url: str, count: int) -> None:
    """Concurrent requests through the router, so it opens several connections per dyno; the
    pool reuses the first, the others stay idle: what router.keepalive watches."""
    import httpx

    # One transport for all (a client each builds its own TLS context: ~50 ms of CPU, seconds on
    # a busy box); a client per request only so that no affinity cookie pins them to one dyno.
    with httpx.HTTPTransport() as transport:

        def one(_: int) -> None:
            # not closed: closing a client closes its transport, which the `with` closes once
            client = httpx.Client(transport=transport, trust_env=False, timeout=10.0)
            try:
                client.get(url)
            except httpx.HTTPError:
                pass  # a failure here is the probe's to see, not this warm-up's

        with ThreadPoolExecutor(max_workers=count) as pool:
            list(pool.map(one, range(count)))


def _phases(deploys: list[DeployRecord], t0: float, end: float) -> list[tuple[str, float, float]]:
    out: list[tuple[str, float, float]] = []
    cursor = t0
    for d in deploys:
        out.append((f"before {d.release}" if out else "before", cursor, d.started_at))
        if d.preboot:
            out.append((f"{d.release} preboot", d.started_at, d.switched_at or end))
            out.append(
                (f"{d.release} switch, old stopping", d.switched_at or end, d.old_stopped_at or end)
            )
        else:
            out.append(
                (f"{d.release} restart: old stopping", d.started_at, d.old_stopped_at or end)
            )
            out.append(
                (
                    f"{d.release} restart: new booting",
                    d.old_stopped_at or end,
                    d.new_settled_at or end,
                )
            )
        cursor = d.finished_at or end
    out.append(("after", cursor, max(cursor, end) + 1e9))
    return out


def _dyno_facts(app: LocalApp) -> list[DynoFacts]:
    peaks: dict[str, int] = {}
    for _, sample in app.memory:
        for key, rss in sample.items():
            peaks[key] = max(peaks.get(key, 0), rss)
    crashed = {
        e.dyno: e.at
        for e in app.events
        if e.kind == "crashed" and e.detail and "while up" in e.detail
    }
    r10 = {e.dyno for e in app.events if e.kind == "r10"}
    out = []
    for d in app.dynos:
        key = dyno_key(d)
        outcome = "up" if d.bound_at is not None else ("r10" if key in r10 else "exited")
        stop = None
        for rec in app.deploys:
            stop = rec.old_outcomes.get(key, stop)
        out.append(
            DynoFacts(
                key=key,
                release=d.release,
                started_at=d.started_at or 0.0,
                bound_at=d.bound_at,
                boot_outcome=outcome,
                crashed_at=crashed.get(key),
                sigterm_at=d.sigterm_at,
                stop_outcome=stop,
                peak_rss_bytes=peaks.get(key, 0),
                port=d.port,
            )
        )
    return out


def rehearse(
    options: RehearseOptions,
    *,
    make_app: Callable[..., LocalApp] = LocalApp,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    stop_reason: Callable[[], str | None] = lambda: None,
    progress: Callable[[str], None] = lambda line: None,
) -> RehearsalReport:
    """Run the rehearsal; `stop_reason()` returning a reason (e.g. "terminated") ends it early."""
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    asked: list[str] = []

    def reason() -> str | None:
        return asked[0] if asked else stop_reason()

    def guarded_sleep(seconds: float) -> None:
        if reason():
            raise Interrupted(reason())
        sleep(seconds)

    def wait(seconds: float) -> None:
        end = clock() + seconds
        while (left := end - clock()) > 0:
            guarded_sleep(min(0.05, left))

    app = make_app(
        options.app_dir,
        quantity=options.dynos,
        timing=options.timing,
        env=options.env,
        affinity=options.affinity,
        clock=clock,
        sleep=guarded_sleep,
    )
    stopped_because = "done"
    probe_thread: threading.Thread | None = None
    probe_done = threading.Event()
    result_box: list = []
    t0_box: list[float] = []
    base_url = ""
    try:
        app.start()
        base_url = app.url
        progress(f"booting v1: {options.dynos} web dyno(s) from {options.app_dir}")
        app.boot("v1", options.release_dir(1), env=options.release_env(1))
        if not any(d.bound_at is not None for d in app.dynos_of("v1")):
            stopped_because = "v1_down"
        else:
            vopts = VerifyOptions(
                url=base_url + options.path,
                rate=options.rate,
                duration_s=None,
                max_requests=options.max_requests,
                max_duration_s=options.max_duration_s,
                timeout_s=options.probe_timeout_s,
                marker=Marker(header=MARKER_HEADER),
            )
            probe = Probe(vopts, clock=clock, requests=traffic_plan(options, base_url))

            def run_probe() -> None:
                try:
                    result_box.append(
                        probe.run(
                            lambda now: "done" if probe_done.is_set() else None,
                            on_start=t0_box.append,
                        )
                    )
                finally:
                    probe.http.close()

            spare = base_url + (options.long_path or options.path)
            spread_connections(spare, 3 * options.dynos)
            spread_at = clock()
            probe_thread = threading.Thread(target=run_probe, name="zdd-rehearse-probe")
            probe_thread.start()
            progress(f"probing {base_url}{options.path} at {options.rate:g}/s")
            wait(options.warmup_s)
            for number in range(2, options.deploys + 2):
                how = "preboot" if options.preboot else "no preboot (restart)"
                progress(f"deploying v{number} ({how})")
                app.deploy(
                    f"v{number}",
                    options.release_dir(number),
                    preboot=options.preboot,
                    env=options.release_env(number),
                )
                spread_connections(spare, 3 * options.dynos)  # the new dynos' spare ones
                spread_at = clock()
            tail = options.tail_s
            if options.tail_proves_keepalive:  # the spare connections must idle that long
                proof = spread_at + PROVEN_SHARE * options.timing.router_keepalive_s + 0.5
                tail = max(tail, proof - clock())
                progress(f"probing {tail:.0f} s more, until idle connections prove keepalive")
            wait(tail)
    except (Interrupted, KeyboardInterrupt) as exc:
        stopped_because = (
            "interrupted" if isinstance(exc, KeyboardInterrupt) else (reason() or "interrupted")
        )
    finally:
        probe_done.set()
        if probe_thread is not None:
            probe_thread.join()
        app.close()
    return _report(options, app, result_box, t0_box, stopped_because, started_at, base_url, clock)


def _report(
    options: RehearseOptions,
    app: LocalApp,
    result_box: list,
    t0_box: list[float],
    stopped_because: str,
    started_at: str,
    base_url: str,
    clock: Callable[[], float],
) -> RehearsalReport:
    t0 = t0_box[0] if t0_box else (app.started_at or clock())
    samples = result_box[0].samples if result_box else []
    elapsed = result_box[0].elapsed_s if result_box else 0.0
    deploys = list(app.deploys)
    end = t0 + elapsed
    events = [{"type": "release", "version": 1, "at_s": 0.0, "created_s": 0.0}]
    for i, d in enumerate(deploys, start=2):
        events.append(
            {
                "type": "release",
                "version": i,
                "at_s": d.started_at - t0,
                "created_s": d.started_at - t0,
            }
        )
    during = None
    if deploys:
        last = deploys[-1]
        during = DuringResult(
            f"deploy v1 -> v{len(deploys) + 1} ({'preboot' if options.preboot else 'restart'})",
            deploys[0].started_at - t0,
            (last.finished_at - t0) if last.finished_at else None,
            0 if last.finished_at else None,
        )
    run = RunInfo(
        url=base_url + options.path,
        started_at=started_at,
        elapsed_s=elapsed,
        stopped_because=stopped_because if stopped_because != "done" else "duration",
        rate=options.rate,
        max_requests=options.max_requests,
        max_duration_s=options.max_duration_s,
        timeout_s=options.probe_timeout_s,
        skipped_slots=result_box[0].skipped_slots if result_box else 0,
        skipped_late=result_box[0].skipped_late if result_box else 0,
        marker=f"header {MARKER_HEADER}",
        during=during,
        platform=None,  # no Platform API here: the deploys are drawn as the --during bar
    )
    verify = summarise(samples, run)
    dyno_facts = _dyno_facts(app)
    by_port = {d.port: d.key for d in dyno_facts}
    overlap = max((sum(s.values()) for _, s in app.memory), default=0)
    facts = Facts(
        timing=options.timing,
        jvm=options.jvm,
        memory_quota_mb=options.memory_quota_mb,
        size=options.size,
        dynos=tuple(dyno_facts),
        records=tuple(app.router.records()),
        idle_closes=tuple(
            IdleCloseFact(by_port.get(c.port, str(c.port)), c.at, c.idle_s)
            for c in app.router.idle_closes
        ),
        overlap_peak_bytes=overlap,
        new_releases=tuple(d.release for d in deploys),
        phases=tuple(_phases(deploys, t0, end)),
        probe_requests=len(samples),
        probe_failures=tuple(
            ProbeFailure(t0 + s.sent_s, s.kind or "failed", s.router_code)
            for s in samples
            if s.failed
        ),
        long_requests=bool(options.long_path),
        interrupted=stopped_because not in ("done", "v1_down"),
        longest_idle_s=app.router.watch.longest_idle_s,
    )
    findings = judge(facts) if stopped_because != "v1_down" else judge_boot_only(facts)
    return RehearsalReport(
        options=options,
        verify=verify,
        findings=tuple(findings),
        events=tuple(e.to_dict(t0) for e in app.events),
        dynos=tuple(
            {
                "dyno": f.key,
                "boot_s": None if f.bound_at is None else round(f.bound_at - f.started_at, 3),
                "boot": f.boot_outcome,
                "stop": f.stop_outcome,
                "peak_rss_mb": round(f.peak_rss_bytes / 1048576, 1),
                "started_s": round(f.started_at - t0, 3),
            }
            for f in dyno_facts
        ),
        deploys=tuple(
            {
                "release": d.release,
                "preboot": d.preboot,
                "started_s": round(d.started_at - t0, 3),
                "switched_s": None if d.switched_at is None else round(d.switched_at - t0, 3),
                "old_stopped_s": None
                if d.old_stopped_at is None
                else round(d.old_stopped_at - t0, 3),
                "old": d.old_outcomes,
            }
            for d in deploys
        ),
        stopped_because=stopped_because,
        started_at=started_at,
    )


def judge_boot_only(facts: Facts) -> list[Finding]:
    """v1 never came up: only boot.r10 says something; the rest could not be measured."""
    first = boot_r10(facts)
    return [first] + [
        Finding(i, SKIPPED, "not measured: v1 never came up") for i in IDS if i != "boot.r10"
    ]
