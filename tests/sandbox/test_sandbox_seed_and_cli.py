"""Seeds (files, dicts, control endpoint), the loopback rule, and `python -m zdd.sandbox`."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from zdd.loopback import is_loopback
from zdd.sandbox import Platform, SandboxError, SandboxServer, SeedError
from zdd.sandbox.__main__ import main as sandbox_main
from zdd.sandbox.__main__ import startup_lines

REPO = Path(__file__).resolve().parents[2]
V3 = "application/vnd.heroku+json; version=3"

SEED_YAML = """
account: {email: ops@example.com}
tokens:
  - {token: tok-global, scope: [global]}
  - {token: tok-read, scope: [read]}
apps:
  - name: shop-api
    buildpacks: [heroku/jvm, "https://example.com/zdd.tgz"]
    formation:
      - {type: web, quantity: 2, size: standard-2x, command: "java -jar app.jar"}
      - {type: worker, quantity: 1, size: Performance-M}
    features: {preboot: true, http-session-affinity: true}
    config_vars: {JAVA_OPTS: "-Xmx1g"}
    releases: 7
"""


def test_yaml_seed_file_builds_the_described_app(tmp_path):
    path = tmp_path / "seed.yaml"
    path.write_text(SEED_YAML)
    platform = Platform.from_seed(str(path))
    assert platform.account_info()["email"] == "ops@example.com"
    assert platform.authenticate("tok-read").scope == ("read",)
    assert platform.global_token == "tok-global"
    forms = {f["type"]: (f["quantity"], f["size"]) for f in platform.formation_list("shop-api")}
    assert forms == {"web": (2, "Standard-2X"), "worker": (1, "Performance-M")}
    assert [b["buildpack"]["url"] for b in platform.buildpack_installation_list("shop-api")] == [
        "urn:buildpack:heroku/jvm",
        "https://example.com/zdd.tgz",
    ]
    releases = platform.release_list("shop-api")
    assert [r["version"] for r in releases] == list(range(1, 8)) and releases[-1]["current"]
    assert platform.feature_info("shop-api", "preboot")["enabled"] is True


def test_json_seed_file_and_default_token(tmp_path):
    path = tmp_path / "seed.json"
    path.write_text(json.dumps({"apps": [{"name": "json-app"}]}))
    platform = Platform.from_seed(path)  # a Path works as well as a str
    assert platform.app_info("json-app")["name"] == "json-app"
    assert platform.global_token.startswith("HRKU-")
    assert platform.formation_list("json-app") == []


@pytest.mark.parametrize(
    "seed,message",
    [
        ({"appz": []}, "unknown key(s) ['appz']"),
        ({"apps": [{"stack": "heroku-24"}]}, "apps[0]: needs a 'name'"),
        ({"apps": [{"name": "Bad_Name"}]}, "apps[0]: Name 'Bad_Name'"),
        (
            {"apps": [{"name": "a-1", "formation": [{"type": "web", "size": "Mega"}]}]},
            "apps[0].formation[0]: unknown dyno size 'Mega'",
        ),
        (
            {"apps": [{"name": "a-1", "formation": [{"type": "web", "quantity": 2}]}]},
            "Cannot update to more than 1 Basic size dynos per process type.",
        ),
        (
            {
                "apps": [
                    {
                        "name": "a-1",
                        "formation": [
                            {"type": "web", "size": "Basic"},
                            {"type": "worker", "size": "Standard-1X"},
                        ],
                    }
                ]
            },
            "Basic and Standard-1X",
        ),
        ({"apps": [{"name": "a-1", "features": {"warp": True}}]}, "unknown feature 'warp'"),
        ({"tokens": [{"token": "t", "scope": ["root"]}]}, "tokens[0]: Invalid scope"),
    ],
)
def test_bad_seeds_say_where_and_why(seed, message):
    with pytest.raises(SeedError) as info:
        Platform.from_seed(seed)
    assert message in str(info.value)


def test_unreadable_seed_file_is_a_clear_error(tmp_path):
    with pytest.raises(SeedError, match="Cannot read seed file"):
        Platform.from_seed(str(tmp_path / "missing.yaml"))
    bad = tmp_path / "bad.yaml"
    bad.write_text("apps: [unclosed")
    with pytest.raises(SeedError, match="not valid YAML/JSON"):
        Platform.from_seed(str(bad))


def test_control_seed_adds_apps_and_tokens(control, client_for):
    r = control.post(
        "/seed",
        json={
            "tokens": [{"token": "ci-token", "scope": ["read"]}],
            "apps": [{"name": "second-app", "formation": [{"type": "web", "size": "Eco"}]}],
        },
    )
    assert r.status_code == 200 and r.json()["apps"] == ["second-app", "zdd-demo"]
    got = client_for("ci-token").get("/apps/second-app/formation/web")
    assert got.status_code == 200 and got.json()["size"] == "Eco"
    bad = control.post("/seed", json={"apps": [{"name": "x"}]})
    assert bad.status_code == 400 and "Name 'x'" in bad.json()["message"]


def test_control_preboot_window_refuses_scaling_over_http(serve, clock):
    platform = Platform.demo(clock=clock)
    api = serve(platform)
    control = httpx.Client(base_url=str(api.base_url).rstrip("/") + "/__sandbox", verify=False)
    r = control.post("/apps/zdd-demo/preboot", json={"seconds": 60})
    assert r.status_code == 200
    refused = api.patch("/apps/zdd-demo/formation/web", json={"quantity": 0})
    assert refused.status_code == 422
    assert refused.json() == {
        "id": "invalid_params",
        "message": "Cannot change formation for a preboot app until preboot is complete",
    }
    clock.advance(61)
    assert api.patch("/apps/zdd-demo/formation/web", json={"quantity": 0}).status_code == 200
    assert control.post("/apps/nope-app/preboot", json={"seconds": 1}).status_code == 404
    assert control.get("/nothing").status_code == 404
    control.close()


def test_exported_seed_loads_back_into_the_same_state(api, control):
    api.patch(
        "/apps/zdd-demo/formation",
        json={
            "updates": [
                {"type": t, "size": "Standard-1X", "quantity": 2} for t in ("web", "worker")
            ]
        },
    )
    api.patch("/apps/zdd-demo/features/preboot", json={"enabled": True})
    api.patch("/apps/zdd-demo/config-vars", json={"ZDD_APP": "zdd-demo"})
    api.put(
        "/apps/zdd-demo/buildpack-installations", json={"updates": [{"buildpack": "heroku/jvm"}]}
    )
    exported = control.get("/seed").json()
    copy = Platform.from_seed(exported)
    for read in (
        "formation_list",
        "feature_list",
        "config_var_info_for_app",
        "buildpack_installation_list",
    ):
        assert by_id(getattr(copy, read)("zdd-demo")) == by_id(api.get(PATHS[read]).json()), read
    releases = [r["description"] for r in copy.release_list("zdd-demo")]
    assert releases == [r["description"] for r in api.get("/apps/zdd-demo/releases").json()]
    assert copy.global_token == api.headers["authorization"].removeprefix("Bearer ")


def by_id(body):
    """Compare lists whatever their order, and without timestamps (the copy is made later)."""
    if not isinstance(body, list):
        return body
    drop = {"created_at", "updated_at"}
    return sorted(({k: v for k, v in it.items() if k not in drop} for it in body), key=json.dumps)


PATHS = {
    "formation_list": "/apps/zdd-demo/formation",
    "feature_list": "/apps/zdd-demo/features",
    "config_var_info_for_app": "/apps/zdd-demo/config-vars",
    "buildpack_installation_list": "/apps/zdd-demo/buildpack-installations",
}


def test_loopback_rule_is_one_function():
    assert is_loopback("127.0.0.1") and is_loopback("::1")
    assert is_loopback("localhost") and is_loopback("127.8.9.10")
    assert not is_loopback("10.0.0.5") and not is_loopback(None)
    assert not is_loopback("") and not is_loopback("testclient")


def test_server_refuses_a_non_loopback_host_unless_allowed():
    with pytest.raises(SandboxError, match="loopback only"):
        SandboxServer(Platform.demo(), host="0.0.0.0")
    SandboxServer(Platform.demo(), host="0.0.0.0", allow_remote=True)  # constructs; not started


def test_server_reports_a_port_in_use():
    with SandboxServer(Platform.demo()) as first:
        expected = rf"Cannot listen on 127.0.0.1:{first.port}.*--port 0"
        with pytest.raises(SandboxError, match=expected):
            SandboxServer(Platform.demo(), port=first.port).start()


def test_startup_lines_set_each_variable_once():
    platform = Platform.from_seed(
        {
            "tokens": [
                {"token": "tok-g1", "scope": ["global"]},
                {"token": "tok-g2", "scope": ["global"]},
                {"token": "tok-r", "scope": ["read"]},
            ],
            "apps": [{"name": "one-app"}],
        }
    )
    assert startup_lines(platform, "http://127.0.0.1:5000").splitlines() == [
        "export HEROKU_HOST=http://127.0.0.1:5000",
        "export HEROKU_API_KEY=tok-g1   # scope: global",
        "# token with scope global: tok-g2",
        "# token with scope read: tok-r",
        "# companion buildpack: zdd setup ... --buildpack"
        " http://127.0.0.1:5000/__sandbox/buildpack/zdd-buildpack.tgz",
        "# apps: one-app; Ctrl-C stops.",
    ]


def run_module(*args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "zdd.sandbox", *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_module_prints_heroku_host_serves_and_stops_on_a_signal(tmp_path, sig):
    seed = tmp_path / "seed.yaml"
    seed.write_text(SEED_YAML)
    started = time.perf_counter()
    proc = run_module("--port", "0", "--seed", str(seed))
    try:
        lines = []
        while not any(line.startswith("# apps:") for line in lines):
            line = proc.stdout.readline()
            assert line, f"sandbox exited early: {proc.stderr.read()}"
            lines.append(line.strip())
        startup = time.perf_counter() - started
        assert [x for x in lines if "HEROKU_HOST" in x] == [x for x in lines[:1]]
        assert all(x.startswith(("export ", "# ")) for x in lines), lines
        host = lines[0].removeprefix("export HEROKU_HOST=")
        assert host.startswith("http://127.0.0.1:")
        assert "export HEROKU_API_KEY=tok-global   # scope: global" in lines
        r = httpx.get(
            f"{host}/apps/shop-api", headers={"Accept": V3, "Authorization": "Bearer tok-global"}
        )
        assert r.status_code == 200 and r.json()["name"] == "shop-api"
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "zdd sandbox: stopped." in out
    assert startup < 5, f"startup took {startup:.2f}s"
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{host}/apps", timeout=1)


# The module's refusals, through its main() in this process (the real `python -m zdd.sandbox`
# keeps the start-up, serve and signal test above): exit 2, one line on stderr, nothing served.


def test_module_refuses_a_remote_host_with_a_clear_error(capsys):
    assert sandbox_main(["--host", "0.0.0.0", "--port", "0"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "Refusing to listen on 0.0.0.0" in err and "--allow-remote" in err


def test_module_reports_a_bad_seed(tmp_path, capsys):
    seed = tmp_path / "seed.yaml"
    seed.write_text("apps: [{name: Bad}]")
    assert sandbox_main(["--port", "0", "--seed", str(seed)]) == 2
    assert "seed apps[0]" in capsys.readouterr().err
