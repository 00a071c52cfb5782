"""Fir-generation apps end to end: `zdd check` and `zdd setup --yes` through the real client,
against a sandbox on loopback that serves Fir apps as the API does (App `generation`, Fir sizes,
preboot/affinity and classic buildpacks refused)."""

from cli_helpers import vector_app

FIR_SIZE = "dyno-1c-0.5gb"


def statuses(run) -> dict[str, str]:
    (app,) = run.json["apps"] if "apps" in run.json else [run.json]
    return {f["id"]: f["status"] for f in app["findings"]}


def test_check_then_setup_yes_makes_a_fir_app_ready_for_rolling_deploys(sandbox_for):
    env = sandbox_for(vector_app("fir-single-web"))
    app = "fir-single-web"
    before = env.app_state(app)

    check = env.run("check", "--app", app)
    assert check.code == 1, check
    assert "Failed   web.redundancy" in check.out
    assert "Skipped  preboot.enabled            Fir-generation apps have no preboot" in check.out
    assert "heroku features:enable" not in check.out  # nothing Fir refuses is suggested
    assert env.writes() == []
    # the generation came with the app body: no request beyond the usual reads
    assert not [r for r in env.requests() if "generation" in r["path"]]

    env.clear_log()
    setup = env.run("setup", "--app", app, "--yes")
    assert setup.code == 0, setup
    assert "scale web: 1 -> 2 dynos  +$25/month" in setup.out
    # one write: the formation; never a feature, buildpack or config var change on Fir
    assert [(w["method"], w["path"]) for w in env.writes()] == [("PATCH", f"/apps/{app}/formation")]
    after = env.app_state(app)
    assert after["formation"] == [("web", 2, FIR_SIZE)]
    assert (
        after["features"]
        == before["features"]
        == {
            "preboot": False,
            "http-session-affinity": False,
        }
    )
    assert after["buildpacks"] == before["buildpacks"]
    assert after["config_vars"] == before["config_vars"]

    again = env.run("check", "--app", app, "--json")
    assert again.code == 0, again
    assert statuses(again) == {
        "tier.professional": "passed",
        "web.redundancy": "passed",
        "affinity.enabled": "skipped",
        "preboot.enabled": "skipped",
        "buildpack.companion": "skipped",
        "release_check.credentials": "skipped",
    }
    rerun = env.run("setup", "--app", app, "--yes", "--json")
    assert rerun.code == 0, rerun
    assert rerun.json["state"]["generation"] == "fir"
    assert [s["status"] for s in rerun.json["plan"]["steps"]] == ["unchanged"] * 5

    env.clear_log()
    undo = env.run("undo", "--app", app, "--yes")
    assert undo.code == 0, undo
    assert env.app_state(app) == before  # back to one web dyno, nothing else was ever touched
    assert [(w["method"], w["path"]) for w in env.writes()] == [("PATCH", f"/apps/{app}/formation")]


def test_a_ready_fir_java_app_needs_nothing_and_gets_no_companion(sandbox_for):
    env = sandbox_for(vector_app("fir-java-ready"))
    check = env.run("check", "--app", "fir-java-ready")
    assert check.code == 0, check
    setup = env.run("setup", "--app", "fir-java-ready", "--yes")
    assert setup.code == 0, setup
    assert "Everything is in place on fir-java-ready" in setup.out
    assert env.writes() == []


def test_size_must_fit_the_apps_generation_exit_2_before_any_write(sandbox_for):
    cedar = {
        "name": "cedar-basic",
        "buildpacks": ["heroku/nodejs"],
        "formation": [{"type": "web", "quantity": 1, "size": "Basic"}],
        "config_vars": {},
    }
    env = sandbox_for(vector_app("fir-single-web"), cedar)

    on_fir = env.run("setup", "--app", "fir-single-web", "--size", "Standard-1X", "--yes")
    assert on_fir.code == 2, on_fir
    assert (
        "--size Standard-1X is a Cedar size and fir-single-web is a Fir-generation app"
        in on_fir.err
    )
    assert "Traceback" not in on_fir.err

    on_cedar = env.run("setup", "--app", "cedar-basic", "--size", FIR_SIZE, "--yes")
    assert on_cedar.code == 2, on_cedar
    assert f"--size {FIR_SIZE} is a Fir size and cedar-basic is a Cedar-generation app" in (
        on_cedar.err
    )
    assert env.writes() == []

    fir_size = env.run("setup", "--app", "fir-single-web", "--size", "dyno-2c-1gb", "--yes")
    assert fir_size.code == 0, fir_size  # a Fir size is accepted; sizes never change unasked
    assert env.app_state("fir-single-web")["formation"] == [("web", 2, FIR_SIZE)]


def test_the_reader_takes_the_generation_from_the_app_body(sandbox_for):
    from zdd.heroku.client import HerokuClient
    from zdd.reader import read_many, read_state

    cedar = {
        "name": "cedar-std",
        "formation": [{"type": "web", "quantity": 2, "size": "Standard-1X"}],
    }
    env = sandbox_for(vector_app("fir-single-web"), cedar)
    client = HerokuClient(env.url, env.token)
    assert read_state(client, "fir-single-web").generation == "fir"
    assert read_state(client, "cedar-std").generation == "cedar"
    infos = {a.name: a for a in client.app_list()}
    results = read_many(client, ["fir-single-web", "cedar-std"], infos=infos)
    assert [r.state.generation for r in results if r.state] == ["fir", "cedar"]
