"""undo_plan(state, snapshot) -> Plan: the steps that put an app back as a snapshot saw it. Pure.

Order: buildpacks, config vars, formation, the OAuth authorization (after the config var that held
its token is gone), then the features, preboot off last. Removing a config var makes a release that
restarts every dyno: with preboot still on, the new web dynos take traffic before the old ones stop
(https://devcenter.heroku.com/articles/preboot); with preboot already off the router has no web
dyno for a moment (measured on the sandbox: 5 of 133 requests failed). The formation change waits
out the preboot window that release opens (zdd.apply retries it). Only when the formation goes back
onto Eco/Basic, which can't run preboot, does preboot go off before that formation change (still
after the config vars): the resize restarts those dynos without preboot anyway.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import replace

from zdd.changes import (
    AuthorizationRevoke,
    BuildpackRemove,
    ConfigUpdate,
    FeatureToggle,
    FormationUpdate,
    Kind,
    ProcessUpdate,
)
from zdd.cost import canonical_size, formation_cost, monthly_price
from zdd.plan import BLOCKED, PENDING, UNCHANGED, Plan, Step, StepStatus, simulate
from zdd.snapshot_record import SnapshotRecord
from zdd.state import (
    AFFINITY,
    OWNED_CONFIG_VARS,
    PREBOOT,
    ZDD_OPT_OUT_VAR,
    AppState,
    is_companion,
    is_hobby,
    parse_opt_outs,
)


def _formation_steps(state: AppState, snap: SnapshotRecord, restore_sizes: bool) -> list[Step]:
    app = state.app
    now = {p.type: p for p in state.formation}
    quantity, size = {}, {}
    for old in snap.processes:
        cur = now.get(old.type)
        if cur is None:
            continue  # the process type is gone from the Procfile: nothing to restore
        if cur.quantity != old.quantity:
            quantity[old.type] = old.quantity
        if cur.size.lower() != old.size.lower():
            size[old.type] = canonical_size(old.size)
    if not quantity and not size:
        return [Step("formation", Kind.FORMATION, UNCHANGED, "formation as in the snapshot", "")]
    lowered = [t for t, q in quantity.items() if q < now[t].quantity]
    note = (
        f"lowers {', '.join(f'{t} to {quantity[t]}' for t in lowered)} dyno(s): restoring the "
        "snapshot is your explicit request here (setup itself never scales down)"
        if lowered
        else ""
    )

    def step(
        id_: str,
        types: list[str],
        with_size: bool,
        status: StepStatus,
        extra_note: str | None = None,
    ) -> Step:
        updates: list[ProcessUpdate] = []
        parts: list[str] = []
        cost: int | None = 0
        for t in types:
            u = ProcessUpdate(
                now[t],
                quantity=quantity.get(t),
                size=size.get(t) if with_size else None,
            )
            if u.quantity is None and u.size is None:
                continue
            updates.append(u)
            q0, q, s = now[t].quantity, u.after.quantity, u.after.size
            parts.append(f"{t}: {q0} x {canonical_size(now[t].size)} -> {q} x {s}")
            new, old = monthly_price(s), monthly_price(now[t].size)
            cost = None if cost is None or new is None or old is None else cost + new * q - old * q0
        pairs = " ".join(
            f"{u.type}={u.after.quantity}{':' + u.size if u.size is not None else ''}"
            for u in updates
        )
        return Step(
            id_,
            Kind.FORMATION,
            status,
            "restore " + "; ".join(parts),
            "back to the formation before zdd setup",
            cost_change=cost,
            note=note if extra_note is None else extra_note,
            commands=(f"heroku ps:scale {pairs} --app {app}",),
            change=FormationUpdate(tuple(updates)),
        )

    types = list(dict.fromkeys([*quantity, *size]))
    if not size or restore_sizes:
        return [step("formation", types, True, PENDING)]
    # Without consent to change sizes, a type setup moved off Eco/Basic keeps its quantity too:
    # 1 x Standard-1X would cost more than before setup and still have no redundancy. Its
    # quantity and size go back together, in the step that needs consent.
    steps = []
    plain = [t for t in quantity if t not in size]
    if plain:
        steps.append(step("formation", plain, False, PENDING))
    kept = ", ".join(f"{t} at {now[t].quantity} x {canonical_size(now[t].size)}" for t in size)
    steps.append(
        step(
            "formation_sizes",
            list(size),
            True,
            BLOCKED,
            f"Changing dyno sizes needs your consent: zdd undo --app {app} --restore-sizes. "
            f"Until then {kept} stay as they are: undo lowers a quantity only together with "
            "its size, so the app isn't left on fewer professional dynos at a professional price.",
        )
    )
    return steps


def undo_plan(
    state: AppState,
    snap: SnapshotRecord,
    *,
    restore_sizes: bool = False,
    authorization_exists: bool = False,
    later: Sequence[SnapshotRecord] = (),
    live_authorizations: Collection[str] = (),
    unheld_authorizations: Sequence[str] = (),
) -> Plan:
    """Steps back to `snap`. Only zdd's own buildpack and config vars are removed, nothing else.

    `later`: the later snapshots of the same chain (runs after `snap` not yet undone): the
    companion URLs and OAuth authorizations they recorded are removed too. An authorization is
    revoked when it still exists: `authorization_exists` (snap's) or its id in
    `live_authorizations`. `unheld_authorizations`: zdd's marked tokens for the app that nobody
    holds after this undo (zdd.authorize.revocable), revoked too, recorded in a snapshot or not.
    """
    app = state.app
    chain = (snap, *later)
    features: list[Step] = []
    for id_, name in (("affinity", AFFINITY), ("preboot", PREBOOT)):
        want = bool(snap.features.get(name, False))
        if state.feature(name) == want:
            features.append(Step(id_, Kind.FEATURE, UNCHANGED, f"{name} as in the snapshot", ""))
        else:
            verb = "enable" if want else "disable"
            features.append(
                Step(
                    id_,
                    Kind.FEATURE,
                    PENDING,
                    f"{verb} {name}",
                    f"it was {'on' if want else 'off'} before zdd setup",
                    commands=(f"heroku features:{verb} {name} --app {app}",),
                    change=FeatureToggle(name, state.feature(name), want),
                )
            )
    formation = _formation_steps(state, snap, restore_sizes)
    steps: list[Step] = []

    urls = [s.companion_url for s in chain]
    target = [
        b for b in state.buildpacks if not (is_companion(b, *urls) and b not in snap.buildpacks)
    ]
    if target == list(state.buildpacks):
        steps.append(
            Step("buildpack", Kind.BUILDPACKS, UNCHANGED, "no zdd buildpack to remove", "")
        )
    else:
        removed = [b for b in state.buildpacks if b not in target]
        steps.append(
            Step(
                "buildpack",
                Kind.BUILDPACKS,
                PENDING,
                f"remove {', '.join(removed)} (other buildpacks stay, in order)",
                "zdd setup added it",
                commands=tuple(f"heroku buildpacks:remove {b} --app {app}" for b in removed),
                change=BuildpackRemove(state.buildpacks, tuple(target), removed[0]),
            )
        )

    if state.config_vars is None:
        steps.append(
            Step(
                "release_check",
                Kind.CONFIG,
                BLOCKED,
                "remove zdd's config vars",
                "this token can't read config vars",
                note="Use a full-access token (heroku auth:token).",
            )
        )
    else:
        before = set(snap.config_vars_present or ())
        unset = [v for v in OWNED_CONFIG_VARS if v in state.config_vars and v not in before]
        reset = {}
        if snap.opt_out is not None and state.opt_outs != parse_opt_outs(snap.opt_out):
            reset[ZDD_OPT_OUT_VAR] = snap.opt_out  # it existed before setup: its old value back
        if unset or reset:
            parts = [f"remove {' and '.join(unset)}"] if unset else []
            parts += [f"set {k} back to {v}" for k, v in reset.items()]
            commands = [f"heroku config:unset {' '.join(unset)} --app {app}"] if unset else []
            commands += [f"heroku config:set {k}={v} --app {app}" for k, v in reset.items()]
            steps.append(
                Step(
                    "release_check",
                    Kind.CONFIG,
                    PENDING,
                    "; ".join(parts),
                    "zdd setup set them",
                    restarts=True,
                    note="changing config vars makes a new release and restarts every dyno",
                    commands=tuple(commands),
                    change=ConfigUpdate(set=reset, unset=tuple(unset)),
                )
            )
        else:
            steps.append(
                Step("release_check", Kind.CONFIG, UNCHANGED, "no zdd config vars to remove", "")
            )

    # Config vars (a release) while preboot is still on; preboot off last (see the module doc).
    onto_hobby = any(
        is_hobby(u.size)
        for s in formation
        if s.status == PENDING and isinstance(s.change, FormationUpdate)
        for u in s.change.updates
        if u.size is not None
    )
    steps += [*features, *formation] if onto_hobby else formation
    ids = list(dict.fromkeys(s.authorization_id for s in chain if s.authorization_id))
    ids += [a for a in unheld_authorizations if a not in ids]
    steps += authorization_steps(
        ids,
        lambda auth: (
            auth in live_authorizations
            or auth in unheld_authorizations
            or (auth == snap.authorization_id and authorization_exists)
        ),
    )
    if not onto_hobby:
        steps += features
    next_command = ""
    if any(s.status == BLOCKED and s.id == "formation_sizes" for s in steps):
        next_command = f"zdd undo --app {app} --restore-sizes"
    draft = Plan(app, tuple(steps), (), next_command)
    return replace(draft, cost_after=formation_cost(simulate(state, draft).formation))


def token_cleanup_plan(app: str, unheld_authorizations: Sequence[str]) -> Plan:
    """Undo without a snapshot: revoke zdd's tokens for `app` that nobody holds (found by their
    marked description), and nothing else (without a snapshot nothing else is known)."""
    ids = list(dict.fromkeys(unheld_authorizations))
    return Plan(app, tuple(authorization_steps(ids, lambda _: True)), (), "")


def authorization_steps(ids: Sequence[str], live: Callable[[str], bool]) -> list[Step]:
    """One revoke step per authorization id (`live(id)`: it still exists), in order."""
    steps: list[Step] = []
    for n, auth in enumerate(ids, 1):
        id_ = "authorization" if n == 1 else f"authorization_{n}"
        if live(auth):
            steps.append(
                Step(
                    id_,
                    Kind.AUTHORIZATION,
                    PENDING,
                    f"revoke the OAuth authorization zdd created ({auth})",
                    "its token was only for the release check",
                    commands=(f"heroku authorizations:revoke {auth}",),
                    change=AuthorizationRevoke(auth),
                )
            )
        else:
            steps.append(
                Step(id_, Kind.AUTHORIZATION, UNCHANGED, "authorization already revoked", "")
            )
    return steps
