"""What a snapshot holds, as plain data: the app before a setup run changed it. Pure (no I/O).

zdd/snapshot.py stores these records on disk (`Snapshot` adds the file and its chain); restore.py
plans an undo from a record alone, so it never touches disk.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any, Self

from zdd.state import (
    AFFINITY,
    OWNED_CONFIG_VARS,
    PREBOOT,
    ZDD_OPT_OUT_VAR,
    AppState,
    Process,
    format_opt_outs,
    processes,
)

FORMAT = 1


def now_stamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class SnapshotRecord:
    """No secret: config vars by name only (ZDD_OPT_OUT's value, a list of check ids, aside), and
    the OAuth authorization by id (the id can revoke it, not use it)."""

    app: str
    taken_at: str
    features: dict[str, bool]
    formation: list[dict[str, Any]]
    buildpacks: list[str]
    config_vars_present: list[str] | None
    authorization_id: str | None = None
    #: ZDD_OPT_OUT's value before the run (None: unset or unreadable), so undo can put it back.
    opt_out: str | None = None
    #: The run id in the description of the token setup creates (zdd.heroku.marks), saved
    #: before the create request, so a token whose answer was lost can still be found.
    authorization_run: str | None = None
    #: The companion buildpack URL setup installs (`--buildpack`), so later runs recognise it.
    companion_url: str | None = None
    #: When `zdd undo` restored the chain this snapshot belongs to (None: not undone).
    undone_at: str | None = None

    @classmethod
    def of(cls, state: AppState, companion_url: str | None = None) -> Self:
        present = None
        if state.config_vars is not None:
            present = sorted(v for v in OWNED_CONFIG_VARS if v in state.config_vars)
        return cls(
            app=state.app,
            taken_at=now_stamp(),
            features={name: state.feature(name) for name in (PREBOOT, AFFINITY)},
            formation=[p.to_dict() for p in state.formation],
            buildpacks=list(state.buildpacks),
            config_vars_present=present,
            opt_out=format_opt_outs(state.opt_outs)
            if present is not None and ZDD_OPT_OUT_VAR in present
            else None,
            companion_url=companion_url,
        )

    @property
    def processes(self) -> tuple[Process, ...]:
        return processes(self.formation)

    def to_dict(self) -> dict[str, Any]:
        """The file's JSON document (zdd/data/snapshot.schema.json)."""
        return {
            "format": FORMAT,
            **{f.name: getattr(self, f.name) for f in fields(SnapshotRecord)},
        }
