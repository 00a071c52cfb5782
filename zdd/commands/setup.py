"""PLACEHOLDER: replaced by the issue that builds `zdd setup`."""

from invoke import Exit, task


@task
def setup(c, app=None):
    """Not built yet."""
    raise Exit("zdd setup is not built yet", code=2)
