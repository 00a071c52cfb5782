"""`zdd verify` end to end on loopback targets: the Invoke route in a subprocess, the rest through
the Program the console script runs, in this process (the installed console script itself runs
in a subprocess in test_verify_limits.py's signal tests and test_verify_progress.py's terminal
test)."""

import json
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from verify_helpers import cookie_moves

from zdd.verify.targets import Backend, RestartingTarget, SwitchingRouter


def test_switch_scenario_json_exit_0_and_a_picture(tmp_path, run_zdd):
    with Backend("v1") as old, Backend("v2") as new, SwitchingRouter(old, new) as router:
        switch = (
            "import time, urllib.request as u; time.sleep(0.3); "
            f"u.urlopen(u.Request({router.url('/__switch?to=v2')!r}, method='POST'))"
        )
        during = f"{shlex.quote(sys.executable)} -c {shlex.quote(switch)}"
        out = run_zdd(
            "verify",
            "--url",
            router.url(),
            "--rate",
            "40",
            "--during",
            during,
            "--tail",
            "0.3s",
            "--marker-header",
            "X-Release",
            "--json",
            "--picture",
            "timeline.svg",
            cwd=tmp_path,
        )
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert (data["version"], data["command"]) == (1, "verify")
    assert data["failed"] == 0 and data["availability"] == 1.0
    assert data["switch_over"]["from"] == "v1" and data["switch_over"]["to"] == "v2"
    assert data["switch_over"]["marker"] == "header X-Release"
    assert data["during"]["exit_code"] == 0
    assert len(cookie_moves(data["affinity"])) == 1
    assert data["exit_code"] == 0
    assert {"before", "during", "after"} <= set(data["latency_ms"])
    svg = (tmp_path / "timeline.svg").read_text()
    assert svg.lstrip().startswith("<?xml") and "switch-over" in svg


def test_gap_scenario_human_summary_exit_1(tmp_path, run_zdd):
    with RestartingTarget() as target:
        target.restart_after(delay_s=0.1, gap_s=0.3)
        out = run_zdd(
            "verify",
            "--url",
            target.url(),
            "--rate",
            "40",
            "--duration",
            "0.7s",
            "--timeout",
            "1s",
            "--marker-json",
            "version",
            cwd=tmp_path,
        )
    assert out.returncode == 1, out.stderr
    assert "FAIL:" in out.stdout and "connect" in out.stdout
    assert "longest run of failures" in out.stdout
    assert "Exit 1:" in out.stdout
    assert not list(tmp_path.glob("*.png"))  # no picture unless --picture asks for one


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "--url is required"),
        (("--url", "http://127.0.0.1:9/", "--duration", "soon"), "--duration: cannot read"),
        (("--url", "http://127.0.0.1:9/", "--rate", "500"), "at most 50"),
        (("--url", "http://127.0.0.1:9/", "--picture", "x.gif"), ".png or .svg"),
        (("--url", "http://127.0.0.1:9/", "--api-interval", "1s", "--app", "a"), "at least 5s"),
    ],
)
def test_usage_errors_exit_2_with_a_clear_message(tmp_path, run_zdd, args, message):
    out = run_zdd("verify", *args, cwd=tmp_path)
    assert out.returncode == 2
    assert message in out.stderr
    assert "Traceback" not in out.stderr


def test_invoke_runs_the_same_task(tmp_path):
    tmp_path = tmp_path / "work"
    tmp_path.mkdir()
    with Backend("v1") as backend:
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "invoke",
                "--search-root",
                str(Path(__file__).parents[2]),
                "zdd.verify",
                "--url",
                backend.url(),
                "--rate",
                "20",
                "--duration",
                "0.1s",
                "--picture",
                "none",
                "--json",
            ],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["failed"] == 0
    assert not list(tmp_path.iterdir())  # --picture none wrote nothing


def test_an_unwritable_picture_still_prints_the_report(tmp_path, run_zdd):
    (tmp_path / "x.png").mkdir()  # a folder where the picture file should be
    with Backend("v1") as backend:
        out = run_zdd(
            "verify", "--url", backend.url(), "--rate", "20", "--duration", "0.1s", "-j",
            "--picture", str(tmp_path / "x.png"), cwd=tmp_path,
        )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["picture"] is None
    assert "could not write --picture" in out.stderr
