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
