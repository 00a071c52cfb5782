"""Snapshots: what setup may change, saved before its first write, so `zdd undo` can put it back.

Kept in the user's state directory ($XDG_STATE_HOME/zdd, else ~/.local/state/zdd), one JSON file
per run: <dir>/<app>/<UTC time>.json. No secret is stored: config vars by name only, and the OAuth
authorization by id (the id can revoke it, not use it).

Several runs make a chain: a setup that stopped part-way, then a re-run, each saved what it saw.
`zdd undo` restores the earliest snapshot not yet undone (the state before the first of those
runs), removes what any of them added, and then marks all of them undone (`undone_at`), so the
next setup starts a new chain. When every snapshot is undone, undo uses the last chain again
(a no-op if nothing changed since), so running it twice is safe.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from zdd.errors import ConfigError, ZddError
from zdd.snapshot_record import FORMAT, SnapshotRecord, now_stamp

__all__ = ["FORMAT", "NoSnapshot", "Snapshot", "SnapshotError", "now_stamp", "state_dir"]


class SnapshotError(ZddError):
    """No snapshot to restore, or a file that isn't one."""


class NoSnapshot(SnapshotError):
    """The app has no snapshot at all (undo can still revoke zdd's tokens nobody holds)."""


def state_dir(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    base = env.get("XDG_STATE_HOME") or str(Path(env.get("HOME", "~")) / ".local" / "state")
    return Path(base).expanduser() / "zdd"


@dataclass
class Snapshot(SnapshotRecord):
    """A SnapshotRecord kept in a file: saved, loaded, chained and marked undone here."""

    path: Path | None = field(default=None, compare=False)

    def save(self, directory: Path | None = None) -> Path:
        """Write atomically (tmp + rename); later saves (authorization id) rewrite the same file.

        Raises ConfigError (naming the directory) when it can't be written.
        """
        folder = self.path.parent if self.path else (directory or state_dir()) / self.app
        try:
            if self.path is None:
                folder.mkdir(parents=True, exist_ok=True)
                stamp = self.taken_at.replace("-", "").replace(":", "").replace(".", "-")
                self.path = folder / f"{stamp}.json"
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(self.to_dict(), indent=2) + "\n", encoding="utf-8")
            os.replace(tmp, self.path)
        except OSError as exc:
            self.path = None if not (self.path and self.path.exists()) else self.path
            raise ConfigError(
                f"Can't write the snapshot to {folder} ({exc.strerror or exc}); nothing was "
                "changed.",
                remedy="Make that directory writable, or point XDG_STATE_HOME at a writable "
                "directory (snapshots go to $XDG_STATE_HOME/zdd), and run again.",
            ) from None
        return self.path

    def discard(self) -> None:
        """Delete the file (a run that changed nothing leaves nothing to undo)."""
        if self.path is not None:
            self.path.unlink(missing_ok=True)
            self.path = None

    def mark_undone(self, when: str | None = None) -> None:
        self.undone_at = when or now_stamp()
        self.save()

    @classmethod
    def load(cls, path: str | Path) -> Snapshot:
        """Read and validate one file (zdd/data/snapshot.schema.json): a snapshot is input, and a
        truncated or edited one must stop undo with the file's name, never restore wrongly."""
        path = Path(path)
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise _unreadable(path, getattr(exc, "strerror", None) or str(exc)) from None
        except ValueError as exc:
            raise _unreadable(path, f"not JSON: {exc}") from None
        problem = schema_problem(doc)
        if problem:
            raise _unreadable(path, problem)
        doc.pop("format", None)
        return cls(**doc, path=path)

    @classmethod
    def all(cls, app: str, directory: Path | None = None) -> list[Snapshot]:
        """Every snapshot of `app`, oldest first."""
        folder = (directory or state_dir()) / app
        try:
            files = sorted(folder.glob("*.json")) if folder.is_dir() else []
        except OSError:
            files = []
        return [cls.load(f) for f in files]

    @classmethod
    def latest(cls, app: str, directory: Path | None = None) -> Snapshot:
        snaps = cls.all(app, directory)
        if not snaps:
            raise _none_for(app, directory)
        return snaps[-1]

    @classmethod
    def to_undo(cls, app: str, directory: Path | None = None) -> list[Snapshot]:
        """The chain undo restores, oldest first: every snapshot not yet undone, or else the
        last chain undone (so a second undo is a no-op, not an error)."""
        snaps = cls.all(app, directory)
        if not snaps:
            raise _none_for(app, directory)
        open_ = [s for s in snaps if s.undone_at is None]
        if open_:
            return open_
        last = max(s.undone_at or "" for s in snaps)
        return [s for s in snaps if s.undone_at == last]

    @classmethod
    def companion_urls(cls, app: str, directory: Path | None = None) -> tuple[str, ...]:
        """Companion URLs earlier setups of `app` installed. Read file by file: an unreadable
        snapshot must not make setup forget the URL a good one recorded (it would add the
        buildpack a second time), and from a broken file the URL is salvaged when it shows."""
        folder = (directory or state_dir()) / app
        try:
            files = sorted(folder.glob("*.json")) if folder.is_dir() else []
        except OSError:
            files = []
        urls: list[str] = []
        for f in files:
            try:
                url = cls.load(f).companion_url
                found = [url] if url else []
            except SnapshotError:
                found = _salvage_companion_urls(f)
            urls += [u for u in found if u and u not in urls]
        return tuple(urls)


_COMPANION_FIELD = re.compile(r'"companion_url"\s*:\s*"((?:[^"\\]|\\.)+)"')


def _salvage_companion_urls(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    out = []
    for raw in _COMPANION_FIELD.findall(text):
        try:
            out.append(json.loads(f'"{raw}"'))
        except ValueError:
            continue
    return out


def schema_problem(doc: object) -> str | None:
    """What makes `doc` not a snapshot (the first schema error, with where it is), or None."""
    errors = sorted(_validator().iter_errors(doc), key=lambda e: list(e.absolute_path))
    if not errors:
        return None
    err = errors[0]
    where = "/".join(str(p) for p in err.absolute_path) or "the document"
    return f"{where}: {err.message}"


@cache
def _validator() -> Any:
    """The schema's validator, built on first use (jsonschema imports take a while)."""
    from jsonschema import Draft202012Validator

    text = resources.files("zdd").joinpath("data", "snapshot.schema.json").read_text("utf-8")
    return Draft202012Validator(json.loads(text))


def _unreadable(path: Path, why: str) -> SnapshotError:
    return SnapshotError(
        f"{path} is not a valid zdd snapshot ({why}); nothing was changed.",
        remedy="Move that file out of the way (or fix it), or pass another file with "
        "--snapshot FILE.",
    )


def _none_for(app: str, directory: Path | None) -> SnapshotError:
    folder = (directory or state_dir()) / app
    return NoSnapshot(
        f"No snapshot for {app} in {folder}: zdd setup saves one before changing an app.",
        remedy="Pass --snapshot FILE if it was saved elsewhere (another machine or user).",
    )
