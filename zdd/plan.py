"""plan(state, options) -> Plan: the ordered steps setup would take, each with what, why and cost.

Pure: no I/O. Order (docs: seed order): session affinity, scale web, preboot, Java warm-up
(companion buildpack), release-check credentials. Formation changes come before preboot, so no
preboot window blocks them, and config vars (which restart dynos) come last, when preboot is on.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from zdd import changes
from zdd.changes import (
    AuthorizationCreate,
    BuildpackInsert,
    BuildpackMove,
    Change,
    ConfigUpdate,
    FeatureToggle,
    FormationUpdate,
    Kind,
    ProcessUpdate,
    describe,
)
from zdd.checks import FIR_NO_AFFINITY, FIR_NO_CLASSIC, FIR_NO_PREBOOT, NO_WEB, private_reason
from zdd.cost import (
    ECO_NOTE,
    FIR_SIZE_NAMES,
    MAX_DYNOS_PER_APP,
    PROFESSIONAL_SIZES,
    canonical_size,
    formation_cost,
    is_fir_size,
    is_known_size,
    max_per_type,
    monthly_price,
    usd,
    uses_eco,
)
from zdd.errors import UsageError
from zdd.loopback import is_loopback
from zdd.state import (
    AFFINITY,
    COMPANION_BUILDPACK_URL,
    PREBOOT,
    ZDD_APP_VAR,
    ZDD_OPT_OUT_VAR,
    ZDD_SMOKE_PATH_VAR,
    ZDD_TOKEN_VAR,
    AppState,
    Process,
    format_opt_outs,
    is_companion,
    is_hobby,
    is_jvm_buildpack,
    is_private,
    is_professional,
)

if TYPE_CHECKING:
    from zdd.companion import UrlCheck


class StepStatus(StrEnum):
    """A step's status in a plan. Not an exit code: `zdd.cli` has those (its PENDING is exit 3)."""

    PLANNED = "pending"  # will write when applied
    UNCHANGED = "unchanged"  # nothing to do (or opted out, with the reason)
    BLOCKED = "blocked"  # needs the user's consent or another fix first


#: Short names kept for callers written before StepStatus (same values).
PENDING, UNCHANGED, BLOCKED = StepStatus.PLANNED, StepStatus.UNCHANGED, StepStatus.BLOCKED
DEFAULT_SIZE = "Standard-1X"

#: A plan adding at least this much to the monthly bill asks for an explicit confirmation of the
#: cost (`Plan.confirm_cost`), --yes or not: about ten Standard-1X dynos.
LARGE_COST_USD = 250

#: A Buildpack Registry name (`heroku buildpacks:add owner/name`).
REGISTRY_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]*/[a-z0-9][a-z0-9_.-]*$", re.IGNORECASE)


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
    #: The result of checking `buildpack` answers with a buildpack tarball (zdd.companion), made
    #: by the caller before planning; None: not checked. A failed check blocks the buildpack step.
    url_check: UrlCheck | None = None
    #: `setup --rotate-token`: replace the release check's token even if ZDD_API_TOKEN is set.
    rotate_token: bool = False
    #: `setup --smoke-path P`: record ZDD_SMOKE_PATH=P (the release phase's smoke boot).
    smoke_path: str | None = None


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
    if opts.smoke_path:
        parts += ["--smoke-path", opts.smoke_path]
    return shlex.join(parts)


@dataclass(frozen=True)
class Step:
    """One step of a plan: the typed `change` apply.py sends (zdd.changes), or the reason there is
    none. A blocked step keeps the change it would make once unblocked."""

    id: str
    kind: Kind
    status: StepStatus
    what: str
    why: str
    cost_change: int | None = 0
    restarts: bool = False
    note: str = ""
    commands: tuple[str, ...] = ()
    change: Change | None = None
    opted_out: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", Kind(self.kind))
        object.__setattr__(self, "status", StepStatus(self.status))
        if self.change is not None and self.change.kind != self.kind:
            raise ValueError(f"step {self.id}: a {type(self.change).__name__} is no {self.kind}")
        if self.status == StepStatus.PLANNED and self.change is None:
            raise ValueError(f"step {self.id}: pending without a change")

    @property
    def payload(self) -> Mapping[str, Any]:
        """The change as plain data (what the step sends), {} when there is none."""
        return self.change.payload() if self.change is not None else {}

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": str(self.kind),
            "status": str(self.status),
            "what": self.what,
            "why": self.why,
            "monthly_cost_change_usd": self.cost_change,
            "restarts_dynos": self.restarts,
            "note": self.note,
            "commands": list(self.commands),
            "change": describe(self.change) if self.change is not None else None,
        }


@dataclass(frozen=True)
class Plan:
    app: str
    steps: tuple[Step, ...]
    notes: tuple[str, ...] = ()
    next_command: str = ""
    #: Monthly USD of the formation once every pending step is applied (None: a size is unknown).
    cost_after: int | None = None

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

    @property
    def confirm_cost(self) -> bool:
        """The pending steps add LARGE_COST_USD/month or more (or an unknown amount while adding
        dynos): the prompt must ask for the cost explicitly, even under --yes."""
        cost = self.cost_change
        if cost is None:
            return any(s.kind == "formation" and s.cost_change is None for s in self.pending)
        return cost >= LARGE_COST_USD

    def commands(self) -> list[str]:
        return [c for s in self.pending for c in s.commands]

    def to_dict(self) -> dict[str, Any]:
        return {
            "app": self.app,
            "steps": [s.to_dict() for s in self.steps],
            "monthly_cost_change_usd": self.cost_change,
            "notes": list(self.notes),
            "next_command": self.next_command or None,
            "monthly_cost_after_usd": self.cost_after,
            "confirm_cost": self.confirm_cost,
        }


def _scale_command(app: str, targets: list[Process]) -> str:
    pairs = " ".join(f"{p.type}={p.quantity}:{p.size}" for p in targets)
    return f"heroku ps:scale {pairs} --app {app}"


def _opted_out_step(id_: str, kind: Kind, state: AppState, check_id: str, what: str) -> Step:
    """A step left alone because the app's ZDD_OPT_OUT lists `check_id` (an earlier choice)."""
    rest = format_opt_outs(state.opt_outs - {check_id})
    undo = (
        f"heroku config:set {ZDD_OPT_OUT_VAR}={rest} --app {state.app}"
        if rest
        else f"heroku config:unset {ZDD_OPT_OUT_VAR} --app {state.app}"
    )
    return Step(
        id_,
        kind,
        UNCHANGED,
        f"{what}: opted out ({ZDD_OPT_OUT_VAR} lists {check_id})",
        "you opted out earlier (zdd setup records --no-* choices on the app)",
        note=f"To opt back in: {undo}, then run zdd setup again.",
        opted_out=True,
    )


def _feature_step(
    id_: str, state: AppState, name: str, wanted: bool, why: str, check_id: str
) -> Step:
    app = state.app
    if state.feature(name):
        return Step(id_, Kind.FEATURE, UNCHANGED, f"{name} is already enabled", why)
    if not wanted:
        return Step(
            id_,
            Kind.FEATURE,
            UNCHANGED,
            f"leave {name} off (--no-affinity)",
            "you said the app keeps no state in a dyno's memory or disk between requests",
            opted_out=True,
        )
    if check_id in state.opt_outs:
        return _opted_out_step(id_, Kind.FEATURE, state, check_id, f"leave {name} off")
    return Step(
        id_,
        Kind.FEATURE,
        PENDING,
        f"enable {name}",
        why,
        commands=(f"heroku features:enable {name} --app {app}",),
        change=FeatureToggle(name, False, True),
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
    if "tier.professional" in state.opt_outs:
        to_move = []
    targets: dict[str, Process] = {}
    for p in to_move:
        targets[p.type] = Process(p.type, p.quantity, target_size)
    scale_web = "web.redundancy" not in state.opt_outs and not (
        "tier.professional" in state.opt_outs and web is not None and is_hobby(web.size)
    )
    if scale_web and web is not None and web.quantity < opts.min_web:
        base = targets.get("web", web)
        targets["web"] = Process("web", opts.min_web, base.size)
    # web first, then the other types by name: stable output whatever order the API lists them in
    targets = dict(sorted(targets.items(), key=lambda kv: (kv[0] != "web", kv[0])))
    check_limits(state, targets, opts)

    why = (
        "with 2+ web dynos another can serve while one restarts (a crash, its daily cycling); "
        "preboot needs Standard or Performance"
    )
    if state.on_private:
        why = "with 2+ web dynos another can serve while one restarts (a crash, its daily cycling)"
    if state.on_fir:
        why = "with 2+ web dynos another can serve while one restarts (a rolling deploy, a crash)"
    if not state.formation:
        return Step(
            Kind.FORMATION,
            Kind.FORMATION,
            UNCHANGED,
            "no process types yet: nothing to scale",
            "deploy the app (with a web process in its Procfile) and run zdd again",
        )
    if not targets:
        if web is not None and web.quantity < opts.min_web and not scale_web:
            check_id = (
                "web.redundancy" if "web.redundancy" in state.opt_outs else "tier.professional"
            )
            return _opted_out_step(
                "formation",
                Kind.FORMATION,
                state,
                check_id,
                f"web stays at {web.quantity} x {canonical_size(web.size)}",
            )
        what = (
            f"web already at {web.quantity} x {canonical_size(web.size)} (never scaled down)"
            if web
            else "no web process type: nothing to scale"
        )
        return Step("formation", Kind.FORMATION, UNCHANGED, what, why)

    before = {p.type: p for p in state.formation}
    cost: int | None = 0
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
    update = FormationUpdate(
        tuple(
            ProcessUpdate(
                before[t],
                quantity=p.quantity if p.quantity != before[t].quantity else None,
                size=p.size if p.size.lower() != before[t].size.lower() else None,
            )
            for t, p in targets.items()
        )
    )
    command = _scale_command(app, list(targets.values()))
    note = ECO_NOTE if uses_eco(to_move) else ""
    if low and not size:
        names = ", ".join(f"{p.type} ({canonical_size(p.size)})" for p in low)
        return Step(
            Kind.FORMATION,
            Kind.FORMATION,
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
            change=update,
        )
    return Step(
        Kind.FORMATION,
        Kind.FORMATION,
        PENDING,
        what,
        why,
        cost_change=cost,
        note=note,
        commands=(command,),
        change=update,
    )


LIMITS_DOC = "https://devcenter.heroku.com/articles/dyno-scaling-and-process-limits"


class QuantityError(PlanError):
    """A plan would break the platform's dyno limits (per process type or per app)."""


def check_limits(state: AppState, targets: Mapping[str, Process], opts: PlanOptions) -> None:
    """Refuse, before any write, a formation the platform would refuse part-way (a plan that
    enables affinity and then fails the scale helps nobody)."""
    flag = f"--min-web {opts.min_web}"
    for t, p in targets.items():
        limit = max_per_type(p.size)
        if limit is not None and p.quantity > limit:
            name = canonical_size(p.size)
            raise QuantityError(
                f"{flag} can't be applied to {state.app}: {t} would run {p.quantity} x {name}, "
                f"and Heroku runs at most {limit} {name} dyno{'s' if limit != 1 else ''} per "
                f"process type ({LIMITS_DOC}). Nothing was changed.",
                remedy=f"Pass --min-web {limit} or less (Heroku support can raise the limit).",
            )
    after = {p.type: p.quantity for p in state.formation} | {
        t: p.quantity for t, p in targets.items()
    }
    total = sum(after.values())
    if targets and total > MAX_DYNOS_PER_APP:
        room = MAX_DYNOS_PER_APP - (total - after.get("web", 0))
        raise QuantityError(
            f"{flag} can't be applied to {state.app}: it would run {total} dynos, and Heroku runs "
            f"at most {MAX_DYNOS_PER_APP} per app across all process types ({LIMITS_DOC}). "
            "Nothing was changed.",
            remedy=f"Pass --min-web {max(room, 1)} or less (Heroku support can raise the limit).",
        )


def _buildpack_step(state: AppState, opts: PlanOptions, java: bool) -> Step:
    """Add the companion just before the last JVM buildpack (or move it there): only the last
    buildpack's default process types count, so after the JVM one it would take `web` away.
    Under ZDD_JVM_PRESET=aot it goes just after it instead: bin/compile trains the AOT cache with
    the built app and its JDK, and the preset needs a Procfile `web:` line anyway."""
    app, url = state.app, opts.buildpack
    why = "warms the JVM up during preboot, before the new dynos take traffic"
    if not java:
        opted = opts.java is False and state.is_jvm
        what = "no zdd buildpack: --no-java" if opted else "no zdd buildpack: not a JVM app"
        return Step("buildpack", Kind.BUILDPACKS, UNCHANGED, what, why, opted_out=opted)
    if "buildpack.companion" in state.opt_outs and opts.java is None:
        return _opted_out_step(
            "buildpack", Kind.BUILDPACKS, state, "buildpack.companion", "no zdd buildpack"
        )
    urls = (url, *opts.known_companions)
    at = [i for i, b in enumerate(state.buildpacks) if is_companion(b, *urls)]
    others = [b for b in state.buildpacks if not is_companion(b, *urls)]
    if not others:
        return Step(
            "buildpack",
            Kind.BUILDPACKS,
            BLOCKED,
            "add the zdd buildpack",
            "the app has no language buildpack set (Heroku detects one at build time), so the "
            "zdd buildpack can't go before it",
            note=f"Set yours first: heroku buildpacks:set heroku/java --app {app}",
        )
    jvm = [i for i, b in enumerate(others) if is_jvm_buildpack(b)]
    anchor = jvm[-1] if jvm else len(others) - 1  # --java on an app without a JVM buildpack
    before = others[anchor].removeprefix("urn:buildpack:")
    anchor_now = state.buildpacks.index(others[anchor])
    aot = bool(jvm) and state.aot_preset  # the training run needs the built app and its JDK
    side = "after" if aot else "before"
    aot_why = (
        f"ZDD_JVM_PRESET=aot trains the AOT cache with the built app and its JDK, so the zdd "
        f"buildpack comes after {before} (the app needs a Procfile web: line)"
    )
    placed = bool(at) and (at[0] > anchor_now if aot else at[0] < anchor_now)
    if len(at) == 1 and placed:
        what = "the zdd buildpack is installed" + (f" after {before}" if aot else "")
        return Step("buildpack", Kind.BUILDPACKS, UNCHANGED, what, aot_why if aot else why)
    ref = state.buildpacks[at[0]] if at else url
    cut = anchor + 1 if aot else anchor
    target = [*others[:cut], ref, *others[cut:]]
    keep = (
        "keeping the other one in place"
        if len(others) == 1
        else f"keeping the other {len(others)} in order"
    )
    if at:
        return Step(
            "buildpack",
            Kind.BUILDPACKS,
            PENDING,
            f"move the zdd buildpack {side} {before} ({keep})",
            aot_why
            if aot
            else f"it comes after {before}: only the last buildpack's default process types "
            "count, so an app without a Procfile loses its web process",
            note="takes effect on the next deploy",
            commands=(
                f"heroku buildpacks:remove {ref} --app {app}",
                f"heroku buildpacks:add --index {cut + 1} {ref} --app {app}",
            ),
            change=BuildpackMove(state.buildpacks, tuple(target), ref),
        )
    step = Step(
        "buildpack",
        Kind.BUILDPACKS,
        PENDING,
        f"add the zdd buildpack {side} {before} ({keep})",
        f"{why}; {aot_why}" if aot else why,
        note="takes effect on the next deploy",
        commands=(f"heroku buildpacks:add --index {cut + 1} {url} --app {app}",),
        change=BuildpackInsert(state.buildpacks, tuple(target), url),
    )
    check = opts.url_check
    if check is not None and not check.ok:
        return replace(
            step,
            status=BLOCKED,
            why=f"{check.url} doesn't serve the zdd buildpack: {check.reason}; adding it would "
            "fail the app's next build at the buildpack download",
            note="Pass --buildpack URL of a reachable zdd-buildpack.tgz, or host it yourself: "
            "`zdd buildpack --out DIR` writes zdd-buildpack.tgz and its .sha256 to upload.",
        )
    return step


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
        return Step("release_check", Kind.CONFIG, UNCHANGED, what, why, opted_out=opted)
    if "release_check.credentials" in state.opt_outs and opts.release_check is None:
        return _opted_out_step(
            "release_check",
            Kind.CONFIG,
            state,
            "release_check.credentials",
            "no release-check token",
        )
    if state.config_vars is None:
        return Step(
            "release_check",
            Kind.CONFIG,
            BLOCKED,
            f"set {ZDD_TOKEN_VAR} and {ZDD_APP_VAR}",
            "this token can't read config vars (it needs global or read-protected scope)",
            note="Use a full-access token (heroku auth:token), or pass --no-release-check.",
        )
    rotate = opts.rotate_token and ZDD_TOKEN_VAR in state.config_vars
    has_token = ZDD_TOKEN_VAR in state.config_vars and not rotate
    has_app = ZDD_APP_VAR in state.config_vars
    if has_token and has_app:
        return Step(
            "release_check", Kind.CONFIG, UNCHANGED, f"{ZDD_TOKEN_VAR} and {ZDD_APP_VAR} set", why
        )
    names = ([] if has_token else [ZDD_TOKEN_VAR]) + ([] if has_app else [ZDD_APP_VAR])
    what = "set " + " and ".join(names)
    if not has_token:
        what += " (a new read-only OAuth token for this check, valid one year)"
    if rotate:
        what = what.replace("set ZDD_API_TOKEN", "replace ZDD_API_TOKEN", 1)
        what += "; the old token is revoked"
    commands = []
    if not has_token:
        # Imported here: zdd.heroku's package loads the HTTP client, which the pure core never does.
        from zdd.heroku.marks import describe as authorization_description

        # No shell command can do this step safely: `heroku config:set` takes values only as
        # arguments (no stdin), so the token would sit on its command line, visible in `ps`
        # (rule: never put a token on a command line). A token created by hand would also lack
        # the per-run mark (zdd.heroku.marks.describe) undo finds zdd's tokens by. So the
        # printed line is a comment that says so and names the command that does it.
        commands.append(
            f"# {ZDD_TOKEN_VAR}: no shell command sets it without putting the token on a command "
            f"line; `zdd setup --app {app}` creates it (heroku authorizations:create --scope read, "
            f'description "{authorization_description(app, "<run id>")}") '
            "and sets it through the API"
        )
    if not has_app:
        commands.append(f"heroku config:set {ZDD_APP_VAR}={app} --app {app}")
    return Step(
        "release_check",
        Kind.CONFIG,
        PENDING,
        what,
        why,
        restarts=True,
        note="setting config vars makes a new release and restarts every dyno "
        "(with preboot on, new web dynos take traffic before the old ones stop)",
        commands=tuple(commands),
        change=_credentials(app, has_token, has_app, rotate),
    )


def _credentials(app: str, has_token: bool, has_app: bool, rotate: bool) -> Change:
    """The release check's credentials: a new token (with ZDD_APP beside it), or only ZDD_APP."""
    config = ConfigUpdate(set={} if has_app else {ZDD_APP_VAR: app})
    if has_token:
        return config
    return AuthorizationCreate(config, rotate=rotate)


def _with_set(change: Change | None, values: Mapping[str, str]) -> Change:
    """`change` (a config update or token creation) also setting `values`, in the same update."""
    if isinstance(change, AuthorizationCreate):
        return replace(change, config=_with_set(change.config, values))  # type: ignore[arg-type]
    if isinstance(change, ConfigUpdate):
        return replace(change, set={**change.set, **values})
    raise TypeError(f"can't add config vars to {change!r}")


def check_options(opts: PlanOptions) -> None:
    """Reject options no plan can use (callers run this before reading anything). Whether a
    --size fits the app's generation is known only after reading it: `check_generation`."""
    if opts.size and not is_known_size(opts.size):
        raise PlanError(
            f"--size {opts.size} is not a Heroku dyno size; pass one of "
            f"{', '.join(PROFESSIONAL_SIZES)} (Fir apps: {FIR_SIZE_NAMES[0]} ... "
            f"{FIR_SIZE_NAMES[-1]})"
        )
    if opts.size and not is_professional(opts.size) and not is_fir_size(opts.size):
        raise PlanError(
            f"--size {opts.size} can't be chosen with --size: preboot and 2+ web dynos need "
            "Standard-1X, Standard-2X or Performance-* (Private and Shield sizes come from "
            "their space, and Eco/Basic can't run either)"
        )
    if opts.min_web < 1:
        raise PlanError("--min-web must be at least 1")
    if opts.min_web > MAX_DYNOS_PER_APP:
        raise QuantityError(
            f"--min-web {opts.min_web} is more than Heroku runs: at most {MAX_DYNOS_PER_APP} dynos "
            f"per app ({LIMITS_DOC})",
            remedy=f"Pass --min-web {MAX_DYNOS_PER_APP} or less.",
        )
    check_buildpack_ref(opts.buildpack)
    if opts.smoke_path is not None and not SMOKE_PATH.fullmatch(opts.smoke_path):
        raise PlanError(
            f"--smoke-path {opts.smoke_path!r} is not a URL path",
            remedy="Pass a path starting with /, e.g. --smoke-path /health (letters, digits and "
            "-._~/?=&% only).",
        )


#: What the smoke boot may request (buildpack/lib/smoke.sh needs a leading /; no spaces or quotes).
SMOKE_PATH = re.compile(r"/[A-Za-z0-9\-._~/?=&%]*")


def _record_smoke_path(
    state: AppState, opts: PlanOptions, config: Step, opt_out: Step | None
) -> tuple[Step, Step | None, Step | None]:
    """`--smoke-path P`: ZDD_SMOKE_PATH=P rides in the pending config update (one release), or
    gets a `smoke_path` step of its own; nothing when the app already has it."""
    path = opts.smoke_path
    if not path or state.smoke_path == path:
        return config, opt_out, None
    app, var = state.app, ZDD_SMOKE_PATH_VAR
    for step in (config, opt_out):
        if step is not None and step.status == PENDING and step.change is not None:
            commands = list(step.commands)
            commands[-1] = commands[-1].replace(
                "heroku config:set ", f"heroku config:set {var}={path} ", 1
            )
            folded = replace(
                step,
                what=f"{step.what}; set {var}={path}",
                commands=tuple(commands),
                change=_with_set(step.change, {var: path}),
            )
            return (folded, opt_out, None) if step is config else (config, folded, None)
    set_cmd = f"heroku config:set {var}={path} --app {app}"
    if state.on_fir:
        return config, opt_out, Step(
            "smoke_path", Kind.CONFIG, UNCHANGED, f"not setting {var}",
            "Fir apps run no classic buildpack, so no release-phase smoke boot",
        )  # fmt: skip
    if state.config_vars is None:
        return config, opt_out, Step(
            "smoke_path", Kind.CONFIG, UNCHANGED, f"can't set {var}={path}",
            "this token can't read config vars (it needs global or read-protected scope)",
            note=f"to set it: {set_cmd}",
        )  # fmt: skip
    return (
        config,
        opt_out,
        Step(
            "smoke_path",
            Kind.CONFIG,
            PENDING,
            f"set {var}={path} (the release phase's smoke boot)",
            "the release phase boots the new slug's web command and requests the path before "
            "Heroku starts the release (ZDD_SMOKE=strict makes a failure stop the release)",
            restarts=True,
            note="setting a config var makes a new release and restarts every dyno",
            commands=(set_cmd,),
            change=ConfigUpdate(set={var: path}),
        ),
    )


def check_generation(state: AppState, opts: PlanOptions) -> None:
    """Refuse a --size the app's generation can't run, before any write: Fir sizes only on Fir
    apps and Cedar sizes only on Cedar apps (the API refuses the others)."""
    app = state.app
    if opts.size and state.on_fir and not is_fir_size(opts.size):
        raise PlanError(
            f"--size {canonical_size(opts.size)} is a Cedar size and {app} is a Fir-generation "
            "app, which runs Fir sizes only",
            remedy=f"Pass a Fir size ({', '.join(FIR_SIZE_NAMES[:3])}, ...), or leave --size out: "
            "setup keeps the app's size.",
        )
    if opts.size and not state.on_fir and is_fir_size(opts.size):
        raise PlanError(
            f"--size {canonical_size(opts.size)} is a Fir size and {app} is a Cedar-generation "
            "app, which runs Cedar sizes only",
            remedy=f"Pass one of {', '.join(PROFESSIONAL_SIZES)}.",
        )


def check_buildpack_ref(ref: str) -> None:
    """A companion must be a buildpack URL (https, or http to a loopback address) or a Buildpack
    Registry name `owner/name`; anything else would be sent to the API and break the next build."""
    value = ref.strip()
    if REGISTRY_NAME.match(value):
        return
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:
        parts, host = None, None
    ok = (
        parts is not None
        and value == ref
        and not any(c.isspace() for c in value)
        and host is not None
        and not parts.username
        and not parts.password
        and (parts.scheme == "https" or (parts.scheme == "http" and is_loopback(host)))
    )
    if not ok:
        raise PlanError(
            f"--buildpack {ref!r} is not a buildpack URL or a registry name",
            remedy="Pass an https:// URL of a buildpack tarball (http only to localhost), or a "
            "Buildpack Registry name such as owner/name.",
        )


def requested_opt_outs(state: AppState, opts: PlanOptions) -> frozenset[str]:
    """Check ids the user's --no-* flags opt out of, recorded in ZDD_OPT_OUT so `zdd check` and
    the buildpack's checks report them as skipped instead of failing on every release."""
    ids = set()
    if not opts.affinity:
        ids.add("affinity.enabled")
    if state.is_jvm and opts.java is False:
        ids |= {"buildpack.companion", "release_check.credentials"}
    if state.is_jvm and opts.release_check is False:
        ids.add("release_check.credentials")
    return frozenset(ids)


def _record_opt_outs(state: AppState, opts: PlanOptions, config: Step) -> tuple[Step, Step | None]:
    """Fold the new opt-outs into the pending config step (one config update, one release), or
    make an `opt_out` step of its own when no other config var changes."""
    new = requested_opt_outs(state, opts) - state.opt_outs
    if not new:
        return config, None
    value = format_opt_outs(state.opt_outs | new)
    app = state.app
    set_cmd = f"heroku config:set {ZDD_OPT_OUT_VAR}={value} --app {app}"
    why = f"{', '.join(sorted(new))}: zdd check and the buildpack's checks report opted out"
    if config.status == PENDING:
        commands = list(config.commands)
        commands[-1] = commands[-1].replace(
            "heroku config:set ", f"heroku config:set {ZDD_OPT_OUT_VAR}={value} ", 1
        )
        return (
            replace(
                config,
                what=f"{config.what}; record {ZDD_OPT_OUT_VAR}={value}",
                commands=tuple(commands),
                change=_with_set(config.change, {ZDD_OPT_OUT_VAR: value}),
            ),
            None,
        )
    if state.config_vars is None:
        return config, Step(
            "opt_out",
            Kind.CONFIG,
            UNCHANGED,
            f"can't record {ZDD_OPT_OUT_VAR}={value}",
            "this token can't read config vars (it needs global or read-protected scope)",
            note=f"zdd check will report them as failed; to record them: {set_cmd}",
        )
    return config, Step(
        "opt_out",
        Kind.CONFIG,
        PENDING,
        f"record {ZDD_OPT_OUT_VAR}={value} (your --no-* choices)",
        why,
        restarts=True,
        note="setting a config var makes a new release and restarts every dyno",
        commands=(set_cmd,),
        change=ConfigUpdate(set={ZDD_OPT_OUT_VAR: value}),
    )


#: Why session affinity, precisely (https://devcenter.heroku.com/articles/session-affinity): it
#: doesn't stop requests from failing; it keeps a client on one dyno, so while preboot runs the old
#: and the new release side by side, one client's requests don't alternate between them. On by
#: default because apps that keep sessions in a dyno lose them otherwise; its cost is stated.
AFFINITY_WHY = (
    "the router keeps each client on one dyno, so while old and new releases run side by side in "
    "a deploy, a client's requests don't alternate between them; trade-off: it pins clients to "
    "dynos and can skew load (--no-affinity for apps that keep no state in a dyno)"
)
PREBOOT_WHY = (
    "on deploys and config changes, new web dynos start and take traffic before the old ones "
    "stop; it doesn't cover a crash, the daily restart of each dyno, or errors in the new release"
)


def _worker_only(state: AppState) -> tuple[Step, ...]:
    """No web process type: nothing zdd sets up protects a request (the router never sends one)."""
    return tuple(
        Step(id_, kind, UNCHANGED, f"{subject}: nothing to do", NO_WEB)
        for id_, kind, subject in (
            ("affinity", Kind.FEATURE, "session affinity"),
            ("formation", Kind.FORMATION, "web dynos"),
            ("preboot", Kind.FEATURE, "preboot"),
            ("buildpack", Kind.BUILDPACKS, "zdd buildpack"),
            ("release_check", Kind.CONFIG, "release-check credentials"),
        )
    )


def _fir_plan(state: AppState, opts: PlanOptions) -> Plan:
    """A Fir app's plan: rolling-deploy readiness. Web scales to --min-web on its own Fir size;
    preboot, session affinity and the companion buildpack (with its release-check credentials)
    don't exist on Fir, so those steps say why and never write."""
    formation = formation_step(state, opts)
    steps = (
        Step("affinity", Kind.FEATURE, UNCHANGED, "session affinity: not on Fir", FIR_NO_AFFINITY),
        formation,
        Step("preboot", Kind.FEATURE, UNCHANGED, "preboot: not on Fir", FIR_NO_PREBOOT),
        Step("buildpack", Kind.BUILDPACKS, UNCHANGED, "no zdd buildpack on Fir", FIR_NO_CLASSIC),
        Step(
            "release_check",
            Kind.CONFIG,
            UNCHANGED,
            "no release-check credentials on Fir",
            FIR_NO_CLASSIC,
        ),
    )
    notes = [
        "Fir-generation app: deploys are rolling restarts, so zdd sets up 2+ web dynos and "
        "nothing else (https://devcenter.heroku.com/articles/generations)"
    ]
    if opts.min_web < 2:
        notes.append(
            f"--min-web {opts.min_web}: while the only web dyno restarts (a rolling deploy, a "
            "crash), nothing serves requests"
        )
    if opts.size:
        notes.append(
            f"--size {canonical_size(opts.size)} not used: zdd changes dyno sizes only to move "
            "off Eco/Basic, and no Fir size is Eco/Basic"
        )
    # Flags for the classic companion: said aloud, since Fir can't use them (not an error, so one
    # command line can set up Cedar and Fir apps alike).
    used = [
        f
        for f, on in (
            ("--java", opts.java),
            ("--buildpack", opts.buildpack != COMPANION_BUILDPACK_URL),
        )
        if on
    ]
    if used:
        notes.append(f"{' and '.join(used)} not used: {FIR_NO_CLASSIC}")
    draft = Plan(state.app, steps, tuple(notes))
    return replace(draft, cost_after=formation_cost(simulate(state, draft).formation))


def plan(state: AppState, options: PlanOptions | None = None) -> Plan:
    """The setup plan for one app. Raises PlanError for options that can't work (a --size that
    isn't professional or doesn't fit the app's generation, a formation beyond the platform's
    dyno limits)."""
    opts = options or PlanOptions()
    check_options(opts)
    check_generation(state, opts)
    if state.on_fir and not state.worker_only:
        return _fir_plan(state, opts)
    if state.worker_only:
        note = f"{NO_WEB}, so nothing zdd sets up would protect a request"
        return Plan(state.app, _worker_only(state), (note,), "", formation_cost(state.formation))
    java = state.is_jvm if opts.java is None else opts.java
    formation = formation_step(state, opts)
    affinity = _feature_step(
        "affinity", state, AFFINITY, opts.affinity, AFFINITY_WHY, "affinity.enabled"
    )
    preboot = _feature_step("preboot", state, PREBOOT, True, PREBOOT_WHY, "preboot.enabled")
    if state.on_private:
        sizes = sorted({canonical_size(p.size) for p in state.formation if is_private(p.size)})
        for name, step in ((AFFINITY, affinity), (PREBOOT, preboot)):
            if step.status == PENDING:
                left = Step(
                    step.id,
                    Kind.FEATURE,
                    UNCHANGED,
                    f"leave {name} off on {', '.join(sizes)}",
                    private_reason(name, sizes),
                    opted_out=True,
                )
                affinity, preboot = (left, preboot) if name == AFFINITY else (affinity, left)
    if preboot.status == PENDING and formation.status == BLOCKED:
        preboot = Step(
            "preboot",
            Kind.FEATURE,
            BLOCKED,
            "enable preboot",
            preboot.why,
            note="preboot needs Standard or Performance dynos: blocked by the formation step",
            commands=preboot.commands,
            change=preboot.change,
        )
    release_check, opt_out = _record_opt_outs(state, opts, _release_check_step(state, opts, java))
    release_check, opt_out, smoke = _record_smoke_path(state, opts, release_check, opt_out)
    steps = (
        affinity,
        formation,
        preboot,
        _buildpack_step(state, opts, java),
        release_check,
        *([opt_out] if opt_out else []),
        *([smoke] if smoke else []),
    )
    notes = []
    if opts.min_web < 2:
        notes.append(
            f"--min-web {opts.min_web}: while the only web dyno restarts (a crash, its daily "
            "cycling), nothing serves requests"
        )
    if opts.size and state.formation and not any(is_hobby(p.size) for p in state.formation):
        notes.append(f"--size {opts.size} not used: no process type is on Eco/Basic")
    next_command = ""
    if formation.status == BLOCKED:
        next_command = setup_command(state.app, opts, DEFAULT_SIZE)
    draft = Plan(state.app, steps, tuple(notes), next_command)
    return replace(draft, cost_after=formation_cost(simulate(state, draft).formation))


def simulate(state: AppState, p: Plan) -> AppState:
    """The state after applying every pending step: what apply.py should reach (for tests)."""
    for step in p.pending:
        assert step.change is not None  # a pending step always has one (Step.__post_init__)
        state = changes.simulate(step.change, state)
    return state
