"""Exit codes, the --json version and the API time budget: the few facts every command and flow
shares, in a module light enough for `zdd --help` to import."""

from __future__ import annotations

from enum import IntEnum
from typing import Any

#: Bump when a --json field changes meaning or goes away (additions keep the version).
JSON_VERSION = 1

#: Seconds every command gets for its API calls, on top of --wait (preboot) where it has one.
BASE_DEADLINE = 120.0


def deadline_for(wait: float = 0.0) -> float:
    return max(BASE_DEADLINE, wait + BASE_DEADLINE)


class ExitCode(IntEnum):
    """zdd's exit codes (README "Exit codes"). Not a step status: see zdd.plan.StepStatus."""

    OK = 0  # done: nothing to do, or every change applied and verified; check: every app ready
    NOT_DONE = 1  # a step is blocked (needs consent) or failed; check: some check failed
    ERROR = 2  # usage, configuration, authentication or API error before anything was decided
    CHANGES_PENDING = 3  # --dry-run only: changes are pending
    INTERRUPTED = 130  # Ctrl-C (128 + SIGINT, as shells report it)


def error_fields(exc: BaseException | None) -> dict[str, Any] | None:
    """An error as --json shows it: type, message, remedy."""
    if exc is None:
        return None
    remedy = getattr(exc, "remedy", None)
    message = getattr(exc, "message", None) or str(exc)
    return {"type": type(exc).__name__, "message": message, "remedy": remedy}
