"""The `zdd` console script: the same collection as `invoke zdd`, as its own program."""

from invoke import Program

from zdd import __version__
from zdd.tasks import ns

program = Program(namespace=ns, version=__version__, name="zdd", binary="zdd")
