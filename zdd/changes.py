"""The closed set of changes zdd makes to an app, each with its before and after. Pure: no I/O.

plan.py and restore.py produce them (one per step), apply.py sends each one (`Applier._send`, a
match over `Change`), and this module answers the two pure questions about a change in one place
each: does a re-read state show it (`satisfied`), and what does the state become (`simulate`).
A new kind of change is a new class here plus a case in each of those three matches (mypy's
`assert_never` points at a case that was forgotten).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar, assert_never

from zdd.state import (
    ZDD_OPT_OUT_VAR,
    ZDD_TOKEN_VAR,
    AppState,
    Process,
    buildpack_key,
    parse_opt_outs,
)


class Kind(StrEnum):
    """What a step touches (the `kind` of a step in the --json plan)."""

    FEATURE = "feature"
    FORMATION = "formation"
    BUILDPACKS = "buildpacks"
    CONFIG = "config"
    AUTHORIZATION = "authorization"


@dataclass(frozen=True)
class FeatureToggle:
    """Enable or disable an app feature (preboot, http-session-affinity)."""

    feature: str
    before: bool
    after: bool
    kind: ClassVar[Kind] = Kind.FEATURE

    def payload(self) -> dict[str, Any]:
        return {"feature": self.feature, "enabled": self.after}


@dataclass(frozen=True)
class ProcessUpdate:
    """One process type of a formation update: `quantity`/`size` None means left as it is."""

    before: Process
    quantity: int | None = None
    size: str | None = None

    @property
    def type(self) -> str:
        return self.before.type

    @property
    def after(self) -> Process:
        return self.applied_to(self.before)

    def applied_to(self, process: Process) -> Process:
        return Process(
            process.type,
            process.quantity if self.quantity is None else self.quantity,
            process.size if self.size is None else self.size,
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.type}
        if self.quantity is not None:
            out["quantity"] = self.quantity
        if self.size is not None:
            out["size"] = self.size
        return out


@dataclass(frozen=True)
class FormationUpdate:
    """One batch formation update (types on Eco/Basic can only move together)."""

    updates: tuple[ProcessUpdate, ...]
    kind: ClassVar[Kind] = Kind.FORMATION

    def payload(self) -> dict[str, Any]:
        return {"updates": [u.to_dict() for u in self.updates]}


@dataclass(frozen=True)
class _Buildpacks:
    """The whole buildpack list before and after (the API replaces the list in one PUT)."""

    before: tuple[str, ...]
    after: tuple[str, ...]
    ref: str  # the buildpack inserted, moved or (first) removed
    kind: ClassVar[Kind] = Kind.BUILDPACKS

    def payload(self) -> dict[str, Any]:
        return {"buildpacks": list(self.after)}


@dataclass(frozen=True)
class BuildpackInsert(_Buildpacks):
    """Add the companion just before the last JVM buildpack (just after it under
    ZDD_JVM_PRESET=aot), every other one kept in order."""


@dataclass(frozen=True)
class BuildpackMove(_Buildpacks):
    """Move a companion found on the wrong side of the last JVM buildpack next to it: before it,
    or after it under ZDD_JVM_PRESET=aot."""


@dataclass(frozen=True)
class BuildpackRemove(_Buildpacks):
    """Remove the buildpacks zdd added (undo), every other one kept in order."""


@dataclass(frozen=True)
class ConfigUpdate:
    """Set and unset config vars zdd owns, in one update (one release)."""

    set: Mapping[str, str] = field(default_factory=dict)
    unset: tuple[str, ...] = ()
    kind: ClassVar[Kind] = Kind.CONFIG

    def payload(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.unset or not self.set:
            out["unset"] = list(self.unset)
        if self.set:
            out["set"] = dict(self.set)
        return out

    def changes(self) -> dict[str, str | None]:
        """The config-vars PATCH body: values to set, None for vars to remove."""
        return {**{v: None for v in self.unset}, **dict(self.set)}


@dataclass(frozen=True)
class AuthorizationCreate:
    """A new read-only OAuth token for the release check, handed to the app as ZDD_API_TOKEN in
    the same config update as `config` (zdd.authorize.install_token does both, retry-safe).
    `rotate`: replace a token the app already holds."""

    config: ConfigUpdate = field(default_factory=ConfigUpdate)
    rotate: bool = False
    kind: ClassVar[Kind] = Kind.CONFIG

    def payload(self) -> dict[str, Any]:
        out: dict[str, Any] = {"create_token": True, "rotate_token": self.rotate}
        if self.config.set:
            out["set"] = dict(self.config.set)
        return out


@dataclass(frozen=True)
class AuthorizationRevoke:
    """Revoke an OAuth authorization zdd created (after the config var holding it is gone)."""

    authorization_id: str
    kind: ClassVar[Kind] = Kind.AUTHORIZATION

    def payload(self) -> dict[str, Any]:
        return {"revoke": self.authorization_id}


Change = (
    FeatureToggle
    | FormationUpdate
    | BuildpackInsert
    | BuildpackMove
    | BuildpackRemove
    | ConfigUpdate
    | AuthorizationCreate
    | AuthorizationRevoke
)


def describe(change: Change) -> dict[str, Any]:
    """The change with its before/after values, for the --json plan."""
    match change:
        case FeatureToggle():
            return {"type": "feature_toggle", "feature": change.feature,
                    "before": change.before, "after": change.after}  # fmt: skip
        case FormationUpdate():
            return {
                "type": "formation_update",
                "updates": [
                    {"type": u.type, "before": u.before.to_dict(), "after": u.after.to_dict()}
                    for u in change.updates
                ],
            }
        case BuildpackInsert() | BuildpackMove() | BuildpackRemove():
            name = {BuildpackInsert: "insert", BuildpackMove: "move", BuildpackRemove: "remove"}
            return {"type": f"buildpack_{name[type(change)]}", "buildpack": change.ref,
                    "before": list(change.before), "after": list(change.after)}  # fmt: skip
        case ConfigUpdate():
            return {"type": "config_update", "set": dict(change.set), "unset": list(change.unset)}
        case AuthorizationCreate():
            return {"type": "authorization_create", "rotate": change.rotate,
                    "config": describe(change.config)}  # fmt: skip
        case AuthorizationRevoke():
            return {"type": "authorization_revoke", "id": change.authorization_id}
        case _:
            assert_never(change)


def _config_shows(update: ConfigUpdate, state: AppState) -> bool:
    names = state.config_vars
    if names is None:
        return False
    if any(v in names for v in update.unset) or not all(v in names for v in update.set):
        return False
    if ZDD_OPT_OUT_VAR in update.set:  # the one value zdd reads back (names only otherwise)
        return state.opt_outs == parse_opt_outs(update.set[ZDD_OPT_OUT_VAR])
    return True


def satisfied(change: Change, state: AppState) -> bool:
    """Does `state` (re-read after applying) show `change`? The verification after apply."""
    match change:
        case FeatureToggle():
            return state.feature(change.feature) == change.after
        case FormationUpdate():
            for u in change.updates:
                proc = state.process(u.type)
                if proc is None:
                    return False
                if u.quantity is not None and proc.quantity != u.quantity:
                    return False
                if u.size is not None and proc.size.lower() != u.size.lower():
                    return False
            return True
        case BuildpackInsert() | BuildpackMove() | BuildpackRemove():
            return [buildpack_key(b) for b in state.buildpacks] == [
                buildpack_key(b) for b in change.after
            ]
        case ConfigUpdate():
            return _config_shows(change, state)
        case AuthorizationCreate():
            holds = state.config_vars is not None and ZDD_TOKEN_VAR in state.config_vars
            return holds and _config_shows(change.config, state)
        case AuthorizationRevoke():
            return True  # the DELETE's success is the evidence (a token list isn't re-read)
        case _:
            assert_never(change)


def _with_config(state: AppState, update: ConfigUpdate, *extra: str) -> AppState:
    if state.config_vars is None:
        return state
    names = (state.config_vars | set(update.set) | set(extra)) - set(update.unset)
    opt_outs = state.opt_outs
    if ZDD_OPT_OUT_VAR in update.set:
        opt_outs = parse_opt_outs(update.set[ZDD_OPT_OUT_VAR])
    elif ZDD_OPT_OUT_VAR in update.unset:
        opt_outs = frozenset()
    return state.replace(config_vars=frozenset(names), opt_outs=opt_outs)


def simulate(change: Change, state: AppState) -> AppState:
    """The state once `change` is applied (what apply.py should reach; used by tests and plans)."""
    match change:
        case FeatureToggle():
            return state.replace(features={**state.features, change.feature: change.after})
        case FormationUpdate():
            by_type = {u.type: u for u in change.updates}
            formation = tuple(
                by_type[p.type].applied_to(p) if p.type in by_type else p for p in state.formation
            )
            return state.replace(formation=formation)
        case BuildpackInsert() | BuildpackMove() | BuildpackRemove():
            return state.replace(buildpacks=tuple(change.after))
        case ConfigUpdate():
            return _with_config(state, change)
        case AuthorizationCreate():
            return _with_config(state, change.config, ZDD_TOKEN_VAR)
        case AuthorizationRevoke():
            return state
        case _:
            assert_never(change)
