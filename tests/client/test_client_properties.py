"""Property tests: paging returns each item once in order; scrub and URL rules hold."""

from __future__ import annotations

import httpx
from client_helpers import FakeClock
from hypothesis import given, settings
from hypothesis import strategies as st

from zdd.errors import ConfigError
from zdd.heroku import HerokuClient
from zdd.heroku.responses import scrub
from zdd.heroku.transport import api_base_url, check_token_transport


def paging_handler(total: int, page_size: int):
    def handler(request: httpx.Request) -> httpx.Response:
        rng = request.headers.get("Range", "")
        start = int(rng.split("]")[1].split("..")[0]) + 1 if "]" in rng else 1
        versions = list(range(start, min(total, start + page_size - 1) + 1))
        body = [{"id": f"r{v}", "version": v} for v in versions]
        if versions and versions[-1] < total:
            return httpx.Response(
                206, json=body, headers={"Next-Range": f"version ]{versions[-1]}.."}
            )
        return httpx.Response(200, json=body)

    return handler


@settings(max_examples=60, deadline=None)
@given(total=st.integers(0, 60), page_size=st.integers(1, 25), limit=st.none() | st.integers(1, 70))
def test_paging_returns_every_item_once_in_order(total, page_size, limit):
    clock = FakeClock()
    http = httpx.Client(transport=httpx.MockTransport(paging_handler(total, page_size)))
    client = HerokuClient("https://api.heroku.com", "t", http=http, sleep=clock.sleep, clock=clock)
    got = [r.version for r in client.release_list("x", limit=limit)]
    expected = list(range(1, total + 1))
    assert got == (expected if limit is None else expected[:limit])
    pages_needed = max(1, -(-min(total, limit or total) // page_size))
    assert client.stats.requests == pages_needed


@given(text=st.text(), token=st.text(min_size=1))
def test_scrub_removes_every_occurrence(text, token):
    cleaned = scrub(text + token + text, token)
    assert token not in cleaned or token in "[redacted]"


@given(host=st.text(max_size=40))
def test_base_url_is_https_or_loopback_http_or_refused(host):
    try:
        url = api_base_url({"HEROKU_HOST": host})
    except ConfigError:
        return
    assert url.startswith(("https://", "http://"))
    try:
        check_token_transport(url)
    except ConfigError:
        assert url.startswith("http://")
