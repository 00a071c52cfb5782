"""Bounded: every process a rehearsal starts is gone after it ends, on Ctrl-C and on SIGTERM to
zdd (checked in /proc, by a marker in the dynos' environment), and nothing listens beyond
loopback."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.rehearse.support import DYNO_ENV
from zdd.runtime.router import Router, RoutingTable
from zdd.runtime.timing import Timing

pytestmark = pytest.mark.slow
ZDD = [sys.executable, "-m", "zdd"]


def processes_with(marker: str) -> list[int]:
    """Every live process whose environment holds `marker`."""
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            environ = Path(entry.path, "environ").read_bytes()
        except OSError:
            continue
        if marker.encode() in environ:
            found.append(int(entry.name))
    return found


def listening_ports_not_on_loopback() -> set[int]:
    """Ports in LISTEN state bound to a non-loopback IPv4 address (/proc/net/tcp)."""
    out = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        addr, port = local.split(":")
        if state == "0A" and not addr.endswith("7F"):  # 127.x.x.x is stored little-endian
            out.add(int(port, 16))
    return out


def start(python_app: Path, marker: str, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [*ZDD, "rehearse", "--dir", str(python_app), "--scale", "0.05", "--warmup", "60s",
         "--env", f"REHEARSE_MARK={marker}", "--json", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=Path(__file__).resolve().parents[2],
        env=DYNO_ENV,
        preexec_fn=default_sigint,
    )  # fmt: skip


def default_sigint() -> None:
    """Ctrl-C as at a terminal: a test run started in the background (nohup, `cmd &` in a script)
    ignores SIGINT, and an ignored SIGINT is inherited, so zdd would never see it."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def wait_for_dynos(marker: str, proc: subprocess.Popen, count: int = 2) -> list[int]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        pids = processes_with(marker)
        if len(pids) >= count:
            return pids
        assert proc.poll() is None, proc.stderr.read()
        time.sleep(0.1)
    raise AssertionError("the dynos did not start")


@pytest.mark.parametrize(
    ("sig", "reason"), [(signal.SIGTERM, "terminated"), (signal.SIGINT, "interrupted")]
)
def test_signal_to_zdd_stops_every_dyno_and_reports(python_app, sig, reason):
    marker = uuid.uuid4().hex
    before = listening_ports_not_on_loopback()
    proc = start(python_app, marker)
    try:
        pids = wait_for_dynos(marker, proc)
        time.sleep(1.5)  # the probe is running
        assert listening_ports_not_on_loopback() <= before  # dynos and router: loopback only
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 4, err.decode() + out.decode()[:600]
    doc = json.loads(out)
    assert doc["stopped_because"] == reason
    assert doc["exit_code"] == 4
    assert processes_with(marker) == []
    assert all(not Path(f"/proc/{pid}").exists() for pid in pids)


def test_a_finished_rehearsal_leaves_no_process(python_app):
    marker = uuid.uuid4().hex
    proc = subprocess.run(
        [*ZDD, "rehearse", "--dir", str(python_app), "--scale", "0.05", "--switch-delay", "0.5s",
         "--warmup", "0.5s", "--tail", "0.5s", "--grace", "0.5s",
         "--env", f"REHEARSE_MARK={marker}", "--env", "FAULT_SIGTERM=ignore"],
        capture_output=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[2],
        env=DYNO_ENV,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stdout.decode() + proc.stderr.decode()
    assert b"shutdown.sigkill" in proc.stdout
    assert processes_with(marker) == []  # even dynos that ignore SIGTERM (SIGKILL at the end)


def test_the_router_refuses_a_non_loopback_address():
    with pytest.raises(ValueError, match="loopback"):
        Router(RoutingTable(), Timing(), host="0.0.0.0")
