"""The release phase's smoke boot (issue 13 §1), in real bash with real web apps: a small
python3 http.server app (tests/buildpack/fixtures/smoke-app/app.py, one mode per behaviour) and
the JVM test app. Every run ends with nothing left running: each simulated release dyno has a
unique HOME, and every process it started carries it in its environment (/proc/*/environ).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
from bp_harness import (
    FIXTURES,
    Build,
    capture,
    pids_with_env,
    private_copy,
    scrubbed_env,
    wait_for,
)

SMOKE_APP = FIXTURES / "smoke-app" / "app.py"
LINE = re.compile(r"^zdd: smoke\.boot (passed|failed|skipped): (.+)$")
TOKEN = "HRKU-0f1e2d3c-secret-release-token-4b5a69788796"
DATABASE_URL = "postgres://appuser:db-Passw0rd-7f3a@db.internal:5432/app"
#: The smoke's grace (its request minimum, TERM-to-KILL and KILL margin) at 1 s, not 5 s.
GRACE_1S = {"ZDD_SMOKE_GRACE_SECONDS": "1"}


@pytest.fixture(scope="module")
def smoke_slug(tmp_path_factory) -> Path:
    """A slug compiled by bin/compile whose Procfile's web command is the python smoke app."""
    build = Build(tmp_path_factory.mktemp("smoke-build"), None)
    shutil.copy(SMOKE_APP, build.build_dir / "app.py")
    build.procfile.write_text("web: exec python3 app.py\nworker: sleep 1\n")
    build.compiled()
    return build.build_dir


@pytest.fixture
def slug(smoke_slug, tmp_path) -> Path:
    """A private copy of the slug: its HOME is unique, so every process it starts can be found."""
    return private_copy(smoke_slug, tmp_path / "app")


def release_env(slug: Path, **config: str) -> dict[str, str]:
    """The release dyno's environment: a token and a database URL the app prints, no ZDD_APP (the
    settings check skips itself in one line, so the smoke is what we see)."""
    return scrubbed_env(
        slug, DYNO="release.3", ZDD_API_TOKEN=TOKEN, DATABASE_URL=DATABASE_URL, **config
    )


def release(slug: Path, *, path: str | None = None, timeout: float = 90, **config: str):
    """.zdd/bin/release-check as the release dyno runs it."""
    env = release_env(slug, **config)
    if path is not None:
        env["PATH"] = path
    return capture([".zdd/bin/release-check"], env=env, cwd=slug, timeout=timeout)


def smoke_line(result) -> tuple[str, str]:
    found = [LINE.match(line) for line in result.stdout.splitlines()]
    found = [m for m in found if m]
    assert len(found) == 1, result.output
    return found[0][1], found[0][2]


def log_lines(result) -> list[str]:
    return [line for line in result.stdout.splitlines() if line.startswith("zdd: smoke log: ")]


def assert_nothing_left(slug: Path) -> None:
    assert wait_for(lambda: not pids_with_env("HOME", str(slug)), 3), pids_with_env(
        "HOME", str(slug)
    )


def assert_clean(result) -> None:
    assert result.stderr == ""
    assert TOKEN not in result.output and "db-Passw0rd-7f3a" not in result.output


# --- outcomes ---------------------------------------------------------------------------------


@pytest.mark.parametrize("strict", [{}, {"ZDD_SMOKE": "strict"}, {"ZDD_STRICT": "1"}])
def test_a_healthy_web_command_passes(slug, strict):
    result = release(slug, ZDD_SMOKE_PATH="/health", ZDD_SMOKE_EXPECT="status: UP", **strict)
    status, message = smoke_line(result)
    assert status == "passed", result.output
    assert message.startswith("GET /health answered 200")
    assert result.returncode == 0
    assert log_lines(result) == []
    assert_clean(result)
    assert_nothing_left(slug)


def test_no_smoke_path_no_smoke(slug):
    result = release(slug, SMOKE_APP_MODE="500")
    assert "smoke" not in result.stdout
    assert result.returncode == 0
    assert_nothing_left(slug)


@pytest.mark.parametrize(
    ("strict", "exit_code"),
    [({}, 0), ({"ZDD_SMOKE": "strict"}, 1), ({"ZDD_STRICT": "1"}, 1), ({"ZDD_SMOKE": "yes"}, 0)],
    ids=["warning", "smoke-strict", "zdd-strict", "not-strict"],
)
def test_a_500_fails_the_smoke_and_only_strict_stops_the_release(slug, strict, exit_code):
    result = release(slug, ZDD_SMOKE_PATH="/health", SMOKE_APP_MODE="500", **strict)
    status, message = smoke_line(result)
    assert (status, message) == ("failed", "GET /health answered 500 (expected 2xx or 3xx)")
    assert result.returncode == exit_code
    assert "zdd: smoke log: GET /health" in result.stdout  # the app's own last lines
    last = result.stdout.splitlines()[-1]
    assert ("stopping this release" in last) is (exit_code == 1)
    assert ("the release goes ahead" in last) is (exit_code == 0)
    assert_clean(result)
    assert_nothing_left(slug)


def test_the_wired_release_command_stops_before_the_users_release_task(slug):
    """The Procfile line bin/compile wrote gates the rest: a strict smoke failure exits 1."""
    env = release_env(slug, ZDD_SMOKE_PATH="/", ZDD_SMOKE="strict", SMOKE_APP_MODE="500")
    command = ".zdd/bin/release-check || exit $?; touch migrated"
    result = capture(["bash", "-c", command], env=env, cwd=slug, timeout=60)
    assert result.returncode == 1
    assert not (slug / "migrated").exists()
    env["SMOKE_APP_MODE"] = "ok"
    assert capture(["bash", "-c", command], env=env, cwd=slug, timeout=60).returncode == 0
    assert (slug / "migrated").exists()
    assert_nothing_left(slug)


def test_a_crash_before_binding_shows_why(slug):
    result = release(slug, ZDD_SMOKE_PATH="/health", SMOKE_APP_MODE="crash", ZDD_SMOKE="strict")
    status, message = smoke_line(result)
    assert status == "failed"
    assert message.startswith("the web command exited (status 4) before it accepted connections")
    assert "zdd: smoke log: boom: cannot start" in result.stdout
    assert result.returncode == 1
    assert result.seconds < 10
    assert_clean(result)
    assert_nothing_left(slug)


def test_a_web_command_that_never_binds_is_bounded_by_the_boot_timeout(slug):
    result = release(slug, ZDD_SMOKE_PATH="/health", SMOKE_APP_MODE="slow", ZDD_SMOKE_TIMEOUT="1")
    status, message = smoke_line(result)
    assert (status, message) == (
        "failed",
        "the web command did not accept connections on $PORT within 1s (ZDD_SMOKE_TIMEOUT)",
    )
    assert result.returncode == 0
    assert result.seconds < 1 + 5 + 3  # boot timeout + TERM grace + a margin
    assert_nothing_left(slug)


def test_an_app_that_accepts_and_never_answers_is_bounded(slug):
    """The request gets what is left of ZDD_SMOKE_TIMEOUT, at least the grace (5 s; 1 s here)."""
    config = {"SMOKE_APP_MODE": "hang", "ZDD_SMOKE_TIMEOUT": "2", **GRACE_1S}
    result = release(slug, ZDD_SMOKE_PATH="/health", **config)
    status, message = smoke_line(result)
    assert status == "failed" and "got no answer within" in message
    assert result.seconds < 2 + 1 + 1 + 3  # boot and request, at least 1 s; TERM grace; margin
    assert_nothing_left(slug)


def test_a_body_without_the_expected_text_fails(slug):
    result = release(slug, ZDD_SMOKE_PATH="/health", ZDD_SMOKE_EXPECT='"status":"UP"')
    status, message = smoke_line(result)
    assert (status, message) == (
        "failed",
        "GET /health answered 200, but the body does not hold ZDD_SMOKE_EXPECT",
    )
    assert_nothing_left(slug)


def test_the_whole_process_group_is_stopped_even_when_it_ignores_term(slug):
    """The app ignores SIGTERM and started a child that ignores it too: TERM to the group, the
    grace (5 s; 1 s here), then KILL to the group stops both."""
    result = release(slug, ZDD_SMOKE_PATH="/health", SMOKE_APP_MODE="stubborn", **GRACE_1S)
    assert smoke_line(result)[0] == "passed", result.output
    assert 1 <= result.seconds < 1 + 7
    assert_nothing_left(slug)


def test_a_grace_outside_1_to_5_is_the_default_5_s(slug):
    """ZDD_SMOKE_GRACE_SECONDS=0 would KILL at once and give the request no time: an out-of-range
    value is ignored, so the stubborn group still gets the full 5 s TERM grace, and passes."""
    result = release(
        slug, ZDD_SMOKE_PATH="/health", SMOKE_APP_MODE="stubborn", ZDD_SMOKE_GRACE_SECONDS="0"
    )
    assert smoke_line(result)[0] == "passed", result.output
    assert result.returncode == 0 and result.seconds >= 5
    assert_nothing_left(slug)


def test_the_web_command_is_bounded_even_if_the_smoke_itself_is_killed(slug):
    """SIGKILL the smoke script mid-boot (as `timeout --kill-after` would): the web command runs
    under its own `timeout -s KILL`, so it is gone within the boot time + 3 x the grace anyway
    (60 + 15 s by default; 3 + 3 s here)."""
    config = {"SMOKE_APP_MODE": "slow", "ZDD_SMOKE_TIMEOUT": "3", **GRACE_1S}
    env = release_env(slug, ZDD_SMOKE_PATH="/", **config)
    started = time.monotonic()
    proc = subprocess.Popen(
        ["bash", str(slug / ".zdd" / "lib" / "smoke.sh"), "3"],
        cwd=slug,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    assert wait_for(lambda: len(pids_with_env("HOME", str(slug))) >= 3, 10)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(5)
    # the app outlived its smoke script (which would have stopped it at the 3 s boot bound) ...
    assert pids_with_env("HOME", str(slug)) and time.monotonic() - started < 3
    # ... and is gone within its own bound
    assert wait_for(lambda: not pids_with_env("HOME", str(slug)), 3 + 3 + 3)


def test_a_jvm_web_app_passes_the_smoke_boot(slug, warm_app):
    (slug / "Procfile").write_text(
        f"web: exec java -cp {warm_app} WarmApp\nrelease: .zdd/bin/release-check\n"
    )
    result = release(slug, ZDD_SMOKE_PATH="/", ZDD_SMOKE="strict", timeout=120)
    status, message = smoke_line(result)
    assert status == "passed", result.output
    assert message.startswith("GET / answered 200")
    assert_nothing_left(slug)


# --- never a secret in the log tail -----------------------------------------------------------


def test_the_log_tail_never_shows_a_secret(slug):
    result = release(
        slug,
        ZDD_SMOKE_PATH="/health",
        SMOKE_APP_MODE="crash",
        STRIPE_SECRET="sk_live_51Habcdef",
    )
    logs = "\n".join(log_lines(result))
    assert "[redacted]" in logs
    for secret in (
        TOKEN,
        "db-Passw0rd-7f3a",
        "HRKU-abcdefABCDEF0123456789abcdef",
        "hunter2hunter2",
        "sk_live_51Habcdef",
    ):
        assert secret not in result.output
    assert "DATABASE_URL=[redacted]" in logs  # a config var's value, whatever its shape
    assert "postgres://[redacted]@db2.internal/app" in logs  # credentials in any URL
    assert "replica-pw-not-in-env" not in result.output
    # long names that are not tokens stay readable
    assert "AnnotationConfigServletWebServerApplicationContext" in logs
    assert len(log_lines(result)) <= 20


# --- every failure of the smoke itself: one skipped line, exit 0 ---------------------------------


def path_without(tmp_path: Path, program: str) -> str:
    bin_dir = tmp_path / f"bin-without-{program}"
    bin_dir.mkdir()
    for directory in ("/usr/local/bin", "/usr/bin", "/bin"):
        for entry in Path(directory).iterdir():
            target = bin_dir / entry.name
            if entry.name != program and not target.exists() and os.access(entry, os.X_OK):
                target.symlink_to(entry)
    return str(bin_dir)


@pytest.mark.parametrize("program", ["curl", "setsid", "mktemp"])
def test_a_missing_program_skips_the_smoke(slug, tmp_path, program):
    result = release(
        slug,
        path=path_without(tmp_path, program),
        ZDD_SMOKE_PATH="/health",
        ZDD_SMOKE="strict",
        SMOKE_APP_MODE="500",
    )
    assert smoke_line(result) == ("skipped", f"{program} is not installed (not on PATH)")
    assert result.returncode == 0
    assert_clean(result)
    assert_nothing_left(slug)


@pytest.mark.parametrize(
    ("procfile", "words"),
    [(None, "no web process in the Procfile"), ("worker: sleep 1\n", "no web process")],
    ids=["no-procfile", "no-web"],
)
def test_no_web_command_skips_the_smoke(slug, procfile, words):
    if procfile is None:
        (slug / "Procfile").unlink()
    else:
        (slug / "Procfile").write_text(procfile)
    result = release(slug, ZDD_SMOKE_PATH="/health", ZDD_STRICT="1")
    status, message = smoke_line(result)
    assert status == "skipped" and words in message
    assert result.returncode == 0


@pytest.mark.parametrize("value", ["health", "/a b", "/x\n/y", "http://evil.example/"])
def test_a_bad_smoke_path_skips_the_smoke(slug, value):
    result = release(slug, ZDD_SMOKE_PATH=value, ZDD_SMOKE="strict")
    status, message = smoke_line(result)
    assert status == "skipped" and message.startswith("ZDD_SMOKE_PATH is not a URL path")
    assert result.returncode == 0
    assert_nothing_left(slug)


def test_no_writable_temp_dir_skips_the_smoke(slug, tmp_path):
    result = release(
        slug, ZDD_SMOKE_PATH="/health", ZDD_SMOKE="strict", TMPDIR=str(tmp_path / "missing")
    )
    status, message = smoke_line(result)
    assert status == "skipped" and "temp directory" in message
    assert result.returncode == 0
    assert_nothing_left(slug)


def test_the_smoke_follows_release_check_off(slug):
    result = release(slug, ZDD_SMOKE_PATH="/health", ZDD_RELEASE_CHECK="off", SMOKE_APP_MODE="500")
    assert "smoke" not in result.stdout and result.returncode == 0


def test_tracing_on_never_shows_the_token_in_the_smoke(slug):
    result = release(slug, ZDD_SMOKE_PATH="/health", SHELLOPTS="xtrace", SMOKE_APP_MODE="500")
    assert smoke_line(result)[0] == "failed"
    assert TOKEN not in result.output
    assert_nothing_left(slug)


def test_the_time_a_smoke_boot_takes_is_its_boot_and_one_request(slug):
    start = time.monotonic()
    result = release(slug, ZDD_SMOKE_PATH="/health")
    assert smoke_line(result)[0] == "passed"
    assert time.monotonic() - start < 5


def test_a_web_command_that_cannot_be_started_skips_the_smoke(slug, tmp_path):
    """`timeout` itself failing (exit 125) is the smoke's failure, not the release's."""
    bin_dir = Path(path_without(tmp_path, "timeout"))
    real = shutil.which("timeout")
    wrapper = bin_dir / "timeout"
    wrapper.write_text(f'#!/bin/bash\n[[ "$1" == -s ]] && exit 125\nexec {real} "$@"\n')
    wrapper.chmod(0o755)
    result = release(slug, path=str(bin_dir), ZDD_SMOKE_PATH="/health", ZDD_SMOKE="strict")
    assert smoke_line(result) == ("skipped", "could not start the web command (timeout exit 125)")
    assert result.returncode == 0
    assert_nothing_left(slug)


def test_a_web_command_that_is_not_found_fails_the_release(slug):
    """A Procfile web command missing from the slug is a broken release: failed, not skipped."""
    (slug / "Procfile").write_text("web: exec bin/no-such-start-script\n")
    result = release(slug, ZDD_SMOKE_PATH="/health", ZDD_SMOKE="strict")
    status, message = smoke_line(result)
    assert status == "failed" and message.startswith("the web command exited (status 127)")
    assert result.returncode == 1


@pytest.mark.parametrize("opt_out", ["smoke.boot", "affinity.enabled, Smoke.Boot "])
def test_zdd_opt_out_turns_the_smoke_off(slug, opt_out):
    result = release(
        slug,
        ZDD_SMOKE_PATH="/health",
        ZDD_OPT_OUT=opt_out,
        ZDD_SMOKE="strict",
        SMOKE_APP_MODE="500",
    )
    assert smoke_line(result) == ("skipped", "opted out (ZDD_OPT_OUT)")
    assert result.returncode == 0
    assert_nothing_left(slug)
