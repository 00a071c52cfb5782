"""Shared helpers for the client tests (imported by conftest.py and the test modules)."""

from __future__ import annotations

import httpx

TOKEN = "tok-SECRET-4f1c9e2a-do-not-leak"
BASE = "https://api.heroku.com"


class FakeClock:
    """Monotonic time that only moves when something sleeps; records every sleep."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def api_error(status: int, id: str, message: str, **extra) -> httpx.Response:
    """A Heroku-style error response with a server Request-Id."""
    return httpx.Response(
        status,
        json={"id": id, "message": message, **extra},
        headers={"Request-Id": f"srv-{status}-id,client-id"},
    )
