"""The wire protocol over a real socket: Accept, auth, scopes, rate limit, ETag, Request-Id,
Range."""

import base64
import re
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from zdd.sandbox import Platform

V3 = "application/vnd.heroku+json; version=3"


def many(apps: int = 0, releases: int = 1, **extra) -> Platform:
    seed = {"apps": [{"name": f"app-{n:03d}", "releases": releases} for n in range(apps)], **extra}
    return Platform.from_seed(seed)


def test_missing_or_wrong_accept_is_406(api, client_for):
    token = api.headers["authorization"].removeprefix("Bearer ")
    bare = client_for(token)
    del bare.headers["Accept"]
    responses = [
        bare.get("/apps/zdd-demo"),
        api.get("/apps/zdd-demo", headers={"Accept": "application/json"}),
        api.get("/apps/zdd-demo", headers={"Accept": "application/vnd.heroku+json; version=2"}),
    ]
    for r in responses:
        assert (r.status_code, r.json()["id"]) == (406, "not_acceptable")
    assert api.get("/apps/zdd-demo", headers={"Accept": V3 + ".sdk"}).status_code == 200


def test_missing_and_unknown_tokens_are_401(client_for):
    r = client_for(None).get("/apps")
    assert r.status_code == 401 and r.json()["id"] == "unauthorized"
    assert "no credentials" in r.json()["message"]
    r = client_for("HRKU-not-a-token").get("/apps")
    assert r.status_code == 401 and r.json()["message"] == "Invalid credentials provided."


def test_basic_auth_with_empty_user_and_token_password(sandbox, client_for):
    token = sandbox.platform.global_token
    client = client_for(None)
    basic = base64.b64encode(f":{token}".encode()).decode()
    assert client.get("/apps", headers={"Authorization": f"Basic {basic}"}).status_code == 200
    netrc_style = base64.b64encode(f"dev@example.com:{token}".encode()).decode()
    assert client.get("/apps", headers={"Authorization": f"Basic {netrc_style}"}).status_code == 200
    wrong = base64.b64encode(b":HRKU-wrong").decode()
    assert client.get("/apps", headers={"Authorization": f"Basic {wrong}"}).status_code == 401


def test_scopes_decide_403_and_headers_say_why(api, client_for):
    created = api.post("/oauth/authorizations", json={"scope": ["read"], "description": "ro"})
    assert created.status_code == 201
    read_token = created.json()["access_token"]["token"]
    ro = client_for(read_token)
    r = ro.get("/apps/zdd-demo/formation")
    assert r.status_code == 200
    assert r.headers["Oauth-Scope"] == "read"
    assert r.headers["Oauth-Scope-Accepted"] == "global read read-protected write write-protected"
    r = ro.get("/apps/zdd-demo/config-vars")
    assert (r.status_code, r.json()["id"]) == (403, "forbidden")
    assert r.headers["Oauth-Scope-Accepted"] == "global read-protected write-protected"
    r = ro.patch("/apps/zdd-demo/features/preboot", json={"enabled": False})
    assert r.status_code == 403
    assert ro.post("/oauth/authorizations", json={"scope": ["global"]}).status_code == 403

    rp = api.post("/oauth/authorizations", json={"scope": ["read-protected"]}).json()
    rp_client = client_for(rp["access_token"]["token"])
    assert rp_client.get("/apps/zdd-demo/config-vars").status_code == 200
    assert rp_client.patch("/apps/zdd-demo/config-vars", json={"A": "b"}).status_code == 403
    wp = api.post("/oauth/authorizations", json={"scope": ["write-protected"]}).json()
    wp_client = client_for(wp["access_token"]["token"])
    assert wp_client.patch("/apps/zdd-demo/config-vars", json={"A": "b"}).status_code == 200
    r = wp_client.put("/apps/zdd-demo/buildpack-installations", json={"updates": []})
    assert r.status_code == 200
    w = api.post("/oauth/authorizations", json={"scope": ["write"]}).json()
    w_client = client_for(w["access_token"]["token"])
    assert w_client.patch("/apps/zdd-demo/config-vars", json={"A": "c"}).status_code == 403
    assert w_client.patch("/apps/zdd-demo/formation/web", json={"quantity": 0}).status_code == 200

    assert api.delete(f"/oauth/authorizations/{created.json()['id']}").status_code == 200
    assert ro.get("/apps/zdd-demo").status_code == 401


def test_rate_limit_counts_down_then_429_and_rate_limits_endpoint_is_free(serve):
    client = serve(Platform.from_seed({"rate_limit": {"capacity": 5, "refill_per_minute": 0}}))
    remaining = [int(client.get("/apps").headers["RateLimit-Remaining"]) for _ in range(5)]
    assert remaining == [4, 3, 2, 1, 0]
    r = client.get("/apps")
    assert r.status_code == 429
    assert r.json() == {
        "id": "rate_limit",
        "message": "Your account reached the API rate limit\n"
        "Please wait a few minutes before making new requests",
        "url": "https://devcenter.heroku.com/articles/platform-api-reference#rate-limits",
    }
    for _ in range(3):
        free = client.get("/account/rate-limits")
        assert free.status_code == 200 and free.json() == {"remaining": 0}


def test_rate_limit_refills_over_time(serve, clock):
    platform = Platform.from_seed(
        {"rate_limit": {"capacity": 2, "refill_per_minute": 60}}, clock=clock
    )
    client = serve(platform)
    client.get("/apps"), client.get("/apps")
    assert client.get("/apps").status_code == 429
    clock.advance(1.0)
    assert client.get("/apps").status_code == 200


def test_etag_and_if_none_match_give_304_until_the_resource_changes(api):
    first = api.get("/apps/zdd-demo/features/preboot")
    tag = first.headers["ETag"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', tag) and first.headers["Last-Modified"]
    again = api.get("/apps/zdd-demo/features/preboot", headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.content == b""
    api.patch("/apps/zdd-demo/features/http-session-affinity", json={"enabled": True})
    assert (
        api.get("/apps/zdd-demo/features/preboot", headers={"If-None-Match": tag}).status_code
        == 304
    )
    api.patch(
        "/apps/zdd-demo/formation",
        json={"updates": [{"type": t, "size": "Standard-1X"} for t in ("web", "worker")]},
    )
    api.patch("/apps/zdd-demo/features/preboot", json={"enabled": True})
    changed = api.get("/apps/zdd-demo/features/preboot", headers={"If-None-Match": tag})
    assert changed.status_code == 200 and changed.json()["enabled"] is True


def test_if_match_mismatch_on_write_is_412(api):
    tag = api.get("/apps/zdd-demo/config-vars").headers["ETag"]
    r = api.patch("/apps/zdd-demo/config-vars", json={"A": "1"}, headers={"If-Match": tag})
    assert r.status_code == 200
    r = api.patch("/apps/zdd-demo/config-vars", json={"A": "2"}, headers={"If-Match": tag})
    assert r.status_code == 412 and r.json()["id"] == "precondition_failed"


def test_request_id_is_server_first_then_client_chain(api):
    mine = str(uuid.uuid4())
    r = api.get("/apps/zdd-demo", headers={"Request-Id": mine})
    ids = r.headers["Request-Id"].split(",")
    assert len(ids) == 2 and ids[1] == mine and ids[0] != mine
    uuid.UUID(ids[0])
    alone = api.get("/apps/zdd-demo").headers["Request-Id"]
    assert "," not in alone and alone != ids[0]


def test_response_headers_match_the_real_api(api):
    r = api.get("/apps/zdd-demo/formation")
    for name in (
        "Cache-Control",
        "Ratelimit-Multiplier",
        "X-Content-Type-Options",
        "X-Runtime",
        "Vary",
    ):
        assert name in r.headers, name
    assert r.headers["Content-Type"] == "application/json"
    assert r.headers["Accept-Ranges"] == "id, type"
    assert r.headers["Content-Range"].startswith("id ")
    assert "Next-Range" not in r.headers


def test_unknown_endpoint_and_wrong_verb_are_404_and_cost_a_token(api, sandbox):
    before = sandbox.platform.rate_limit_info()["remaining"]
    for r in (api.get("/nothing/here"), api.delete("/apps/zdd-demo/formation")):
        assert r.status_code == 404 and "API endpoint was not found" in r.json()["message"]
    assert sandbox.platform.rate_limit_info()["remaining"] == before - 2


def test_method_override_turns_post_into_patch(api):
    r = api.post(
        "/apps/zdd-demo/formation/web",
        json={"quantity": 0},
        headers={"X-Http-Method-Override": "PATCH"},
    )
    assert r.status_code == 200 and r.json()["quantity"] == 0


def test_invalid_json_is_400(api):
    r = api.patch("/apps/zdd-demo/config-vars", content=b"{not json")
    assert (r.status_code, r.json()["id"]) == (400, "bad_request")


def test_pagination_walks_releases_in_pages_both_ways(serve):
    client = serve(many(apps=1, releases=450))
    got, rng, statuses = [], None, []
    while True:
        r = client.get("/apps/app-000/releases", headers={"Range": rng} if rng else {})
        statuses.append(r.status_code)
        got += [rel["version"] for rel in r.json()]
        if r.status_code != 206:
            assert "Next-Range" not in r.headers
            break
        rng = r.headers["Next-Range"]
    assert statuses == [206, 206, 200]
    assert got == list(range(1, 451))
    r = client.get("/apps/app-000/releases", headers={"Range": "version ..; max=1, order=desc"})
    assert r.status_code == 206 and [x["version"] for x in r.json()] == [450]
    assert r.json()[0]["current"] is True
    assert r.headers["Content-Range"] == "version 450..450"
    nxt = client.get("/apps/app-000/releases", headers={"Range": r.headers["Next-Range"]})
    assert [x["version"] for x in nxt.json()] == [449]


def test_pagination_of_apps_by_name_with_max_and_bounds(serve):
    client = serve(many(apps=25))
    r = client.get("/apps", headers={"Range": "name ..; max=10"})
    assert r.status_code == 206 and len(r.json()) == 10
    assert r.headers["Content-Range"] == "name app-000..app-009"
    seen = [a["name"] for a in r.json()]
    while r.status_code == 206:
        r = client.get("/apps", headers={"Range": r.headers["Next-Range"]})
        seen += [a["name"] for a in r.json()]
    assert seen == [f"app-{n:03d}" for n in range(25)]
    r = client.get("/apps", headers={"Range": "name app-005..app-007"})
    assert r.status_code == 200 and [a["name"] for a in r.json()] == [
        "app-005",
        "app-006",
        "app-007",
    ]
    r = client.get("/apps", headers={"Range": "name ..; order=desc,max=2;"})
    assert [a["name"] for a in r.json()] == ["app-024", "app-023"]
    assert len(client.get("/apps", headers={"Range": "id ..; max=5000"}).json()) == 25


def test_default_page_is_200_and_max_is_1000(serve):
    client = serve(many(apps=1, releases=1200))
    assert len(client.get("/apps/app-000/releases").json()) == 200
    r = client.get("/apps/app-000/releases", headers={"Range": "version ..; max=1000"})
    assert len(r.json()) == 1000 and r.status_code == 206


@pytest.mark.parametrize(
    "bad",
    [
        "colour ..",
        "version ..; max=0",
        "version ..; order=up",
        "version ..; size=3",
        "version x..y",
    ],
)
def test_bad_range_is_416(api, bad):
    r = api.get("/apps/zdd-demo/releases", headers={"Range": bad})
    assert r.status_code == 416, bad
    assert r.json()["id"] == "requested_range_not_satisfiable"


def test_empty_range_header_is_ignored(api):
    r = api.put(
        "/apps/zdd-demo/buildpack-installations",
        json={"updates": [{"buildpack": "heroku/java"}]},
        headers={"Range": ""},
    )
    assert r.status_code == 200
    assert api.get("/apps", headers={"Range": ""}).status_code == 200


def test_request_log_counts_writes(api, sandbox, control):
    sandbox.platform.clear_request_log()
    api.get("/apps/zdd-demo")
    api.patch("/apps/zdd-demo/features/http-session-affinity", json={"enabled": True})
    log = control.get("/requests").json()
    auth = next(iter(sandbox.platform.authorizations.values())).id  # the global token's
    assert log == [
        {"method": "GET", "path": "/apps/zdd-demo", "status": 200, "authorization": auth},
        {
            "method": "PATCH",
            "path": "/apps/zdd-demo/features/http-session-affinity",
            "status": 200,
            "authorization": auth,
        },
    ]
    api.get("/apps", headers={"Authorization": "Bearer wrong"})
    assert control.get("/requests").json()[-1]["authorization"] is None
    assert control.delete("/requests").status_code == 200
    assert sandbox.platform.request_log() == []


def test_concurrent_writes_make_contiguous_releases(sandbox):
    """The server thread and many client threads share one Platform; the lock keeps it sane."""
    token = sandbox.platform.global_token
    before = sandbox.platform.release_list("zdd-demo")[-1]["version"]

    def write(n: int) -> int:
        with httpx.Client(base_url=sandbox.url, headers=headers_for(token), verify=False) as c:
            return c.patch("/apps/zdd-demo/config-vars", json={f"K{n}": str(n)}).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert set(pool.map(write, range(24))) == {200}
    versions = [r["version"] for r in sandbox.platform.release_list("zdd-demo")]
    assert versions == list(range(1, before + 25))
    assert len(sandbox.platform.config_var_info_for_app("zdd-demo")) == 25


def headers_for(token: str) -> dict:
    return {"Accept": V3, "Authorization": f"Bearer {token}"}


def test_apps_updated_in_the_same_second_page_one_by_one_without_loss(serve, clock):
    client = serve(Platform.from_seed({"apps": []}, clock=clock))
    made = {client.post("/apps", json={"name": f"same-{n}"}).json()["id"] for n in range(3)}
    got, rng = [], "updated_at ..; max=1"
    for _ in range(5):
        r = client.get("/apps", headers={"Range": rng})
        got += [a["id"] for a in r.json()]
        if r.status_code != 206:
            break
        rng = r.headers["Next-Range"]
    assert sorted(got) == sorted(made) and len(got) == 3
    assert got == sorted(made)  # ties broken by id


def test_an_expired_token_is_401(serve, clock):
    platform = Platform.demo(clock=clock)
    client = serve(platform)
    made = client.post("/oauth/authorizations", json={"scope": ["read"], "expires_in": 1})
    short = {"Authorization": f"Bearer {made.json()['access_token']['token']}"}
    assert client.get("/apps", headers=short).status_code == 200
    clock.advance(2)
    r = client.get("/apps", headers=short)
    assert (r.status_code, r.json()["id"]) == (401, "unauthorized")


def test_if_none_match_compares_weakly(api):
    tag = api.get("/apps/zdd-demo").headers["ETag"]
    for header in (f"W/{tag}", f'"other", W/{tag}'):
        r = api.get("/apps/zdd-demo", headers={"If-None-Match": header})
        assert r.status_code == 304, header
    assert api.get("/apps/zdd-demo", headers={"If-None-Match": 'W/"other"'}).status_code == 200


def test_refused_rollback_is_422_invalid_params(api):
    r = api.post("/apps/zdd-demo/releases", json={"release": "1"})
    assert r.status_code == 422
    assert r.json() == {
        "id": "invalid_params",
        "message": "Release v1 has no slug, so it is not eligible for rollback.",
    }


def test_app_name_of_the_wrong_type_is_refused_as_such(api):
    r = api.post("/apps", json={"name": 123})
    assert (r.status_code, r.json()["message"]) == (422, "Invalid params: 'name' must be a string.")


def test_unknown_formation_update_fields_are_refused_but_legacy_size_is_not(api):
    r = api.patch("/apps/zdd-demo/formation", json={"updates": [{"type": "web", "colour": "red"}]})
    assert r.status_code == 422 and "'colour'" in r.json()["message"]
    ok = api.patch("/apps/zdd-demo/formation", json={"updates": [{"type": "web", "size": "basic"}]})
    assert ok.status_code == 200
