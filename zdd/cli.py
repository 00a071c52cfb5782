"""What the commands share: exit codes, the client, confirming, finishing (`finish` for setup,
check and undo; `finish_run` for verify, deploy and rehearse), and turning errors into exits.

Exit codes (README "Exit codes"):
  0  done: nothing to do, or every change applied and verified; check: every app ready
  1  not done: a step is blocked (needs consent) or failed; check: some check failed
  2  usage, configuration, authentication or API error before anything was decided
  3  --dry-run only: changes are pending (so CI can gate on "already configured")
  130 interrupted (Ctrl-C), at a prompt or while running; "Aborted"
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, NoReturn

from invoke import Argument, Exit, Task
from invoke.exceptions import ParseError

from zdd.errors import UsageError, ZddError
from zdd.flows.codes import (  # noqa: F401 (the names commands and tests import from here)
    BASE_DEADLINE,
    JSON_VERSION,
    ExitCode,
    deadline_for,
    error_fields,
)

#: The exit codes by their 0.1 names (zdd.flows.codes.ExitCode is the enum).
OK, NOT_DONE, ERROR, PENDING = (
    ExitCode.OK,
    ExitCode.NOT_DONE,
    ExitCode.ERROR,
    ExitCode.CHANGES_PENDING,
)
INTERRUPTED = ExitCode.INTERRUPTED


def make_client(wait: float = 0.0, deadline: float | None = None):
    """The API client from the environment; its deadline leaves room for a preboot wait."""
    from zdd.heroku.client import HerokuClient

    return HerokuClient.from_env(deadline=deadline or deadline_for(wait))


@dataclass(frozen=True)
class WholeNumber:
    """A flag whose value is a whole number in [low, high]: `-c 0`, `-m abc` or `--wait -5`
    stop the parse with one line naming the flag (exit 2), never a traceback."""

    low: int
    high: int | None = None
    unit: str = ""

    def parse(self, flag: str, raw: str) -> int:
        text = str(raw).strip()
        bounds = f">= {self.low}" if self.high is None else f"from {self.low} to {self.high}"
        what = f"a whole number{' of ' + self.unit if self.unit else ''} {bounds}"
        try:
            value = int(text, 10)
        except ValueError:
            raise ParseError(f"{flag}: expected {what}, got {raw!r}") from None
        if value < self.low or (self.high is not None and value > self.high):
            raise ParseError(f"{flag}: expected {what}, got {value}")
        return value


class TypedArgument(Argument):
    """An Invoke Argument whose value is checked by a WholeNumber (its help still says INT)."""

    def __init__(self, *args, value_type: WholeNumber, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.value_type = value_type

    def set_value(self, value, cast: bool = True) -> None:
        if not cast:
            return super().set_value(value, cast=False)
        flag = "--" + self.names[0]
        parsed = self.value_type.parse(flag, value)
        super().set_value(parsed, cast=False)
        self.raw_value = value


class ListArgument(Argument):
    """An Invoke list flag (`iterable=`) that still needs a value each time it is given. Invoke
    starts a list's raw value at [], which its parser takes for "has a value", so `invoke
    zdd.check --app` ran as if no --app was given (HEROKU_APP or the git remote named the app:
    silently something else). Starting at None makes Invoke refuse it like any value flag."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.raw_value = None


class ZddTask(Task):
    """An Invoke task with the short flags given explicitly (`shortflags={"json": "j"}`), so a
    letter means the same option in every zdd command; options not listed have none. Flags in
    `types` take checked whole numbers (`types={"wait": WholeNumber(0, unit="seconds")}`)."""

    def __init__(
        self,
        *args,
        shortflags: dict[str, str] | None = None,
        types: Mapping[str, WholeNumber] | None = None,
        **kwargs,
    ) -> None:
        self.shortflags = dict(shortflags or {})
        self.types = dict(types or {})
        kwargs["auto_shortflags"] = False
        super().__init__(*args, **kwargs)

    def __call__(self, *args, **kwargs):
        """Under Invoke's own program, refuse what its core flags would silently change or drop
        (see `invoke_core_refusal`); zdd's program refuses those flags before parsing."""
        line = invoke_core_refusal(self, getattr(args[0], "config", None) if args else None)
        if line:
            raise Exit(line, code=ERROR)
        return super().__call__(*args, **kwargs)

    def arg_opts(self, name, default, taken_names):
        opts = super().arg_opts(name, default, taken_names)
        short = self.shortflags.get(name)
        if short and short not in taken_names:
            opts["names"].append(short)
        return opts

    def get_arguments(self, ignore_unknown_help: bool | None = None) -> list[Argument]:
        # Invoke pops each help text off `self.help` while it builds the arguments, so every
        # later parse of the same task (in-process runs, `zdd.describe`) would lose them.
        help_texts = dict(self.help)
        try:
            args = super().get_arguments(ignore_unknown_help)
        finally:
            self.help = help_texts
        return [self._ours(a) for a in args]

    def _ours(self, a: Argument) -> Argument:
        """`a` as a TypedArgument (a flag in `types`) or a ListArgument (a list flag)."""
        name = a.attr_name or a.names[0]
        if name not in self.types and a.kind is not list:
            return a
        fields = dict(
            names=a.names,
            kind=a.kind,
            default=a.default,
            help=a.help,
            positional=a.positional,
            optional=a.optional,
            incrementable=a.incrementable,
            attr_name=a.attr_name,
        )
        if name in self.types:
            return TypedArgument(**fields, value_type=self.types[name])
        return ListArgument(**fields)


#: Invoke core flags that only set how `c.run` runs (its Program puts them in the overrides
#: config level): zdd never calls `c.run`, so under `invoke zdd...` they would do nothing.
RUN_ONLY_FLAGS = {
    ("run", "echo"): "--echo",
    ("run", "hide"): "--hide",
    ("run", "warn"): "--warn-only",
    ("run", "pty"): "--pty",
    ("timeouts", "command"): "--command-timeout",
}


def has_dry_run(task: Task) -> bool:
    """Whether the command has its own --dry-run (setup, undo): what to name instead of --dry."""
    return any("dry-run" in a.names for a in task.get_arguments())


def invoke_core_refusal(task: Task, config: Any) -> str | None:
    """The line refusing to run `task` under an Invoke config, or None. Invoke's dry-run mode
    (--dry/-R, or run.dry in any config file) only stops `c.run`, and zdd writes through the
    Heroku API: setup or undo would apply for real while the user believed it a dry run. The
    run-only flags given on the command line would be silently ignored."""
    if config is None:
        return None
    see = f"(see `zdd {task.name} --help`)"
    if config.get("run", {}).get("dry"):
        instead = f" and use `{task.name} --dry-run`" if has_dry_run(task) else ""
        return (
            f"zdd {task.name}: Invoke's dry-run mode is on (--dry/-R, or run.dry in an Invoke "
            f"config) and zdd would still write to Heroku under it: drop it{instead} {see}"
        )
    overrides = getattr(config, "_overrides", None) or {}
    given = [
        flag for (level, key), flag in RUN_ONLY_FLAGS.items() if overrides.get(level, {}).get(key)
    ]
    if not given:
        return None
    one = len(given) == 1
    return (
        f"zdd {task.name}: {', '.join(given)} only {'changes' if one else 'change'} how Invoke's "
        f"c.run runs commands, and zdd runs none: drop {'it' if one else 'them'} {see}"
    )


#: Short flags shared by setup, undo and check (each command adds its own).
COMMON_SHORTFLAGS = {
    "app": "a",
    "remote": "r",
    "json": "j",
    "yes": "y",
    "dry_run": "d",
    "wait": "w",
}


def error_doc(command: str, exc: BaseException, **extra) -> dict:
    return {
        "version": JSON_VERSION,
        "command": command,
        "exit_code": int(ERROR),
        "error": error_fields(exc),
        **extra,
    }


def usage_exit(command: str, exc: Exception, as_json: bool) -> NoReturn:
    """Exit 2 with one line `zdd <command>: <what is wrong>` (under -j, one JSON error document
    on stdout instead), for the commands that check their own flag values (verify, deploy)."""
    if as_json:
        print(json.dumps(error_doc(command, exc), indent=2))
        raise Exit(code=ERROR) from None
    raise Exit(f"zdd {command}: {exc}", code=ERROR) from None


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


class TerminalPrompt:
    """The flows' Prompt on a terminal: the question on stderr, the answer from stdin."""

    def confirm(self, question: str) -> bool:
        sys.stderr.write(f"{question} [y/N] ")
        sys.stderr.flush()
        try:
            answer = sys.stdin.readline()
        except KeyboardInterrupt:  # Ctrl-C at the prompt: nothing changed, the shell's code
            raise Exit("\nAborted", code=INTERRUPTED) from None
        return answer.strip().lower() in ("y", "yes")


def terminal_prompt() -> TerminalPrompt | None:
    """A prompt when stdin is a terminal; None otherwise (the flow then needs --yes)."""
    return TerminalPrompt() if sys.stdin.isatty() else None


def finish_run(
    command: str,
    report: Any,
    *,
    as_json: bool,
    render: Callable[..., str],
    picture: str | None = None,
    draw: Callable[[str], object] | None = None,
) -> None:
    """The end verify, deploy and rehearse share: draw the --picture with `draw` (when it fails:
    one line on stderr and no picture, as the run's findings matter more), print the report's
    JSON document (with the picture's path) or `render(report, picture=...)`, exit with its code.
    With no `draw` (nothing was probed, so nothing to draw) no picture is reported."""
    if draw is None:
        picture = None
    elif picture:
        try:
            draw(picture)
        except OSError as exc:
            print(f"zdd {command}: could not write --picture {picture}: {exc}", file=sys.stderr)
            picture = None
    if as_json:
        print(json.dumps({**report.to_dict(), "picture": picture}, indent=2))
    else:
        print(render(report, picture=picture))
    if report.exit_code:
        raise Exit(code=report.exit_code)


def finish(report, as_json: bool, render: Callable[[], None]) -> None:
    """Print a flow's report (its JSON document, or its text) and exit with its code; an error
    the report carries goes to stderr as text."""
    from zdd.output import print_json

    code = int(report.exit_code)
    if as_json:
        print_json(report.to_json())
    elif getattr(report, "error", None) is not None:
        raise Exit(report.message, code=code)
    else:
        render()
    if code:
        raise Exit(code=code)
