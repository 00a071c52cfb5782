"""The `zdd` console script: the same collection as `invoke zdd`, as its own program.

`zdd setup --app A`, `zdd check --all`, `zdd undo --app A`, `zdd verify ...`; `zdd --help` lists
them. Like `invoke zdd --app A`, a command line that starts with a setup flag (`zdd --app A`) runs
setup, the default task; plain Invoke would stop with "No idea what '--app' is!".
"""

from __future__ import annotations

from invoke import Program

from zdd import __version__
from zdd.tasks import ns


class ZddProgram(Program):
    """Invoke's Program, plus: leading non-core flags go to the default task (setup)."""

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


def make_program() -> Program:
    """A fresh Program (tests call `make_program().run(argv, exit=False)`)."""
    return ZddProgram(namespace=ns, version=__version__, name="zdd", binary="zdd")


program = make_program()
