"""Sandbox test helpers: v3 API clients over real loopback sockets (the sandbox starts in ms)."""

import httpx
import pytest

from zdd.sandbox import ManualClock, Platform, SandboxServer

V3 = "application/vnd.heroku+json; version=3"
# Plain http to loopback only: verify=False just skips loading the CA bundle, which costs ~50 ms
# per httpx.Client (more than a whole sandbox start).
NO_TLS = {"verify": False}


def headers(token: str | None, **extra: str) -> dict:
    out = {"Accept": V3}
    if token:
        out["Authorization"] = f"Bearer {token}"
    out.update(extra)
    return out


@pytest.fixture
def api(sandbox):
    """httpx over loopback to the `sandbox` fixture, with the global token."""
    with httpx.Client(
        base_url=sandbox.url, headers=headers(sandbox.platform.global_token), **NO_TLS
    ) as c:
        yield c


@pytest.fixture
def client_for(sandbox):
    """httpx clients to the `sandbox` fixture with a given token (None: no Authorization)."""
    clients: list[httpx.Client] = []

    def make(token: str | None, **extra: str) -> httpx.Client:
        client = httpx.Client(base_url=sandbox.url, headers=headers(token, **extra), **NO_TLS)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def control(sandbox):
    """httpx client for the sandbox control API (`/__sandbox/...`, no token)."""
    with httpx.Client(base_url=f"{sandbox.url}/__sandbox", **NO_TLS) as client:
        yield client


@pytest.fixture
def clock():
    return ManualClock(start=1_780_000_000.0)


@pytest.fixture
def serve():
    """Start a sandbox over loopback for a custom Platform; returns an httpx client (global
    token unless `token` is given). Everything started is stopped after the test."""
    started: list = []

    def make(platform: Platform, token: str | None = "global") -> httpx.Client:
        server = SandboxServer(platform).start()
        tok = platform.global_token if token == "global" else token
        client = httpx.Client(base_url=server.url, headers=headers(tok), **NO_TLS)
        started.append((server, client))
        return client

    yield make
    for server, client in started:
        client.close()
        server.stop()
