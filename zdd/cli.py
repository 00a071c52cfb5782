"""What setup, check and undo share: exit codes, the client, and turning errors into exits.

Exit codes (README "Exit codes"):
  0  done: nothing to do, or every change applied and verified; check: every app ready
  1  not done: a step is blocked (needs consent) or failed; check: some check failed
  2  usage, configuration, authentication or API error before anything was decided
  3  --dry-run only: changes are pending (so CI can gate on "already configured")
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from invoke import Exit

from zdd.errors import ZddError

OK, NOT_DONE, ERROR, PENDING = 0, 1, 2, 3

#: Bump when a --json field changes meaning or goes away (additions keep the version).
JSON_VERSION = 1


def make_client(wait: float = 0.0):
    """The API client from the environment; its deadline leaves room for a preboot wait."""
    from zdd.heroku.client import HerokuClient

    return HerokuClient.from_env(deadline=max(120.0, wait + 120.0))


def error_doc(command: str, exc: BaseException, **extra) -> dict:
    remedy = getattr(exc, "remedy", None)
    message = getattr(exc, "message", None) or str(exc)
    return {
        "version": JSON_VERSION,
        "command": command,
        "exit_code": ERROR,
        "error": {"type": type(exc).__name__, "message": message, "remedy": remedy},
        **extra,
    }


@contextmanager
def errors_exit(command: str, as_json: bool, stats: Callable[[], dict] | None = None) -> Iterator:
    """Turn a ZddError (or a usage ValueError) into exit code 2 with its message and next step."""
    from zdd.output import print_json

    try:
        yield
    except (ZddError, ValueError) as exc:
        if as_json:
            extra = {"requests": stats()} if stats else {}
            print_json(error_doc(command, exc, **extra))
            raise Exit(code=ERROR) from None
        text = str(exc)
        raise Exit(f"zdd {command}: {text}", code=ERROR) from None


def tristate(on: bool, off: bool, name: str) -> bool | None:
    if on and off:
        raise ValueError(f"--{name} and --no-{name} contradict each other; pass one of them")
    return True if on else False if off else None
