"""The local Heroku sandbox: a faithful Platform API on loopback, for the demo, tests and bench.

Provenance of platform-api-schema.json (beside this file): heroku/platform-api `schema.json` at
commit d31fba524ee2977519c5187bbf565e699f05b25c, copied byte-for-byte from shared/heroku/.
"""

from .app import create_app
from .clock import ManualClock, SandboxClock
from .rules import PlatformError
from .seed import SeedError
from .server import SandboxError, SandboxServer
from .state import Platform

__all__ = [
    "ManualClock",
    "Platform",
    "PlatformError",
    "SandboxError",
    "SandboxClock",
    "SandboxServer",
    "SeedError",
    "create_app",
]
