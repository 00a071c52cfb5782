"""Concurrent reads against an API that refuses connections: one request retries, the others wait
for it and give up with it, instead of each retrying (and logging) on its own."""

import logging
import socket

import pytest

from zdd.errors import APIConnectionError
from zdd.heroku.client import HerokuClient
from zdd.reader import read_state


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_refused_connections_are_retried_once_for_all_concurrent_reads(caplog):
    caplog.set_level(logging.WARNING)
    url = f"http://127.0.0.1:{closed_port()}"
    with HerokuClient(
        url, "outage-test-token", backoff_initial=0.01, backoff_max=0.02, backoff_jitter=0
    ) as client:
        with pytest.raises(APIConnectionError, match="Connection refused|connection to"):
            read_state(client, "some-app")
        retries = [r for r in caplog.records if "Will retry" in r.getMessage()]
        assert len(retries) == 4  # one request's 4 retries, not 5 requests x 4
        assert client.stats.requests < 5 * 5
        # the outage is over for later requests: they retry on their own again
        caplog.clear()
        with pytest.raises(APIConnectionError):
            client.app_info("some-app")
        assert len([r for r in caplog.records if "Will retry" in r.getMessage()]) == 4
