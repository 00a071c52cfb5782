"""Run shellcheck on every bash script in the repo (bin/, .ci/, buildpack/)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def bash_scripts() -> list[Path]:
    """Every tracked-looking file with a bash shebang or a .sh suffix outside .venv."""
    found = []
    for folder in ("bin", ".ci", "buildpack", "bench", "tests"):
        for path in sorted((ROOT / folder).rglob("*")):
            if not path.is_file() or ".venv" in path.parts:
                continue
            if path.suffix == ".sh" or path.read_bytes()[:64].startswith(b"#!/usr/bin/env bash"):
                found.append(path)
    return found


def main() -> int:
    scripts = [str(p) for p in bash_scripts()]
    if not scripts:
        return 0
    return subprocess.run(["shellcheck", "-x", "--shell=bash", *scripts], cwd=ROOT).returncode


if __name__ == "__main__":
    sys.exit(main())
