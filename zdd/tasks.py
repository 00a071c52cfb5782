"""The `zdd` Invoke collection: setup (default), check, undo, verify.

Used by this repo's tasks.py (`invoke zdd --app A`), by the `zdd` console script (zdd.main), and by
users' own tasks.py: `ns = with_zdd(globals())` as its last line, or
`ns.add_collection(zdd.tasks.ns)` when it already builds `ns`.
"""

from invoke import Collection, Task

from zdd.commands.buildpack import buildpack
from zdd.commands.check import check
from zdd.commands.deploy import deploy
from zdd.commands.rehearse import rehearse
from zdd.commands.setup import setup
from zdd.commands.undo import undo
from zdd.commands.verify import verify

ns = Collection("zdd")
ns.add_task(setup, default=True)
ns.add_task(check)
ns.add_task(undo)
ns.add_task(verify)
ns.add_task(rehearse)
ns.add_task(buildpack)
ns.add_task(deploy)


def with_zdd(module_globals: dict) -> Collection:
    """Your tasks.py's own tasks plus this `zdd` collection: `ns = with_zdd(globals())`, last.

    Invoke ignores module-level collections unless the module defines `ns`, hence this helper.
    """
    own = Collection()
    for obj in list(module_globals.values()):
        if isinstance(obj, Task):
            own.add_task(obj)
    own.add_collection(ns, name="zdd")
    return own
