"""Apply a Plan through the client, in order, then re-read and verify every change took effect.

Only `pending` steps write; everything else is reported as it is, so a second run makes no write
requests. The first failure stops the run: later steps are reported as not attempted, so the user
sees exactly what was done and what was not. A formation change refused because a preboot is in
progress is retried until `wait` seconds have passed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Any, assert_never

from zdd import changes
from zdd.authorize import install_token
from zdd.changes import (
    AuthorizationCreate,
    AuthorizationRevoke,
    BuildpackInsert,
    BuildpackMove,
    BuildpackRemove,
    Change,
    ConfigUpdate,
    FeatureToggle,
    FormationUpdate,
    ProcessUpdate,
)
from zdd.errors import PrebootInProgress, ZddError
from zdd.heroku import models
from zdd.plan import Plan, Step, StepStatus
from zdd.snapshot import Snapshot
from zdd.state import AppState

if TYPE_CHECKING:
    from zdd.heroku.client import HerokuClient


class Outcome(StrEnum):
    """What applying a step did (the `outcome` of a result in --json)."""

    CHANGED = "changed"
    UNCHANGED = "unchanged"
    BLOCKED = "blocked"
    FAILED = "failed"
    NOT_ATTEMPTED = "not_attempted"


#: Short names kept for callers written before Outcome (same values).
CHANGED, UNCHANGED, FAILED, NOT_ATTEMPTED = (
    Outcome.CHANGED,
    Outcome.UNCHANGED,
    Outcome.FAILED,
    Outcome.NOT_ATTEMPTED,
)
BLOCKED_ = Outcome.BLOCKED


@dataclass(frozen=True)
class StepResult:
    step: Step
    outcome: Outcome
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.step.id,
            "outcome": str(self.outcome),
            "what": self.step.what,
            "detail": self.detail,
        }


Progress = Callable[[str], None]


def _noop(_: str) -> None:
    pass


class Applier:
    """Runs the writes of one plan.

    `snapshot` (saved by the caller before calling run) gets the id of an OAuth authorization
    created on the way. With `never_lower` (setup), a formation step re-reads the formation just
    before its update and never sends a quantity below what it read: someone may have scaled up
    since the plan was made. Undo passes never_lower=False (lowering is what it is asked to do).
    """

    def __init__(
        self,
        client: HerokuClient,
        app: str,
        *,
        snapshot: Snapshot | None = None,
        never_lower: bool = True,
        wait: float = 300.0,
        poll: float = 2.0,
        progress: Progress = _noop,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client, self.app, self.snapshot = client, app, snapshot
        self.never_lower = never_lower
        self.wait, self.poll, self.progress = wait, poll, progress
        self.sleep, self.clock = sleep, clock

    def run(self, plan: Plan) -> list[StepResult]:
        results: list[StepResult] = []
        failed = False
        for step in plan.steps:
            if step.status == StepStatus.BLOCKED:
                results.append(StepResult(step, Outcome.BLOCKED, step.note or step.why))
            elif step.status != StepStatus.PLANNED or step.change is None:
                results.append(StepResult(step, UNCHANGED))
            elif failed:
                results.append(StepResult(step, NOT_ATTEMPTED, "stopped after the failure above"))
            else:
                self.progress(step.what)
                try:
                    results.append(self._write(step) or StepResult(step, CHANGED))
                except ZddError as exc:
                    failed = True
                    results.append(StepResult(step, FAILED, str(exc)))
        return results

    # -- one write per change ---------------------------------------------------------------------
    def _write(self, step: Step) -> StepResult | None:
        """One step's write; a StepResult when the outcome isn't simply `changed`."""
        assert step.change is not None
        sent, detail = self._send(step.change)
        if sent is None:
            return StepResult(step, Outcome.UNCHANGED, detail)
        if sent != step.change or detail:  # the result describes what was really sent
            return StepResult(replace(step, change=sent), Outcome.CHANGED, detail)
        return None

    def _send(self, change: Change) -> tuple[Change | None, str]:
        """Send `change`; returns what was really sent (None: nothing) and a note for the user."""
        app, c = self.app, self.client
        match change:
            case FeatureToggle():
                c.feature_update(app, change.feature, change.after)
            case FormationUpdate():
                kept: list[str] = []
                if self.never_lower:
                    change, kept = self._not_lower(change)
                if not change.updates:
                    return None, "; ".join(kept)
                self._formation(
                    [models.FormationUpdate(u.type, u.quantity, u.size) for u in change.updates]
                )
                return change, "; ".join(kept)
            case BuildpackInsert() | BuildpackMove() | BuildpackRemove():
                c.buildpack_replace(app, list(change.after))
            case ConfigUpdate():
                c.config_vars_update(app, change.changes())
            case AuthorizationCreate():
                # zdd.authorize: marked, retry-safe create; conditional write; extras revoked
                done = install_token(
                    c, app, change.config.changes(), snapshot=self.snapshot, rotate=change.rotate
                )
                return change, done.note
            case AuthorizationRevoke():
                c.oauth_authorization_delete(change.authorization_id)
            case _:
                assert_never(change)
        return change, ""

    def _not_lower(self, change: FormationUpdate) -> tuple[FormationUpdate, list[str]]:
        """Drop quantities below the current ones (re-read now); returns (update, notes)."""
        now = {f.type: f.quantity for f in self.client.formation_list(self.app)}
        out: list[ProcessUpdate] = []
        kept: list[str] = []
        for u in change.updates:
            current = now.get(u.type)
            if u.quantity is not None and current is not None and current > u.quantity:
                kept.append(
                    f"{u.type} kept at {current} (the plan said {u.quantity}; it was "
                    "scaled up meanwhile, and zdd never scales down)"
                )
                u = replace(u, quantity=None)
            if u.quantity is not None or u.size is not None:
                out.append(u)
        return FormationUpdate(tuple(out)), kept

    def _formation(self, updates: list[models.FormationUpdate]) -> None:
        """One batch update; while a preboot runs, poll until it ends or `wait` runs out."""
        start = self.clock()
        while True:
            try:
                self.client.formation_batch_update(self.app, updates)
                return
            except PrebootInProgress as exc:
                waited = self.clock() - start
                if waited + self.poll > self.wait:
                    raise PrebootInProgress(
                        exc.status,
                        exc.id,
                        f"A preboot was still in progress after {waited:.0f}s "
                        f"(--wait {self.wait:g}).",
                        exc.url,
                        exc.request_id,
                        remedy="Run the same command again once `heroku ps` shows the new "
                        "dynos up (a preboot takes the boot timeout + ~2 minutes), or pass a "
                        "longer --wait.",
                    ) from None
                self.progress(
                    f"waiting for the preboot in progress to finish "
                    f"({waited:.0f}s of {self.wait:g}s)"
                )
                self.sleep(self.poll)


def satisfied(step: Step, state: AppState) -> bool:
    """Does `state` show the effect of `step`? (the verification after apply)."""
    return step.change is None or changes.satisfied(step.change, state)


def check_results(results: list[StepResult], after: AppState) -> list[StepResult]:
    """Turn `changed` into `failed` where the re-read state doesn't show the change."""
    out = []
    for r in results:
        if r.outcome == CHANGED and not satisfied(r.step, after):
            r = StepResult(
                r.step, FAILED, "the API accepted the change but a re-read doesn't show it"
            )
        out.append(r)
    return out


def unverified(results: list[StepResult]) -> list[StepResult]:
    """When the verifying re-read failed: every `changed` result says it wasn't verified."""
    return [
        StepResult(r.step, r.outcome, r.detail or "unverified: the re-read failed")
        if r.outcome == CHANGED
        else r
        for r in results
    ]
