"""Run shellcheck on every bash script of the repo (the files git tracks or would track).

Asking git keeps third-party trees out (node_modules of the plugin and of the pinned Heroku CLI,
.venv): their scripts are not ours to lint.
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIP_PARTS = {".venv", "node_modules", ".git"}


def repo_files() -> list[Path]:
    """Tracked and untracked-but-not-ignored files; every file outside SKIP_PARTS without git."""
    try:
        listing = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        ).stdout
        return sorted(ROOT / name for name in listing.decode().split("\0") if name)
    except (OSError, subprocess.CalledProcessError):
        return sorted(p for p in ROOT.rglob("*") if not SKIP_PARTS & set(p.relative_to(ROOT).parts))


def bash_scripts() -> list[Path]:
    """Every file with a bash shebang or a .sh suffix (symlinks and vanished files left out)."""
    found = []
    for path in repo_files():
        if path.is_symlink() or not path.is_file() or SKIP_PARTS & set(path.parts):
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
