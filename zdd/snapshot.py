"""Snapshots: what setup may change, saved before its first write, so `zdd undo` can put it back.

Kept in the user's state directory ($XDG_STATE_HOME/zdd, else ~/.local/state/zdd), one JSON file
per run: <dir>/<app>/<UTC time>.json. No secret is stored: config vars by name only, and the OAuth
authorization by id (the id can revoke it, not use it).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from zdd.errors import ZddError
from zdd.state import AFFINITY, OWNED_CONFIG_VARS, PREBOOT, AppState, Process, processes

FORMAT = 1


class SnapshotError(ZddError):
    """No snapshot to restore, or a file that isn't one."""


def state_dir(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    base = env.get("XDG_STATE_HOME") or str(Path(env.get("HOME", "~")) / ".local" / "state")
    return Path(base).expanduser() / "zdd"


@dataclass
class Snapshot:
    app: str
    taken_at: str
    features: dict[str, bool]
    formation: list[dict]
    buildpacks: list[str]
    config_vars_present: list[str] | None
    authorization_id: str | None = None
    path: Path | None = field(default=None, compare=False)

    @classmethod
    def of(cls, state: AppState) -> Snapshot:
        present = None
        if state.config_vars is not None:
            present = sorted(v for v in OWNED_CONFIG_VARS if v in state.config_vars)
        return cls(
            app=state.app,
            taken_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            features={name: state.feature(name) for name in (PREBOOT, AFFINITY)},
            formation=[p.to_dict() for p in state.formation],
            buildpacks=list(state.buildpacks),
            config_vars_present=present,
        )

    @property
    def processes(self) -> tuple[Process, ...]:
        return processes(self.formation)

    def to_dict(self) -> dict:
        out = asdict(self)
        out.pop("path")
        return {"format": FORMAT, **out}

    def save(self, directory: Path | None = None) -> Path:
        """Write atomically (tmp + rename); later saves (authorization id) rewrite the same file."""
        if self.path is None:
            folder = (directory or state_dir()) / self.app
            folder.mkdir(parents=True, exist_ok=True)
            stamp = self.taken_at.replace("-", "").replace(":", "").replace(".", "-")
            self.path = folder / f"{stamp}.json"
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.to_dict(), indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, self.path)
        return self.path

    @classmethod
    def load(cls, path: str | Path) -> Snapshot:
        path = Path(path)
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
            doc.pop("format", None)
            return cls(**doc, path=path)
        except (OSError, ValueError, TypeError) as exc:
            raise SnapshotError(
                f"{path} is not a readable zdd snapshot ({exc}).",
                remedy="Pass another file with --snapshot, or omit it to use the latest one.",
            ) from None

    @classmethod
    def latest(cls, app: str, directory: Path | None = None) -> Snapshot:
        folder = (directory or state_dir()) / app
        files = sorted(folder.glob("*.json")) if folder.is_dir() else []
        if not files:
            raise SnapshotError(
                f"No snapshot for {app} in {folder}: zdd setup saves one before changing an app.",
                remedy="Pass --snapshot FILE if it was saved elsewhere (another machine or user).",
            )
        return cls.load(files[-1])
