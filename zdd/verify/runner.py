"""One `zdd verify` run: the --during command, the probe, the optional Platform API watcher.

The stop rule lives here: --duration, or the command's end plus the tail. The command runs in its
own process group, so zdd can stop it and everything it started: at --max-duration, on Ctrl-C, and
on SIGTERM or SIGHUP to zdd (`StopSignals` turns those into a stop reason the loop sees at once).
At --max-requests the probe stops sending, but a running --during command (a deploy) is left to
finish, within --max-duration.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

import httpx

from zdd.verify.options import VerifyOptions
from zdd.verify.probe import Probe
from zdd.verify.progress import ProgressLine, progress_line
from zdd.verify.progress import wanted as progress_wanted
from zdd.verify.report import DuringResult, RunInfo, VerifyReport, summarise

STOP_GRACE_S = 5.0  # SIGTERM, then SIGKILL after this
WAIT_POLL_S = 0.05  # how often the wait for --during (after --max-requests) looks again


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
        self.stop_reason: str | None = None

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

    def stop(self, reason: str) -> None:
        """End the command's whole process group if it still runs; `reason`: why (a stop reason)."""
        proc = self._proc
        if proc is None or self.ended_at() is not None:
            return
        self.stopped_by_zdd = True
        self.stop_reason = reason
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
        return DuringResult(
            self.command, self.started_s, self.ended_s, code, self.stopped_by_zdd, self.stop_reason
        )


def _stderr_fd() -> int | None:
    try:
        return sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):  # stderr replaced (tests): inherit instead
        return None


class StopSignals:
    """While active (a `with` block in the main thread), SIGTERM and SIGHUP to zdd only note a stop
    reason: the loop ends at its next look (within 50 ms), stops --during and reports, as on
    Ctrl-C. Repeats are ignored; the previous handlers come back on exit."""

    REASONS = {"SIGTERM": "terminated", "SIGHUP": "hangup"}

    def __init__(self) -> None:
        self.reason: str | None = None
        self._old: dict[int, object] = {}

    def __enter__(self) -> StopSignals:
        if threading.current_thread() is threading.main_thread():
            for name in self.REASONS:
                signum = getattr(signal, name, None)
                if signum is not None:
                    self._old[signum] = signal.signal(signum, self._note)
        return self

    def _note(self, signum: int, _frame) -> None:
        if self.reason is None:
            self.reason = self.REASONS[signal.Signals(signum).name]

    def __exit__(self, *exc) -> None:
        for signum, handler in self._old.items():
            signal.signal(signum, handler)
        self._old.clear()


def stop_rule(
    options: VerifyOptions, command: DuringCommand | None, signals: StopSignals | None = None
) -> Callable[[float], str | None]:
    def should_stop(now: float) -> str | None:
        if signals is not None and signals.reason:
            return signals.reason
        if options.duration_s is not None:
            return "duration" if now >= options.duration_s else None
        ended = command.ended_at() if command else None
        if ended is not None and now >= ended + options.tail_s:
            return "command_and_tail"
        return None

    return should_stop


def wait_for_command(
    command: DuringCommand,
    options: VerifyOptions,
    t0: float,
    signals: StopSignals,
    clock: Callable[[], float],
    sleep: Callable[[float], None],
) -> str | None:
    """After --max-requests: let --during finish. None when it ended, else why it must stop."""
    try:
        while command.ended_at() is None:
            if signals.reason:
                return signals.reason
            left = options.max_duration_s - (clock() - t0)
            if left <= 0:
                return "max_duration"
            sleep(min(WAIT_POLL_S, left))
    except KeyboardInterrupt:
        return "interrupted"
    return None


def run_verify(
    options: VerifyOptions,
    *,
    http: httpx.Client | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    watcher=None,
    progress: bool | None = None,
) -> VerifyReport:
    """Probe the URL (running --during alongside) and summarise. `watcher`: a PlatformWatcher.
    `progress`: draw the live progress line on stderr (default: when stderr is a terminal)."""
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    command = DuringCommand(options.during, clock) if options.during else None
    starts: list[float] = []

    def on_start(t0: float) -> None:
        starts.append(t0)
        if watcher is not None:
            watcher.start(t0)
        if command is not None:
            command.start(t0)

    probe = Probe(options, http=http, clock=clock, sleep=sleep)
    line = None
    if progress if progress is not None else progress_wanted():
        line = ProgressLine(
            probe.live,
            lambda live: progress_line(
                live,
                duration_s=options.duration_s,
                during_ended_s=command.ended_at() if command else None,
                tail_s=options.tail_s,
            ),
        )
    stop_reason = "interrupted"  # what stops a command still running if anything below raises
    with StopSignals() as signals:  # held until the command is stopped: a SIGTERM can't orphan it
        try:
            if line is not None:
                line.start()
            result = probe.run(stop_rule(options, command, signals), on_start=on_start)
            stopped_because = stop_reason = result.stopped_because
            if command is not None and stopped_because == "max_requests":
                why = wait_for_command(command, options, starts[0], signals, clock, sleep)
                stop_reason = why or stop_reason
                if why and why != "max_duration":  # interrupted while waiting: say so
                    stopped_because = why
        finally:
            if line is not None:
                line.stop()
            if command is not None:
                command.stop(stop_reason)
            platform = watcher.stop() if watcher is not None else None
            if http is None:
                probe.http.close()
    elapsed = result.elapsed_s
    if command is not None and command.ended_s is not None:
        elapsed = max(elapsed, command.ended_s)  # waited for the command after the last request
    run = RunInfo(
        url=options.url,
        started_at=started_at,
        elapsed_s=elapsed,
        stopped_because=stopped_because,
        rate=options.rate,
        max_requests=options.max_requests,
        max_duration_s=options.max_duration_s,
        timeout_s=options.timeout_s,
        skipped_slots=result.skipped_slots,
        skipped_late=result.skipped_late,
        marker=options.marker.label if options.marker else None,
        during=command.result() if command else None,
        platform=platform,
    )
    return summarise(result.samples, run)
