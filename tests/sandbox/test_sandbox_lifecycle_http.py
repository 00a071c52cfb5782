"""The lifecycle over loopback HTTP: the deploy control route, release output streams, the router
view, cycling, the Buildpack Registry lookup, add-on releases and promotions."""

import httpx

from zdd.sandbox import ManualClock, Platform, SandboxClock

APP = "pb-app"


def app_seed(**extra) -> dict:
    return {
        "apps": [
            {
                "name": APP,
                "releases": 2,
                "formation": [{"type": "web", "quantity": 2, "size": "Standard-1X"}],
                "features": {"preboot": True},
                "boot_seconds": 10,
                **extra,
            }
        ]
    }


def test_deploy_route_runs_the_release_phase_and_streams_its_output(serve):
    clock = SandboxClock(factor=50)
    client = serve(Platform.from_seed(app_seed(), clock=clock))
    control = f"{client.base_url}/__sandbox/apps/{APP}"
    made = httpx.post(
        f"{control}/deploy",
        json={
            "procfile": "web: bin/web\nrelease: bin/migrate\nworker: bin/worker",
            "release_phase": {"seconds": 10, "output": "step 1\nstep 2\n"},
        },
    )
    assert made.status_code == 201, made.text
    rel = made.json()
    assert rel["status"] == "pending" and rel["output_stream_url"].startswith(str(client.base_url))
    streamed = httpx.get(rel["output_stream_url"], timeout=10)  # open until the command ends
    assert streamed.text == "step 1\nstep 2\n"
    assert client.get(f"/apps/{APP}/releases/3").json()["status"] == "succeeded"
    types = {f["type"]: f["quantity"] for f in client.get(f"/apps/{APP}/formation").json()}
    assert types == {"web": 2, "worker": 0}  # a new type starts at 0, as on Heroku
    assert httpx.get(f"{client.base_url}/__sandbox/streams/{APP}/releases/99").status_code == 404


def test_router_view_shows_the_switch_over_on_the_sandbox_clock(serve):
    clock = ManualClock(start=1_000.0)
    client = serve(Platform.from_seed(app_seed(), clock=clock))
    router = f"{client.base_url}/__sandbox/apps/{APP}/router"
    client.patch(f"/apps/{APP}/config-vars", json={"A": "1"})  # v3 at t=1000
    clock.advance(200)
    now = httpx.get(router).json()
    assert now["releases"] == [3] and [d["release"] for d in now["dynos"]] == [3, 3]
    assert httpx.get(router, params={"at": 1179.5}).json()["releases"] == [2]
    assert httpx.get(router, params={"at": 1180}).json()["releases"] == [3]
    switch = [s for s in now["timeline"] if s["releases"] == [3]][0]
    assert switch["from"] == 1180 and switch["until"] is None
    assert httpx.get(router, params={"at": 5000}).status_code == 400  # the future is unknown


def test_cycling_route_restarts_one_dyno_at_a_time(serve):
    clock = ManualClock(start=1_000.0)
    platform = Platform.from_seed(app_seed(features={"preboot": False}), clock=clock)
    client = serve(platform)
    out = httpx.post(f"{client.base_url}/__sandbox/apps/{APP}/cycle", json={"spacing": 30})
    assert out.json()["cycling"] == ["web.1", "web.2"]

    def states() -> list[str]:
        dynos = sorted(client.get(f"/apps/{APP}/dynos").json(), key=lambda d: d["name"])
        return [d["state"] for d in dynos]

    assert states() == ["starting", "up"]
    clock.advance(30)
    assert states() == ["up", "starting"]
    assert platform.router_view(APP)["releases"] == [2]


def test_buildpack_registry_lookup_on_the_same_port(serve):
    client = serve(Platform.demo())
    found = httpx.get(f"{client.base_url}/buildpacks/heroku%2Fjava")
    assert found.status_code == 200
    blob = found.json()["blob_url"]
    assert blob == "https://buildpack-registry.s3.amazonaws.com/buildpacks/heroku/java.tgz"
    put = client.put(
        "/apps/zdd-demo/buildpack-installations", json={"updates": [{"buildpack": blob}]}
    )
    assert put.json()[0]["buildpack"] == {"url": "urn:buildpack:heroku/java", "name": "heroku/java"}
    assert httpx.get(f"{client.base_url}/buildpacks/heroku%2Fnope").status_code == 404


def test_add_on_changes_make_releases(serve):
    client = serve(Platform.from_seed(app_seed(addons=["heroku-redis:mini"])))
    assert [a["plan"]["name"] for a in client.get(f"/apps/{APP}/addons").json()] == [
        "heroku-redis:mini"
    ]
    made = client.post(f"/apps/{APP}/addons", json={"plan": "heroku-postgresql:essential-0"})
    assert made.status_code == 201
    latest = client.get(f"/apps/{APP}/releases", headers={"Range": "version ..; order=desc"})
    rel = latest.json()[0]
    assert rel["description"].startswith("Attach DATABASE (@ref:postgresql-")
    assert "heroku-postgresql:essential-0" in rel["addon_plan_names"]
    assert "DATABASE_URL" in client.get(f"/apps/{APP}/config-vars").json()
    client.delete(f"/apps/{APP}/addons/{made.json()['name']}")
    latest = client.get(f"/apps/{APP}/releases", headers={"Range": "version ..; order=desc"})
    assert latest.json()[0]["description"].startswith("Detach DATABASE")


def test_a_promotion_runs_the_release_phase_and_opens_a_preboot_window():
    clock = ManualClock(start=1_000.0)
    seed = app_seed(release_command="bin/migrate", release_phase={"seconds": 20})
    staging = {"name": "st-app", "releases": 2, "release_command": "bin/migrate"}
    seed["apps"].append({**staging, "formation": [{"type": "web", "size": "Standard-1X"}]})
    seed["pipelines"] = [{"name": "pipe", "stages": {"staging": ["st-app"], "production": [APP]}}]
    platform = Platform.from_seed(seed, clock=clock)
    pipe = platform.pipeline_list()[0]
    st, prod = platform.app_info("st-app"), platform.app_info(APP)
    promo = platform.pipeline_promotion_create(
        {
            "pipeline": {"id": pipe["id"]},
            "source": {"app": {"id": st["id"]}},
            "targets": [{"app": {"id": prod["id"]}}],
        }
    )
    assert promo["status"] == "pending"
    assert platform.pipeline_promotion_targets(promo["id"])[0]["status"] == "pending"
    rel = platform.release_info(APP, "3")
    assert rel["slug"] == platform.release_info("st-app", "2")["slug"]  # the slug, copied
    assert rel["status"] == "pending"  # the release phase runs on the target (no build)
    assert not platform.preboot_in_progress(platform._app(APP))
    clock.advance(20)
    assert platform.pipeline_promotion_targets(promo["id"])[0]["status"] == "succeeded"
    assert platform.pipeline_promotion_info(promo["id"])["status"] == "completed"
    assert platform.preboot_in_progress(platform._app(APP))  # then a preboot window opens
    assert platform.router_view(APP)["releases"] == [2]


def test_the_web_route_keeps_a_client_on_its_dyno_with_affinity_until_traffic_moves(serve):
    clock = ManualClock(start=1_000.0)
    platform = Platform.from_seed(
        app_seed(features={"preboot": True, "http-session-affinity": True}), clock=clock
    )
    client = serve(platform)
    web = httpx.Client(base_url=f"{client.base_url}/__sandbox/apps/{APP}/web")
    first = web.get("/")
    cookie = first.cookies["heroku-session-affinity"]
    assert {web.get("/").json()["dyno"] for _ in range(4)} == {first.json()["dyno"]}
    assert "heroku-session-affinity" not in web.get("/").headers.get("set-cookie", "")
    platform.config_var_update(APP, {"A": "1"})
    clock.advance(200)  # the preboot window ended: the old dyno no longer serves
    moved = web.get("/")
    assert moved.headers["x-release"] == "v3"
    assert moved.cookies["heroku-session-affinity"] != cookie
    web.close()
