"""The `zdd` console script: the same collection as `invoke zdd`, as its own program.

`zdd setup --app A`, `zdd check --all`, `zdd undo --app A`, `zdd verify ...`; `zdd --help` lists
them. Like `invoke zdd --app A`, a command line that starts with a setup flag (`zdd --app A`) runs
setup, the default task; plain Invoke would stop with "No idea what '--app' is!".
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from invoke import Exit, Program
from invoke.exceptions import ParseError

from zdd import __version__
from zdd.tasks import ns

USAGE_EXIT = 2  # the documented code for usage errors; Invoke's parser alone would exit 1


class ZddProgram(Program):
    """Invoke's Program, plus: leading non-core flags go to the default task (setup), and a command
    line Invoke cannot parse exits 2 (usage error), not 1, which zdd reserves for findings."""

    def parse_core(self, argv) -> None:
        with usage_errors():
            super().parse_core(argv)

    def parse_tasks(self) -> None:
        with usage_errors():
            super().parse_tasks()

    def normalize_argv(self, argv) -> None:
        super().normalize_argv(argv)
        args = list(self.argv)
        if len(args) < 2 or not args[1].startswith("-"):
            return
        core = {
            ("--" if len(n) > 1 else "-") + n
            for a in (*self.core_args(), *self.task_args())
            for n in a.names
        }
        if args[1].split("=", 1)[0] not in core:
            self.argv = [args[0], "setup", *args[1:]]


@contextmanager
def usage_errors() -> Iterator[None]:
    """Turn Invoke's ParseError into Exit(code=2) with a pointer to the help."""
    try:
        yield
    except ParseError as exc:
        raise Exit(f"{exc}\nSee `zdd --help` or `zdd <command> --help`.", code=USAGE_EXIT) from exc


def make_program() -> Program:
    """A fresh Program (tests call `make_program().run(argv, exit=False)`)."""
    return ZddProgram(namespace=ns, version=__version__, name="zdd", binary="zdd")


program = make_program()
