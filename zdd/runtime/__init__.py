"""A local runtime: an app's Procfile `web` command as real processes behind a local router.

`LocalApp` runs releases and deploys (with or without preboot) the way Heroku's dyno manager
does; `Router` forwards HTTP to the `up` dynos of the serving release the way Router 2.0 does;
`Timing` holds Heroku's figures (and a scaled-down copy for fast rehearsals and tests).
"""

from zdd.runtime.app import DeployRecord, LocalApp
from zdd.runtime.dyno import DynoProcess
from zdd.runtime.procfile import ProcfileError, web_command
from zdd.runtime.router import Router
from zdd.runtime.timing import Timing

__all__ = [
    "DeployRecord",
    "DynoProcess",
    "LocalApp",
    "ProcfileError",
    "Router",
    "Timing",
    "web_command",
]
