"""Helpers for the end-to-end tests (imported by conftest and the tests)."""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
VECTORS = REPO / "tests" / "vectors"


def vector_app(name: str) -> dict:
    (app,) = json.loads((VECTORS / f"{name}.json").read_text())["seed"]["apps"]
    return app


def short_preboot(app: dict, seconds: float = 1.0) -> dict:
    """`app` (a seed) with a fixed preboot window of `seconds` (the sandbox's
    `preboot_in_progress_seconds`; a real window is the boot timeout + 2 min, 210 s for a JVM app).
    Undo's formation change comes right after its own config release, whose window it must wait
    out: in a command run in process (wall-clock polls of 2 s) on sandbox_for's 200x clock a 1 s
    window has ended by then; on a ManualClock (flows) it is one poll, not 105 real requests."""
    return {**app, "preboot_in_progress_seconds": seconds}


class SandboxTime:
    """A flow's Clock on the sandbox's clock: zdd's waits (a preboot in progress) pass in
    sandbox time, so a ManualClock lets a 5-minute preboot window go by at once."""

    def __init__(self, clock) -> None:
        self.clock = clock

    def monotonic(self) -> float:
        return self.clock()

    def sleep(self, seconds: float) -> None:
        self.clock.sleep(seconds)


class Recorder:
    """A flow's Output that keeps what it was told (progress updates, notes, plan titles)."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    @contextmanager
    def running(self, message: str):
        self.lines.append(message)
        yield self

    def update(self, message: str) -> None:
        self.lines.append(message)

    def plan(self, plan, state, title: str) -> None:
        self.lines.append(f"{title} for {plan.app}")

    def note(self, text: str) -> None:
        self.lines.append(text)
