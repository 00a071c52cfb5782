"""What setup, check and undo share: exit codes, the client, confirming, finishing, and turning
errors into exits.

Exit codes (README "Exit codes"):
  0  done: nothing to do, or every change applied and verified; check: every app ready
  1  not done: a step is blocked (needs consent) or failed; check: some check failed
  2  usage, configuration, authentication or API error before anything was decided
  3  --dry-run only: changes are pending (so CI can gate on "already configured")
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from invoke import Exit, Task

from zdd.errors import UsageError, ZddError

OK, NOT_DONE, ERROR, PENDING = 0, 1, 2, 3

#: Bump when a --json field changes meaning or goes away (additions keep the version).
JSON_VERSION = 1

#: Seconds every command gets for its API calls, on top of --wait (preboot) where it has one.
BASE_DEADLINE = 120.0


def deadline_for(wait: float = 0.0) -> float:
    return max(BASE_DEADLINE, wait + BASE_DEADLINE)


def make_client(wait: float = 0.0, deadline: float | None = None):
    """The API client from the environment; its deadline leaves room for a preboot wait."""
    from zdd.heroku.client import HerokuClient

    return HerokuClient.from_env(deadline=deadline or deadline_for(wait))


class ZddTask(Task):
    """An Invoke task with the short flags given explicitly (`shortflags={"json": "j"}`), so a
    letter means the same option in every zdd command; options not listed have none."""

    def __init__(self, *args, shortflags: dict[str, str] | None = None, **kwargs) -> None:
        self.shortflags = dict(shortflags or {})
        kwargs["auto_shortflags"] = False
        super().__init__(*args, **kwargs)

    def arg_opts(self, name, default, taken_names):
        opts = super().arg_opts(name, default, taken_names)
        short = self.shortflags.get(name)
        if short and short not in taken_names:
            opts["names"].append(short)
        return opts


#: Short flags shared by setup, undo and check (each command adds its own).
COMMON_SHORTFLAGS = {"app": "a", "json": "j", "yes": "y", "dry_run": "d", "wait": "w"}


def error_doc(command: str, exc: BaseException, **extra) -> dict:
    return {
        "version": JSON_VERSION,
        "command": command,
        "exit_code": ERROR,
        "error": error_fields(exc),
        **extra,
    }


def error_fields(exc: BaseException) -> dict:
    remedy = getattr(exc, "remedy", None)
    message = getattr(exc, "message", None) or str(exc)
    return {"type": type(exc).__name__, "message": message, "remedy": remedy}


@contextmanager
def errors_exit(command: str, as_json: bool, stats: Callable[[], dict] | None = None) -> Iterator:
    """Turn a ZddError (usage errors included) into exit code 2 with its message and next step."""
    from zdd.output import print_json

    try:
        yield
    except ZddError as exc:
        if as_json:
            extra = {"requests": stats()} if stats else {}
            print_json(error_doc(command, exc, **extra))
            raise Exit(code=ERROR) from None
        text = str(exc)
        raise Exit(f"zdd {command}: {text}", code=ERROR) from None


def tristate(on: bool, off: bool, name: str) -> bool | None:
    if on and off:
        raise UsageError(f"--{name} and --no-{name} contradict each other; pass one of them")
    return True if on else False if off else None


class NeedsConfirmation(ZddError):
    """Changes are pending, --yes wasn't given and there is no terminal to ask on."""


class Finisher:
    """The end of a setup/undo run: one JSON document (`doc`) or a message, then the exit code.

    `finish(code)` prints and raises Exit for a non-zero code; `confirm()` asks on the terminal
    and finishes the run (exit 1) when the user declines, or (exit 2) when it can't ask.
    """

    def __init__(self, command: str, as_json: bool, out, stats: Callable[[], dict]) -> None:
        self.command, self.as_json, self.out, self.stats = command, as_json, out, stats
        self.doc: dict = {"version": JSON_VERSION, "command": command}

    def finish(self, code: int, message: str = "") -> None:
        from zdd.output import print_json

        if self.as_json:
            self.doc["requests"] = self.stats()
            self.doc["exit_code"] = code
            print_json(self.doc)
        elif message:
            self.out.print(message, markup=False)
        if code:
            raise Exit(code=code)

    def confirm(self, app: str, n: int, *, yes: bool) -> None:
        """Return to go ahead; otherwise finish the run."""
        if yes:
            return
        if not sys.stdin.isatty():
            shown = "the plan in this JSON document" if self.as_json else "the plan above"
            exc = NeedsConfirmation(
                f"stdin is not a terminal, so zdd can't ask before changing {app}; "
                "nothing was changed.",
                remedy=f"Review {shown}, then run again with --yes.",
            )
            if self.as_json:
                self.doc["error"] = error_fields(exc)
                self.finish(ERROR)
            raise Exit(f"zdd {self.command}: {exc}", code=ERROR)
        sys.stderr.write(f"Apply {n} change{'s' if n != 1 else ''} to {app}? [y/N] ")
        sys.stderr.flush()
        if sys.stdin.readline().strip().lower() not in ("y", "yes"):
            self.finish(NOT_DONE, "Nothing was changed.")
