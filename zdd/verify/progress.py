"""Live progress of a `zdd verify` run on stderr, only when stderr is a terminal (issue 8 item 15).

One line, redrawn a few times a second and erased at the end, so the report that follows (and
`--json` on stdout) is unchanged:

    verify 12.4 s / 60 s · sent 496 · failed 0 · answering v3
    verify 31.0 s / --during + 6 s tail · sent 1240 · failed 3 · answering v4 · tail 4.2 s left

The numbers are read from the probe (`Probe.live()`) and the --during command; this module only
formats and draws. `progress_line` is pure, so its wording is tested without a terminal.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

REFRESH_S = 0.25


@dataclass(frozen=True)
class Live:
    """A snapshot of the run: seconds since the start, requests sent, failed so far, and the
    marker (release) of the latest answer."""

    elapsed_s: float
    sent: int
    failed: int
    marker: str | None


def progress_line(
    live: Live,
    *,
    duration_s: float | None,
    during_ended_s: float | None,
    tail_s: float,
    width: int = 100,
) -> str:
    """The one-line status: elapsed / planned, sent, failed, current marker, tail left."""
    if duration_s is not None:
        planned = f"{duration_s:g} s"
    elif during_ended_s is not None:
        planned = f"{during_ended_s + tail_s:.1f} s"
    else:
        planned = f"--during + {tail_s:g} s tail"
    parts = [
        f"verify {live.elapsed_s:.1f} s / {planned}",
        f"sent {live.sent}",
        f"failed {live.failed}",
    ]
    if live.marker:
        parts.append(f"answering {live.marker}")
    if duration_s is None and during_ended_s is not None:
        left = max(0.0, during_ended_s + tail_s - live.elapsed_s)
        parts.append(f"tail {left:.1f} s left")
    line = " · ".join(parts)
    return line if len(line) <= width else line[: max(0, width - 1)] + "…"


def wanted(stream: TextIO | None = None) -> bool:
    """Progress only on a terminal that can redraw a line (not TERM=dumb)."""
    stream = stream or sys.stderr
    try:
        return stream.isatty() and os.environ.get("TERM") != "dumb"
    except (AttributeError, ValueError):
        return False


class ProgressLine:
    """Redraws `progress_line` on `stream` every REFRESH_S until stopped, then erases it."""

    def __init__(
        self,
        read: Callable[[], Live],
        render: Callable[[Live], str],
        stream: TextIO | None = None,
    ) -> None:
        self._read, self._render = read, render
        self._stream = stream or sys.stderr
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.drawn = 0

    def start(self) -> ProgressLine:
        self._thread = threading.Thread(target=self._loop, name="zdd-progress", daemon=True)
        self._thread.start()
        return self

    def _width(self) -> int:
        try:
            columns = os.get_terminal_size(self._stream.fileno()).columns
        except (OSError, AttributeError, ValueError):
            columns = 0
        return columns - 1 if columns > 20 else 99  # a pty may report 0 columns

    def _loop(self) -> None:
        while not self._stop.wait(REFRESH_S):
            self._draw()

    def _draw(self) -> None:
        text, width = self._render(self._read()), self._width()
        if len(text) > width:  # one line only, or the \r redraw leaves the rest behind
            text = text[: width - 1] + "…"
        try:
            self._stream.write(f"\r\x1b[2K{text}")
            self._stream.flush()
            self.drawn += 1
        except (OSError, ValueError):  # the terminal went away: stop drawing, keep probing
            self._stop.set()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        if self.drawn:
            try:
                self._stream.write("\r\x1b[2K")
                self._stream.flush()
            except (OSError, ValueError):
                pass
