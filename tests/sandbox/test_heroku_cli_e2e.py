"""The real Heroku CLI 11, unmodified, against the sandbox (in a private network namespace when the
machine allows it: tests/herokucli.py). Expected output follows what the CLI's own source prints
for the same state (heroku/cli 11.10.0 in tests/heroku-cli) and Dev Center's examples.

Each CLI start costs seconds (node), so each test runs one scenario of several commands.
"""

import re
import threading

import pytest
from herokucli import available, cli_sandbox  # tests/herokucli.py (tests/ is on sys.path)

from zdd.sandbox import ManualClock, Platform, SandboxClock

pytestmark = pytest.mark.skipif(
    not available(), reason="the Heroku CLI (tests/heroku-cli) or node is missing"
)

PREBOOT_REFUSAL = "Cannot change formation for a preboot app until preboot is complete"


def seed(**demo) -> dict:
    app = {
        "name": "zdd-demo",
        "buildpacks": ["heroku/java"],
        "releases": 3,
        "release_command": "bin/migrate",
        "release_phase": {"seconds": 1, "output": "Running migrations\nDone\n"},
        "formation": [
            {"type": "web", "quantity": 2, "size": "Standard-1X", "command": "java -jar app.jar"}
        ],
        "features": {"preboot": True, "http-session-affinity": True},
        "boot_seconds": 2,
        "addons": [{"plan": "heroku-postgresql:essential-0", "name": "postgresql-shiny-12345"}],
    }
    app.update(demo)
    staging = {
        "name": "zdd-staging",
        "releases": 2,
        "formation": [{"type": "web", "quantity": 1, "size": "Standard-1X"}],
    }
    return {
        "apps": [app, staging],
        "pipelines": [
            {"name": "zdd-pipe", "stages": {"staging": ["zdd-staging"], "production": ["zdd-demo"]}}
        ],
    }


def ok(res) -> str:
    assert res.code == 0, res
    return res.out + res.err


def test_reading_an_app_apps_info_labs_ps_releases(tmp_path):
    platform = Platform.from_seed(seed(), clock=SandboxClock())
    with cli_sandbox(platform, tmp_path) as (_server, cli):
        assert ok(cli.run("apps")).splitlines()[:4] == [
            "=== dev@example.com Apps",
            "",
            "zdd-demo",
            "zdd-staging",
        ]
        info = ok(cli.run("apps:info", "-a", "zdd-demo"))
        assert re.search(r"^Addons:\s+heroku-postgresql:essential-0$", info, re.M), info
        assert re.search(r"^Pipeline:\s+zdd-pipe - production$", info, re.M), info
        assert re.search(r"^Dynos:\s+web: 2$", info, re.M), info
        labs = ok(cli.run("labs", "-a", "zdd-demo"))
        assert "=== App Features zdd-demo" in labs
        assert re.search(r"\[ \] log-runtime-metrics\s+Emit dyno resource usage", labs), labs
        assert "preboot" not in labs  # general features belong to `heroku features`
        ps = ok(cli.run("ps", "-a", "zdd-demo"))
        assert "=== web (Standard-1X): java -jar app.jar (2)" in ps
        assert re.search(r"^web\.1: up ", ps, re.M) and re.search(r"^web\.2: up ", ps, re.M)
        extended = ok(cli.run("ps", "-a", "zdd-demo", "--extended"))
        assert re.search(r"web\.1\s+up .*\s+us\s+sandbox\s+", extended), extended
        releases = ok(cli.run("releases", "-a", "zdd-demo"))
        assert "=== zdd-demo Releases - Current: v3" in releases
        assert re.search(r"v1\s+Initial release\s+dev@example.com", releases)
    if cli.isolated:  # inside the namespace nothing but the sandbox was reachable
        assert all(e["authorization"] for e in platform.request_log())


def waits_for_dynos(cli, app: str, platform) -> str:
    """`heroku ps:wait -a APP` up to its first poll of the dynos and what it then said; stopped
    there (its next poll is 10 s away: --wait-interval has a minimum of 10)."""
    platform.requests.clear()
    proc = cli.start("ps:wait", "-a", app)
    killer = threading.Timer(60, proc.kill)  # a CLI that never says it waits fails, not hangs
    killer.start()
    try:
        said = ""
        while "Waiting for every dyno" not in said and (line := proc.stderr.readline()):
            said += line  # the CLI's spinner text with its status ("0 / 2")
        polled = [e["path"] for e in platform.request_log() if e["method"] == "GET"]
        assert f"/apps/{app}/dynos" in polled, polled
        assert "Waiting for every dyno" in said and proc.poll() is None, said  # still waiting
        return said
    finally:
        killer.cancel()
        proc.terminate()
        proc.communicate(timeout=30)


def test_preboot_restart_scale_refused_then_wait_and_scale(tmp_path):
    clock = ManualClock()  # sandbox time moves only when the test steps it
    platform = Platform.from_seed(seed(boot_seconds=8), clock=clock)
    with cli_sandbox(platform, tmp_path) as (_server, cli):
        assert "Restarting all dynos on zdd-demo... done" in ok(
            cli.run("ps:restart", "-a", "zdd-demo")
        )
        ps = ok(cli.run("ps", "-a", "zdd-demo"))  # the new dynos only, as on Heroku
        assert len(re.findall(r"^web\.\d: starting ", ps, re.M)) == 2, ps
        refused = cli.run("ps:scale", "web=3", "-a", "zdd-demo")
        assert refused.code != 0 and PREBOOT_REFUSAL in refused.err, refused
        assert platform.formation_info("zdd-demo", "web")["quantity"] == 2
        # while the dynos boot, ps:wait keeps waiting; once they are up it returns
        assert "running v3... 0 / 2" in waits_for_dynos(cli, "zdd-demo", platform)
        clock.advance(8)  # the boot
        waited = ok(cli.run("ps:wait", "-a", "zdd-demo", timeout=120))
        assert "Waiting" not in waited, waited
        assert platform.dyno_info("zdd-demo", "web.1")["state"] == "up", waited
        clock.advance(300)  # past boot timeout (90 s, a JVM app) + 2 min
        scaled = ok(cli.run("ps:scale", "web=3", "-a", "zdd-demo"))
        assert "Scaling dynos... done, now running web at 3:Standard-1X" in scaled
        restart_one = ok(cli.run("ps:restart", "--dyno-name", "web.3", "-a", "zdd-demo"))
        assert "Restarting dyno web.3 on zdd-demo... done" in restart_one
        stop = ok(cli.run("ps:stop", "--process-type", "web", "-a", "zdd-demo"))
        assert "Stopping all web dynos on zdd-demo... done" in stop


def test_release_phase_rollback_output_promote_and_maintenance(tmp_path):
    platform = Platform.from_seed(seed(), clock=SandboxClock())
    with cli_sandbox(platform, tmp_path) as (_server, cli):
        rollback = ok(cli.run("releases:rollback", "v2", "-a", "zdd-demo"))
        assert "Rolling back zdd-demo to v2... done, v4" in rollback
        assert "Running release command...\nRunning migrations\nDone\n" in rollback
        assert ok(cli.run("releases:output", "-a", "zdd-demo")) == "Running migrations\nDone\n"
        platform.deploy(
            "zdd-demo",
            {
                "procfile": "web: java -jar app.jar\nrelease: bin/migrate",
                "release_phase": {"exit": 1},
            },
        )
        releases = ok(cli.run("releases", "-a", "zdd-demo"))
        assert re.search(r"v5\s+.*release command (executing|failed)", releases), releases
        promote = ok(cli.run("pipelines:promote", "-a", "zdd-staging", timeout=120))
        assert "Starting promotion to production..." in promote
        assert "Promotion successful" in promote and re.search(r"zdd-demo:\s+succeeded", promote)
        assert platform.release_info("zdd-demo", "6")["description"] == "Promote zdd-staging v2"
        assert "Enabling maintenance mode for zdd-demo... done" in ok(
            cli.run("maintenance:on", "-a", "zdd-demo")
        )
        assert platform.app_info("zdd-demo")["maintenance"] is True
        assert "Disabling maintenance mode for zdd-demo... done" in ok(
            cli.run("maintenance:off", "-a", "zdd-demo")
        )
        assert platform.app_info("zdd-demo")["maintenance"] is False


def test_buildpacks_from_the_registry_and_a_token_that_expires(tmp_path):
    platform = Platform.from_seed(seed(), clock=SandboxClock())
    with cli_sandbox(platform, tmp_path) as (_server, cli):
        added = ok(cli.run("buildpacks:add", "heroku/java", "-a", "zdd-staging"))
        assert "Buildpack added. Next release on zdd-staging will use heroku/java." in added
        installed = platform.buildpack_installation_list("zdd-staging")
        assert installed == [
            {"buildpack": {"url": "urn:buildpack:heroku/java", "name": "heroku/java"}, "ordinal": 0}
        ]
        missing = cli.run("buildpacks:add", "heroku/no-such-thing", "-a", "zdd-staging")
        assert missing.code != 0
        made = ok(cli.run("authorizations:create", "--expires-in", "3600", "-d", "ci token"))
        assert "Description: ci token" in made and "Scope:       global" in made
        auth = next(a for a in platform.authorizations.values() if a.description == "ci token")
        assert auth.expires_in == 3600
        assert re.search(r"Expires at:\s+\S", made), made
