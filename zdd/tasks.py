"""The `zdd` Invoke collection: setup (default), check, undo, verify.

Used by this repo's tasks.py (`invoke zdd --app A`), by the `zdd` console script (zdd.main), and by
users' own tasks.py (`from zdd.tasks import ns as zdd`).
"""

from invoke import Collection

from zdd.commands.check import check
from zdd.commands.setup import setup
from zdd.commands.undo import undo
from zdd.commands.verify import verify

ns = Collection("zdd")
ns.add_task(setup, default=True)
ns.add_task(check)
ns.add_task(undo)
ns.add_task(verify)
