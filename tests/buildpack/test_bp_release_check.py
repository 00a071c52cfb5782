"""The release-phase and build-time checks against the sandbox over real loopback HTTP."""

from __future__ import annotations

import http.server
import json
import re

import pytest
from bp_harness import (
    BASH_IDS,
    VECTORS,
    Build,
    api_requests,
    assert_no_secrets,
    capture,
    clear_sandbox,
    creds,
    fault,
    one_skip_line,
    procfile_types,
    run_check,
    scrubbed_env,
    server_seed,
    strip_ansi,
)
from loopback_http import server_url, serving

LINE = re.compile(
    r"^zdd: (?P<id>[a-z_.]+) (?P<status>passed|failed|skipped): (?P<message>.+?)"
    r"(?: \(fix: (?P<fix>.+)\))?$"
)


def findings(stdout: str) -> dict[str, dict]:
    found = {}
    for line in stdout.splitlines():
        match = LINE.match(line)
        if match and match["id"] in BASH_IDS:
            found[match["id"]] = match.groupdict()
    return found


# --- the shared vectors --------------------------------------------------------------------------


@pytest.mark.skipif(not VECTORS, reason="no tests/vectors/*.json")
@pytest.mark.parametrize("vector", VECTORS, ids=[p.stem for p in VECTORS])
def test_release_check_agrees_with_zdd_check_on_the_shared_vectors(slug, bp_sandbox, vector):
    case = json.loads(vector.read_text())
    seed_app = case["seed"]["apps"][0]
    app = seed_app["name"]
    # the release dyno has the app's config vars in its environment: ZDD_OPT_OUT and
    # ZDD_JVM_PRESET among them
    read = ("ZDD_OPT_OUT", "ZDD_JVM_PRESET")
    config = {k: v for k, v in (seed_app.get("config_vars") or {}).items() if k in read}
    result = run_check(slug, **creds(bp_sandbox, app, **config))
    assert result.returncode == 0, result.output
    got = {id_: f["status"] for id_, f in findings(result.stdout).items()}
    assert got == {id_: case["expected"][id_] for id_ in BASH_IDS}, result.stdout
    for finding in findings(result.stdout).values():
        if finding["status"] == "failed":
            assert finding["fix"] and f"--app {app}" in finding["fix"]


def test_vectors_exist():
    assert len(VECTORS) >= 4


# --- every finding, with its fix -----------------------------------------------------------------


def test_every_finding_fails_with_its_exact_fix(slug, bp_sandbox):
    result = run_check(slug, **creds(bp_sandbox))  # the demo app: Basic, 1 web, features off
    got = findings(result.stdout)
    assert result.returncode == 0
    assert got["tier.professional"]["status"] == "failed"
    assert got["tier.professional"]["fix"].startswith("heroku ps:type web=Standard-1X")
    # Basic runs one dyno per type: the fix moves every type, web first (as zdd check says)
    assert got["web.redundancy"]["fix"] == (
        "heroku ps:scale web=2:Standard-1X worker=1:Standard-1X --app zdd-demo"
    )
    assert (
        got["affinity.enabled"]["fix"]
        == "heroku features:enable http-session-affinity --app zdd-demo"
    )
    assert got["preboot.enabled"]["fix"] == "heroku features:enable preboot --app zdd-demo"
    assert "ZDD_STRICT=1" in result.stdout
    assert bp_sandbox.platform.global_token not in result.output


def test_every_finding_passes_on_a_ready_app(slug, bp_sandbox):
    server_seed(
        bp_sandbox,
        {
            "apps": [
                {
                    "name": "ready-app",
                    "buildpacks": [
                        "https://github.com/zdd-dev/zdd/releases/download/v0.1.0/zdd-buildpack.tgz",
                        "heroku/java",
                    ],
                    "formation": [{"type": "web", "quantity": 2, "size": "Standard-2X"}],
                    "features": {"preboot": True, "http-session-affinity": True},
                }
            ]
        },
    )
    result = run_check(slug, **creds(bp_sandbox, "ready-app", ZDD_STRICT="1"))
    assert result.returncode == 0
    assert {f["status"] for f in findings(result.stdout).values()} == {"passed"}
    assert len(findings(result.stdout)) == 5


def test_strict_mode_fails_the_release_only_when_a_check_fails(slug, bp_sandbox):
    result = run_check(slug, **creds(bp_sandbox, ZDD_STRICT="1"))
    assert result.returncode == 1
    assert "stopping this release" in result.stdout
    result = run_check(slug, **creds(bp_sandbox, ZDD_STRICT="yes"))  # only "1" means strict
    assert result.returncode == 0


def test_token_falls_back_to_heroku_api_key_and_app_to_heroku_app_name(slug, bp_sandbox):
    config = {
        "HEROKU_HOST": bp_sandbox.url,
        "HEROKU_API_KEY": bp_sandbox.platform.global_token,
        "HEROKU_APP_NAME": "zdd-demo",
    }
    result = run_check(slug, **config)
    assert len(findings(result.stdout)) == 5


def test_the_check_sends_the_api_headers_and_only_reads(slug, bp_sandbox, clear_faults):
    clear_sandbox(bp_sandbox, "requests")
    run_check(slug, **creds(bp_sandbox))
    seen = api_requests(bp_sandbox)
    assert {r["method"] for r in seen} == {"GET"}
    assert {r["path"] for r in seen} == {
        "/apps/zdd-demo/features",
        "/apps/zdd-demo/formation",
        "/apps/zdd-demo/buildpack-installations",
    }


# --- failure paths: one line, exit 0 (even when strict) ------------------------------------------


@pytest.mark.parametrize(
    ("status", "words"),
    [(401, "401"), (403, "403"), (404, "404"), (500, "500"), (503, "503")],
)
def test_api_errors_print_one_line_and_exit_0(slug, clear_faults, status, words):
    sandbox = clear_faults
    fault(sandbox, kind="status", status=status, route="GET /apps/*/features", count=2)
    line = one_skip_line(run_check(slug, **creds(sandbox, ZDD_STRICT="1")))
    assert words in line and "(fix: " in line


def test_a_wrong_token_is_a_401_line_without_the_token(slug, bp_sandbox):
    result = run_check(slug, **creds(bp_sandbox, ZDD_API_TOKEN="SECRET-not-a-valid-token-123"))
    line = one_skip_line(result)
    assert "401" in line and "ZDD_API_TOKEN" in line and "expired or revoked" in line
    assert line.endswith("(fix: zdd setup --rotate-token --app zdd-demo)")
    assert "SECRET-not-a-valid-token-123" not in result.output


def test_an_unknown_app_is_a_404_line(slug, bp_sandbox):
    line = one_skip_line(run_check(slug, **creds(bp_sandbox, "no-such-app")))
    assert "404" in line and "no-such-app" in line


def test_one_429_or_5xx_is_retried_once(slug, clear_faults):
    sandbox = clear_faults
    fault(sandbox, kind="rate_limit", route="GET /apps/*/formation", count=1)
    fault(sandbox, kind="status", status=503, route="GET /apps/*/features", count=1)
    result = run_check(slug, **creds(sandbox))
    assert len(findings(result.stdout)) == 5, result.stdout


def test_429_twice_is_one_line(slug, clear_faults):
    sandbox = clear_faults
    fault(sandbox, kind="rate_limit", route="GET /apps/*/formation", count=2)
    assert "429" in one_skip_line(run_check(slug, **creds(sandbox)))


def test_a_timeout_is_one_line_within_the_time_bound(slug, clear_faults):
    sandbox = clear_faults
    fault(sandbox, kind="latency", seconds=3, route="GET /apps/*/features", count=2)
    result = run_check(slug, **creds(sandbox, ZDD_CHECK_TIMEOUT="0.2"))
    assert "timeout" in one_skip_line(result)
    assert result.seconds < 2.5  # 0.2 s per read, no retry on a timeout (the default: 3 s)


def test_a_slow_body_is_a_timeout_too(slug, clear_faults):
    sandbox = clear_faults
    # the status line and headers come at once, then one chunk every 0.5 s
    fault(sandbox, kind="slow_body", seconds=3, chunks=6, route="GET /apps/*/formation", count=2)
    assert "timeout" in one_skip_line(run_check(slug, **creds(sandbox, ZDD_CHECK_TIMEOUT="0.2")))


def test_a_dropped_connection_is_one_line(slug, clear_faults):
    sandbox = clear_faults
    fault(sandbox, kind="drop", route="GET /apps/*/features", count=2)
    assert "could not reach" in one_skip_line(run_check(slug, **creds(sandbox)))


def test_the_default_time_bound_is_a_few_seconds(slug, clear_faults):
    sandbox = clear_faults
    fault(sandbox, kind="latency", seconds=12, route="*", count=4)
    result = run_check(slug, **creds(sandbox))
    assert "timeout" in one_skip_line(result)
    assert result.seconds < 8


class _Garbage(http.server.BaseHTTPRequestHandler):
    body = b'[{"name": "preboot", "enabled": tru'

    def do_GET(self):  # noqa: N802 (http.server's name)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b'[{"name": "preboot", "enabled": tru', "malformed"),
        (b"<html>", "malformed"),
        (b'{"id": "x"}', "unexpected shape"),
        (b"[1,2,3]", "unexpected shape"),
    ],
)
def test_malformed_json_is_one_line(slug, body, words):
    """The sandbox always answers JSON, so a tiny loopback server sends the broken bodies."""
    handler = type("Garbage", (_Garbage,), {"body": body})
    with serving(handler) as server:
        config = {
            "HEROKU_HOST": server_url(server),
            "ZDD_API_TOKEN": "t0ken-value-for-garbage",
            "ZDD_APP": "zdd-demo",
        }
        assert words in one_skip_line(run_check(slug, ZDD_STRICT="1", **config))


class _Recorder(_Garbage):
    """Answers every GET with an empty list and records the User-Agent it was sent."""

    body = b"[]"
    agents: list[str] = []

    def do_GET(self):  # noqa: N802 (http.server's name)
        self.agents.append(self.headers.get("User-Agent", ""))
        super().do_GET()


def test_the_release_dyno_sends_the_slugs_version_in_the_user_agent(slug):
    """bin/compile exports ZDD_BUILDPACK_VERSION only at build time; the release dyno reads
    .zdd/VERSION from the slug (and never says `dev` when it is there)."""
    from bp_harness import BUILDPACK

    handler = type("Recorder", (_Recorder,), {"agents": []})
    with serving(handler) as server:
        config = {
            "HEROKU_HOST": server_url(server),
            "ZDD_API_TOKEN": "t0ken-value-for-agent",
            "ZDD_APP": "zdd-demo",
        }
        result = run_check(slug, **config)
        assert result.returncode == 0, result.output
    version = (BUILDPACK / "VERSION").read_text().strip()
    assert (slug / ".zdd" / "VERSION").read_text().strip() == version
    assert handler.agents == [f"zdd-buildpack/{version}"] * 3


@pytest.mark.parametrize(
    "config",
    [{}, {"ZDD_APP": "zdd-demo"}, {"ZDD_API_TOKEN": "SECRET-tok-0001"}],
    ids=["nothing", "no-token", "no-app"],
)
def test_missing_credentials_is_one_line(slug, config):
    result = run_check(slug, ZDD_STRICT="1", **config)
    line = one_skip_line(result)
    assert "ZDD_API_TOKEN" in line and "heroku config:set" in line
    assert "SECRET-tok-0001" not in result.output


def test_plain_http_to_a_remote_host_never_gets_the_token(slug):
    result = run_check(
        slug, HEROKU_HOST="http://192.0.2.1:9", ZDD_API_TOKEN="SECRET-tok-0002", ZDD_APP="my-app"
    )
    assert "only over https or to loopback" in one_skip_line(result)
    assert result.seconds < 2.5  # refused before any connection attempt (it would take 3 s)


@pytest.mark.parametrize(
    "host",
    [
        "http://evil.example#@127.0.0.1",
        "http://evil.example?@127.0.0.1",
        "http://evil.example\\@127.0.0.1",
        "HTTP://127.0.0.1:5000",
    ],
)
def test_a_remote_host_hidden_behind_an_at_sign_never_gets_the_token(slug, host):
    result = run_check(slug, HEROKU_HOST=host, ZDD_API_TOKEN="SECRET-tok-0003", ZDD_APP="abc")
    line = one_skip_line(result)
    assert "HEROKU_HOST" in line and "could not reach" not in line
    assert "SECRET-tok-0003" not in result.output
    assert result.seconds < 2.5  # refused before any connection attempt (it would take 3 s)


def test_release_check_off(slug, bp_sandbox):
    result = run_check(slug, **creds(bp_sandbox, ZDD_RELEASE_CHECK="off"))
    assert one_skip_line(result) == "zdd: check skipped: ZDD_RELEASE_CHECK=off"


def test_an_internal_error_never_fails_the_release(fresh_slug):
    """Break the installed library on purpose: the check must still exit 0 (unless strict fails)."""
    (fresh_slug / ".zdd" / "lib" / "checks.sh").write_text("this_is_not_a_command_zdd\n")
    result = run_check(fresh_slug, ZDD_API_TOKEN="x", ZDD_APP="a", ZDD_STRICT="1")
    assert result.returncode == 0
    assert "internal error" in result.stdout


# --- HEROKU_HOST, as the Python client reads it --------------------------------------------------


@pytest.mark.parametrize(
    ("host", "url"),
    [
        (None, "https://api.heroku.com"),
        ("", "https://api.heroku.com"),
        ("http://127.0.0.1:5000/", "http://127.0.0.1:5000"),
        ("https://api.example.com", "https://api.example.com"),
        ("staging.herokudev.com", "https://api.staging.herokudev.com"),
        (" http://127.0.0.1:5000// ", "http://127.0.0.1:5000"),
        # what the Python client refuses (ConfigError), the buildpack refuses too: "" = error
        ("HTTP://127.0.0.1:5000", ""),  # not lower-case http: neither a URL nor a host name
        ("HTTPS://api.heroku.com", ""),
        ("heroku.com/", ""),
        ("httpx://127.0.0.1", ""),
        (
            "http://evil.example#@127.0.0.1",
            "http://evil.example#@127.0.0.1",
        ),  # token_allowed says no
    ],
)
def test_base_url_follows_the_heroku_host_rule(tmp_path, host, url):
    from bp_harness import BUILDPACK

    env = scrubbed_env(tmp_path)
    if host is not None:
        env["HEROKU_HOST"] = host
    script = f'source "{BUILDPACK}/lib/api.sh"; api::base_url || echo "error $?"'
    got = capture(["bash", "-c", script], env=env).stdout.strip()
    assert got == (url or "error 1")
    if host is not None:  # the same verdict as zdd's Python client
        from zdd.errors import ConfigError
        from zdd.heroku.transport import api_base_url

        try:
            python = api_base_url({"HEROKU_HOST": host})
        except ConfigError:
            python = ""
        assert python == url


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://api.heroku.com", True),
        ("http://127.0.0.1:5000", True),
        ("http://127.9.8.7", True),
        ("http://localhost:80", True),
        ("http://[::1]:5000", True),
        ("http://api.heroku.com", False),
        ("http://127.0.0.1.evil.example", False),
        ("http://10.0.0.1:5000", False),
        ("ftp://x", False),
        # the authority ends at the first / ? # or \\: curl connects to evil.example for these
        ("http://evil.example#@127.0.0.1", False),
        ("http://evil.example?@127.0.0.1", False),
        ("http://evil.example\\@127.0.0.1", False),  # Python's urlsplit differs; we refuse
        ("http://evil.example/@127.0.0.1", False),
        ("http://evil.example:80#@127.0.0.1:5000", False),
        ("http://127.0.0.1:5000@evil.example", False),
        ("http://user@127.0.0.1:5000", True),  # token_allowed drops user info; see below
        ("http://a@evil.example@127.0.0.1", False),  # curl: malformed; we refuse
        ("HTTP://127.0.0.1:5000", False),  # the Python client refuses it (not a URL, not a host)
        ("http://127.0.0.1 .evil.example", False),
        ("http://127.0.0.1%2e.evil.example", False),
        ("http://127.0.0.01", False),  # leading zeros: not loopback to Python's ipaddress
        ("http://127.0.0.256", False),
        ("http://127.0.0.1:99999", False),
        ("https://evil.example#@api.heroku.com", True),  # https: the token is encrypted anyway
        ("https://api.heroku.com\\@x", False),  # an odd host is refused whatever the scheme
    ],
)
def test_the_token_goes_only_over_https_or_to_loopback(tmp_path, url, allowed):
    from bp_harness import BUILDPACK

    script = f'source "{BUILDPACK}/lib/api.sh"; api::token_allowed "$1" && echo yes || echo no'
    result = capture(["bash", "-c", script, "_", url], env=scrubbed_env(tmp_path))
    assert result.stdout.strip() == ("yes" if allowed else "no")


# --- the build-time check (same library) ---------------------------------------------------------


def test_build_time_check_warns_in_heroku_style_with_fixes(tmp_path, bp_sandbox):
    build = Build(tmp_path, "maven-procfile", creds(bp_sandbox))
    result = build.compile()
    assert result.returncode == 0, result.output
    warnings = strip_ansi(result.stderr)
    for id_, fix in [
        ("preboot.enabled", "heroku features:enable preboot --app zdd-demo"),
        ("affinity.enabled", "heroku features:enable http-session-affinity --app zdd-demo"),
        ("web.redundancy", "heroku ps:scale web=2:Standard-1X worker=1:Standard-1X --app zdd-demo"),
        ("tier.professional", "heroku ps:type web=Standard-1X"),
    ]:
        assert f" !     zdd: {id_} failed: " in warnings
        assert f" !     Fix: {fix}" in warnings
    assert "Deploying anyway" in result.stdout
    assert_no_secrets(result.output, build.secret_values())
    assert bp_sandbox.platform.global_token not in result.output


def test_build_time_check_agrees_on_a_vector(tmp_path, bp_sandbox):
    case = json.loads(next(p for p in VECTORS if "eco" in p.stem).read_text())
    app = case["seed"]["apps"][0]["name"]
    result = Build(tmp_path, "maven-procfile", creds(bp_sandbox, app)).compile()
    text = strip_ansi(result.output)
    for id_ in BASH_IDS:
        assert f"zdd: {id_} {case['expected'][id_]}: " in text or (
            f"       {id_} {case['expected'][id_]}: " in text
        )


def test_build_time_strict_fails_the_build_only_on_a_failed_check(tmp_path, bp_sandbox):
    result = Build(tmp_path / "a", "maven-procfile", creds(bp_sandbox, ZDD_STRICT="1")).compile()
    assert result.returncode == 1
    assert "ZDD_STRICT=1" in strip_ansi(result.stderr)


def test_build_time_strict_never_fails_on_an_api_error(tmp_path, clear_faults):
    sandbox = clear_faults
    fault(sandbox, kind="status", status=500, route="*", count=4)
    result = Build(tmp_path, "maven-procfile", creds(sandbox, ZDD_STRICT="1")).compile()
    assert result.returncode == 0
    assert "Settings check skipped: the Heroku API failed (500" in result.stdout


# --- the wired Procfile, end to end --------------------------------------------------------------


def test_wired_release_command_checks_then_runs_the_original(tmp_path, bp_sandbox):
    build = Build(tmp_path, "maven-release")
    assert build.compile().returncode == 0
    command = procfile_types(build.procfile)["release"]
    env = scrubbed_env(build.build_dir, DYNO="release.9", **creds(bp_sandbox))
    result = capture(["bash", "-c", command], env=env, cwd=build.build_dir, timeout=30)
    assert len(findings(result.stdout)) == 5
    assert result.stdout.rstrip().endswith("migrate ran")
    assert result.returncode == 0
    # strict and failing: the original release task does not run, the release stops
    env["ZDD_STRICT"] = "1"
    (build.build_dir / "migrate.ran").unlink()
    result = capture(["bash", "-c", command], env=env, cwd=build.build_dir, timeout=30)
    assert result.returncode == 1
    assert not (build.build_dir / "migrate.ran").exists()


@pytest.mark.parametrize(
    ("original", "markers", "status"),
    [
        ("touch a.ran; touch b.ran # tell slack", ["a.ran", "b.ran"], 0),
        ("touch a.ran && touch b.ran; exit 5", ["a.ran", "b.ran"], 5),
        ("false || touch a.ran", ["a.ran"], 0),
        ("touch a.ran; touch b.ran &", ["a.ran", "b.ran"], 0),
        ("touch a.ran # ; touch b.ran", ["a.ran"], 0),
    ],
    ids=["semicolon-comment", "and-exit", "or", "trailing-ampersand", "comment"],
)
def test_a_strict_failure_stops_every_part_of_the_release_command(
    tmp_path, bp_sandbox, original, markers, status
):
    """`;`, `#`, `&&`, `||`, a trailing `&`: nothing of the original runs after a strict failure,
    and all of it runs (with its own exit status) otherwise."""
    from bp_harness import pids_with_env, wait_for

    build = Build(tmp_path, None)
    build.procfile.write_text(f"web: java -jar app.jar\nrelease: {original}\n")
    assert build.compile().returncode == 0
    command = procfile_types(build.procfile)["release"]
    app = build.build_dir
    env = scrubbed_env(app, DYNO="release.9", **creds(bp_sandbox))  # zdd-demo fails every check
    result = capture(["bash", "-c", command], env=env, cwd=app, timeout=30)
    assert result.returncode == status, result.output
    assert wait_for(lambda: all((app / m).exists() for m in markers), 3)
    for marker in markers:
        (app / marker).unlink()
    env["ZDD_STRICT"] = "1"
    result = capture(["bash", "-c", command], env=env, cwd=app, timeout=30)
    assert result.returncode == 1, result.output
    assert "stopping this release" in result.stdout
    # No fixed wait: once no process of this release command (its HOME is unique) is left, not
    # even one sent to the background, nothing of it can still run.
    assert wait_for(lambda: not pids_with_env("HOME", str(app)), 3)
    assert not list(app.glob("*.ran"))


# A plain failing command in compile::check's own body (output::step is called there, outside any
# condition): with errexit really on in the check's subshell, it stops the check there.
PLAIN_FAILURE = """
output::step() {
	echo "-----> ${1}"
	if [[ "${1}" == "zdd: checking"* ]]; then
		false
		echo "zdd-test: the check went on after a failing command"
	fi
}
"""


@pytest.mark.parametrize(
    ("hook", "status"),
    [("\nchecks::run() { exit 7; }\n", 7), (PLAIN_FAILURE, 1)],
    ids=["exit-7", "plain-failing-command"],
)
def test_a_crash_in_the_build_time_check_never_fails_the_build(tmp_path, bp_sandbox, hook, status):
    """Break the check on purpose (a copy of the buildpack): the build goes on, with a warning,
    even with ZDD_STRICT=1 on an app that fails every check."""
    import shutil

    from bp_harness import BUILDPACK

    broken = tmp_path / "buildpack"
    shutil.copytree(BUILDPACK, broken)
    with (broken / "lib" / "procfile.sh").open("a") as lib:  # sourced last by bin/compile
        lib.write(hook)
    build = Build(tmp_path / "b", "maven-procfile", creds(bp_sandbox, ZDD_STRICT="1"), broken)
    result = build.compile()
    assert result.returncode == 0, result.output
    assert f"the settings check stopped unexpectedly (exit {status})" in strip_ansi(result.stderr)
    assert "went on after a failing command" not in result.output
    assert (build.build_dir / ".zdd" / "bin" / "release-check").exists()


# --- the app name is printed only once it is a valid one ------------------------------------------

BAD_APPS = [
    "my-app\nSECRET-second-line-77",
    "My-App-SECRET",
    "a",
    "app name with SECRET spaces",
    "x" * 31,
    "app-$(SECRET)",
]


@pytest.mark.parametrize("app", BAD_APPS)
@pytest.mark.parametrize("with_token", [True, False])
def test_release_check_never_prints_an_invalid_app_name(slug, bp_sandbox, app, with_token):
    config = {"ZDD_APP": app, "HEROKU_HOST": bp_sandbox.url}
    if with_token:
        config["ZDD_API_TOKEN"] = bp_sandbox.platform.global_token
    result = run_check(slug, ZDD_STRICT="1", **config)
    line = one_skip_line(result)
    assert "ZDD_APP is not a Heroku app name" in line
    assert "SECRET" not in result.output and (len(app) < 3 or app not in result.output)


def test_heroku_app_name_is_validated_too(slug, bp_sandbox):
    result = run_check(slug, HEROKU_APP_NAME="Bad\nSECRET-x", ZDD_API_TOKEN="t0ken-abc")
    assert "HEROKU_APP_NAME is not a Heroku app name" in one_skip_line(result)
    assert "SECRET" not in result.output


@pytest.mark.parametrize("app", BAD_APPS)
@pytest.mark.parametrize("with_token", [True, False])
def test_build_time_check_never_prints_an_invalid_app_name(tmp_path, bp_sandbox, app, with_token):
    config = {"ZDD_APP": app, "HEROKU_HOST": bp_sandbox.url, "ZDD_STRICT": "1"}
    if with_token:
        config["ZDD_API_TOKEN"] = bp_sandbox.platform.global_token
    result = Build(tmp_path, "maven-procfile", config).compile()
    assert result.returncode == 0, result.output
    lines = [line for line in result.stdout.splitlines() if "app name" in line]
    assert (
        len(lines) == 1 and "Settings check skipped: ZDD_APP is not a Heroku app name" in lines[0]
    )
    assert "SECRET" not in result.output and (len(app) < 3 or app not in result.output)
    assert "checking" not in result.stdout


# --- opt-outs, worker-only apps and the companion's place, at build time too ---------------------


def vector_app(stem: str) -> dict:
    return json.loads(next(p for p in VECTORS if p.stem == stem).read_text())["seed"]["apps"][0]


def test_build_time_check_honours_zdd_opt_out(tmp_path, bp_sandbox):
    """An app whose only failing check the user opted out of: no warning, and strict passes."""
    app = vector_app("opted-out-affinity")
    config = creds(bp_sandbox, app["name"], ZDD_OPT_OUT=app["config_vars"]["ZDD_OPT_OUT"])
    result = Build(tmp_path, "maven-procfile", {**config, "ZDD_STRICT": "1"}).compile()
    assert result.returncode == 0, result.output
    assert "       affinity.enabled skipped: opted out (ZDD_OPT_OUT)" in result.stdout
    assert "zdd: affinity.enabled failed" not in strip_ansi(result.stderr)
    # without the opt-out the same app fails the strict build
    strict = Build(
        tmp_path / "b", "maven-procfile", {**creds(bp_sandbox, app["name"]), "ZDD_STRICT": "1"}
    )
    assert strict.compile().returncode == 1


def test_release_check_honours_zdd_opt_out_in_strict_mode(slug, bp_sandbox):
    app = vector_app("opted-out-affinity")
    result = run_check(slug, **creds(bp_sandbox, app["name"], ZDD_STRICT="1"))
    assert result.returncode == 1  # affinity fails: the app's ZDD_OPT_OUT is not in the env
    result = run_check(
        slug, **creds(bp_sandbox, app["name"], ZDD_STRICT="1", ZDD_OPT_OUT=" AFFINITY.enabled ,")
    )
    assert result.returncode == 0, result.stdout
    assert findings(result.stdout)["affinity.enabled"]["message"] == "opted out (ZDD_OPT_OUT)"


def test_a_worker_only_app_skips_what_only_web_traffic_needs(tmp_path, slug, bp_sandbox):
    app = vector_app("worker-only-java-basic")
    result = run_check(slug, **creds(bp_sandbox, app["name"], ZDD_STRICT="1"))
    assert result.returncode == 0, result.stdout
    got = findings(result.stdout)
    assert {f["status"] for f in got.values()} == {"skipped"}
    assert got["preboot.enabled"]["message"] == (
        "no web process type: the router sends this app no HTTP traffic"
    )
    build = Build(tmp_path, "maven-procfile", creds(bp_sandbox, app["name"], ZDD_STRICT="1"))
    compiled = build.compile()
    assert compiled.returncode == 0 and "failed" not in strip_ansi(compiled.stderr)


def misplaced_companion(result, app: dict, where: str, to_index: int) -> str:
    """The build's warnings, checked to say the companion comes WHERE heroku/java, with the fix
    that moves it to TO_INDEX; the build still passes."""
    warnings = strip_ansi(result.stderr)
    failed = f"zdd: buildpack.companion failed: the zdd buildpack comes {where} heroku/java"
    assert f" !     {failed}" in warnings
    companion = next(b for b in app["buildpacks"] if "zdd" in b)
    assert (
        f" !     Fix: heroku buildpacks:remove {companion} --app {app['name']} && "
        f"heroku buildpacks:add --index {to_index} {companion} --app {app['name']}"
    ) in warnings
    assert result.returncode == 0
    return warnings


def test_a_companion_after_the_jvm_buildpack_fails_at_build_time_with_the_fix(tmp_path, bp_sandbox):
    app = vector_app("java-companion-after-jvm")
    result = Build(tmp_path, "maven-procfile", creds(bp_sandbox, app["name"])).compile()
    misplaced_companion(result, app, "after", 1)


def test_under_the_aot_preset_the_companion_belongs_after_the_jvm_buildpack_at_build_time(
    tmp_path, bp_sandbox
):
    """ZDD_JVM_PRESET=aot (read from the env dir) turns the rule around: after passes, before
    fails with the fix that moves it after heroku/java."""
    after = vector_app("java-aot-companion-after-jvm")
    config = {**creds(bp_sandbox, after["name"]), "ZDD_STRICT": "1"}
    aot = Build(tmp_path / "a", "maven-procfile", {**config, "ZDD_JVM_PRESET": "aot"}).compile()
    assert aot.returncode == 0, aot.output
    assert (
        "       buildpack.companion passed: the zdd buildpack is installed after heroku/java"
        in (aot.stdout)
    )
    # the same order without the preset is the old rule's failure
    assert Build(tmp_path / "b", "maven-procfile", config).compile().returncode == 1

    before = vector_app("java-aot-companion-before-jvm")
    result = Build(
        tmp_path / "c",
        "maven-procfile",
        {**creds(bp_sandbox, before["name"]), "ZDD_JVM_PRESET": "aot"},
    ).compile()
    assert "Procfile web: line" in misplaced_companion(result, before, "before", 2)


def test_the_release_phase_reads_zdd_jvm_preset_from_the_environment(slug, bp_sandbox):
    app = vector_app("java-aot-companion-after-jvm")
    result = run_check(slug, **creds(bp_sandbox, app["name"], ZDD_STRICT="1"))
    assert result.returncode == 1, result.stdout  # no preset in the env: the old rule fails it
    result = run_check(slug, **creds(bp_sandbox, app["name"], ZDD_STRICT="1", ZDD_JVM_PRESET="aot"))
    assert result.returncode == 0, result.stdout
    assert findings(result.stdout)["buildpack.companion"]["status"] == "passed"
