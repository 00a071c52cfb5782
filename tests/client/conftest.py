"""Client test fixtures: a fake clock whose sleep advances it, and MockTransport clients."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from zdd.heroku import HerokuClient

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


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


Handler = Callable[[httpx.Request], httpx.Response]


@pytest.fixture
def make_client(clock: FakeClock):
    """make_client(handler, **kw): a HerokuClient over httpx.MockTransport with the fake clock."""
    made: list[HerokuClient] = []

    def factory(handler: Handler, **kw) -> HerokuClient:
        kw.setdefault("sleep", clock.sleep)
        kw.setdefault("clock", clock)
        http = httpx.Client(transport=httpx.MockTransport(handler))
        client = HerokuClient(kw.pop("base_url", BASE), kw.pop("token", TOKEN), http=http, **kw)
        made.append(client)
        return client

    yield factory
    for client in made:
        client.close()


def api_error(status: int, id: str, message: str, **extra) -> httpx.Response:
    """A Heroku-style error response with a server Request-Id."""
    return httpx.Response(
        status,
        json={"id": id, "message": message, **extra},
        headers={"Request-Id": f"srv-{status}-id,client-id"},
    )
