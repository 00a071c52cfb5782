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

from zdd.authorize import install_token
from zdd.errors import PrebootInProgress, ZddError
from zdd.heroku.models import FormationUpdate
from zdd.plan import BLOCKED, PENDING, Plan, Step
from zdd.snapshot import Snapshot
from zdd.state import (
    ZDD_APP_VAR,
    ZDD_OPT_OUT_VAR,
    ZDD_TOKEN_VAR,
    AppState,
    buildpack_key,
    parse_opt_outs,
)

CHANGED, UNCHANGED, BLOCKED_, FAILED, NOT_ATTEMPTED = (
    "changed",
    "unchanged",
    "blocked",
    "failed",
    "not_attempted",
)


@dataclass(frozen=True)
class StepResult:
    step: Step
    outcome: str
    detail: str = ""

    def to_dict(self) -> dict:
        return {
            "id": self.step.id,
            "outcome": self.outcome,
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
        client,
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
            if step.status == BLOCKED:
                results.append(StepResult(step, BLOCKED_, step.note or step.why))
            elif step.status != PENDING:
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

    # -- one write per kind ---------------------------------------------------------------------
    def _write(self, step: Step) -> StepResult | None:
        """One step's writes; a StepResult when the outcome isn't simply `changed`."""
        p, app, c = step.payload, self.app, self.client
        if step.kind == "feature":
            c.feature_update(app, p["feature"], p["enabled"])
        elif step.kind == "formation":
            wanted = list(p["updates"])
            kept = []
            if self.never_lower:
                wanted, kept = self._not_lower(wanted)
            if kept:  # the result describes what was really sent; verify checks that
                step = replace(step, payload={**p, "updates": wanted})
            if wanted:
                self._formation(
                    [FormationUpdate(u["type"], u.get("quantity"), u.get("size")) for u in wanted]
                )
            detail = "; ".join(kept)
            return StepResult(step, CHANGED if wanted else UNCHANGED, detail) if kept else None
        elif step.kind == "buildpacks":
            c.buildpack_replace(app, p["buildpacks"])
        elif step.kind == "config":
            return self._config(step)
        elif step.kind == "authorization":
            c.oauth_authorization_delete(p["revoke"])
        else:  # pragma: no cover - plan.py makes only the kinds above
            raise ValueError(f"unknown step kind {step.kind!r}")

    def _not_lower(self, updates: list[dict]) -> tuple[list[dict], list[str]]:
        """Drop quantities below the current ones (re-read now); returns (updates, notes)."""
        now = {f.type: f.quantity for f in self.client.formation_list(self.app)}
        out, kept = [], []
        for u in updates:
            current = now.get(u["type"])
            if "quantity" in u and current is not None and current > u["quantity"]:
                kept.append(
                    f"{u['type']} kept at {current} (the plan said {u['quantity']}; it was "
                    "scaled up meanwhile, and zdd never scales down)"
                )
                u = {k: v for k, v in u.items() if k != "quantity"}
            if len(u) > 1:
                out.append(u)
        return out, kept

    def _formation(self, updates: list[FormationUpdate]) -> None:
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

    def _config(self, step: Step) -> StepResult | None:
        p = step.payload
        changes: dict[str, str | None] = {v: None for v in p.get("unset", ())}
        changes.update(p.get("set", {}))  # ZDD_OPT_OUT: recorded in the same config update
        if p.get("set_app"):
            changes[ZDD_APP_VAR] = self.app
        if not (p.get("create_token") or p.get("rotate_token")):
            self.client.config_vars_update(self.app, changes)
            return None
        # zdd.authorize: marked, retry-safe create; conditional write; extras revoked
        done = install_token(
            self.client,
            self.app,
            changes,
            snapshot=self.snapshot,
            rotate=bool(p.get("rotate_token")),
        )
        return StepResult(step, CHANGED, done.note) if done.note else None


def satisfied(step: Step, state: AppState) -> bool:
    """Does `state` show the effect of `step`? (the verification after apply)."""
    p = step.payload
    if step.kind == "feature":
        return state.feature(p["feature"]) == p["enabled"]
    if step.kind == "formation":
        for u in p["updates"]:
            proc = state.process(u["type"])
            if proc is None:
                return False
            if "quantity" in u and proc.quantity != u["quantity"]:
                return False
            if "size" in u and proc.size.lower() != u["size"].lower():
                return False
        return True
    if step.kind == "buildpacks":
        return [buildpack_key(b) for b in state.buildpacks] == [
            buildpack_key(b) for b in p["buildpacks"]
        ]
    if step.kind == "config":
        if state.config_vars is None:
            return False
        ok = not any(v in state.config_vars for v in p.get("unset", ()))
        if ZDD_OPT_OUT_VAR in p.get("set", {}):
            ok = ok and state.opt_outs == parse_opt_outs(p["set"][ZDD_OPT_OUT_VAR])
        if p.get("create_token"):
            ok = ok and ZDD_TOKEN_VAR in state.config_vars
        if p.get("set_app"):
            ok = ok and ZDD_APP_VAR in state.config_vars
        return ok
    return True  # authorization revoke: the DELETE's success is the evidence


def verify(results: list[StepResult], after: AppState) -> list[StepResult]:
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
