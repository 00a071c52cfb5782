"""Optional parts of zdd and the pip extra that installs each (pyproject.toml).

A plain `pip install zdd-heroku` has what setup, check and undo need. The latency picture of
`zdd verify --picture` needs matplotlib (`[picture]`); the local sandbox and the demo need
starlette and uvicorn (`[sandbox]`). Without them zdd says so in one line instead of an
ImportError traceback.
"""

from __future__ import annotations

import importlib

from zdd.errors import ConfigError

__all__ = ["EXTRAS", "MissingExtra", "require_extra"]

#: extra -> (what needs it, the modules it provides)
EXTRAS: dict[str, tuple[str, tuple[str, ...]]] = {
    "picture": ("the latency picture (zdd verify --picture)", ("matplotlib",)),
    "sandbox": ("the local Heroku sandbox and the demo", ("starlette", "uvicorn")),
}


class MissingExtra(ConfigError, ImportError):
    """An optional dependency is not installed; the message names the extra to install."""


def require_extra(extra: str) -> None:
    """Raise MissingExtra (one line, with the pip command) unless `extra`'s modules import."""
    what, modules = EXTRAS[extra]
    missing = []
    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(name)
    if missing:
        raise MissingExtra(
            f"{what[0].upper()}{what[1:]} needs {' and '.join(missing)} (not installed): "
            f"pip install 'zdd-heroku[{extra}]'",
            remedy="",
        )
