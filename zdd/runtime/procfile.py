"""The `web` line of an app's Procfile (https://devcenter.heroku.com/articles/procfile)."""

from __future__ import annotations

import re
from pathlib import Path

_LINE = re.compile(r"^([A-Za-z0-9_-]+)\s*:\s*(.+)$")


class ProcfileError(ValueError):
    """No Procfile, or no `web` process type in it; the message says what to add."""


def process_types(text: str) -> dict[str, str]:
    types: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _LINE.match(line)
        if match:
            types[match.group(1)] = match.group(2).strip()
    return types


def web_command(app_dir: str | Path) -> str:
    path = Path(app_dir) / "Procfile"
    if not path.is_file():
        raise ProcfileError(
            f"{path}: no Procfile; add one with a line like `web: java -jar target/app.jar`"
        )
    command = process_types(path.read_text(encoding="utf-8", errors="replace")).get("web")
    if not command:
        raise ProcfileError(f"{path}: no `web:` line; add the command that serves $PORT")
    return command
