"""One `zdd verify` run: the --during command, the probe, the optional Platform API watcher.

The stop rule lives here: --duration, or the command's end plus the tail. The command runs in its
own process group, so at --max-duration zdd can stop it and everything it started.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime

import httpx

from zdd.verify.options import VerifyOptions
from zdd.verify.probe import Probe
from zdd.verify.report import DuringResult, RunInfo, VerifyReport, summarise

STOP_GRACE_S = 5.0  # SIGTERM, then SIGKILL after this


class DuringCommand:
    """A shell command run alongside the probe; its output goes to stderr, never into --json."""

    def __init__(self, command: str, clock: Callable[[], float] = time.monotonic) -> None:
        self.command = command
        self.clock = clock
        self._proc: subprocess.Popen | None = None
        self._t0 = 0.0
        self.started_s = 0.0
        self.ended_s: float | None = None
        self.stopped_by_zdd = False

    def start(self, t0: float) -> None:
        self._t0 = t0
        self.started_s = self.clock() - t0
        self._proc = subprocess.Popen(
            self.command, shell=True, stdout=_stderr_fd(), start_new_session=True
        )

    def ended_at(self) -> float | None:
        """Seconds from probe start when the command ended, or None while it runs."""
        if self.ended_s is None and self._proc is not None and self._proc.poll() is not None:
            self.ended_s = self.clock() - self._t0
        return self.ended_s

    def stop(self) -> None:
        """End the command's whole process group if it still runs (cap reached or interrupted)."""
        proc = self._proc
        if proc is None or self.ended_at() is not None:
            return
        self.stopped_by_zdd = True
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                break
            try:
                proc.wait(timeout=STOP_GRACE_S)
                break
            except subprocess.TimeoutExpired:
                continue
        self.ended_at()

    def result(self) -> DuringResult:
        code = self._proc.returncode if self._proc else None
        return DuringResult(self.command, self.started_s, self.ended_s, code, self.stopped_by_zdd)


def _stderr_fd() -> int | None:
    try:
        return sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):  # stderr replaced (tests): inherit instead
        return None


def stop_rule(
    options: VerifyOptions, command: DuringCommand | None
) -> Callable[[float], str | None]:
    def should_stop(now: float) -> str | None:
        if options.duration_s is not None:
            return "duration" if now >= options.duration_s else None
        ended = command.ended_at() if command else None
        if ended is not None and now >= ended + options.tail_s:
            return "command_and_tail"
        return None

    return should_stop


def run_verify(
    options: VerifyOptions,
    *,
    http: httpx.Client | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    watcher=None,
) -> VerifyReport:
    """Probe the URL (running --during alongside) and summarise. `watcher`: a PlatformWatcher."""
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    command = DuringCommand(options.during, clock) if options.during else None

    def on_start(t0: float) -> None:
        if watcher is not None:
            watcher.start(t0)
        if command is not None:
            command.start(t0)

    probe = Probe(options, http=http, clock=clock, sleep=sleep)
    try:
        result = probe.run(stop_rule(options, command), on_start=on_start)
    finally:
        if command is not None:
            command.stop()
        platform = watcher.stop() if watcher is not None else None
        if http is None:
            probe.http.close()
    run = RunInfo(
        url=options.url,
        started_at=started_at,
        elapsed_s=result.elapsed_s,
        stopped_because=result.stopped_because,
        rate=options.rate,
        max_requests=options.max_requests,
        max_duration_s=options.max_duration_s,
        timeout_s=options.timeout_s,
        skipped_slots=result.skipped_slots,
        marker=options.marker.label if options.marker else None,
        during=command.result() if command else None,
        platform=platform,
    )
    return summarise(result.samples, run)
