"""Pure: the human summary of a VerifyReport (what `zdd verify` prints without --json)."""

from __future__ import annotations

from zdd.verify.report import EXIT_CODES, INTERRUPTIONS, VerifyReport

MAX_LISTED_FAILURES = 10


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.3f}%"


# Why the run ended (stopped_because), in words; an --during command stopped by zdd says why too.
STOP_WORDS = {
    "duration": "--duration reached",
    "command_and_tail": "--during ended and --tail passed",
    "max_requests": "--max-requests reached",
    "max_duration": "--max-duration reached",
    **{k: f"interrupted by {v}" for k, v in INTERRUPTIONS.items()},
}


def stop_words(reason: str | None) -> str:
    return STOP_WORDS.get(reason or "", (reason or "unknown").replace("_", " "))


def render(report: VerifyReport, picture: str | None = None) -> str:
    run = report.run
    lines = [
        f"zdd verify {run.url}",
        f"  {report.requests} requests in {run.elapsed_s:.1f} s at up to {run.rate:g}/s "
        f"(stopped: {stop_words(run.stopped_because)})",
    ]
    if run.stopped_because == "max_requests" and run.during:
        lines.append("  no more requests after --max-requests; zdd waited for --during to end")
    if run.skipped_busy:
        lines.append(
            f"  {run.skipped_busy} send slots skipped: the cap on requests in flight was reached "
            f"(answers slower than the send rate; timeout {run.timeout_s:g} s)"
        )
    if run.skipped_late:
        lines.append(
            f"  {run.skipped_late} send slots skipped: zdd's send loop fell behind its schedule "
            "(this machine was busy; not the app's doing)"
        )
    if report.failed:
        kinds = ", ".join(f"{n} {k}" for k, n in report.failures_by_kind.items())
        lines.append(
            f"FAIL: {report.failed} of {report.requests} requests failed ({kinds}); "
            f"availability {_pct(report.availability)}"
        )
        longest = report.longest_run
        lines.append(
            f"  longest run of failures: {longest.count} requests over {longest.seconds:.2f} s "
            f"(from {longest.from_s:.2f} s to {longest.to_s:.2f} s"
            f"{'' if longest.recovered else ', never recovered'}); {len(report.runs)} run(s) in all"
        )
        if report.router_pages or report.router_codes:
            found = {**report.router_pages, **report.router_codes}
            lines.append(
                "  Heroku router answered: "
                + ", ".join(f"{k} x{n}" for k, n in found.items())
                + " (the router log line has the H-code: heroku logs | grep <request id>)"
            )
        for s in [s for s in report.samples if s.failed][:MAX_LISTED_FAILURES]:
            what = s.detail or (f"HTTP {s.status}" if s.status else s.kind)
            extra = "".join(
                f" {k}={v}" for k, v in (("request_id", s.request_id), ("via", s.via)) if v
            )
            lines.append(f"    #{s.seq} at {s.sent_s:.2f} s: {s.kind}: {what}{extra}")
        if report.failed > MAX_LISTED_FAILURES:
            lines.append(f"    ... {report.failed - MAX_LISTED_FAILURES} more (see --json)")
    elif report.requests and report.interrupted:
        lines.append(
            f"INTERRUPTED: no request failed in {run.elapsed_s:.1f} s, but zdd was "
            f"{stop_words(run.stopped_because)}, so the deploy was not watched to the end"
        )
    elif report.requests:
        lines.append(
            f"PASS: no request failed; availability {_pct(report.availability)} "
            f"({report.requests} of {report.requests})"
        )
    else:
        lines.append("FAIL: no request was sent, so nothing is proven")
    client_errors = sum(n for code, n in report.status_counts.items() if code.startswith("4"))
    if client_errors:
        lines.append(
            f"  note: {client_errors} answers were 4xx (not failures; is the URL right?): "
            + ", ".join(f"{c} x{n}" for c, n in report.status_counts.items() if c.startswith("4"))
        )
    lines += _switch_lines(report)
    lines += _latency_lines(report)
    aff = report.affinity
    if aff.get("assigned_at_s") is None:
        lines.append(
            "Affinity: no heroku-session-affinity cookie seen (feature off, or not Heroku)"
        )
    else:
        at = ", ".join(f"{c['at_s']:.2f} s" for c in aff["change_list"][:5])
        lines.append(
            f"Affinity: cookie assigned at {aff['assigned_at_s']:.2f} s, changed "
            f"{aff['changes']} time(s){f' (at {at})' if at else ''}"
        )
    if run.during:
        d = run.during
        took = f"after {d.ended_s - d.started_s:.1f} s" if d.ended_s is not None else ""
        how = (
            f"stopped by zdd ({stop_words(d.stop_reason)})"
            if d.stopped_by_zdd
            else f"exit {d.exit_code}"
        )
        lines.append(f"--during {d.command!r}: {how} {took}".rstrip())
    lines += _platform_lines(run.platform)
    if picture:
        lines.append(f"Timeline picture: {picture}")
    lines.append(f"Exit {report.exit_code}: {EXIT_CODES[report.exit_code]}")
    return "\n".join(lines)


def _switch_lines(report: VerifyReport) -> list[str]:
    run = report.run
    sw = report.switch
    if not run.marker:
        return [
            "Switch-over: not measured (give --marker-header or --marker-json so zdd can tell "
            "which release answered)"
        ]
    if sw is None:
        seen = ", ".join(f"{v} x{n}" for v, n in report.marker_values.items()) or "no value"
        return [f"Switch-over: none seen; {run.marker} answered {seen}"]
    mixed = f"; both answered for {sw.mixed_s:.2f} s" if sw.mixed_s > 0 else ""
    out = [
        f"Switch-over ({run.marker}): {sw.from_value} -> {sw.to_value} at {sw.started_s:.2f} s "
        f"(between {sw.between_s[0]:.2f} s and {sw.between_s[1]:.2f} s){mixed}"
    ]
    if len(report.marker_changes) > 1:
        out.append(f"  {len(report.marker_changes)} marker changes in all (see --json)")
    if report.marker_missing:
        out.append(f"  {report.marker_missing} successful answers carried no marker")
    return out


def _latency_lines(report: VerifyReport) -> list[str]:
    out = ["Latency (ms, successful answers)   count     p50     p90     p99     max"]
    for phase, (lo, hi) in report.phases.items():
        stats = report.latency.get(phase)
        label = f"  {phase} ({lo:.1f}-{hi:.1f} s)"
        if not stats:
            out.append(f"{label:<34} {0:>6}       -       -       -       -")
            continue
        out.append(
            f"{label:<34} {stats['count']:>6} {stats['p50']:>7.1f} {stats['p90']:>7.1f} "
            f"{stats['p99']:>7.1f} {stats['max']:>7.1f}"
        )
    return out


def _platform_lines(platform: dict | None) -> list[str]:
    if not platform:
        return []
    out = [f"Platform API ({platform.get('app')}): {len(platform.get('polls', []))} polls"]
    releases = [e for e in platform.get("events", []) if e.get("type") == "release"]
    for e in releases:
        created = e.get("created_s")
        when = f"created at ~{created:.1f} s, " if created is not None else ""
        out.append(
            f"  release v{e['version']} ({e.get('status')}): {when}seen at {e['at_s']:.1f} s"
        )
    for e in [e for e in platform.get("events", []) if e.get("type") == "dynos"]:
        states = ", ".join(f"{k}={v}" for k, v in e["dynos"].items()) or "none"
        out.append(f"  dynos at {e['at_s']:.1f} s: {states}")
    router = platform.get("router") or {}
    for switch in router.get("switches", []):
        was, now = _versions(switch["from"]), _versions(switch["to"])
        out.append(f"  router (sandbox): traffic moved {was} -> {now} at {switch['at_s']:.1f} s")
    for gap in router.get("gaps", []):
        until = gap["until_s"]
        span = (
            f"{gap['from_s']:.1f}-{until:.1f} s"
            if until is not None
            else f"{gap['from_s']:.1f} s on"
        )
        out.append(f"  router (sandbox): no web dyno serving {span}")
    for err in platform.get("errors", [])[:3]:
        out.append(f"  API error at {err['at_s']:.1f} s: {err['message']}")
    return out


def _versions(releases: list[int]) -> str:
    return "+".join(f"v{v}" for v in releases) or "nothing"
