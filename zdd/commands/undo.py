"""PLACEHOLDER: replaced by the issue that builds `zdd undo`."""

from invoke import Exit, task


@task
def undo(c, app=None):
    """Not built yet."""
    raise Exit("zdd undo is not built yet", code=2)
