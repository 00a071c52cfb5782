"""PLACEHOLDER: replaced by the issue that builds `zdd check`."""

from invoke import Exit, task


@task
def check(c, app=None):
    """Not built yet."""
    raise Exit("zdd check is not built yet", code=2)
