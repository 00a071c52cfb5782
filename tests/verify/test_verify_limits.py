"""The run's bounds on real loopback servers and real processes: the whole-request timeout, the
final drain within --max-duration, --max-requests leaving a deploy alone, SIGTERM/SIGHUP/Ctrl-C."""

import json
import os
import shlex
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from zdd.verify.options import build_options
from zdd.verify.report import EXIT_COMMAND_FAILED, EXIT_INTERRUPTED, EXIT_OK
from zdd.verify.runner import run_verify
from zdd.verify.targets import Backend
from zdd.verify.text import render

ZDD = Path(sys.executable).with_name("zdd")


def python_command(code: str) -> str:
    return f"{shlex.quote(sys.executable)} -c {shlex.quote(code)}"


def test_a_trickling_answer_slower_than_the_timeout_is_a_timeout():
    # every read is quick (a byte each 30 ms), the whole answer takes 1 s: httpx alone passes it
    with Backend("v1", trickle_s=1.0) as slow:
        report = run_verify(
            build_options(url=slow.url(), rate="10", duration="0.2s", timeout="0.3s")
        )
    assert report.requests > 0
    assert report.failures_by_kind == {"timeout": report.requests}
    assert all(s.latency_s < 0.6 for s in report.samples)  # given up at the timeout, not at 1 s
    assert "more than 0.3 s" in report.samples[0].detail


def test_requests_still_out_at_the_end_are_timeouts_and_the_drain_keeps_max_duration():
    with Backend("v1", delay_s=5.0) as stuck:
        opts = build_options(
            url=stuck.url(), rate="10", duration="0.3s", max_duration="0.4s", timeout="3s"
        )
        start = time.monotonic()
        report = run_verify(opts)
        took = time.monotonic() - start
    assert took < 1.5  # not the 3 s timeout: --max-duration (0.4 s) bounds the drain too
    assert report.requests >= 2  # every request sent is in the report
    assert report.failures_by_kind == {"timeout": report.requests}
    assert "--max-duration ran out" in report.samples[0].detail
    assert "no request was sent" not in render(report)


def test_the_request_cap_leaves_the_during_command_running_to_its_end():
    with Backend("v1") as backend:
        cmd = python_command("import time; time.sleep(0.4)")
        opts = build_options(url=backend.url(), rate="50", during=cmd, max_requests="5")
        report = run_verify(opts)
    assert report.requests == 5
    during = report.run.during
    assert (during.exit_code, during.stopped_by_zdd, during.stop_reason) == (0, False, None)
    assert during.ended_s >= 0.4 and report.run.elapsed_s >= during.ended_s
    assert report.run.stopped_because == "max_requests"
    assert report.exit_code == EXIT_OK
    text = render(report)
    assert "stopped: --max-requests reached" in text and "waited for --during" in text
    assert "--during" in text and "exit 0" in text and "--max-duration" not in text


def test_after_the_cap_max_duration_still_stops_the_command_and_says_so():
    with Backend("v1") as backend:
        cmd = python_command("import time; time.sleep(60)")
        opts = build_options(
            url=backend.url(), rate="50", during=cmd, max_requests="3", max_duration="0.3s"
        )
        report = run_verify(opts)
    during = report.run.during
    assert during.stopped_by_zdd and during.stop_reason == "max_duration"
    assert report.run.stopped_because == "max_requests"
    assert report.exit_code == EXIT_COMMAND_FAILED
    assert "stopped by zdd (--max-duration reached)" in render(report)


@pytest.fixture
def ctrl_c_as_on_a_terminal():
    """SIGINT raises KeyboardInterrupt here and is the default in children, as for a user at a
    terminal: under `pytest ... &` (a shell without job control) it is ignored from the start,
    and a child inherits that (zdd would never see the Ctrl-C these tests send)."""
    old = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, old)


def _gone(pid: int, within_s: float = 5.0) -> bool:
    """True once `pid` has exited (or is a zombie nobody reaped yet)."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return True
        if state == "Z":
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize(
    ("sig", "reason"),
    [(signal.SIGTERM, "terminated"), (signal.SIGHUP, "hangup"), (signal.SIGINT, "interrupted")],
)
def test_a_signal_to_zdd_stops_the_during_command_and_reports(
    tmp_path, sig, reason, ctrl_c_as_on_a_terminal
):
    pid_file = tmp_path / "child.pid"
    child = python_command(
        f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(60)"
    )
    with Backend("v1") as backend:
        proc = subprocess.Popen(
            [str(ZDD), "verify", "--url", backend.url(), "--rate", "20", "--during", child,
             "--max-duration", "30s", "--json"],
            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 20
            while not pid_file.exists() or not pid_file.read_text():
                assert time.monotonic() < deadline, "the --during command never started"
                time.sleep(0.05)
            child_pid = int(pid_file.read_text())
            time.sleep(0.1)  # a few requests go out first (the first left as the child started)
            proc.send_signal(sig)
            out, err = proc.communicate(timeout=20)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)
    assert proc.returncode == EXIT_INTERRUPTED, err
    data = json.loads(out)
    assert data["stopped_because"] == reason
    assert data["failed"] == 0 and data["requests"] > 0
    assert data["during"]["stopped_by_zdd"] and data["during"]["stop_reason"] == reason
    assert data["exit_code"] == EXIT_INTERRUPTED
    assert _gone(child_pid), "the --during command outlived zdd"
    assert not list(tmp_path.glob("*.png"))  # no picture unless asked


def test_ctrl_c_during_the_final_wait_still_gives_the_report(ctrl_c_as_on_a_terminal):
    timers: list[threading.Timer] = []
    starts: list[float] = []

    def clock() -> float:  # once the 0.2 s loop is over, Ctrl-C lands 0.2 s into the 3 s drain
        now = time.monotonic()
        starts.append(starts[0] if starts else now)
        if now - starts[0] >= 0.2 and not timers:
            timers.append(threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGINT)))
            timers[0].start()
        return now

    with Backend("v1", delay_s=5.0) as stuck:
        opts = build_options(url=stuck.url(), rate="20", duration="0.2s", timeout="3s")
        start = time.monotonic()
        try:
            report = run_verify(opts, clock=clock)
        finally:
            for timer in timers:
                timer.cancel()
        took = time.monotonic() - start
    assert took < 2.5  # the 3 s drain was cut short
    assert report.run.stopped_because == "interrupted"
    assert report.requests >= 2 and report.failures_by_kind == {"timeout": report.requests}
    assert "when zdd was interrupted" in report.samples[-1].detail


def test_slots_the_send_loop_fell_behind_on_are_counted_as_late_not_busy():
    """Regression: a loop that fell behind (machine busy) counted its dropped slots as `too many
    requests were still waiting`. Here the clock jumps 0.5 s once (rate 20/s: ~10 slots late) while
    the app answers at once: every dropped slot is late, none busy."""
    from zdd.verify.probe import Probe

    jump = [0.0]

    def clock() -> float:
        return time.monotonic() + jump[0]

    def sleep(seconds: float) -> None:
        if not jump[0]:
            jump[0] = 0.5
        time.sleep(seconds)

    with Backend("v1") as app:
        opts = build_options(url=app.url(), rate="20", duration="0.7s")
        probe = Probe(opts, clock=clock, sleep=sleep)
        try:
            result = probe.run(lambda now: "duration" if now >= 0.7 else None)
        finally:
            probe.http.close()
    assert result.skipped_busy == 0
    assert 8 <= result.skipped_late <= 11
    assert result.skipped_slots == result.skipped_late
