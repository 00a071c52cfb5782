"""Helpers for the end-to-end tests (imported by conftest and the tests)."""

from __future__ import annotations

import io
import json
import os
import sys
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
VECTORS = REPO / "tests" / "vectors"


def vector_app(name: str) -> dict:
    (app,) = json.loads((VECTORS / f"{name}.json").read_text())["seed"]["apps"]
    return app


def short_preboot(app: dict, seconds: float = 0.1) -> dict:
    """`app` (a seed) with a fixed preboot window of `seconds` (the sandbox's
    `preboot_in_progress_seconds`; a real window is the boot timeout + 2 min, 210 s for a JVM app).
    Undo's formation change comes right after its own config release, whose window it must wait
    out: in a command run in process (wall-clock polls of 2 s) on sandbox_for's 200x clock a 0.1 s
    window (0.5 ms) has ended by then; on a ManualClock (flows) it is one poll, not 105 real
    requests."""
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


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def json(self) -> dict:
        return json.loads(self.out)


def run_in_process(
    args: list[str], env: dict[str, str], cwd: Path = REPO, stdin=None, program=None
) -> Run:
    """The `zdd` Program on argv `args`, in this process, under `env` in `cwd`; stdin is not a
    terminal unless `stdin` is one (a pty's end, opened as a file). `program`: another Program
    to run instead (Invoke's own, as `invoke zdd ...` runs), its argv[0] its binary."""
    from zdd.main import make_program

    program = program or make_program()
    out, err = io.StringIO(), io.StringIO()
    saved_env, saved_stdin, saved_cwd = dict(os.environ), sys.stdin, os.getcwd()
    os.environ.clear()
    os.environ.update(env)
    sys.stdin = io.StringIO("") if stdin is None else stdin
    os.chdir(cwd)
    code = 0
    try:
        with redirect_stdout(out), redirect_stderr(err):
            program.run([program.binary or "zdd", *args])
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
        sys.stdin = saved_stdin
    return Run(code, out.getvalue(), err.getvalue())
