"""Helpers for the end-to-end tests (imported by conftest and the tests)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
VECTORS = REPO / "tests" / "vectors"


def vector_app(name: str) -> dict:
    (app,) = json.loads((VECTORS / f"{name}.json").read_text())["seed"]["apps"]
    return app
