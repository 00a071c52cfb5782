"""How a release command and a dyno "run": the DynoRunner seam between the lifecycle and processes.

The lifecycle (lifecycle.py) never runs anything itself. It asks a runner to start a release-phase
command or a dyno and then polls the handle it got back, under the platform lock, on the sandbox
clock. `SimulatedRunner` (the default) answers from seeded outcomes and durations; a runner that
starts real local processes (zdd/runtime, issue "Local runtime") implements the same three
methods and reports what its processes did, in sandbox time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class ReleaseJob:
    """A release-phase command to run for release `version` of `app`, starting at `at`.

    `seconds`, `exit_code` and `output` are the seeded outcome (what a simulated run does);
    a real runner ignores them and runs `command` with `env`.
    """

    app: str
    version: int
    command: str
    env: dict[str, str]
    at: float
    seconds: float = 0.0
    exit_code: int = 0
    output: str = ""


@dataclass(frozen=True)
class DynoJob:
    """One dyno to boot at `at`: `boot_seconds` is the seeded time to bind $PORT (None: never
    binds), `shutdown_seconds` the seeded time from SIGTERM to exit (capped at 30 s by the
    platform: SIGKILL)."""

    app: str
    dyno: str
    type: str
    command: str
    env: dict[str, str]
    at: float
    boot_seconds: float | None = 0.0
    shutdown_seconds: float = 0.0
    version: int = 0  # the release the dyno runs (a process runner sets ZDD_RELEASE=v<version>)


class ReleaseRun(Protocol):
    def result(self, now: float) -> tuple[float, int] | None:
        """(finished_at, exit_code) once the command has finished by sandbox time `now`."""

    def output(self, now: float) -> str:
        """What the command printed by `now` (served at the release's output_stream_url)."""


class DynoProcess(Protocol):
    def bound_at(self, now: float) -> float | None:
        """When the process bound its port, if it has by `now`."""

    def stop(self, at: float) -> None:
        """SIGTERM at sandbox time `at`."""

    def exited_at(self, now: float) -> float | None:
        """When the process exited, if it has by `now` (after stop(), or on its own)."""


class DynoRunner(Protocol):
    def run_release(self, job: ReleaseJob) -> ReleaseRun: ...

    def boot(self, job: DynoJob) -> DynoProcess: ...


@dataclass
class SimulatedRelease:
    job: ReleaseJob

    def result(self, now: float) -> tuple[float, int] | None:
        done = self.job.at + self.job.seconds
        return (done, self.job.exit_code) if now >= done else None

    def output(self, now: float) -> str:
        """The seeded lines, revealed evenly over the run's duration."""
        lines = self.job.output.splitlines(keepends=True)
        if not lines or self.job.seconds <= 0 or now >= self.job.at + self.job.seconds:
            return "".join(lines)
        shown = int(len(lines) * max(0.0, now - self.job.at) / self.job.seconds)
        return "".join(lines[:shown])


@dataclass
class SimulatedDyno:
    job: DynoJob
    stopped_at: float | None = field(default=None)

    def bound_at(self, now: float) -> float | None:
        if self.job.boot_seconds is None:
            return None
        bound = self.job.at + self.job.boot_seconds
        if self.stopped_at is not None and self.stopped_at < bound:
            return None
        return bound if now >= bound else None

    def stop(self, at: float) -> None:
        if self.stopped_at is None:
            self.stopped_at = at

    def exited_at(self, now: float) -> float | None:
        if self.stopped_at is None:
            return None
        gone = self.stopped_at + self.job.shutdown_seconds
        return gone if now >= gone else None


class SimulatedRunner:
    """The default runner: every run does exactly what its job's seeded outcome says."""

    def run_release(self, job: ReleaseJob) -> ReleaseRun:
        return SimulatedRelease(job)

    def boot(self, job: DynoJob) -> DynoProcess:
        return SimulatedDyno(job)
