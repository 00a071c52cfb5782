"""Test-suite wall time, like for like against the commit issue 9 measured (b0b2249).

Issue 9 asks for the suite to be at least 40 % faster on 2 cores, measured before and after. The
suite has grown since (rehearse, deploy, the JVM cache, the Heroku CLI plugin), so the whole-suite
time alone can't show the ratio. This benchmark measures, in one run on one machine state:

- **before**: the suite of BASE, in a worktree of BASE with a venv of its own (its own bin/setup);
- **after, same tests**: the tests of BASE as they stand now: every BASE test id that still
  exists, plus the current ids of a BASE test function whose parameter ids were renamed;
- **after, whole suite**: every test now (set ZDD_BENCH_SUITE_WHOLE=0 to leave it out).

Each is `pytest -n 2 -q -p no:cacheprovider` (2 workers: what CI has), timed from outside.
ZDD_BENCH_SUITE_ROUNDS=N (default 1) repeats the before/after pair N times, alternating, and
reports each. Needs git history with BASE (a clone of main has it) and the current .venv.

Usage: python -m bench suite   (writes bench/results/suite.md; takes 15-20 minutes)
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BASE = "b0b2249"
PYTEST = ("-m", "pytest", "-n", "2", "-q", "-rfE", "-p", "no:cacheprovider")


@dataclass(frozen=True)
class Timed:
    label: str
    tests: int
    passed: int
    failed: int
    seconds: float
    failures: tuple[str, ...] = ()  # the ids pytest's short summary names (FAILED / ERROR)


def sh(*args: str, cwd: Path, env: dict[str, str] | None = None) -> str:
    return subprocess.run(args, cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout


def base_tree(root: Path) -> Path:
    """A worktree of BASE with its own .venv, made by BASE's own bin/setup."""
    tree = root / "base"
    sh("git", "worktree", "add", "--detach", str(tree), BASE, cwd=REPO)
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    sh("bin/setup", cwd=tree, env=env)
    return tree


def collect(tree: Path) -> list[str]:
    out = sh(str(tree / ".venv/bin/python"), *PYTEST[:2], "--collect-only", "-q", cwd=tree)
    return [line.strip() for line in out.splitlines() if "::" in line]


def same_tests(before: list[str], now: list[str]) -> list[str]:
    """The ids of BASE's tests as they stand now (pure, so it can be checked on its own)."""
    kept, current = set(before), set(now)
    renamed = {i.split("[")[0] for i in before if i not in current}
    return [i for i in now if i in kept or i.split("[")[0] in renamed]


def timed_run(label: str, tree: Path, ids: list[str] | None, scratch: Path) -> Timed:
    args = [str(tree / ".venv/bin/python"), *PYTEST]
    if ids is not None:
        argfile = scratch / f"{label.replace(' ', '-')}.ids"
        argfile.write_text("\n".join(ids) + "\n")
        args.append(f"@{argfile}")
    started = time.monotonic()
    proc = subprocess.run(args, cwd=tree, capture_output=True, text=True)
    seconds = time.monotonic() - started
    tail = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
    count = {k: int(n) for n, k in re.findall(r"(\d+) (passed|failed|error)", tail)}
    return Timed(
        label,
        len(ids) if ids is not None else sum(count.values()),
        count.get("passed", 0),
        count.get("failed", 0) + count.get("error", 0),
        seconds,
        failed_ids(proc.stdout),
    )


def failed_ids(output: str) -> tuple[str, ...]:
    """The test ids of pytest's short summary lines `FAILED id - reason` and `ERROR id`."""
    found = re.findall(r"^(?:FAILED|ERROR) (\S+)", output, re.M)
    return tuple(dict.fromkeys(found))


def report(runs: list[Timed], rounds: int) -> str:
    lines = [
        "# Test suite: wall time like for like against b0b2249 (issue 9)",
        "",
        f"`python -m bench suite`: pytest -n 2 on this machine, {rounds} round(s) of before and",
        "after alternating, in one run. Before: b0b2249's suite in a worktree with its own venv.",
        "After, same tests: b0b2249's test ids as they stand now (renamed parameter ids mapped by",
        "function). Timed from outside pytest (collection and worker start included).",
        "",
        "| run | tests | passed | failed | wall s |",
        "|---|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {r.label} | {r.tests} | {r.passed} | {r.failed} | {r.seconds:.1f} |" for r in runs
    ]
    befores = [r.seconds for r in runs if r.label.startswith("before")]
    afters = [r.seconds for r in runs if r.label.startswith("after, same")]
    if befores and afters:
        ratio = min(afters) / min(befores)
        lines += [
            "",
            f"Same tests, best of each: {min(afters):.1f} s against {min(befores):.1f} s, "
            f"{(1 - ratio) * 100:.0f} % faster.",
        ]
    lines += [f"Failed in {r.label}: {', '.join(r.failures)}." for r in runs if r.failures]
    lines.append(f"Machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}.")
    return "\n".join(lines)


def main() -> str:
    rounds = int(os.environ.get("ZDD_BENCH_SUITE_ROUNDS", "1"))
    whole = os.environ.get("ZDD_BENCH_SUITE_WHOLE", "1") != "0"
    scratch = Path(tempfile.mkdtemp(prefix="zdd-bench-suite-"))
    try:
        base = base_tree(scratch)
        ids = same_tests(collect(base), collect(REPO))
        runs: list[Timed] = []
        for n in range(1, rounds + 1):
            runs.append(timed_run(f"before {n}", base, None, scratch))
            runs.append(timed_run(f"after, same tests {n}", REPO, ids, scratch))
        if whole:
            runs.append(timed_run("after, whole suite", REPO, None, scratch))
        return report(runs, rounds)
    finally:
        subprocess.run(
            ["git", "worktree", "remove", "--force", str(scratch / "base")],
            cwd=REPO,
            capture_output=True,
        )
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    print(main())
