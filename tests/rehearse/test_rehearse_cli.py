"""`zdd rehearse` on the command line: usage errors are one line and exit 2; --help tells a Java
user what to run in CI; --json is one document.

The usage errors and --help run the program in this process (the same Program the console script
runs); an unknown flag and the --json rehearsal run the real script."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.rehearse.support import DYNO_ENV

ROOT = Path(__file__).resolve().parents[2]


def zdd(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "zdd", "rehearse", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        env=DYNO_ENV,
    )


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--dir", "/nonexistent"], "--dir"),
        (["--dir", "tests/apps/python", "--dynos", "0"], "--dynos: between 1 and 10"),
        (["--dir", "tests/apps/python", "--rate", "500"], "--rate"),
        (["--dir", "tests/apps/python", "--scale", "2"], "--scale"),
        (["--dir", "tests/apps/python", "--grace", "soon"], "--grace"),
        (["--dir", "tests/apps/python", "--size", "Huge-9X"], "unknown dyno size"),
        (["--dir", "tests/apps/python", "--env", "NOEQUALS"], "--env: expected KEY=VALUE"),
        (["--dir", "tests/apps/python", "--long-path", "slow"], "--long-path"),
        (["--dir", "tests/apps/python", "--picture", "x.gif"], "--picture"),
        (["--dir", "tests"], "no Procfile"),
    ],
)
def test_bad_values_exit_2_with_one_line(run_zdd, args, says):
    run = run_zdd("rehearse", *args, cwd=ROOT)
    code, err = run.returncode, run.stderr
    assert code == 2
    assert says in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_an_unknown_flag_is_a_usage_error():
    proc = zdd("--dir", "tests/apps/python", "--bogus")
    assert proc.returncode == 2 and "--bogus" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_help_tells_a_java_user_what_to_run_in_ci(run_zdd):
    run = run_zdd("rehearse", "--help", cwd=ROOT)
    code, out = run.returncode, run.stdout
    assert code == 0
    for words in ("mvn -q package", "zdd rehearse --dir .", "server.shutdown=graceful",
                  "--no-preboot", "--next", "keep-alive-timeout"):  # fmt: skip
        assert words in out


@pytest.mark.slow
def test_json_is_one_document_with_every_finding(tmp_path):
    picture = tmp_path / "r.png"
    proc = zdd(
        "--dir", "tests/apps/python", "--scale", "0.05", "--switch-delay", "0.5s",
        "--warmup", "0.5s", "--tail", "0.5s", "--json", "--picture", str(picture),
    )  # fmt: skip
    doc = json.loads(proc.stdout)
    assert proc.returncode == doc["exit_code"] == 0, proc.stdout
    assert [f["id"] for f in doc["findings"]] == [
        "boot.r10",
        "shutdown.inflight_dropped",
        "shutdown.sigkill",
        "router.keepalive",
        "memory.overlap",
        "release.unhealthy",
        "requests.failed",
    ]
    assert doc["probe"]["switch_over"]["to"] == "v2"
    assert doc["picture"] == str(picture) and picture.stat().st_size > 10_000
