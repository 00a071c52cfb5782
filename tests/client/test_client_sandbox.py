"""End to end: HerokuClient against the local sandbox over real loopback HTTP.

Retry waits use a fake clock so the tests do not sleep; the bytes still cross a real socket,
and faults (429, 5xx, dropped connections, latency) are injected by the sandbox itself.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

import pytest
from client_helpers import FakeClock

from zdd.errors import (
    APIConnectionError,
    Forbidden,
    InvalidParams,
    NotFound,
    PrebootInProgress,
    RateLimited,
    ServerError,
    Unauthorized,
)
from zdd.heroku import FormationUpdate, HerokuClient
from zdd.sandbox import Platform, SandboxServer

pytestmark = pytest.mark.slow

APP = "zdd-demo"


@pytest.fixture
def serve():
    """serve(platform) -> a started SandboxServer, stopped after the test."""
    servers: list[SandboxServer] = []

    def start(platform: Platform) -> SandboxServer:
        server = SandboxServer(platform).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def client(sandbox, clock):
    with HerokuClient(
        sandbox.url, sandbox.platform.global_token, sleep=clock.sleep, clock=clock
    ) as c:
        yield c


def writes_seen(platform: Platform) -> list[dict]:
    return [r for r in platform.request_log() if r["method"] != "GET"]


# -- every method ----------------------------------------------------------------------------------


def test_from_env_against_the_sandbox(sandbox_env):
    with HerokuClient.from_env() as c:
        assert c.token_source == "HEROKU_API_KEY"
        assert c.base_url == sandbox_env.url
        assert c.app_info(APP).name == APP


def test_reads(client):
    assert [a.name for a in client.app_list()] == [APP]
    app = client.app_info(APP)
    assert (app.name, app.stack, app.region) == (APP, "heroku-24", "us")
    features = {f.name: f for f in client.feature_list(APP)}
    assert features["preboot"].enabled is False
    assert features["http-session-affinity"].enabled is False
    assert client.feature_info(APP, "preboot") == features["preboot"]
    formation = {f.type: f for f in client.formation_list(APP)}
    assert formation["web"].quantity == 1 and formation["web"].size_is("basic")
    assert client.formation_info(APP, "web") == formation["web"]
    assert client.config_vars(APP) == {"JAVA_OPTS": "-Xss512k"}
    (bp,) = client.buildpack_list(APP)
    assert bp.name in ("heroku/java", "heroku/jvm") or "java" in bp.url
    latest = client.release_latest(APP)
    assert latest is not None and latest.current
    assert client.release_info(APP, latest.version) == latest
    assert [r.version for r in client.release_list(APP)][-1] == latest.version
    assert {d.type for d in client.dyno_list(APP)} == {"web", "worker"}
    sizes = {s.name.lower(): s for s in client.dyno_size_list()}
    assert "standard-1x" in sizes and "basic" in sizes
    assert client.account_info().email == "dev@example.com"
    assert client.rate_limit_remaining() > 0
    assert client.stats.writes == 0


def test_writes(client, sandbox):
    updated = client.formation_batch_update(
        APP,
        [FormationUpdate("web", 2, "standard-1x"), FormationUpdate("worker", size="Standard-1X")],
    )
    by_type = {f.type: f for f in updated}
    assert by_type["web"].quantity == 2 and by_type["web"].size_is("Standard-1X")
    assert by_type["worker"].size_is("standard-1X")
    web = client.formation_update(APP, "web", quantity=3)
    assert (web.quantity, web.size.lower()) == (3, "standard-1x")
    assert client.feature_update(APP, "preboot", True).enabled is True
    assert client.feature_info(APP, "preboot").enabled is True
    before = client.release_latest(APP).version
    merged = client.config_vars_update(APP, {"ZDD_APP": APP, "JAVA_OPTS": None})
    assert merged == {"ZDD_APP": APP}
    assert client.release_latest(APP).version > before
    bps = client.buildpack_replace(APP, ["heroku/jvm", "https://example.com/zdd.tgz"])
    assert [b.ordinal for b in bps] == [0, 1] and bps[1].url == "https://example.com/zdd.tgz"
    assert client.stats.writes == 5 == len(writes_seen(sandbox.platform))


def test_preboot_on_basic_is_refused_with_a_remedy(client):
    with pytest.raises(InvalidParams) as err:
        client.feature_update(APP, "preboot", True)
    assert "Standard-1X" in err.value.remedy


def test_oauth_authorizations(client):
    auth = client.oauth_authorization_create(["read"], description="zdd release check")
    assert auth.access_token and auth.scope == ("read",)
    listed = {a.id: a for a in client.oauth_authorization_list()}
    assert auth.id in listed and listed[auth.id].access_token is None
    with HerokuClient(client.base_url, auth.access_token) as reader:
        assert reader.app_info(APP).name == APP
        with pytest.raises(Forbidden) as err:
            reader.config_vars(APP)
        assert err.value.missing_scope and "read-protected" in err.value.remedy
    client.oauth_authorization_delete(auth.id)
    assert auth.id not in {a.id for a in client.oauth_authorization_list()}


# -- errors from the real server -------------------------------------------------------------------


def test_error_kinds(client, sandbox):
    with pytest.raises(NotFound) as err:
        client.app_info("no-such-app")
    assert err.value.resource == "app" and err.value.request_id
    assert err.value.request_id in str(err.value)
    with pytest.raises(NotFound) as err:
        client.feature_info(APP, "no-such-feature")
    assert err.value.resource == "feature"
    with pytest.raises(NotFound) as err:
        client.formation_update(APP, "clock", quantity=1)
    assert err.value.resource == "formation"
    with pytest.raises(InvalidParams) as err:
        client.formation_update(APP, "web", quantity=2)  # Basic allows one per type
    with pytest.raises(InvalidParams):
        client.formation_update(APP, "worker", size="Standard-1X")  # mixing Basic and Standard
    with pytest.raises(Unauthorized):
        HerokuClient(sandbox.url, "wrong-token").app_info(APP)


def test_preboot_in_progress(client, sandbox):
    client.formation_batch_update(
        APP,
        [FormationUpdate("web", 2, "Standard-1X"), FormationUpdate("worker", size="Standard-1X")],
    )
    sandbox.platform.start_preboot(APP, 300)
    with pytest.raises(PrebootInProgress) as err:
        client.formation_update(APP, "web", quantity=3)
    assert "preboot" in str(err.value).lower() and err.value.attempts == 1


# -- pagination over real pages --------------------------------------------------------------------


def test_pagination_across_real_pages(serve):
    seed = {"apps": [{"name": "many", "formation": [], "releases": 1205}]}
    server = serve(Platform.from_seed(seed))
    with HerokuClient(server.url, server.platform.global_token) as c:
        versions = [r.version for r in c.release_list("many")]
        assert versions == list(range(1, 1206))
        assert c.stats.requests == 2  # pages of 1000 (Heroku's maximum)
        newest = [r.version for r in c.release_list("many", newest_first=True, limit=3)]
        assert newest == [1205, 1204, 1203]
        assert c.release_latest("many").version == 1205
        small = c._transport.request_all("/apps/many/releases", range_header="version ..; max=100")
        assert [r["version"] for r in small] == versions
    pages = [r for r in server.platform.request_log() if r["path"] == "/apps/many/releases"]
    assert [p["status"] for p in pages][-13:] == [206] * 12 + [200]


# -- retries under injected faults -----------------------------------------------------------------


@pytest.mark.parametrize(
    "fault",
    [
        {"kind": "rate_limit"},
        {"kind": "status", "status": 503},
        {"kind": "status", "status": 500},
        {"kind": "drop"},
    ],
    ids=["429", "503", "500", "drop"],
)
def test_get_survives_faults(client, sandbox, fault):
    sandbox.platform.faults.add(route=f"GET /apps/{APP}", count=2, **fault)
    assert client.app_info(APP).name == APP
    log = [r for r in sandbox.platform.request_log() if r["path"] == f"/apps/{APP}"]
    assert len(log) == 3 and log[-1]["status"] == 200
    assert client.stats.retries == 2


@pytest.mark.parametrize("kind", ["rate_limit", "status", "drop"])
def test_idempotent_write_survives_faults_and_lands_once_in_effect(client, sandbox, kind):
    sandbox.platform.faults.add(kind, route="PATCH /apps/*/features/*", count=2)
    assert client.feature_update(APP, "http-session-affinity", True).enabled
    assert client.feature_info(APP, "http-session-affinity").enabled
    assert client.stats.writes == 3 and client.stats.retries == 2


@pytest.mark.parametrize("kind", ["rate_limit", "status", "drop"])
def test_post_is_not_retried_against_the_sandbox(client, sandbox, kind):
    sandbox.platform.faults.add(kind, route="POST /oauth/authorizations", count=1)
    before = len(client.oauth_authorization_list())
    with pytest.raises((RateLimited, ServerError, APIConnectionError)):
        client.oauth_authorization_create(["read"])
    posts = [r for r in sandbox.platform.request_log() if r["method"] == "POST"]
    assert len(posts) == 1 and client.stats.retries == 0
    assert len(client.oauth_authorization_list()) == before


def test_persistent_5xx_gives_up_with_request_id(client, sandbox):
    sandbox.platform.faults.add("status", route="GET /account", count=None, status=503)
    with pytest.raises(ServerError) as err:
        client.account_info()
    assert err.value.attempts == 5 and err.value.request_id in str(err.value)


def test_read_timeout_is_retried(sandbox, clock):
    sandbox.platform.faults.add("latency", route=f"GET /apps/{APP}", count=1, seconds=0.7)
    with HerokuClient(
        sandbox.url, sandbox.platform.global_token, sleep=clock.sleep, clock=clock, timeout=0.3
    ) as c:
        assert c.app_info(APP).name == APP
        assert c.stats.retries == 1


# -- rate limit budget -----------------------------------------------------------------------------


def test_pacing_keeps_a_small_budget_from_running_out(serve):
    """Client and sandbox share a fake clock: pacing sleeps let the sandbox's bucket refill."""
    clock = FakeClock()
    platform = Platform.from_seed(
        {"apps": [{"name": "paced"}], "rate_limit": {"capacity": 20, "refill_per_minute": 75}},
        clock=clock,
    )
    server = serve(platform)
    with HerokuClient(
        server.url, platform.global_token, sleep=clock.sleep, clock=clock, low_water=10
    ) as c:
        for _ in range(60):
            c.app_info("paced")
        assert c.stats.retries == 0 and c.stats.throttle_waits > 0
    assert all(r["status"] == 200 for r in platform.request_log())


def test_without_pacing_the_same_budget_runs_out(serve):
    clock = FakeClock()
    platform = Platform.from_seed(
        {"apps": [{"name": "paced"}], "rate_limit": {"capacity": 20, "refill_per_minute": 75}},
        clock=clock,
    )
    server = serve(platform)
    with HerokuClient(
        server.url, platform.global_token, sleep=lambda s: None, clock=clock, low_water=0
    ) as c:
        with pytest.raises(RateLimited):
            for _ in range(60):
                c.app_info("paced")


# -- concurrency and secrecy -----------------------------------------------------------------------


def test_concurrent_reads_share_one_client(client, sandbox):
    calls = [
        lambda: client.app_info(APP),
        lambda: client.feature_list(APP),
        lambda: client.formation_list(APP),
        lambda: client.config_vars(APP),
        lambda: client.buildpack_list(APP),
        lambda: client.release_latest(APP),
    ] * 10
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(lambda f: f(), calls))
    assert len(results) == 60
    assert client.stats.requests == 60 == len(sandbox.platform.request_log())


def test_token_never_logged_end_to_end(sandbox, clock, caplog):
    caplog.set_level(logging.DEBUG)
    token = sandbox.platform.global_token
    sandbox.platform.faults.add("status", route="GET /apps/*", count=2, status=503)
    with HerokuClient(sandbox.url, token, sleep=clock.sleep, clock=clock) as c:
        c.app_info(APP)
        with pytest.raises(NotFound) as err:
            c.app_info("missing-app")
        texts = [str(err.value), repr(err.value), repr(c), caplog.text]
    assert caplog.text  # something was logged (retries, requests)
    assert all(token not in t for t in texts)


def test_a_404_on_a_batch_formation_update_names_the_process_types(client):
    """Issue 8 item 13: not "no process type 'formation'" (the path's last segment)."""
    with pytest.raises(NotFound) as err:
        client.formation_batch_update(APP, [FormationUpdate("clock", 1, None)])
    text = str(err.value)
    assert "'formation'" not in text
    assert "'clock'" in text and "Procfile" in text and f"heroku ps --app {APP}" in text
