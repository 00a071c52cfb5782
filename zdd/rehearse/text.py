"""Pure: the human summary of a RehearsalReport (what `zdd rehearse` prints without --json)."""

from __future__ import annotations

from zdd.rehearse.findings import DOCS, FAILED
from zdd.rehearse.flow import RehearsalReport
from zdd.verify.text import _latency_lines, _switch_lines

MARK = {"passed": "Passed ", "failed": "FAILED ", "skipped": "Skipped"}
EXIT_WORDS = {
    0: "every finding passed (or was skipped)",
    1: "a finding failed",
    3: "the rehearsal could not run: v1 never came up",
    4: "interrupted before the end (nothing failed so far)",
}
STOPS = {
    "done": "",
    "v1_down": " (v1 never came up)",
    "interrupted": " (interrupted by Ctrl-C)",
    "terminated": " (interrupted by SIGTERM)",
    "hangup": " (interrupted by SIGHUP)",
}


def render(report: RehearsalReport, picture: str | None = None) -> str:
    o = report.options
    v = report.verify
    how = "preboot" if o.preboot else "no preboot (restart)"
    lines = [
        f"zdd rehearse {o.app_dir}" + (f" -> {o.next_dir}" if o.next_dir else ""),
        f"  {o.dynos} web dyno(s), {o.deploys} deploy(s) with {how}; boot timeout "
        f"{o.timing.boot_timeout_s:g} s, switch delay {o.timing.switch_delay_s:g} s, SIGTERM grace "
        f"{o.timing.sigterm_grace_s:g} s, router keepalive {o.timing.router_keepalive_s:g} s"
        f"{STOPS.get(report.stopped_because, '')}",
        f"  {v.requests} requests through the local router ({v.failed} failed)",
    ]
    for f in report.findings:
        lines.append(f"{MARK[f.status]} {f.id}: {f.message}")
        if f.status == FAILED and f.remedy:
            lines.append(f"          fix: {f.remedy} ({DOCS[f.id]})")
    lines += _switch_lines(v)
    lines += _latency_lines(v)
    for d in report.dynos:
        boot = f"bound in {d['boot_s']:.2f} s" if d["boot_s"] is not None else d["boot"]
        stop = f", {d['stop']}" if d["stop"] else ""
        lines.append(f"  {d['dyno']}: {boot}{stop}, peak {d['peak_rss_mb']:.0f} MB")
    if picture:
        lines.append(f"Timeline picture: {picture}")
    lines.append(f"Exit {report.exit_code}: {EXIT_WORDS[report.exit_code]}")
    return "\n".join(lines)
