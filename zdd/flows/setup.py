"""`zdd setup` as a flow: read the app, plan, confirm, re-read, snapshot, apply, verify.

`run_setup(request, deps)` returns a SetupReport; the report alone decides the --json document,
the closing message and the exit code.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from zdd.checks import Finding, check
from zdd.companion import would_fetch
from zdd.cost import usd
from zdd.errors import ZddError
from zdd.flows.codes import JSON_VERSION, ExitCode, deadline_for
from zdd.flows.common import Applied, Deps, NeedsConfirmation, apply_and_verify, ask, outcome_json
from zdd.plan import Plan, PlanOptions, plan
from zdd.reader import read_state
from zdd.state import AppState


@dataclass(frozen=True)
class SetupRequest:
    """What the user asked setup for (flags already parsed and checked)."""

    app: str
    options: PlanOptions
    yes: bool = False
    dry_run: bool = False
    print_commands: bool = False
    wait: float = 600.0
    #: --confirm-cost: with --yes, apply a plan that adds a large monthly cost.
    confirm_cost: bool = False
    as_json: bool = False


@dataclass(frozen=True)
class SetupReport:
    request: SetupRequest
    state: AppState
    plan: Plan
    exit_code: ExitCode
    message: str = ""
    snapshot: str | None = None
    applied: Applied | None = None
    findings: tuple[Finding, ...] | None = None
    error: ZddError | None = None
    requests: dict[str, int] | None = None

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "version": JSON_VERSION,
            "command": "setup",
            "app": self.request.app,
            "dry_run": self.request.dry_run or self.request.print_commands,
            "state": self.state.to_dict(),
            "plan": self.plan.to_dict(),
            "snapshot": self.snapshot,
            "results": None,
            "findings": None,
        }
        if self.applied is not None and self.findings is not None:
            doc["findings"] = [f.to_dict() for f in self.findings]
        doc.update(outcome_json(self.applied, self.error, self.requests, self.exit_code))
        return doc


def plan_changes(old: Plan, new: Plan) -> list[str]:
    """How two plans of the same app differ, one line per step (empty: the same plan)."""
    lines = []
    for a, b in zip(old.steps, new.steps, strict=False):
        if (a.id, a.status, dict(a.payload)) != (b.id, b.status, dict(b.payload)):
            lines.append(f"{b.id}: planned '{a.what}' ({a.status}), now '{b.what}' ({b.status})")
    if len(old.steps) != len(new.steps):
        lines.append("the steps themselves changed")
    return lines


def blocked_message(the_plan: Plan) -> str:
    lines = ["Nothing was changed: a step above is blocked."]
    if the_plan.next_command:
        lines.append(f"To apply with your consent, run: {the_plan.next_command}")
    lines += [
        f"- {s.id}: {s.note}"
        for s in the_plan.blocked
        if s.note and s.id not in ("formation", "preboot")
    ]
    return "\n".join(lines)


def question(app: str, the_plan: Plan) -> str:
    n = len(the_plan.pending)
    ask_for = f"Apply {n} change{'s' if n != 1 else ''} to {app}"
    if the_plan.confirm_cost:
        ask_for += f", adding {usd(the_plan.cost_change, signed=True)} to the monthly bill"
    return ask_for + "?"


def run_setup(request: SetupRequest, deps: Deps) -> SetupReport:
    """Setup for one app, from the first read to the verified result."""
    opts, state, the_plan = _planned(request, deps, request.options)
    if not request.print_commands:
        deps.output.plan(the_plan, state, "Plan")
    early = _stop_before_asking(request, the_plan)
    if early is not None:
        return _report(request, deps, state, the_plan, *early)
    if not request.yes:
        confirmed = _confirm(request, deps, opts, state, the_plan)
        if isinstance(confirmed, SetupReport):
            return confirmed
        state, the_plan = confirmed
    return _apply(request, deps, opts, state, the_plan)


def _report(
    request: SetupRequest,
    deps: Deps,
    state: AppState,
    the_plan: Plan,
    code: ExitCode,
    message: str = "",
    **more: Any,
) -> SetupReport:
    return SetupReport(
        request,
        state,
        the_plan,
        code,
        message,
        requests=deps.client.stats.to_dict(),
        **more,
    )


def _planned(
    request: SetupRequest, deps: Deps, options: PlanOptions
) -> tuple[PlanOptions, AppState, Plan]:
    """Read the app and plan; a companion URL setup would add is checked to serve a buildpack."""
    name, out = request.app, deps.output
    opts = replace(options, known_companions=deps.snapshots.companion_urls(name))
    with out.running(f"reading {name}"):
        state = read_state(deps.client, name)
    the_plan = plan(state, opts)
    step = the_plan.step("buildpack")  # a URL setup would add must serve a buildpack
    if step is not None and would_fetch(step.status, state.buildpacks, opts.buildpack):
        with out.running(f"checking {opts.buildpack}"):
            opts = replace(opts, url_check=deps.check_url(opts.buildpack))
        the_plan = plan(state, opts)
    return opts, state, the_plan


def _stop_before_asking(request: SetupRequest, the_plan: Plan) -> tuple[ExitCode, str] | None:
    """The end of a run that changes nothing before anyone is asked (None: go on)."""
    pending, blocked = the_plan.pending, the_plan.blocked
    if request.print_commands:
        code = ExitCode.NOT_DONE if blocked else ExitCode.CHANGES_PENDING
        return (code if blocked or pending else ExitCode.OK), ""
    if blocked:
        return ExitCode.NOT_DONE, blocked_message(the_plan)
    if not pending:
        return ExitCode.OK, f"Everything is in place on {request.app}: nothing to change."
    if request.dry_run:
        return (
            ExitCode.CHANGES_PENDING,
            f"Dry run: {len(pending)} change(s) pending, nothing changed.",
        )
    if request.yes and the_plan.confirm_cost and not request.confirm_cost:
        return ExitCode.NOT_DONE, (
            f"Nothing was changed: this plan adds {usd(the_plan.cost_change, signed=True)} to "
            "the monthly bill, which --yes alone does not accept.\nTo apply it, add "
            "--confirm-cost, or run without --yes and answer the prompt."
        )
    return None


def _confirm(
    request: SetupRequest, deps: Deps, opts: PlanOptions, state: AppState, the_plan: Plan
) -> SetupReport | tuple[AppState, Plan]:
    """Ask; then re-read, since the app may have changed while the prompt waited: only the plan
    confirmed is applied. Returns the fresh (state, plan), or the report of a run that stops."""
    name, client = request.app, deps.client
    try:
        agreed = ask(deps, question(name, the_plan), app=name, as_json=request.as_json)
    except NeedsConfirmation as exc:
        return _report(
            request, deps, state, the_plan, ExitCode.ERROR, f"zdd setup: {exc}", error=exc
        )
    if not agreed:
        return _report(request, deps, state, the_plan, ExitCode.NOT_DONE, "Nothing was changed.")
    client.restart_deadline(deadline_for(request.wait))  # the prompt's time isn't the API's
    with deps.output.running(f"re-reading {name}"):
        fresh = read_state(client, name)
    fresh_plan = plan(fresh, opts)
    changes = plan_changes(the_plan, fresh_plan)
    if not changes:
        return fresh, fresh_plan
    deps.output.plan(fresh_plan, fresh, "The plan now")
    return _report(
        request,
        deps,
        fresh,
        fresh_plan,
        ExitCode.NOT_DONE,
        f"{name} changed while zdd was asking, so the plan you confirmed is stale:\n"
        + "\n".join(f"- {line}" for line in changes)
        + "\nNothing was changed. Run the same command again to see and confirm the current plan.",
    )


def _apply(
    request: SetupRequest, deps: Deps, opts: PlanOptions, state: AppState, the_plan: Plan
) -> SetupReport:
    """Snapshot, apply, verify; the snapshot stays whenever a write went out."""
    name = request.app
    snap = deps.snapshots.save_new(state, opts.buildpack)
    path = str(snap.path)
    deps.output.note(f"Snapshot saved to {path} (undo: zdd undo --app {name})")
    applied = apply_and_verify(
        deps,
        name,
        the_plan,
        running=f"applying {len(the_plan.pending)} change(s) to {name}",
        wait=request.wait,
        snapshot=snap,
    )
    findings = None
    if applied.after is not None:
        findings = tuple(
            check(
                applied.after,
                companion_url=opts.buildpack,
                known_companions=opts.known_companions,
            )
        )
    kept: str | None = path
    # A failed write may still have taken effect (its answer lost, or a 5xx): keep the snapshot
    # then, so undo can restore; also while it records a token this run created and kept.
    if not applied.changed and not applied.writes and snap.authorization_id is None:
        snap.discard()
        kept = None
    code, message = _outcome(name, applied, kept)
    return _report(
        request,
        deps,
        state,
        the_plan,
        code,
        message,
        snapshot=kept,
        applied=applied,
        findings=findings,
    )


def _outcome(name: str, applied: Applied, snapshot: str | None) -> tuple[ExitCode, str]:
    changed, bad = applied.changed, applied.not_done
    if bad and not changed and snapshot is not None:
        return ExitCode.NOT_DONE, (
            f"Setup stopped on {name} (see above). A failed write may have taken effect, "
            f"so the snapshot is kept: fix the cause and run it again, or `zdd undo --app {name}`."
        )
    if bad and not changed:
        return ExitCode.NOT_DONE, (
            f"Setup stopped before changing anything on {name} (see above); no snapshot "
            "was kept. Fix the cause and run it again."
        )
    if bad:
        return ExitCode.NOT_DONE, (
            f"Setup stopped part-way: {changed} step(s) changed, {len(bad)} not done (see "
            f"above). Fix the cause and run it again; `zdd undo --app {name}` restores the "
            "snapshot."
        )
    if applied.verify_error is not None:
        return ExitCode.NOT_DONE, (
            f"Applied {changed} change(s), but re-reading {name} to verify them failed: "
            f"{applied.verify_error.message}\nNext: run `zdd check --app {name}` to see where it "
            f"stands (`zdd undo --app {name}` restores the snapshot)."
        )
    return ExitCode.OK, f"Done: {name} is set up; a re-run will change nothing."
