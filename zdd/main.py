"""The `zdd` console script: the same collection as `invoke zdd`, as its own program.

`zdd setup --app A`, `zdd check --all`, `zdd undo --app A`, `zdd verify ...`; `zdd --help` lists
them. Flags go after the subcommand (`zdd --app A` alone is an Invoke parse error).
"""

from invoke import Program

from zdd import __version__
from zdd.tasks import ns


def make_program() -> Program:
    """A fresh Program (tests call `make_program().run(argv, exit=False)`)."""
    return Program(namespace=ns, version=__version__, name="zdd", binary="zdd")


program = make_program()
