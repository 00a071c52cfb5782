"""`zdd check` as a flow: read each app (one, several, or every app the token sees), run the pure
checks, and report per app. Read-only.

`run_check(request, deps)` returns a CheckReport (the one source of --json, text, exit code).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from zdd.checks import FAILED, Finding, check
from zdd.cost import formation_cost
from zdd.errors import UsageError, ZddError
from zdd.flows.codes import BASE_DEADLINE, JSON_VERSION, ExitCode
from zdd.flows.common import Deps
from zdd.heroku.models import App
from zdd.reader import AppResult, read_many, read_state, requests_needed
from zdd.state import COMPANION_BUILDPACK_URL, AppState

#: Seconds of deadline per app beyond the base (a slow app read, paced near the rate limit).
SECONDS_PER_APP = 2.0
#: Heroku refills an account's API budget at about this many requests a minute.
REFILL_PER_MINUTE = 75


class BudgetError(UsageError):
    """Checking would spend more API requests than the account has left."""


def deadline_for_apps(n: int, concurrency: int) -> float:
    """The client deadline for checking `n` apps, `concurrency` at a time: grows with the rounds."""
    rounds = -(-n // max(concurrency, 1))
    return BASE_DEADLINE + SECONDS_PER_APP * n + 10.0 * rounds


@dataclass(frozen=True)
class CheckRequest:
    #: Apps by name (already resolved); empty with `all_apps`.
    apps: tuple[str, ...] = ()
    all_apps: bool = False
    concurrency: int = 8
    #: --buildpack: a custom companion URL that counts as the zdd buildpack.
    companion_url: str = COMPANION_BUILDPACK_URL


@dataclass(frozen=True)
class AppCheck:
    """One app's verdict: its findings, or the error that stopped its read."""

    app: str
    state: AppState | None = None
    findings: tuple[Finding, ...] = ()
    error: ZddError | None = None

    @property
    def ready(self) -> bool:
        return self.error is None and all(f.status != FAILED for f in self.findings)

    def to_dict(self) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "app": self.app,
            "ready": self.ready,
            "findings": [f.to_dict() for f in self.findings],
            "error": None,
        }
        if self.error is not None:
            entry["error"] = {
                "type": type(self.error).__name__,
                "message": self.error.message,
                "remedy": self.error.remedy,
            }
        elif self.state is not None:
            entry["formation"] = [p.to_dict() for p in self.state.formation]
            entry["monthly_cost_usd"] = formation_cost(self.state.formation)
        return entry


@dataclass(frozen=True)
class CheckReport:
    apps: tuple[AppCheck, ...]
    requests: dict[str, int] | None = None

    @property
    def errors(self) -> int:
        return sum(1 for a in self.apps if a.error is not None)

    @property
    def ready(self) -> int:
        return sum(1 for a in self.apps if a.ready)

    @property
    def not_ready(self) -> int:
        return len(self.apps) - self.ready - self.errors

    @property
    def exit_code(self) -> ExitCode:
        if self.errors:
            return ExitCode.ERROR
        return ExitCode.NOT_DONE if self.not_ready else ExitCode.OK

    @property
    def message(self) -> str:
        return (
            f"{len(self.apps)} app(s): {self.ready} ready, {self.not_ready} not ready, "
            f"{self.errors} error(s)"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "version": JSON_VERSION,
            "command": "check",
            "apps": [a.to_dict() for a in self.apps],
            "summary": {
                "apps": len(self.apps),
                "ready": self.ready,
                "not_ready": self.not_ready,
                "errors": self.errors,
            },
            "requests": self.requests or {},
            "exit_code": int(self.exit_code),
        }


def run_check(request: CheckRequest, deps: Deps) -> CheckReport:
    client, out = deps.client, deps.output
    names = list(request.apps)
    infos: dict[str, App] | None = None
    if request.all_apps:
        with out.running("listing apps"):
            listed = client.app_list()
        names = sorted(a.name for a in listed)
        infos = {a.name: a for a in listed}
    if len(names) > 1 or request.all_apps:
        client.restart_deadline(deadline_for_apps(len(names), request.concurrency))
    if len(names) > 1:
        need = requests_needed(names, with_info=infos is None)
        left = client.rate_limit_remaining()
        if left < need:
            raise BudgetError(
                f"Checking {len(names)} apps takes up to {need} API requests, but the account "
                f"has {left} left (Heroku refills about {REFILL_PER_MINUTE} a minute). Check "
                f"fewer apps with --app, or wait {((need - left) // REFILL_PER_MINUTE) + 1} "
                "minute(s)."
            )
    results = _read(deps, names, infos, request.concurrency)
    checks = tuple(_verdict(r, request, deps) for r in results)
    return CheckReport(checks, client.stats.to_dict())


def _read(
    deps: Deps, names: list[str], infos: dict[str, App] | None, concurrency: int
) -> list[AppResult]:
    client, out = deps.client, deps.output
    if len(names) == 1 and infos is None:
        with out.running(f"reading {names[0]}"):
            try:
                return [AppResult(names[0], state=read_state(client, names[0]))]
            except ZddError as exc:  # reported with the app, like --all does
                return [AppResult(names[0], error=exc)]
    done = [0]

    def tick(_result: AppResult) -> None:
        done[0] += 1
        out.update(f"checked {done[0]}/{len(names)} apps")

    with out.running(f"checking {len(names)} app{'s' if len(names) != 1 else ''}"):
        return read_many(client, names, infos=infos, max_workers=concurrency, on_done=tick)


def _verdict(result: AppResult, request: CheckRequest, deps: Deps) -> AppCheck:
    if result.error is not None or result.state is None:
        return AppCheck(result.app, error=result.error)
    findings = check(
        result.state,
        companion_url=request.companion_url,
        known_companions=deps.snapshots.companion_urls(result.app),
    )
    return AppCheck(result.app, state=result.state, findings=tuple(findings))
