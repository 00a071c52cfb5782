"""Each HerokuClient method: the request it sends and the model it returns (MockTransport)."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from client_helpers import TOKEN

from zdd.errors import ZddError
from zdd.heroku import (
    App,
    BuildpackInstallation,
    Dyno,
    DynoSize,
    Feature,
    Formation,
    FormationUpdate,
    OAuthAuthorization,
    same_size,
)

APP = {
    "id": "a1",
    "name": "myapp",
    "stack": {"id": "s", "name": "heroku-24"},
    "region": {"id": "r", "name": "us"},
    "generation": {"id": "g", "name": "cedar"},
    "owner": {"email": "dev@example.com", "id": "u"},
    "team": None,
    "space": None,
    "web_url": "https://myapp-1234.herokuapp.com/",
    "maintenance": False,
}
FEATURE = {
    "id": "52cb4f79",
    "name": "http-session-affinity",
    "enabled": True,
    "state": "general",
    "description": "Enable session affinity for all requests [general]",
    "doc_url": "https://devcenter.heroku.com/articles/session-affinity",
    "display_name": None,
}
WEB = {
    "id": "f1",
    "type": "web",
    "quantity": 2,
    "size": "Standard-1X",
    "dyno_size": {"id": "d", "name": "Standard-1X"},
    "command": "java -jar app.jar",
    "app": {"id": "a1", "name": "myapp"},
}


class Recorder:
    """Routes (method, path) to a body and records every request."""

    def __init__(self, routes):
        self.routes = routes
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        body = self.routes[(request.method, request.url.path)]
        return httpx.Response(201 if request.method == "POST" else 200, json=body)

    def sent(self):
        last = self.requests[-1]
        body = json.loads(last.content) if last.content else None
        return last.method, last.url.path, body


@pytest.fixture
def api(make_client):
    def build(routes):
        rec = Recorder(routes)
        return make_client(rec), rec

    return build


def test_app_info_and_list(api):
    client, rec = api({("GET", "/apps/myapp"): APP, ("GET", "/apps"): [APP]})
    app = client.app_info("myapp")
    assert app == App.from_api(APP)
    assert (app.name, app.stack, app.region, app.generation) == (
        "myapp",
        "heroku-24",
        "us",
        "cedar",
    )
    assert app.owner_email == "dev@example.com" and app.raw == APP
    assert [a.name for a in client.app_list()] == ["myapp"]


def test_features(api):
    client, rec = api(
        {
            ("GET", "/apps/myapp/features"): [FEATURE],
            ("GET", "/apps/myapp/features/preboot"): {
                **FEATURE,
                "name": "preboot",
                "enabled": False,
            },
            ("PATCH", "/apps/myapp/features/preboot"): {**FEATURE, "name": "preboot"},
        }
    )
    assert client.feature_list("myapp") == [Feature.from_api(FEATURE)]
    assert client.feature_info("myapp", "preboot").enabled is False
    updated = client.feature_update("myapp", "preboot", True)
    assert rec.sent() == ("PATCH", "/apps/myapp/features/preboot", {"enabled": True})
    assert updated.enabled is True
    assert client.stats.writes == 1 and client.stats.requests == 3


def test_formation(api):
    client, rec = api(
        {
            ("GET", "/apps/myapp/formation"): [WEB],
            ("GET", "/apps/myapp/formation/web"): WEB,
            ("PATCH", "/apps/myapp/formation/web"): WEB,
            ("PATCH", "/apps/myapp/formation"): [WEB, {**WEB, "type": "worker", "quantity": 1}],
        }
    )
    (web,) = client.formation_list("myapp")
    assert (web.type, web.quantity, web.size, web.app_name) == ("web", 2, "Standard-1X", "myapp")
    assert client.formation_info("myapp", "web") == web
    client.formation_update("myapp", "web", quantity=2, size="standard-1x")
    assert rec.sent() == (
        "PATCH",
        "/apps/myapp/formation/web",
        {"quantity": 2, "size": "standard-1x"},
    )
    result = client.formation_batch_update(
        "myapp",
        [FormationUpdate("web", 2, "Standard-1X"), FormationUpdate("worker", size="Standard-1X")],
    )
    assert rec.sent()[2] == {
        "updates": [
            {"type": "web", "quantity": 2, "size": "Standard-1X"},
            {"type": "worker", "size": "Standard-1X"},
        ]
    }
    assert [f.type for f in result] == ["web", "worker"]
    with pytest.raises(ValueError):
        client.formation_update("myapp", "web")
    with pytest.raises(ValueError):
        client.formation_batch_update("myapp", [])
    with pytest.raises(ValueError):
        FormationUpdate("web", -1).to_api()


def test_formation_size_compare_is_case_insensitive():
    web = Formation.from_api({**WEB, "dyno_size": {"name": "standard-1x"}, "size": "Standard-1X"})
    assert web.size == "standard-1x"  # dyno_size.name wins over the deprecated size
    assert web.size_is("Standard-1X") and web.size_is("STANDARD-1x")
    assert web.size_in(["Basic", "standard-1X"]) and not web.size_in(["Basic", "Eco"])
    assert same_size("Performance-M", "performance-m") and not same_size("Basic", None)
    legacy = Formation.from_api({"type": "web", "quantity": 1, "size": "Basic"})
    assert legacy.size == "Basic"


def test_config_vars(api):
    client, rec = api(
        {
            ("GET", "/apps/myapp/config-vars"): {"JAVA_OPTS": "-Xss512k"},
            ("PATCH", "/apps/myapp/config-vars"): {"JAVA_OPTS": "-Xss512k", "ZDD_APP": "myapp"},
        }
    )
    assert client.config_vars("myapp") == {"JAVA_OPTS": "-Xss512k"}
    merged = client.config_vars_update("myapp", {"ZDD_APP": "myapp", "OLD": None})
    assert rec.sent() == ("PATCH", "/apps/myapp/config-vars", {"ZDD_APP": "myapp", "OLD": None})
    assert merged == {"JAVA_OPTS": "-Xss512k", "ZDD_APP": "myapp"}


def test_buildpacks(api):
    installed = [
        {"buildpack": {"url": "https://example.com/zdd.tgz", "name": None}, "ordinal": 1},
        {"buildpack": {"url": "urn:buildpack:heroku/jvm", "name": "heroku/jvm"}, "ordinal": 0},
    ]
    client, rec = api(
        {
            ("GET", "/apps/myapp/buildpack-installations"): installed,
            ("PUT", "/apps/myapp/buildpack-installations"): installed,
        }
    )
    listed = client.buildpack_list("myapp")
    assert [b.ordinal for b in listed] == [0, 1]  # sorted by ordinal
    assert listed[0] == BuildpackInstallation(0, "urn:buildpack:heroku/jvm", "heroku/jvm")
    client.buildpack_replace("myapp", ["heroku/jvm", "https://example.com/zdd.tgz"])
    assert rec.sent()[2] == {
        "updates": [{"buildpack": "heroku/jvm"}, {"buildpack": "https://example.com/zdd.tgz"}]
    }


def test_releases(api):
    release = {
        "id": "r2",
        "version": 2,
        "status": "succeeded",
        "current": True,
        "description": "Deploy abc",
        "slug": {"id": "s1"},
        "user": {"email": "dev@example.com", "id": "u"},
    }
    client, rec = api(
        {("GET", "/apps/myapp/releases"): [release], ("GET", "/apps/myapp/releases/2"): release}
    )
    (r,) = client.release_list("myapp", newest_first=True, limit=5)
    assert rec.requests[-1].headers["Range"] == "version ..; max=5, order=desc"
    assert (r.version, r.status, r.current, r.slug_id, r.user_email) == (
        2,
        "succeeded",
        True,
        "s1",
        "dev@example.com",
    )
    assert client.release_info("myapp", 2) == r


def test_release_latest_none_when_no_releases(api):
    client, _ = api({("GET", "/apps/myapp/releases"): []})
    assert client.release_latest("myapp") is None


def test_dynos_sizes_account_rate_limits(api):
    client, _ = api(
        {
            ("GET", "/apps/myapp/dynos"): [
                {
                    "id": "d1",
                    "name": "web.1",
                    "type": "web",
                    "size": "Standard-1X",
                    "state": "up",
                    "release": {"id": "r", "version": 7},
                }
            ],
            ("GET", "/dyno-sizes"): [
                {
                    "id": "z",
                    "name": "Standard-1X",
                    "memory": 0.5,
                    "compute": 1,
                    "dedicated": False,
                    "cost": {"cents": 2500, "unit": "month"},
                    "private_space_only": False,
                }
            ],
            ("GET", "/account"): {"id": "u", "email": "dev@example.com", "name": "Dev"},
            ("GET", "/account/rate-limits"): {"remaining": 4321},
        }
    )
    (dyno,) = client.dyno_list("myapp")
    assert dyno == Dyno("d1", "web.1", "web", "Standard-1X", "up", None, 7)
    (size,) = client.dyno_size_list()
    assert size == DynoSize("z", "Standard-1X", 0.5, 1, False, False, None, 2500, "month")
    assert client.account_info().email == "dev@example.com"
    assert client.rate_limit_remaining() == 4321


def test_oauth_authorizations(api):
    created = {
        "id": "o1",
        "scope": ["read", "write-protected"],
        "description": "zdd release check",
        "access_token": {"id": "t", "token": "HRKU-new-token-value", "expires_in": None},
    }
    listed = [{**created, "access_token": None}]
    client, rec = api(
        {
            ("POST", "/oauth/authorizations"): created,
            ("GET", "/oauth/authorizations"): listed,
            ("DELETE", "/oauth/authorizations/o1"): created,
        }
    )
    auth = client.oauth_authorization_create(["read", "write-protected"], "zdd release check")
    assert rec.sent() == (
        "POST",
        "/oauth/authorizations",
        {"scope": ["read", "write-protected"], "description": "zdd release check"},
    )
    assert auth.access_token == "HRKU-new-token-value"
    assert "HRKU-new-token-value" not in repr(auth) and "HRKU-new-token-value" not in str(auth.raw)
    (again,) = client.oauth_authorization_list()
    assert again.access_token is None and again.scope == ("read", "write-protected")
    client.oauth_authorization_delete("o1")
    assert rec.sent()[:2] == ("DELETE", "/oauth/authorizations/o1")
    assert isinstance(auth, OAuthAuthorization)


def test_delete_404_after_a_retry_counts_as_done(make_client):
    calls = []

    def handler(request):
        calls.append(request)
        if len(calls) == 1:
            raise httpx.ReadTimeout("deleted, but the answer was lost")
        return httpx.Response(404, json={"id": "not_found", "message": "Couldn't find that."})

    make_client(handler).oauth_authorization_delete("o1")
    assert len(calls) == 2


def test_stats_are_thread_safe(make_client):
    lock = threading.Lock()
    n = {"calls": 0}

    def handler(request):
        with lock:
            n["calls"] += 1
        return httpx.Response(200, json=APP)

    client = make_client(handler)
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda _: client.app_info("myapp"), range(200)))
    assert client.stats.requests == 200 == n["calls"]
    assert client.stats.to_dict() == {
        "requests": 200,
        "writes": 0,
        "retries": 0,
        "throttle_waits": 0,
        "uncertain_writes": 0,
    }


def test_client_repr_and_models_hide_the_token(make_client):
    client = make_client(lambda r: httpx.Response(200, json=APP))
    assert TOKEN not in repr(client) and "[redacted]" in repr(client)


def test_uncertain_writes_count_unanswered_and_5xx_writes_only(make_client):
    """A write answered 4xx did not take effect; one unanswered, or answered 5xx, may have."""
    answers = iter(
        [
            httpx.Response(422, json={"id": "invalid_params", "message": "no"}),
            httpx.ReadTimeout("sent, answer lost"),
            httpx.Response(503, json={"id": "unavailable", "message": "later"}),
            httpx.Response(200, json={"enabled": True, "name": "preboot", "id": "f"}),
        ]
    )

    def handler(request):
        answer = next(answers) if request.method != "GET" else httpx.Response(200, json=APP)
        if isinstance(answer, Exception):
            raise answer
        return answer

    client = make_client(handler, max_retries=0)
    for _ in range(3):
        with pytest.raises(ZddError):
            client.feature_update("myapp", "preboot", True)
    client.feature_update("myapp", "preboot", True)
    client.app_info("myapp")
    assert client.stats.uncertain_writes == 2 and client.stats.writes == 4
