"""Live progress on a terminal (issue 8 item 15): elapsed/planned, sent, failed, the current
release marker, tail left; on stderr, only when it is a TTY, erased before the report."""

import os
import pty
import select
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from zdd.verify.progress import REFRESH_S, Live, progress_line
from zdd.verify.targets import Backend

ZDD = str(Path(sys.executable).with_name("zdd"))


def test_the_line_says_elapsed_planned_sent_failed_marker_and_tail():
    live = Live(elapsed_s=12.44, sent=496, failed=0, marker="v3")
    assert progress_line(live, duration_s=60, during_ended_s=None, tail_s=6) == (
        "verify 12.4 s / 60 s · sent 496 · failed 0 · answering v3"
    )
    running = Live(elapsed_s=3.0, sent=120, failed=2, marker=None)
    assert progress_line(running, duration_s=None, during_ended_s=None, tail_s=6) == (
        "verify 3.0 s / --during + 6 s tail · sent 120 · failed 2"
    )
    tail = Live(elapsed_s=31.0, sent=1240, failed=3, marker="v4")
    assert progress_line(tail, duration_s=None, during_ended_s=29.0, tail_s=6) == (
        "verify 31.0 s / 35.0 s · sent 1240 · failed 3 · answering v4 · tail 4.0 s left"
    )
    assert len(progress_line(tail, duration_s=None, during_ended_s=29.0, tail_s=6, width=30)) == 30


def run_on_pty(argv: list[str], env: dict) -> tuple[int, str]:
    """Run with stderr (and stdout) on a pseudo-terminal; returns (exit code, what it showed)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave, env=env)
    os.close(slave)
    seen = b""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
        elif proc.poll() is not None:
            break
    os.close(master)
    return proc.wait(timeout=10), seen.decode(errors="replace")


def test_zdd_verify_draws_progress_on_a_terminal_and_not_elsewhere(tmp_path, run_zdd):
    env = {**os.environ, "TERM": "xterm", "NO_COLOR": "1", "HOME": str(tmp_path)}
    with Backend("v7") as backend, ThreadPoolExecutor(1) as pool:
        args = ["--url", backend.url(), "--rate", "20", "--marker-header", "X-Release"]
        args += ["--picture", "none"]
        # on a terminal (the installed program, read from its pty in a thread) and, meanwhile,
        # stderr not a terminal (the same program in this process): the two runs overlap
        on_tty = pool.submit(run_on_pty, [ZDD, "verify", *args, "--duration", "1.1s"], env)
        piped = run_zdd("verify", *args, "--duration", f"{3 * REFRESH_S}s", cwd=tmp_path)
        code, shown = on_tty.result(timeout=90)
    assert code == 0, shown
    frames = [f for f in shown.split("\r\x1b[2K") if f.startswith("verify ")]
    assert len(frames) >= 3, shown  # redrawn while it ran (every REFRESH_S: 4 times)
    assert "/ 1.1 s · sent " in frames[-1] and "answering v7" in frames[-1]
    assert shown.count("\r\x1b[2K") == len(frames) + 1  # and erased at the end
    # not a terminal: three redraw periods, and not one frame
    assert piped.returncode == 0, piped.stderr
    assert "\x1b[2K" not in piped.stderr and "sent " not in piped.stderr
    assert "zdd verify: probing" in piped.stderr  # what it does print there
