"""`zdd verify ARGS` in this process: the Program the console script runs, its stdout and stderr
captured, its exit code returned. A few tests keep the real script in a subprocess (the JSON
switch scenario, signals, the terminal, the Invoke route); the rest need no second interpreter."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def zdd_verify(capsys, monkeypatch):
    """zdd_verify(*args, cwd=folder) -> Run, with stdin not a terminal (as under pytest)."""
    from zdd.main import make_program

    def run(*args: str, cwd: Path) -> Run:
        monkeypatch.chdir(cwd)
        capsys.readouterr()  # what came before is not this run's output
        code = 0
        try:
            make_program().run(["zdd", "verify", *args])
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
        out, err = capsys.readouterr()
        return Run(code, out, err)

    return run
