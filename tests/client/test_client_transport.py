"""Transport rules over httpx.MockTransport: URL, headers, retries, pacing, deadline, paging."""

from __future__ import annotations

import logging
import uuid

import httpx
import pytest
from client_helpers import TOKEN, api_error

from zdd import __version__
from zdd.errors import (
    APIConnectionError,
    APITimeout,
    ConfigError,
    DeadlineExceeded,
    NotFound,
    RateLimited,
    ServerError,
)
from zdd.heroku import FormationUpdate, HerokuClient
from zdd.heroku.transport import api_base_url, check_token_transport, netrc_machine
from zdd.loopback import is_loopback

# -- HEROKU_HOST and the plain-http rule -----------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "url", "machine"),
    [
        (None, "https://api.heroku.com", "api.heroku.com"),
        ("", "https://api.heroku.com", "api.heroku.com"),
        ("heroku.com", "https://api.heroku.com", "api.heroku.com"),
        ("staging.herokudev.com", "https://api.staging.herokudev.com", "api.staging.herokudev.com"),
        ("http://127.0.0.1:5000", "http://127.0.0.1:5000", "127.0.0.1"),
        ("http://localhost:8080/", "http://localhost:8080", "localhost"),
        ("https://api.example.com/base/", "https://api.example.com/base", "api.example.com"),
    ],
)
def test_heroku_host_rules(host, url, machine):
    env = {} if host is None else {"HEROKU_HOST": host}
    assert api_base_url(env) == url
    assert netrc_machine(env) == machine


@pytest.mark.parametrize(
    "host", ["httpbin.org", "http://", "ftp.example.com/x", "a b", "http://h:99999", "https//x"]
)
def test_bad_heroku_host_is_a_config_error(host):
    with pytest.raises(ConfigError) as err:
        api_base_url({"HEROKU_HOST": host})
    assert "HEROKU_HOST" in err.value.message
    assert err.value.remedy


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:5000",
        "http://127.9.8.7",
        "http://[::1]:80",
        "http://localhost:1",
        "https://x.y",
    ],
)
def test_token_allowed_over_https_and_loopback_http(url):
    check_token_transport(url)


@pytest.mark.parametrize(
    "url", ["http://evil.example\\@127.0.0.1:5000", "http://user@127.0.0.1", "https://a:b@x.y"]
)
def test_urls_with_user_info_or_backslash_are_refused(url):
    with pytest.raises(ConfigError) as err:
        check_token_transport(url)
    assert "user info or a backslash" in err.value.message


@pytest.mark.parametrize(
    "url", ["http://api.heroku.com", "http://10.0.0.5:5000", "http://localhost.evil.com", "ws://x"]
)
def test_token_refused_over_plain_http_to_remote_hosts(url):
    with pytest.raises(ConfigError) as err:
        check_token_transport(url)
    assert "plain http is allowed only to this machine" in err.value.message
    with pytest.raises(ConfigError):
        HerokuClient(url, TOKEN)


def test_remote_http_heroku_host_refused_by_from_env(monkeypatch):
    monkeypatch.setenv("HEROKU_API_KEY", TOKEN)
    monkeypatch.setenv("HEROKU_HOST", "http://api.example.com")
    with pytest.raises(ConfigError) as err:
        HerokuClient.from_env()
    assert TOKEN not in str(err.value)


def test_is_loopback():
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("LOCALHOST")
    assert not is_loopback("128.0.0.1") and not is_loopback("example.com")


# -- headers ---------------------------------------------------------------------------------------


def test_headers_sent(make_client):
    seen: list[httpx.Request] = []

    def handler(request):
        seen.append(request)
        return httpx.Response(200, json={"id": "a1", "name": "x"})

    client = make_client(handler)
    client.app_info("x")
    client.app_info("x")
    first, second = seen
    assert first.headers["Accept"] == "application/vnd.heroku+json; version=3"
    assert first.headers["Authorization"] == f"Bearer {TOKEN}"
    assert first.headers["User-Agent"].startswith(f"zdd/{__version__}")
    assert uuid.UUID(first.headers["Request-Id"]).version == 4
    assert first.headers["Request-Id"] != second.headers["Request-Id"]
    assert str(first.url) == "https://api.heroku.com/apps/x"


def test_names_are_path_encoded(make_client):
    seen = []

    def handler(request):
        seen.append(request.url.raw_path)
        return httpx.Response(200, json={"id": "f", "name": "a/b", "enabled": True})

    make_client(handler).feature_info("app", "a/b")
    assert seen == [b"/apps/app/features/a%2Fb"]


def test_warning_headers_are_logged(make_client, caplog):
    def handler(request):
        return httpx.Response(
            200,
            json={"id": "a1", "name": "x"},
            headers={"X-Heroku-Warning": "this endpoint is deprecated", "Warning-Message": "hi"},
        )

    with caplog.at_level(logging.WARNING, logger="zdd.heroku"):
        make_client(handler).app_info("x")
    text = caplog.text
    assert "this endpoint is deprecated" in text and "hi" in text


# -- retries ---------------------------------------------------------------------------------------


def flaky(failures: list, final: httpx.Response):
    """Handler that answers (or raises) each of ``failures`` in turn, then ``final``."""
    calls: list[httpx.Request] = []

    def handler(request):
        calls.append(request)
        if len(calls) <= len(failures):
            item = failures[len(calls) - 1]
            if isinstance(item, Exception):
                raise item
            return item
        return final

    handler.calls = calls
    return handler


OK_APP = httpx.Response(200, json={"id": "a1", "name": "x"})


@pytest.mark.parametrize(
    "failure",
    [
        api_error(429, "rate_limit", "Your account reached the API rate limit"),
        api_error(503, "unavailable", "Service unavailable"),
        httpx.Response(502, text="<html>Bad gateway</html>"),
        httpx.ConnectError("connection refused"),
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
        httpx.ReadTimeout("timed out"),
    ],
    ids=["429", "503", "502-html", "refused", "dropped", "read-timeout"],
)
def test_get_is_retried_on_transient_failures(make_client, clock, failure):
    handler = flaky([failure, failure], OK_APP)
    client = make_client(handler)
    assert client.app_info("x").name == "x"
    assert len(handler.calls) == 3
    assert client.stats.requests == 3 and client.stats.retries == 2 and client.stats.writes == 0
    # exponential backoff with jitter: 0.5*2^0 + [0, 0.5], then 0.5*2^1 + [0, 0.5];
    # after a 429 each retry also waits for the budget (pacing), which comes after the backoff
    backoff = clock.sleeps[::2] if client.stats.throttle_waits else clock.sleeps
    assert len(clock.sleeps) == 2 + client.stats.throttle_waits
    assert 0.5 <= backoff[0] <= 1.0 and 1.0 <= backoff[1] <= 1.5


def test_backoff_is_bounded_and_gives_up_after_max_retries(make_client, clock):
    handler = flaky([api_error(503, "unavailable", "down")] * 20, OK_APP)
    client = make_client(handler, max_retries=6)
    with pytest.raises(ServerError) as err:
        client.app_info("x")
    assert len(handler.calls) == 7
    assert err.value.attempts == 7
    assert "gave up after 7 attempts" in str(err.value)
    assert "srv-503-id" in str(err.value)
    bases = [min(8.0, 0.5 * 2**i) for i in range(6)]  # exponential, capped at backoff_max
    assert all(b <= s <= b + 0.5 for b, s in zip(bases, clock.sleeps, strict=True))


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_4xx_is_not_retried(make_client, clock, status):
    handler = flaky([api_error(status, "x", "no")] * 3, OK_APP)
    client = make_client(handler)
    with pytest.raises(Exception):  # noqa: B017 - the type is checked in test_client_errors
        client.app_info("x")
    assert len(handler.calls) == 1
    assert clock.sleeps == [] and client.stats.retries == 0


@pytest.mark.parametrize(
    "failure",
    [
        api_error(503, "unavailable", "down"),
        api_error(429, "rate_limit", "slow down"),
        httpx.ReadTimeout("sent, then no answer"),
        httpx.RemoteProtocolError("dropped after the request was sent"),
    ],
    ids=["503", "429", "read-timeout", "dropped"],
)
def test_post_is_never_retried_once_it_may_have_reached_the_server(make_client, failure):
    handler = flaky([failure], httpx.Response(201, json={"id": "o1", "scope": ["read"]}))
    client = make_client(handler)
    with pytest.raises((RateLimited, ServerError, APIConnectionError)):
        client.oauth_authorization_create(scope=["read"], description="zdd")
    assert len(handler.calls) == 1
    assert client.stats.retries == 0


def test_post_is_retried_when_the_connection_was_never_made(make_client):
    created = {"id": "o1", "scope": ["read"], "access_token": {"token": "new-tok", "expires_in": 1}}
    handler = flaky([httpx.ConnectError("refused")], httpx.Response(201, json=created))
    client = make_client(handler)
    auth = client.oauth_authorization_create(scope=["read"])
    assert auth.access_token == "new-tok"
    assert len(handler.calls) == 2


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.feature_update("x", "preboot", True),
        lambda c: c.formation_update("x", "web", quantity=2, size="Standard-1X"),
        lambda c: c.formation_batch_update("x", [FormationUpdate("web", 2, "Standard-1X")]),
        lambda c: c.config_vars_update("x", {"A": "1"}),
        lambda c: c.buildpack_replace("x", ["heroku/jvm"]),
    ],
    ids=["feature", "formation", "formation-batch", "config-vars", "buildpacks"],
)
def test_absolute_writes_are_retried_on_5xx_429_and_drops(make_client, call):
    bodies = {
        "/apps/x/features/preboot": {"id": "f", "name": "preboot", "enabled": True},
        "/apps/x/formation/web": {"id": "w", "type": "web", "quantity": 2, "size": "Standard-1X"},
        "/apps/x/formation": [{"id": "w", "type": "web", "quantity": 2, "size": "Standard-1X"}],
        "/apps/x/config-vars": {"A": "1"},
        "/apps/x/buildpack-installations": [{"buildpack": {"url": "u", "name": "heroku/jvm"}}],
    }
    failures = [
        api_error(503, "unavailable", "down"),
        api_error(429, "rate_limit", "slow"),
        httpx.RemoteProtocolError("dropped"),
    ]
    calls = []

    def handler(request):
        calls.append(request)
        if len(calls) <= len(failures):
            item = failures[len(calls) - 1]
            if isinstance(item, Exception):
                raise item
            return item
        return httpx.Response(200, json=bodies[request.url.path])

    client = make_client(handler)
    call(client)
    assert len(calls) == 4
    assert {r.content for r in calls} == {calls[0].content}  # the same body every time
    assert client.stats.writes == 4 and client.stats.retries == 3


def test_retry_logs_say_why_and_how_long(make_client, caplog):
    handler = flaky([api_error(503, "unavailable", "maintenance")], OK_APP)
    with caplog.at_level(logging.WARNING, logger="zdd.heroku"):
        make_client(handler).app_info("x")
    assert "Will retry GET /apps/x in" in caplog.text
    assert "maintenance" in caplog.text


def test_connection_error_message_names_host_and_request_id(make_client):
    handler = flaky([httpx.ConnectError("refused")] * 9, OK_APP)
    client = make_client(handler, max_retries=1)
    with pytest.raises(APIConnectionError) as err:
        client.app_info("x")
    assert "connection to https://api.heroku.com failed" in err.value.message
    assert err.value.request_id in err.value.message
    assert isinstance(err.value.__cause__, httpx.ConnectError)


def test_timeout_is_an_api_timeout(make_client):
    handler = flaky([httpx.ConnectTimeout("slow")] * 9, OK_APP)
    with pytest.raises(APITimeout):
        make_client(handler, max_retries=0).app_info("x")


# -- rate limit pacing -----------------------------------------------------------------------------


def test_plenty_of_budget_means_no_waiting(make_client, clock):
    client = make_client(
        lambda r: httpx.Response(200, json=[], headers={"RateLimit-Remaining": "4000"})
    )
    for _ in range(5):
        client.dyno_list("x")
    assert clock.sleeps == [] and client.stats.throttle_waits == 0
    assert client.last_rate_limit_remaining == 4000


def test_low_budget_paces_requests_to_the_refill_rate(make_client, clock):
    remaining = iter([30, 29, 28, 27, 26])
    client = make_client(
        lambda r: httpx.Response(
            200, json=[], headers={"RateLimit-Remaining": str(next(remaining))}
        )
    )
    start = clock.now
    for _ in range(5):
        client.dyno_list("x")
    # the first request learns the budget; the next four are spaced one refill interval apart
    assert client.stats.throttle_waits == 4
    assert clock.now - start == pytest.approx(4 * 60 / 75, abs=0.01)


def test_empty_budget_waits_longer(make_client, clock):
    client = make_client(
        lambda r: httpx.Response(200, json=[], headers={"RateLimit-Remaining": "0"})
    )
    client.dyno_list("x")
    client.dyno_list("x")
    assert clock.sleeps and clock.sleeps[0] >= 60 / 75


def test_a_429_without_header_counts_as_an_empty_budget(make_client, clock):
    handler = flaky([api_error(429, "rate_limit", "slow down")], OK_APP)
    client = make_client(handler, backoff_jitter=0)
    client.app_info("x")
    assert client.last_rate_limit_remaining == 0
    assert client.stats.throttle_waits == 1  # the retry also waited for a token to come back


# -- deadline --------------------------------------------------------------------------------------


def test_deadline_stops_retries(make_client, clock):
    handler = flaky([api_error(503, "unavailable", "down")] * 50, OK_APP)
    client = make_client(handler, deadline=3.0, max_retries=50, backoff_jitter=0)
    with pytest.raises(DeadlineExceeded) as err:
        client.app_info("x")
    # waits of 0.5 + 1 fit in 3 s; the next 2 s wait would pass it
    assert len(handler.calls) == 3
    assert "3s deadline" in err.value.message and "down" in err.value.message
    assert isinstance(err.value.__cause__, ServerError)
    assert sum(clock.sleeps) < 3.0


def test_deadline_stops_before_a_request_when_time_is_up(make_client, clock):
    handler = flaky([], OK_APP)
    client = make_client(handler, deadline=10.0)
    client.app_info("x")
    clock.now += 11
    with pytest.raises(DeadlineExceeded):
        client.app_info("x")
    assert len(handler.calls) == 1
    client.restart_deadline(10.0)
    client.app_info("x")
    assert len(handler.calls) == 2


def test_deadline_caps_the_http_timeout(make_client, clock):
    timeouts = []

    def handler(request):
        timeouts.append(request.extensions["timeout"]["read"])
        return OK_APP

    client = make_client(handler, deadline=5.0)
    client.app_info("x")
    clock.now += 4.0
    client.app_info("x")
    assert timeouts[0] == pytest.approx(5.0) and timeouts[1] == pytest.approx(1.0)


def test_pacing_wait_counts_against_the_deadline(make_client, clock):
    client = make_client(
        lambda r: httpx.Response(200, json=[], headers={"RateLimit-Remaining": "0"}),
        deadline=1.0,
    )
    client.dyno_list("x")
    with pytest.raises(DeadlineExceeded) as err:
        client.dyno_list("x")
    assert "rate limit" in err.value.message


# -- pagination ------------------------------------------------------------------------------------


def paged_releases(total: int, page_size: int):
    """A handler serving releases 1..total in pages, Heroku style (206 + Next-Range)."""
    seen_ranges: list[str | None] = []

    def handler(request):
        rng = request.headers.get("Range")
        seen_ranges.append(rng)
        start = 1
        if rng and rng.startswith("version ]"):
            start = int(rng.split("]")[1].split("..")[0]) + 1
        versions = list(range(start, min(total, start + page_size - 1) + 1))
        body = [{"id": f"r{v}", "version": v} for v in versions]
        if versions and versions[-1] < total:
            return httpx.Response(
                206,
                json=body,
                headers={"Next-Range": f"version ]{versions[-1]}..; max={page_size}"},
            )
        return httpx.Response(200, json=body)

    handler.ranges = seen_ranges
    return handler


def test_pagination_follows_next_range(make_client):
    handler = paged_releases(total=7, page_size=3)
    client = make_client(handler)
    releases = client.release_list("x")
    assert [r.version for r in releases] == [1, 2, 3, 4, 5, 6, 7]
    assert handler.ranges == [
        "version ..; max=1000, order=asc",
        "version ]3..; max=3",
        "version ]6..; max=3",
    ]
    assert client.stats.requests == 3


def test_limit_stops_paging_early(make_client):
    handler = paged_releases(total=50, page_size=3)
    releases = make_client(handler).release_list("x", limit=4)
    assert [r.version for r in releases] == [1, 2, 3, 4]
    assert len(handler.ranges) == 2


def test_release_latest_asks_for_the_newest_one(make_client):
    seen = []

    def handler(request):
        seen.append(request.headers.get("Range"))
        return httpx.Response(200, json=[{"id": "r9", "version": 9, "current": True}])

    latest = make_client(handler).release_latest("x")
    assert latest.version == 9
    assert seen == ["version ..; max=1, order=desc"]


def test_pages_are_retried_individually(make_client):
    inner = paged_releases(total=4, page_size=2)
    calls = []

    def handler(request):
        calls.append(request)
        if len(calls) == 2:
            raise httpx.RemoteProtocolError("dropped on page 2")
        return inner(request)

    client = make_client(handler)
    assert [r.version for r in client.release_list("x")] == [1, 2, 3, 4]
    assert client.stats.retries == 1


def test_repeated_next_range_is_an_error_not_a_loop(make_client):
    from zdd.errors import InvalidResponse

    def handler(request):
        return httpx.Response(206, json=[{"id": "d", "name": "web.1"}], headers={"Next-Range": "x"})

    with pytest.raises(InvalidResponse, match="same Next-Range twice"):
        make_client(handler).dyno_list("x")


def test_not_found_during_paging_is_not_found(make_client):
    with pytest.raises(NotFound):
        make_client(lambda r: api_error(404, "not_found", "Couldn't find that app.")).dyno_list("x")
