"""Expensive, read-only test inputs (a compiled app, a trained slug) built once per test session
and shared by every xdist worker: the pytest-xdist recipe, a lock in the session's common temp
dir. Used by tests/buildpack and tests/rehearse."""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Callable
from pathlib import Path


def built_once(tmp_path_factory, name: str, build: Callable[[Path], None]) -> Path:
    """A directory BUILD fills once per test session for every worker; a build that failed
    half-way (no done mark) is redone. Without xdist, once per session as well."""
    root = tmp_path_factory.getbasetemp()
    if "PYTEST_XDIST_WORKER" in os.environ:
        root = root.parent  # pytest-of-<user>/pytest-<n>/: this session's, common to its workers
    target = root / f"shared-{name}"
    done = root / f"shared-{name}.done"
    with (root / f"shared-{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the first worker builds, the others wait and reuse it
        if not done.exists():
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir()
            build(target)
            done.touch()
    return target
