"""`zdd undo` on the sandbox's lifecycle keeps a web dyno serving at every instant: removing
ZDD_API_TOKEN/ZDD_APP makes a release that restarts every dyno, so it must happen while preboot is
still on; preboot goes off last. The zdd Program (in this process) over loopback, the router's own
timeline."""

from zdd.sandbox import Platform, SandboxClock, SandboxServer

FACTOR = 200  # a 3-minute preboot window takes about a second
APP = "java-app"


def test_undo_leaves_no_moment_without_a_serving_web_dyno(monkeypatch, run_zdd):
    seed = {
        "apps": [
            {
                "name": APP,
                "buildpacks": ["heroku/java"],
                "formation": [{"type": "web", "quantity": 1, "size": "Standard-1X"}],
                "features": {"preboot": False, "http-session-affinity": False},
            }
        ]
    }
    platform = Platform.from_seed(seed, clock=SandboxClock(factor=FACTOR))
    server = SandboxServer(platform).start()
    monkeypatch.setenv("HEROKU_HOST", server.url)
    monkeypatch.setenv("HEROKU_API_KEY", platform.global_token)
    monkeypatch.setenv("NO_COLOR", "1")

    def zdd(*args: str):
        return run_zdd(*args, "--app", APP, "--yes", "--wait", "60")

    try:
        # the companion tarball the sandbox serves: setup fetches the URL it adds
        setup = zdd("setup", "--buildpack", f"{server.url}/__sandbox/buildpack/zdd-buildpack.tgz")
        assert setup.returncode == 0, setup.stdout + setup.stderr
        assert platform.router_view(APP)["dynos"]  # a web dyno serves before undo
        assert "ZDD_APP" in platform.config_var_info_for_app(APP)
        started = platform.clock()
        undo = zdd("undo")
        assert undo.returncode == 0, undo.stdout + undo.stderr
        # undo did what it is for: the config vars, the second dyno and preboot are gone
        assert not any(k.startswith("ZDD_") for k in platform.config_var_info_for_app(APP))
        assert platform.formation_info(APP, "web")["quantity"] == 1
        assert platform.feature_info(APP, "preboot")["enabled"] is False
        view = platform.router_view(APP)
        releases = {tuple(s["releases"]) for s in view["timeline"]}
        assert len(releases) > 1  # the config removal's release did roll out during undo
        gaps = [
            s
            for s in view["timeline"]
            if (s["until"] is None or s["until"] > started) and not s["releases"]
        ]
        assert gaps == [], gaps
    finally:
        server.stop()
