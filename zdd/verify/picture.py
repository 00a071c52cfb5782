"""The latency timeline: every request as a dot (coloured by the release that answered), failures
as red crosses with the failure runs shaded, the switch-over window, the --during command, the
affinity-cookie changes and the releases the Platform API showed. matplotlib, Agg backend.
"""

from __future__ import annotations

from pathlib import Path

from zdd.verify.report import VerifyReport

_RELEASE_COLOURS = ("#4C72B0", "#55A868", "#8172B2", "#CCB974", "#64B5CD", "#8C8C8C")
_FAIL = "#C44E52"
# The API's created_at is whole seconds (we guess mid-second), so a release made at the probe's
# start can land up to ~1 s before 0; within this slack it is clamped, not replaced by poll time.
RELEASE_SLACK_S = 1.0


def release_x(event: dict, elapsed_s: float) -> float:
    """Where to draw a release: its created time, clamped into the run; poll time if far off."""
    created = event.get("created_s")
    if created is not None and -RELEASE_SLACK_S <= created <= elapsed_s + RELEASE_SLACK_S:
        return min(max(created, 0.0), elapsed_s)
    return event["at_s"]


def latency_axis(ax) -> None:
    """Log-scale latency labels for the axis's current range: 1-2-3-5 steps over a decade or so,
    1-2-5 over up to three, decades beyond; so even a narrow range has a few labels."""
    import math

    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    ax.set_yscale("log")
    lo, hi = ax.get_ylim()
    decades = math.log10(hi / lo) if lo > 0 and hi > lo else 1.0
    subs = (1.0, 2.0, 3.0, 5.0) if decades <= 1.5 else (1.0, 2.0, 5.0) if decades <= 3 else (1.0,)
    ax.yaxis.set_major_locator(LogLocator(base=10, subs=subs))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.yaxis.set_minor_formatter(NullFormatter())


def draw(
    report: VerifyReport,
    path: str | Path,
    *,
    title: str | None = None,
    during_label: str = "--during",
    marks: tuple[tuple[float, str], ...] = (),
) -> Path:
    """Write the picture (PNG or SVG, from the suffix) and return its path. `title` and
    `during_label` let zdd rehearse draw its deploy where verify draws the --during command."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    from matplotlib import pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    path = Path(path)
    run = report.run
    ok = [s for s in report.samples if not s.failed and s.latency_s is not None]
    failed = [s for s in report.samples if s.failed]
    fig, ax = plt.subplots(figsize=(11, 4.8), dpi=110)
    values = list(report.marker_values) or [None]
    colour = {v: _RELEASE_COLOURS[i % len(_RELEASE_COLOURS)] for i, v in enumerate(values)}
    handles: list = []
    for value in values:
        pts = [s for s in ok if s.marker == value] if value is not None else ok
        if not pts:
            continue
        ax.scatter(
            [s.sent_s for s in pts],
            [max(s.latency_s * 1000, 0.01) for s in pts],
            s=9,
            color=colour[value],
            zorder=3,
        )
        label = f"answered by {value}" if value is not None else "answered"
        handles.append(Line2D([], [], marker="o", ls="", color=colour[value], label=label))
    ax.set_yscale("log")
    top = max([s.latency_s * 1000 for s in ok] + [1.0]) * 3
    if failed:
        ax.scatter(
            [s.sent_s for s in failed],
            [top] * len(failed),
            marker="x",
            s=22,
            color=_FAIL,
            zorder=4,
            clip_on=False,
        )
        handles.append(Line2D([], [], marker="x", ls="", color=_FAIL, label="failed request"))
    for r in report.runs:
        ax.axvspan(r.from_s, max(r.to_s, r.from_s + 0.01), color=_FAIL, alpha=0.15, lw=0)
    if report.runs:
        longest = report.longest_run
        ax.annotate(
            f"{longest.count} failed over {longest.seconds:.2f} s",
            xy=((longest.from_s + longest.to_s) / 2, top),
            xytext=(0, -18),
            textcoords="offset points",
            ha="center",
            color=_FAIL,
            fontsize=9,
        )
        handles.append(Patch(color=_FAIL, alpha=0.15, label="failure run"))
    sw = report.switch
    if sw:
        ax.axvspan(
            sw.last_old_before_s, max(sw.completed_s, sw.started_s), color="#DD8452", alpha=0.3
        )
        ax.axvline(sw.started_s, color="#DD8452", ls="--", lw=1.2)
        ax.annotate(
            f"switch-over {sw.from_value} → {sw.to_value} at {sw.started_s:.2f} s",
            xy=(sw.started_s, top),
            xytext=(6, -34),
            textcoords="offset points",
            color="#A0522D",
            fontsize=9,
        )
        handles.append(Line2D([], [], color="#DD8452", ls="--", label="switch-over"))
    if run.during:
        d = run.during
        end = d.ended_s if d.ended_s is not None else run.elapsed_s
        ax.axvspan(d.started_s, end, ymax=0.04, color="#333333", alpha=0.5, lw=0)
        how = "stopped by zdd" if d.stopped_by_zdd else f"exit {d.exit_code}"
        handles.append(Patch(color="#333333", alpha=0.5, label=f"{during_label} ({how})"))
    changes = report.affinity.get("change_list", [])
    for c in changes:
        ax.axvline(c["at_s"], ymax=0.12, color="#937860", lw=2)
    if changes:
        handles.append(Line2D([], [], color="#937860", lw=2, label="affinity cookie changed"))
    releases = [e for e in (run.platform or {}).get("events", []) if e.get("type") == "release"]
    for event in releases[1:]:  # the first one is the release already running at the start
        at = release_x(event, run.elapsed_s)
        ax.axvline(at, color="#555555", ls=":", lw=1.2)
        ax.text(at, top, f" v{event['version']} released", fontsize=8, va="top", color="#555555")
    if releases[1:]:
        handles.append(Line2D([], [], color="#555555", ls=":", label="release (Platform API)"))
    for at, label in marks:  # zdd deploy: its rollback request and the old release back
        ax.axvline(at, color="#8B008B", ls="-.", lw=1.4)
        ax.text(
            at,
            0.08,
            f" {label}",
            fontsize=8,
            va="bottom",
            rotation=90,
            color="#8B008B",
            transform=ax.get_xaxis_transform(),
        )
    if marks:
        handles.append(Line2D([], [], color="#8B008B", ls="-.", label="zdd deploy (rollback)"))
    router = (run.platform or {}).get("router") or {}
    end_s = max(run.elapsed_s, 0.1)
    for gap in router.get("gaps", []):  # the sandbox's router view: no web dyno serving
        until = gap["until_s"] if gap["until_s"] is not None else end_s
        if until > 0 and gap["from_s"] < end_s:
            ax.axvspan(max(gap["from_s"], 0), min(until, end_s), ymin=0.96, color="#222222", lw=0)
    for switch in router.get("switches", []):
        if 0 <= switch["at_s"] <= end_s:
            ax.axvline(switch["at_s"], ymin=0.9, color="#222222", lw=2)
    if router.get("gaps"):
        handles.append(Patch(color="#222222", label="no web dyno up (sandbox router)"))
    if router.get("switches"):
        handles.append(Line2D([], [], color="#222222", lw=2, label="router switch (sandbox)"))
    ax.set_xlim(0, max(run.elapsed_s, 0.1))
    ax.set_ylim(top=top * 1.6)
    latency_axis(ax)
    ax.set_xlabel("seconds since the probe started")
    ax.set_ylabel("latency (ms, log scale)")
    avail = "n/a" if report.availability is None else f"{report.availability * 100:.3f}%"
    ax.set_title(
        f"{title or f'zdd verify {run.url}'}\n{report.requests} requests, {report.failed} failed, "
        f"availability {avail}",
        fontsize=10,
    )
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(
        handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8, frameon=False
    )
    fig.tight_layout()
    fig.savefig(path, metadata={"Software": "zdd verify"} if path.suffix == ".png" else None)
    plt.close(fig)
    return path
