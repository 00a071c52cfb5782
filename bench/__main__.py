"""`python -m bench [FILTER]`: run every bench/bench_*.py whose name contains FILTER.

Contract for a benchmark module `bench/bench_<name>.py`: a `main()` that runs it and returns its
results as Markdown (a str); this runner writes them to bench/results/<name>.md and prints them.
A `main()` that returns None wrote its own results.
"""

from __future__ import annotations

import importlib
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"


def discover(filter_: str = "") -> list[str]:
    return sorted(
        p.stem for p in HERE.glob("bench_*.py") if filter_ in p.stem.removeprefix("bench_")
    )


def run(filter_: str = "") -> int:
    names = discover(filter_)
    if not names:
        print(f"no benchmark in {HERE} matches {filter_!r}", file=sys.stderr)
        return 2
    RESULTS.mkdir(exist_ok=True)
    for name in names:
        short = name.removeprefix("bench_")
        print(f"== {short}", flush=True)
        started = time.monotonic()
        module = importlib.import_module(f"bench.{name}")
        text = module.main()
        took = time.monotonic() - started
        if text is not None:
            path = RESULTS / f"{short}.md"
            path.write_text(text.rstrip() + "\n", encoding="utf-8")
            print(text.rstrip())
            print(f"-> {path.relative_to(HERE.parent)} ({took:.1f}s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(run(sys.argv[1] if len(sys.argv) > 1 else ""))
