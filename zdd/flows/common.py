"""What every flow shares: exit codes, the collaborators a flow is given, and the apply-and-verify
tail that setup and undo both end with.

A flow never prints, reads the terminal, sleeps or touches disk itself: it asks its collaborators
(`Deps`), so a test can give it a sandbox client, a temporary snapshot folder, a scripted prompt
and a clock it steps by hand.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from zdd.apply import Applier, Outcome, StepResult, check_results, unverified
from zdd.companion import UrlCheck, check_buildpack_url
from zdd.errors import ZddError
from zdd.flows.codes import ExitCode, error_fields
from zdd.reader import read_state
from zdd.snapshot import Snapshot
from zdd.state import AppState

if TYPE_CHECKING:
    from zdd.heroku.client import HerokuClient
    from zdd.plan import Plan


class NeedsConfirmation(ZddError):
    """Changes are pending, --yes wasn't given and there is no terminal to ask on."""


class Output(Protocol):
    """Where a flow shows what it is doing while it runs (the rest comes from its report)."""

    def running(self, message: str) -> AbstractContextManager[object]: ...
    def update(self, message: str) -> None: ...
    def plan(self, plan: Plan, state: AppState, title: str) -> None: ...
    def note(self, text: str) -> None: ...


class Prompt(Protocol):
    def confirm(self, question: str) -> bool:
        """True for yes; raises NeedsConfirmation when there is no one to ask."""
        ...


class Clock(Protocol):
    def monotonic(self) -> float: ...
    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """Wall time: what the `zdd` command uses."""

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class Silent:
    """An Output that shows nothing (--json, and tests that only read the report)."""

    @contextmanager
    def running(self, message: str) -> Iterator[object]:
        yield self

    def update(self, message: str) -> None:
        pass

    def plan(self, plan: Plan, state: AppState, title: str) -> None:
        pass

    def note(self, text: str) -> None:
        pass


@dataclass(frozen=True)
class Snapshots:
    """The snapshot folder ($XDG_STATE_HOME/zdd, or `directory`), as a flow uses it."""

    directory: Path | None = None

    def companion_urls(self, app: str) -> tuple[str, ...]:
        return Snapshot.companion_urls(app, self.directory)

    def save_new(self, state: AppState, companion_url: str | None) -> Snapshot:
        snap = Snapshot.of(state, companion_url=companion_url)
        snap.save(self.directory)
        return snap

    def to_undo(self, app: str) -> list[Snapshot]:
        return Snapshot.to_undo(app, self.directory)


@dataclass(frozen=True)
class Deps:
    """A flow's collaborators."""

    client: HerokuClient
    output: Output = field(default_factory=Silent)
    prompt: Prompt | None = None
    snapshots: Snapshots = field(default_factory=Snapshots)
    clock: Clock = field(default_factory=SystemClock)
    #: Fetches a companion URL setup would add (zdd.companion; a test may serve its own).
    check_url: Callable[[str], UrlCheck] = check_buildpack_url


@dataclass(frozen=True)
class Applied:
    """What the apply-and-verify tail did: every step's result, the re-read state (None when the
    re-read failed, with its error), and how many write requests may have taken effect unseen
    (sent but unanswered, or answered 5xx: client.stats.uncertain_writes)."""

    results: tuple[StepResult, ...]
    after: AppState | None
    verify_error: ZddError | None
    writes: int

    @property
    def changed(self) -> int:
        return sum(r.outcome == Outcome.CHANGED for r in self.results)

    @property
    def not_done(self) -> tuple[StepResult, ...]:
        return tuple(
            r for r in self.results if r.outcome in (Outcome.FAILED, Outcome.NOT_ATTEMPTED)
        )

    def to_dict(self) -> dict[str, Any]:
        """The part of a --json document this tail owns (results, state_after or the error)."""
        doc: dict[str, Any] = {"results": [r.to_dict() for r in self.results]}
        if self.after is not None:
            doc["state_after"] = self.after.to_dict()
        else:
            doc["verified"] = False
            doc["verify_error"] = error_fields(self.verify_error)
        return doc


def outcome_json(
    applied: Applied | None,
    error: ZddError | None,
    requests: dict[str, int] | None,
    exit_code: ExitCode,
) -> dict[str, Any]:
    """How setup's and undo's --json documents end: what applying did (when it ran), the error,
    the requests made and the exit code. Their documents hold `results` already (None until
    applied), so updating them with this keeps every key in its place."""
    doc = applied.to_dict() if applied is not None else {}
    if error is not None:
        doc["error"] = error_fields(error)
    doc["requests"] = requests or {}
    doc["exit_code"] = int(exit_code)
    return doc


def apply_and_verify(
    deps: Deps,
    app: str,
    plan: Plan,
    *,
    running: str,
    wait: float,
    snapshot: Snapshot | None = None,
    never_lower: bool = True,
) -> Applied:
    """Apply `plan` in order, re-read the app and check every change shows (setup and undo)."""
    client = deps.client
    writes_before = client.stats.uncertain_writes
    verify_error: ZddError | None = None
    after: AppState | None
    with deps.output.running(running):
        applier = Applier(
            client,
            app,
            snapshot=snapshot,
            never_lower=never_lower,
            wait=wait,
            progress=deps.output.update,
            sleep=deps.clock.sleep,
            clock=deps.clock.monotonic,
        )
        results = applier.run(plan)
        try:
            after = read_state(client, app)
        except ZddError as exc:
            after, verify_error = None, exc
    checked = check_results(results, after) if after is not None else unverified(results)
    return Applied(
        tuple(checked), after, verify_error, client.stats.uncertain_writes - writes_before
    )


def ask(deps: Deps, question: str, *, app: str, as_json: bool) -> bool:
    """The user's answer; NeedsConfirmation (nothing changed) when no one can be asked."""
    if deps.prompt is None:
        shown = "the plan in this JSON document" if as_json else "the plan above"
        raise NeedsConfirmation(
            f"stdin is not a terminal, so zdd can't ask before changing {app}; "
            "nothing was changed.",
            remedy=f"Review {shown}, then run again with --yes.",
        )
    return deps.prompt.confirm(question)
