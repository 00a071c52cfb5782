"""plan(state, options) -> Plan: the ordered steps setup would take, each with what, why and cost.

Pure: no I/O. Order (docs: seed order): session affinity, scale web, preboot, Java warm-up
(companion buildpack), release-check credentials. Formation changes come before preboot, so no
preboot window blocks them, and config vars (which restart dynos) come last, when preboot is on.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field

from zdd.cost import (
    ECO_NOTE,
    PROFESSIONAL_SIZES,
    canonical_size,
    is_known_size,
    monthly_price,
    usd,
    uses_eco,
)
from zdd.errors import UsageError
from zdd.state import (
    AFFINITY,
    COMPANION_BUILDPACK_URL,
    PREBOOT,
    ZDD_APP_VAR,
    ZDD_TOKEN_VAR,
    AppState,
    Process,
    is_companion,
    is_hobby,
    is_private,
    is_professional,
)

PENDING, UNCHANGED, BLOCKED = "pending", "unchanged", "blocked"
DEFAULT_SIZE = "Standard-1X"


class PlanError(UsageError):
    """Options that can't make a plan (e.g. --size Basic); the message says what to pass instead."""


@dataclass(frozen=True)
class PlanOptions:
    """What the user asked for. None means "decide from the app" (java, release_check)."""

    min_web: int = 2
    affinity: bool = True
    size: str | None = None
    java: bool | None = None
    buildpack: str = COMPANION_BUILDPACK_URL
    release_check: bool | None = None
    #: Companion URLs known from earlier runs (snapshots): recognised, never added twice.
    known_companions: tuple[str, ...] = ()


def setup_command(app: str, opts: PlanOptions, size: str | None = None) -> str:
    """The `zdd setup` command line that repeats the user's choices (plus `size` if given)."""
    parts = ["zdd", "setup", "--app", app]
    if size or opts.size:
        parts += ["--size", size or canonical_size(opts.size or "")]
    if opts.min_web != 2:
        parts += ["--min-web", str(opts.min_web)]
    if not opts.affinity:
        parts.append("--no-affinity")
    if opts.java is not None:
        parts.append("--java" if opts.java else "--no-java")
    if opts.buildpack != COMPANION_BUILDPACK_URL:
        parts += ["--buildpack", opts.buildpack]
    if opts.release_check is False:
        parts.append("--no-release-check")
    return shlex.join(parts)


@dataclass(frozen=True)
class Step:
    """One change (or a reason there is none). `payload` is what apply.py sends."""

    id: str
    kind: str
    status: str
    what: str
    why: str
    cost_change: int | None = 0
    restarts: bool = False
    note: str = ""
    commands: tuple[str, ...] = ()
    payload: Mapping = field(default_factory=dict)
    opted_out: bool = False

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "kind": self.kind,
            "status": self.status,
            "what": self.what,
            "why": self.why,
            "monthly_cost_change_usd": self.cost_change,
            "restarts_dynos": self.restarts,
            "note": self.note,
            "commands": list(self.commands),
        }


@dataclass(frozen=True)
class Plan:
    app: str
    steps: tuple[Step, ...]
    notes: tuple[str, ...] = ()
    next_command: str = ""

    @property
    def pending(self) -> list[Step]:
        return [s for s in self.steps if s.status == PENDING]

    @property
    def blocked(self) -> list[Step]:
        return [s for s in self.steps if s.status == BLOCKED]

    @property
    def cost_change(self) -> int | None:
        changes = [s.cost_change for s in self.pending]
        return None if None in changes else sum(c for c in changes if c is not None)

    def step(self, id_: str) -> Step | None:
        return next((s for s in self.steps if s.id == id_), None)

    def commands(self) -> list[str]:
        return [c for s in self.pending for c in s.commands]

    def to_dict(self) -> dict:
        return {
            "app": self.app,
            "steps": [s.to_dict() for s in self.steps],
            "monthly_cost_change_usd": self.cost_change,
            "notes": list(self.notes),
            "next_command": self.next_command or None,
        }


def _scale_command(app: str, targets: list[Process]) -> str:
    pairs = " ".join(f"{p.type}={p.quantity}:{p.size}" for p in targets)
    return f"heroku ps:scale {pairs} --app {app}"


def _feature_step(id_: str, state: AppState, name: str, wanted: bool, why: str) -> Step:
    app = state.app
    if state.feature(name):
        return Step(id_, "feature", UNCHANGED, f"{name} is already enabled", why)
    if not wanted:
        return Step(
            id_,
            "feature",
            UNCHANGED,
            f"leave {name} off (--no-affinity)",
            "you said the app keeps no session state",
            opted_out=True,
        )
    return Step(
        id_,
        "feature",
        PENDING,
        f"enable {name}",
        why,
        commands=(f"heroku features:enable {name} --app {app}",),
        payload={"feature": name, "enabled": True},
    )


def formation_step(state: AppState, opts: PlanOptions) -> Step:
    """Scale web to at least min_web; resize off Eco/Basic only with --size consent (one batch)."""
    app = state.app
    web = state.web
    # Any type on Eco/Basic, even an idle one, rules out preboot and can't be mixed with
    # professional sizes: all of them move together, in one batch.
    low = [p for p in state.formation if is_hobby(p.size)]
    to_move = low
    size = canonical_size(opts.size) if opts.size else None
    target_size = size or DEFAULT_SIZE
    targets: dict[str, Process] = {}
    for p in to_move:
        targets[p.type] = Process(p.type, p.quantity, target_size)
    if web is not None and web.quantity < opts.min_web:
        base = targets.get("web", web)
        targets["web"] = Process("web", opts.min_web, base.size)
    # web first, then the other types by name: stable output whatever order the API lists them in
    targets = dict(sorted(targets.items(), key=lambda kv: (kv[0] != "web", kv[0])))

    why = "2+ web dynos keep serving while one restarts; preboot needs Standard or Performance"
    if state.on_private:
        why = "2+ web dynos keep serving while one restarts (Private Space deploys roll)"
    if not state.formation:
        return Step(
            "formation",
            "formation",
            UNCHANGED,
            "no process types yet: nothing to scale",
            "deploy the app (with a web process in its Procfile) and run zdd again",
        )
    if not targets:
        what = (
            f"web already at {web.quantity} x {canonical_size(web.size)} (never scaled down)"
            if web
            else "no web process type: nothing to scale"
        )
        return Step("formation", "formation", UNCHANGED, what, why)

    before = {p.type: p for p in state.formation}
    cost = 0
    for t, p in targets.items():
        new, old = monthly_price(p.size), monthly_price(before[t].size)
        cost = (
            None
            if cost is None or new is None or old is None
            else cost + (new * p.quantity - old * before[t].quantity)
        )
    parts = []
    for t, p in targets.items():
        b = before[t]
        change = []
        if p.quantity != b.quantity:
            change.append(f"{b.quantity} -> {p.quantity} dynos")
        if p.size.lower() != b.size.lower():
            change.append(f"{canonical_size(b.size)} -> {p.size}")
        parts.append(f"{t}: {', '.join(change)}")
    what = "scale " + "; ".join(parts) + (" (one batch update)" if len(targets) > 1 else "")
    updates = []
    for t, p in targets.items():
        u: dict = {"type": t}
        if p.quantity != before[t].quantity:
            u["quantity"] = p.quantity
        if p.size.lower() != before[t].size.lower():
            u["size"] = p.size
        updates.append(u)
    command = _scale_command(app, list(targets.values()))
    note = ECO_NOTE if uses_eco(to_move) else ""
    if low and not size:
        names = ", ".join(f"{p.type} ({canonical_size(p.size)})" for p in low)
        return Step(
            "formation",
            "formation",
            BLOCKED,
            what.replace("scale ", "would scale ", 1),
            f"{names} can't run 2 dynos or preboot, and Eco/Basic can't be mixed with "
            f"professional sizes, so every process type must move together; with "
            f"{DEFAULT_SIZE} this costs {usd(cost, signed=True)}",
            cost_change=cost,
            note=" ".join(
                x
                for x in (
                    f"Needs your consent to change dyno sizes: "
                    f"{setup_command(app, opts, DEFAULT_SIZE)} "
                    "(or another Standard/Performance size).",
                    note,
                )
                if x
            ),
            commands=(command,),
            payload={"updates": updates},
        )
    return Step(
        "formation",
        "formation",
        PENDING,
        what,
        why,
        cost_change=cost,
        note=note,
        commands=(command,),
        payload={"updates": updates},
    )


def _buildpack_step(state: AppState, opts: PlanOptions, java: bool) -> Step:
    app, url = state.app, opts.buildpack
    why = "warms the JVM up during preboot, before the new dynos take traffic"
    if not java:
        opted = opts.java is False and state.is_jvm
        what = "no zdd buildpack: --no-java" if opted else "no zdd buildpack: not a JVM app"
        return Step("buildpack", "buildpacks", UNCHANGED, what, why, opted_out=opted)
    if any(is_companion(b, url, *opts.known_companions) for b in state.buildpacks):
        return Step("buildpack", "buildpacks", UNCHANGED, "the zdd buildpack is installed", why)
    if not state.buildpacks:
        return Step(
            "buildpack",
            "buildpacks",
            BLOCKED,
            "add the zdd buildpack",
            "the app has no buildpacks set (Heroku detects one at build time), so the zdd "
            "buildpack can't go before the language buildpack",
            note=f"Set yours first: heroku buildpacks:set heroku/java --app {app}",
        )
    new = [*state.buildpacks[:-1], url, state.buildpacks[-1]]
    return Step(
        "buildpack",
        "buildpacks",
        PENDING,
        f"add the zdd buildpack before {state.buildpacks[-1].removeprefix('urn:buildpack:')} "
        f"(keeping the other "
        f"{len(state.buildpacks)} in order)",
        why,
        note="takes effect on the next deploy",
        commands=(f"heroku buildpacks:add --index {len(state.buildpacks)} {url} --app {app}",),
        payload={"buildpacks": new},
    )


def _release_check_step(state: AppState, opts: PlanOptions, java: bool) -> Step:
    app = state.app
    wanted = java if opts.release_check is None else opts.release_check
    why = "the zdd buildpack's release-phase check reads features and formation with it"
    if not wanted:
        if opts.release_check is False and (state.is_jvm or java):
            reason, opted = "--no-release-check", True
        elif opts.java is False and state.is_jvm:
            reason, opted = "--no-java", True
        else:
            reason, opted = "not a JVM app", False
        what = f"no release-check credentials: {reason}"
        return Step("release_check", "config", UNCHANGED, what, why, opted_out=opted)
    if state.config_vars is None:
        return Step(
            "release_check",
            "config",
            BLOCKED,
            f"set {ZDD_TOKEN_VAR} and {ZDD_APP_VAR}",
            "this token can't read config vars (it needs global or read-protected scope)",
            note="Use a full-access token (heroku auth:token), or pass --no-release-check.",
        )
    has_token = ZDD_TOKEN_VAR in state.config_vars
    has_app = ZDD_APP_VAR in state.config_vars
    if has_token and has_app:
        return Step(
            "release_check", "config", UNCHANGED, f"{ZDD_TOKEN_VAR} and {ZDD_APP_VAR} set", why
        )
    names = ([] if has_token else [ZDD_TOKEN_VAR]) + ([] if has_app else [ZDD_APP_VAR])
    what = "set " + " and ".join(names)
    if not has_token:
        what += " (a new read-only OAuth token for this check)"
    commands = []
    if not has_token:
        commands.append(
            f'ZDD_API_TOKEN="$(heroku authorizations:create --scope read --short '
            f'--description "zdd release check for {app}")"'
        )
    pairs = ([] if has_token else ['ZDD_API_TOKEN="$ZDD_API_TOKEN"']) + (
        [] if has_app else [f"ZDD_APP={app}"]
    )
    commands.append(f"heroku config:set {' '.join(pairs)} --app {app}")
    return Step(
        "release_check",
        "config",
        PENDING,
        what,
        why,
        restarts=True,
        note="setting config vars makes a new release and restarts every dyno "
        "(with preboot on, web dynos are replaced without downtime)",
        commands=tuple(commands),
        payload={"create_token": not has_token, "set_app": not has_app},
    )


def check_options(opts: PlanOptions) -> None:
    """Reject options no plan can use (callers run this before reading anything)."""
    if opts.size and not is_known_size(opts.size):
        raise PlanError(
            f"--size {opts.size} is not a Heroku dyno size; pass one of "
            f"{', '.join(PROFESSIONAL_SIZES)}"
        )
    if opts.size and not is_professional(opts.size):
        raise PlanError(
            f"--size {opts.size} can't be chosen with --size: preboot and 2+ web dynos need "
            "Standard-1X, Standard-2X or Performance-* (Private and Shield sizes come from "
            "their space, and Eco/Basic can't run either)"
        )
    if opts.min_web < 1:
        raise PlanError("--min-web must be at least 1")


def plan(state: AppState, options: PlanOptions | None = None) -> Plan:
    """The setup plan for one app. Raises PlanError for a --size that isn't professional."""
    opts = options or PlanOptions()
    check_options(opts)
    java = state.is_jvm if opts.java is None else opts.java
    formation = formation_step(state, opts)
    affinity = _feature_step(
        "affinity",
        state,
        AFFINITY,
        opts.affinity,
        "requests of one user keep going to the same dyno while old and new releases overlap",
    )
    preboot = _feature_step(
        "preboot",
        state,
        PREBOOT,
        True,
        "new web dynos start and take traffic before the old ones stop, on every deploy",
    )
    if preboot.status == PENDING and state.on_private:
        sizes = sorted({canonical_size(p.size) for p in state.formation if is_private(p.size)})
        preboot = Step(
            "preboot",
            "feature",
            UNCHANGED,
            f"leave preboot off: {', '.join(sizes)} can't use it",
            "Private Space dynos (Private-*/Shield-*) deploy with rolling restarts instead of "
            "preboot; 2+ web dynos keep serving while they roll",
            opted_out=True,
        )
    if preboot.status == PENDING and formation.status == BLOCKED:
        preboot = Step(
            "preboot",
            "feature",
            BLOCKED,
            "enable preboot",
            preboot.why,
            note="preboot needs Standard or Performance dynos: blocked by the formation step",
            commands=preboot.commands,
            payload=preboot.payload,
        )
    steps = (
        affinity,
        formation,
        preboot,
        _buildpack_step(state, opts, java),
        _release_check_step(state, opts, java),
    )
    notes = []
    if opts.min_web < 2:
        notes.append(f"--min-web {opts.min_web}: one web dyno drops requests on every restart")
    if opts.size and state.formation and not any(is_hobby(p.size) for p in state.formation):
        notes.append(f"--size {opts.size} not used: no process type is on Eco/Basic")
    next_command = ""
    if formation.status == BLOCKED:
        next_command = setup_command(state.app, opts, DEFAULT_SIZE)
    return Plan(state.app, steps, tuple(notes), next_command)


def simulate(state: AppState, p: Plan) -> AppState:
    """The state after applying every pending step: what apply.py should reach (for tests)."""
    features = dict(state.features)
    formation = list(state.formation)
    buildpacks = state.buildpacks
    config = state.config_vars
    for s in p.pending:
        if s.kind == "feature":
            features[s.payload["feature"]] = s.payload["enabled"]
        elif s.kind == "formation":
            by_type = {u["type"]: u for u in s.payload["updates"]}
            formation = [
                Process(
                    f.type,
                    by_type.get(f.type, {}).get("quantity", f.quantity),
                    by_type.get(f.type, {}).get("size", f.size),
                )
                for f in formation
            ]
        elif s.kind == "buildpacks":
            buildpacks = tuple(s.payload["buildpacks"])
        elif s.kind == "config" and config is not None:
            add = {ZDD_TOKEN_VAR} if s.payload.get("create_token") else set()
            add |= {ZDD_APP_VAR} if s.payload.get("set_app") else set()
            config = (config | add) - set(s.payload.get("unset", ()))
    return state.replace(
        features=features, formation=tuple(formation), buildpacks=buildpacks, config_vars=config
    )
