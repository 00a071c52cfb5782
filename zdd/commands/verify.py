"""PLACEHOLDER: replaced by the issue that builds `zdd verify`."""

from invoke import Exit, task


@task
def verify(c, app=None):
    """Not built yet."""
    raise Exit("zdd verify is not built yet", code=2)
