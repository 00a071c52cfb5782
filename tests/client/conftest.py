"""Client test fixtures: a fake clock whose sleep advances it, and MockTransport clients."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from client_helpers import BASE, TOKEN, FakeClock

from zdd.heroku import HerokuClient


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
