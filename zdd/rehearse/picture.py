"""The rehearsal's timeline: verify's picture of the probe, titled for the rehearsal."""

from __future__ import annotations

from pathlib import Path

from zdd.rehearse.flow import RehearsalReport
from zdd.verify.picture import draw as draw_timeline


def draw(report: RehearsalReport, path: str | Path) -> Path:
    o = report.options
    how = "preboot" if o.preboot else "no preboot"
    failed = ", ".join(f.id for f in report.failed) or "none"
    title = (
        f"zdd rehearse: {o.dynos} dynos, {o.deploys} deploy(s), {how}; failed findings: {failed}"
    )
    return draw_timeline(report.verify, path, title=title, during_label="deploy")
