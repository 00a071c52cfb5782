"""One dyno as a real local process group: started, watched until it binds $PORT, stopped.

Plain `subprocess` with a new session per dyno rather than a supervisor library (supervisord,
circus): the rehearsal needs the exact Heroku shutdown sequence (SIGTERM to every process in the
dyno, SIGKILL after the grace) and must see a crash as a crash, where supervisors restart
processes by policy and own the signal timing. A session makes the dyno's children (a shell, a
JVM it starts, workers) one process group we can signal and measure as a whole.

The command runs as Heroku runs it, through `bash -c` in the app directory, with PORT,
DYNO=web.N and the release marker ZDD_RELEASE=vN on top of the app's env.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path

from zdd.runtime.memory import group_pids, group_rss_bytes

LOG_LINES = 200  # the last lines of output each dyno keeps (for reports)
BIND_POLL_S = 0.02


def free_port() -> int:
    """A loopback port nothing listens on now (the dyno binds it; a race is R10-visible)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_bound(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


class DynoProcess:
    """A web dyno's process group. Times are `clock()` values (monotonic seconds)."""

    def __init__(
        self,
        name: str,
        command: str,
        *,
        cwd: str | Path,
        env: dict[str, str],
        release: str,
        port: int | None = None,
        clock: Callable[[], float] = time.monotonic,
        on_output: Callable[[str, str], None] | None = None,
    ) -> None:
        self.name = name
        self.command = command
        self.cwd = str(cwd)
        self.release = release
        self.port = port or free_port()
        self.env = {**env, "PORT": str(self.port), "DYNO": name, "ZDD_RELEASE": release}
        self.clock = clock
        self.on_output = on_output
        self.started_at: float | None = None
        self.bound_at: float | None = None
        self.exited_at: float | None = None
        self.exit_code: int | None = None
        self.sigterm_at: float | None = None
        self.sigkill_at: float | None = None
        self.log: deque[str] = deque(maxlen=LOG_LINES)
        self._proc: subprocess.Popen | None = None
        self._lock = threading.Lock()

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> DynoProcess:
        self._proc = subprocess.Popen(
            ["bash", "-c", self.command],
            cwd=self.cwd,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # own session and process group: pgid == pid
        )
        self.started_at = self.clock()
        threading.Thread(target=self._pump, name=f"zdd-{self.name}-out", daemon=True).start()
        return self

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def _pump(self) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        for raw in self._proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self.log.append(line)
            if self.on_output:
                self.on_output(self.name, line)
        self._proc.wait()
        self._note_exit()

    def _note_exit(self) -> None:
        with self._lock:
            if self.exited_at is None and self._proc is not None:
                code = self._proc.poll()
                if code is not None:
                    self.exit_code = code
                    self.exited_at = self.clock()

    def alive(self) -> bool:
        """The first process still runs (the group may hold more; see group_alive)."""
        if self._proc is None:
            return False
        if self._proc.poll() is None:
            return True
        self._note_exit()
        return False

    def group_alive(self) -> bool:
        return self._proc is not None and bool(group_pids(self._proc.pid))

    def wait_bound(self, timeout_s: float, sleep: Callable[[float], None] = time.sleep) -> bool:
        """Poll $PORT until something accepts, the process exits, or `timeout_s` passes."""
        assert self.started_at is not None
        deadline = self.started_at + timeout_s
        while self.clock() < deadline:
            if port_bound(self.port):
                self.bound_at = self.clock()
                return True
            if not self.alive():
                return False
            sleep(BIND_POLL_S)
        return False

    @property
    def boot_s(self) -> float | None:
        if self.bound_at is None or self.started_at is None:
            return None
        return self.bound_at - self.started_at

    def signal_group(self, sig: int) -> bool:
        if self._proc is None:
            return False
        try:
            os.killpg(self._proc.pid, sig)
            return True
        except ProcessLookupError:
            return False

    def terminate(self) -> None:
        """SIGTERM to every process in the dyno (Heroku's shutdown starts so)."""
        if self.sigterm_at is None:
            self.sigterm_at = self.clock()
        self.signal_group(signal.SIGTERM)

    def kill(self) -> None:
        if self.group_alive() or self.alive():
            self.sigkill_at = self.clock()
        self.signal_group(signal.SIGKILL)

    def stop(self, grace_s: float, sleep: Callable[[float], None] = time.sleep) -> str:
        """SIGTERM, then SIGKILL to the group if anything in it still runs after `grace_s`.
        Returns "exited", "sigkilled" or "not running"."""
        if self._proc is None or (not self.alive() and not self.group_alive()):
            self._reap()
            return "not running"
        self.terminate()
        deadline = self.clock() + grace_s
        while self.clock() < deadline:
            if not self.alive() and not self.group_alive():
                self._reap()
                return "exited"
            sleep(0.02)
        self.kill()
        self._reap()
        return "sigkilled"

    def _reap(self) -> None:
        if self._proc is not None:
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
            self._note_exit()

    def rss_bytes(self) -> int:
        return group_rss_bytes(self._proc.pid) if self._proc else 0

    def to_dict(self) -> dict:
        def rel(t: float | None) -> float | None:
            return None if t is None or self.started_at is None else round(t, 3)

        return {
            "name": self.name,
            "release": self.release,
            "port": self.port,
            "started_at": rel(self.started_at),
            "bound_at": rel(self.bound_at),
            "sigterm_at": rel(self.sigterm_at),
            "sigkill_at": rel(self.sigkill_at),
            "exited_at": rel(self.exited_at),
            "exit_code": self.exit_code,
        }
