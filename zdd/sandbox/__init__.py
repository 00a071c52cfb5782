"""The local Heroku sandbox: a faithful Platform API on loopback, for the demo, tests and bench.

Provenance of platform-api-schema.json (beside this file): heroku/platform-api `schema.json` at
commit d31fba524ee2977519c5187bbf565e699f05b25c, copied byte-for-byte from shared/heroku/.
"""

from zdd.extras import require_extra

require_extra("sandbox")  # starlette/uvicorn missing: one clear line, not an ImportError below

from .app import create_app  # noqa: E402
from .clock import ManualClock, SandboxClock  # noqa: E402
from .rules import PlatformError  # noqa: E402
from .seed import SeedError  # noqa: E402
from .server import SandboxError, SandboxServer  # noqa: E402
from .state import Platform  # noqa: E402

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
