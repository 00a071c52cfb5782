"""Pure: what one `zdd deploy` run found (`DeployReport`), its exit code, JSON and text.

The outcome is one of a closed set (`Outcome`); the probe's own figures stay verify's report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from zdd.verify.report import VerifyReport
from zdd.verify.text import render as render_verify

JSON_VERSION = 1

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_COMMAND_FAILED = 3
EXIT_INTERRUPTED = 4


class Outcome(StrEnum):
    HEALTHY = "healthy"  # the new release took traffic and served through --judge
    RELEASE_FAILED = "release_failed"  # its release phase failed: Heroku kept the old release
    UNHEALTHY = "unhealthy"  # more than --max-failures failed requests after the switch-over
    NO_SWITCH = "no_switch"  # the release succeeded but never answered within --switch-timeout
    NO_RELEASE = "no_release"  # the command ended and no new release appeared
    BUSY = "busy"  # another release was pending: zdd ran nothing
    INTERRUPTED = "interrupted"  # Ctrl-C, SIGTERM or SIGHUP
    TIMED_OUT = "timed_out"  # --max-duration ran out
    ERROR = "error"  # the guard could not follow the release (API errors); see `reason`


FAILED_OUTCOMES = {
    Outcome.RELEASE_FAILED,
    Outcome.UNHEALTHY,
    Outcome.NO_SWITCH,
    Outcome.BUSY,
    Outcome.TIMED_OUT,
    Outcome.ERROR,
}


@dataclass(frozen=True)
class ReleaseSeen:
    version: int
    id: str
    status: str | None
    description: str | None = None

    @property
    def name(self) -> str:
        return f"v{self.version}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "id": self.id,
            "status": self.status,
            "description": self.description,
        }


@dataclass(frozen=True)
class Rollback:
    """The one rollback a run may make: asked for at `requested_s` (probe seconds)."""

    to: ReleaseSeen  # the release that served before the deploy
    requested_s: float | None = None
    release: ReleaseSeen | None = None  # the new release the rollback made
    serving_s: float | None = None  # from here on the old release's slug answered again
    refused: str | None = None  # why zdd did not (or could not) roll back

    @property
    def done(self) -> bool:
        return self.release is not None and self.serving_s is not None

    def to_dict(self) -> dict[str, Any]:
        return {
            "to": self.to.to_dict(),
            "requested_s": _r(self.requested_s),
            "release": self.release.to_dict() if self.release else None,
            "serving_s": _r(self.serving_s),
            "refused": self.refused,
            "done": self.done,
        }


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


@dataclass(frozen=True)
class DeployReport:
    app: str
    outcome: Outcome
    reason: str
    before: ReleaseSeen | None
    release: ReleaseSeen | None = None
    release_output: str = ""
    switch_s: float | None = None  # first answer from the new release (or first failure after it)
    failures_after_switch: int = 0
    max_failures: int = 0
    old_kept_serving: bool | None = None  # after a failed release phase: old marker still answered
    rollback: Rollback | None = None
    verify: VerifyReport | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def command_failed(self) -> bool:
        during = self.verify.run.during if self.verify else None
        return bool(during and (during.exit_code not in (0, None) or during.stopped_by_zdd))

    @property
    def exit_code(self) -> int:
        if self.outcome is Outcome.INTERRUPTED:
            return EXIT_INTERRUPTED
        if self.outcome is Outcome.NO_RELEASE:
            return EXIT_COMMAND_FAILED if self.command_failed else EXIT_FAILED
        if self.outcome in FAILED_OUTCOMES:
            return EXIT_FAILED
        return EXIT_COMMAND_FAILED if self.command_failed else EXIT_OK

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": JSON_VERSION,
            "command": "deploy",
            "app": self.app,
            "outcome": str(self.outcome),
            "reason": self.reason,
            "before": self.before.to_dict() if self.before else None,
            "release": self.release.to_dict() if self.release else None,
            "release_output": self.release_output,
            "switch_s": _r(self.switch_s),
            "failures_after_switch": self.failures_after_switch,
            "max_failures": self.max_failures,
            "old_kept_serving": self.old_kept_serving,
            "rollback": self.rollback.to_dict() if self.rollback else None,
            "notes": list(self.notes),
            "probe": self.verify.to_dict() if self.verify else None,
            "exit_code": self.exit_code,
        }

    def marks(self) -> tuple[tuple[float, str], ...]:
        """The rollback on the picture's timeline: when it was asked for, when the old served."""
        rb = self.rollback
        if rb is None or rb.requested_s is None:
            return ()
        made = rb.release.name if rb.release else "?"
        out = [(rb.requested_s, f"rollback to {rb.to.name} requested ({made})")]
        if rb.serving_s is not None:
            out.append((rb.serving_s, f"{rb.to.name}'s slug serving again"))
        return tuple(out)


def render(report: DeployReport, picture: str | None = None) -> str:
    """The human summary: the verdict first, then the release, the switch, the rollback."""
    new = report.release.name if report.release else "no new release"
    lines = [f"zdd deploy {report.app}: {report.outcome} ({new}) - {report.reason}"]
    if report.before:
        lines.append(f"  before the deploy: {report.before.name}")
    if report.release:
        lines.append(f"  new release: {report.release.name} ({report.release.status})")
    if report.old_kept_serving is not None:
        lines.append(
            "  the old release kept serving"
            if report.old_kept_serving
            else "  the old release did NOT answer after the failed release"
        )
    if report.switch_s is not None:
        lines.append(
            f"  switch-over at {report.switch_s:.2f} s; {report.failures_after_switch} failed "
            f"request(s) after it (allowed: {report.max_failures})"
        )
    rb = report.rollback
    if rb is not None:
        if rb.refused:
            lines.append(f"  no rollback: {rb.refused}")
        else:
            made = rb.release.name if rb.release else "?"
            lines.append(
                f"  rolled back to {rb.to.name} at {rb.requested_s:.2f} s (release {made})"
            )
            lines.append(
                f"  {rb.to.name}'s slug serving again at {rb.serving_s:.2f} s"
                if rb.serving_s is not None
                else "  the old release was not seen serving again before the time ran out"
            )
    if report.release_output.strip() and report.outcome is Outcome.RELEASE_FAILED:
        lines.append("  release phase output (last lines):")
        lines += [f"    | {line}" for line in report.release_output.strip().splitlines()[-10:]]
    lines += [f"  note: {n}" for n in report.notes]
    if report.verify is not None:
        lines.append("")
        lines.append(render_verify(report.verify, picture=picture))
    lines.append(f"exit {report.exit_code}")
    return "\n".join(lines)
