"""Regenerate the README's "Rehearse a deploy" pictures: `python -m zdd.rehearse.example`.

Runs the installed `zdd rehearse` (a subprocess, as a user would) twice on the Python test app
(tests/apps/python, so from a checkout of this repo): a healthy preboot deploy, and the same deploy
of an app that exits at once on SIGTERM (FAULT_SIGTERM=exit), which drops its requests in flight.
Heroku's durations x0.05; a few seconds each, all on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "tests" / "apps" / "python"
FAST = ["--scale", "0.05", "--switch-delay", "1.5s", "--long-path", "/slow?s=1",
        "--long-share", "0.2", "--rate", "20", "--warmup", "1.5s", "--tail", "1.5s",
        "--request-timeout", "5s"]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs"))
    out = Path(parser.parse_args(argv).out)
    zdd = str(Path(sys.executable).with_name("zdd"))
    for name, extra in (
        ("rehearse-preboot-healthy.png", []),
        ("rehearse-preboot-drops.png", ["--env", "FAULT_SIGTERM=exit"]),
    ):
        cmd = [zdd, "rehearse", "--dir", str(APP), *FAST, *extra, "--picture", str(out / name)]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        print(done.stdout)
        if done.returncode not in (0, 1):
            print(done.stderr, file=sys.stderr)
            return done.returncode
    return 0


if __name__ == "__main__":
    sys.exit(main())
