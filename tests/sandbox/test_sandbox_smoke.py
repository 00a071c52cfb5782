"""The sandbox fixtures work over a real loopback socket."""

import os

import httpx


def test_sandbox_env_points_at_a_live_demo_app(sandbox_env):
    url, token = os.environ["HEROKU_HOST"], os.environ["HEROKU_API_KEY"]
    assert url.startswith("http://127.0.0.1:")
    r = httpx.get(
        f"{url}/apps/zdd-demo",
        headers={
            "Accept": "application/vnd.heroku+json; version=3",
            "Authorization": f"Bearer {token}",
        },
    )
    assert r.status_code == 200
    assert r.json()["name"] == "zdd-demo"
    assert r.headers["Request-Id"]


def test_demo_formation_is_one_basic_web_and_worker(api):
    forms = {f["type"]: f for f in api.get("/apps/zdd-demo/formation").json()}
    assert {t: (f["quantity"], f["size"]) for t, f in forms.items()} == {
        "web": (1, "Basic"),
        "worker": (1, "Basic"),
    }
    assert forms["web"]["dyno_size"]["name"] == "Basic"
    feats = {f["name"]: f["enabled"] for f in api.get("/apps/zdd-demo/features").json()}
    assert feats["preboot"] is False and feats["http-session-affinity"] is False
    bps = api.get("/apps/zdd-demo/buildpack-installations").json()
    assert bps == [
        {"buildpack": {"url": "urn:buildpack:heroku/java", "name": "heroku/java"}, "ordinal": 0}
    ]
