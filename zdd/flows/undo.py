"""`zdd undo` as a flow: find the snapshot chain, read the app, plan the way back, confirm,
apply, verify, and mark the chain undone when everything is back.

`run_undo(request, deps)` returns an UndoReport (the one source of --json, message, exit code).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from zdd.cost import usd
from zdd.errors import UsageError, ZddError
from zdd.flows.codes import JSON_VERSION, ExitCode, deadline_for
from zdd.flows.common import Applied, Deps, NeedsConfirmation, apply_and_verify, ask, outcome_json
from zdd.heroku.marks import orphans
from zdd.plan import Plan
from zdd.reader import read_state
from zdd.restore import token_cleanup_plan, undo_plan
from zdd.snapshot import NoSnapshot, Snapshot, now_stamp
from zdd.state import ZDD_TOKEN_VAR, AppState


@dataclass(frozen=True)
class UndoRequest:
    app: str
    #: --snapshot FILE, loaded by the caller (None: the app's chain not yet undone).
    snapshot: Snapshot | None = None
    restore_sizes: bool = False
    yes: bool = False
    dry_run: bool = False
    wait: float = 600.0
    as_json: bool = False


@dataclass(frozen=True)
class UndoReport:
    request: UndoRequest
    chain: tuple[Snapshot, ...]
    state: AppState
    plan: Plan
    exit_code: ExitCode
    message: str = ""
    applied: Applied | None = None
    error: ZddError | None = None
    requests: dict[str, int] | None = None

    @property
    def snapshot(self) -> Snapshot | None:
        return self.chain[0] if self.chain else None

    def to_json(self) -> dict[str, Any]:
        snap = self.snapshot
        doc: dict[str, Any] = {
            "version": JSON_VERSION,
            "command": "undo",
            "app": self.request.app,
            "snapshot": str(snap.path) if snap else None,
            "snapshots": [str(s.path) for s in self.chain],
            "dry_run": self.request.dry_run,
            "state": self.state.to_dict(),
            "plan": self.plan.to_dict(),
            "results": None,
        }
        doc.update(outcome_json(self.applied, self.error, self.requests, self.exit_code))
        return doc


def find_chain(request: UndoRequest, deps: Deps) -> tuple[list[Snapshot], NoSnapshot | None]:
    """The snapshots to restore (oldest first), or none and why (undo can still revoke zdd's
    tokens nobody holds)."""
    if request.snapshot is not None:
        chain = [request.snapshot]
    else:
        try:
            chain = deps.snapshots.to_undo(request.app)
        except NoSnapshot as exc:
            return [], exc
    if chain[0].app != request.app:
        snap = chain[0]
        raise UsageError(
            f"the snapshot {snap.path} is for {snap.app}, not {request.app}",
            remedy=f"Pass --app {snap.app}, or a snapshot of {request.app}.",
        )
    return chain, None


def unheld_tokens(deps: Deps, state: AppState, snap: Snapshot | None) -> tuple[set[str], list[str]]:
    """(ids of every live authorization, ids of zdd's tokens for the app that nobody holds)."""
    client, name = deps.client, state.app
    auths = client.oauth_authorization_list()
    live = {a.id for a in auths}
    if state.config_vars is None:  # ZDD_API_TOKEN's holder can't be known
        return live, []
    keeps = ZDD_TOKEN_VAR in state.config_vars and (
        snap is None or ZDD_TOKEN_VAR in (snap.config_vars_present or ())
    )
    held = client.config_vars(name).get(ZDD_TOKEN_VAR) if keeps else None
    return live, [a.id for a in orphans(auths, name, held)[0]]


def plan_back(
    state: AppState,
    chain: Sequence[Snapshot],
    live: set[str],
    unheld: list[str],
    *,
    restore_sizes: bool,
) -> Plan:
    if not chain:
        return token_cleanup_plan(state.app, unheld)
    snap = chain[0]
    return undo_plan(
        state,
        snap,
        restore_sizes=restore_sizes,
        authorization_exists=snap.authorization_id in live,
        later=list(chain[1:]),
        live_authorizations=live,
        unheld_authorizations=unheld,
    )


def run_undo(request: UndoRequest, deps: Deps) -> UndoReport:
    """Undo for one app, from finding its snapshots to the verified result."""
    chain, no_snapshot = find_chain(request, deps)
    with deps.output.running(f"reading {request.app}"):
        state = read_state(deps.client, request.app)
        live, unheld = unheld_tokens(deps, state, chain[0] if chain else None)
    the_plan = plan_back(state, chain, live, unheld, restore_sizes=request.restore_sizes)
    if not chain and not the_plan.pending and no_snapshot is not None:
        raise no_snapshot
    run = _Run(request, deps, tuple(chain), state)
    run.show(the_plan)
    if run.sizes_offered(the_plan):
        the_plan = plan_back(state, chain, live, unheld, restore_sizes=True)
        deps.output.plan(the_plan, state, "Undo plan, sizes included")
    early = run.stop_before_apply(the_plan)
    if early is not None:
        return early
    applied = apply_and_verify(
        deps,
        request.app,
        the_plan,
        running=f"restoring {request.app}",
        wait=request.wait,
        never_lower=False,
    )
    return run.finished(the_plan, applied)


@dataclass(frozen=True)
class _Run:
    """One undo run's fixed parts, and the steps between its plan and its report."""

    request: UndoRequest
    deps: Deps
    chain: tuple[Snapshot, ...]
    state: AppState

    def report(self, the_plan: Plan, code: ExitCode, message: str, **more: Any) -> UndoReport:
        stats = self.deps.client.stats.to_dict()
        return UndoReport(
            self.request, self.chain, self.state, the_plan, code, message, requests=stats, **more
        )

    def done(self, the_plan: Plan, message: str, **more: Any) -> UndoReport:
        """A complete undo marks the chain undone (the next setup starts a new one)."""
        when = now_stamp()
        for s in self.chain:
            if s.undone_at is None:
                s.mark_undone(when)
        return self.report(the_plan, ExitCode.OK, message, **more)

    def show(self, the_plan: Plan) -> None:
        out, name = self.deps.output, self.request.app
        if not self.chain:
            out.note(
                f"No snapshot for {name}: only zdd's OAuth tokens for it that nobody holds "
                "can be revoked."
            )
            return
        snap = self.chain[0]
        out.note(f"Snapshot {snap.path} (taken {snap.taken_at})")
        if len(self.chain) > 1:
            out.note(
                f"  (and {len(self.chain) - 1} later run(s) not yet undone: what they added "
                "goes too)"
            )
        out.plan(the_plan, self.state, "Undo plan")

    def sizes_offered(self, the_plan: Plan) -> bool:
        """On a terminal without --yes, a size restore that needs consent is offered."""
        request, deps = self.request, self.deps
        sizes = the_plan.step("formation_sizes")
        if request.yes or request.dry_run or deps.prompt is None:
            return False
        if sizes is None or sizes not in the_plan.blocked:
            return False
        cost = f", {usd(sizes.cost_change, signed=True)}" if sizes.cost_change else ""
        return ask(
            deps, f"Also restore dyno sizes ({sizes.what}{cost})?", app=request.app, as_json=False
        )

    def stop_before_apply(self, the_plan: Plan) -> UndoReport | None:
        """The report of a run that ends before any write (None: apply)."""
        request, name = self.request, self.request.app
        pending = the_plan.pending
        if not pending and the_plan.blocked:
            return self.report(
                the_plan,
                ExitCode.NOT_DONE,
                f"Nothing to do without consent; run: {the_plan.next_command}",
            )
        if not pending:
            return self.done(the_plan, f"{name} already matches the snapshot: nothing to change.")
        if request.dry_run:
            return self.report(
                the_plan,
                ExitCode.CHANGES_PENDING,
                f"Dry run: {len(pending)} change(s) pending, nothing changed.",
            )
        if request.yes:
            return None
        n = len(pending)
        try:
            agreed = ask(
                self.deps,
                f"Apply {n} change{'s' if n != 1 else ''} to {name}?",
                app=name,
                as_json=request.as_json,
            )
        except NeedsConfirmation as exc:
            return self.report(the_plan, ExitCode.ERROR, f"zdd undo: {exc}", error=exc)
        if not agreed:
            return self.report(the_plan, ExitCode.NOT_DONE, "Nothing was changed.")
        self.deps.client.restart_deadline(deadline_for(request.wait))  # not the API's time
        return None

    def finished(self, the_plan: Plan, applied: Applied) -> UndoReport:
        name = self.request.app
        if applied.not_done:
            message = "Undo stopped part-way (see above); fix the cause and run it again."
        elif applied.verify_error is not None:
            message = (
                f"Restored, but re-reading {name} to verify it failed: "
                f"{applied.verify_error.message}\n"
                f"Next: run `zdd undo --app {name} --dry-run` to see what is left."
            )
        elif the_plan.blocked:
            message = f"Restored all but dyno sizes; to restore them: {the_plan.next_command}"
        else:
            return self.done(
                the_plan, f"Done: {name} is back as the snapshot saw it.", applied=applied
            )
        return self.report(the_plan, ExitCode.NOT_DONE, message, applied=applied)
