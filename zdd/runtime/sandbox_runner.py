"""`LocalRunner`: the sandbox's DynoRunner (zdd/sandbox/runner.py) backed by real processes.

An app seeded with a local app directory then boots real dynos: the Procfile's (or formation's)
command runs as a process group with PORT, DYNO and the release's config vars; its release-phase
command runs as a real `release.N` process. The sandbox lifecycle polls the handles on its own
clock, so every event is stamped with that clock when it really happened (bind, exit). The handles
never block: binding is watched by a thread per dyno.

Heroku sends SIGKILL 30 s after SIGTERM; the lifecycle counts the dyno gone then, so the handle
also really kills the group after the grace (in real seconds: 30 / the clock's speed-up factor).
Use a clock at real speed (factor 1, or a few) with real processes: a JVM that binds in 3 s real
time is an R10 under a 1000x clock.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

from zdd.runtime.dyno import DynoProcess, port_bound
from zdd.runtime.procfile import process_types
from zdd.runtime.timing import SIGTERM_GRACE_S

PASSTHROUGH = ("PATH", "HOME", "LANG", "LC_ALL", "JAVA_HOME", "TMPDIR")
WATCH_LIMIT_S = 600.0  # a bind watcher gives up after this much real time (the platform's R10
# comes long before; this only bounds the thread)


def _speedup(clock: Callable[[], float]) -> float:
    factor = getattr(clock, "factor", 1.0) or 1.0
    return max(float(factor), 1e-9)


class LocalDyno:
    """A DynoProcess handle for the sandbox (bound_at / stop / exited_at in sandbox time)."""

    def __init__(self, process: DynoProcess, clock: Callable[[], float], grace_s: float) -> None:
        self.process = process
        self.clock = clock
        self.grace_s = grace_s
        self._bound: float | None = None
        self._exited: float | None = None
        self._stopped = threading.Event()
        process.start()
        threading.Thread(target=self._watch, name=f"zdd-local-{process.name}", daemon=True).start()

    @property
    def port(self) -> int:
        return self.process.port

    def _watch(self) -> None:
        """Stamp the bind and the exit with the sandbox clock when they really happen."""
        deadline = time.monotonic() + WATCH_LIMIT_S
        while not self._stopped.is_set() and time.monotonic() < deadline:
            if port_bound(self.process.port):
                self._bound = self.clock()
                self.process.bound_at = self.process.clock()
                break
            if not self.process.alive():
                break
            time.sleep(0.02)
        while not self.process.exited_at and (self.process.alive() or self.process.group_alive()):
            time.sleep(0.05)
        self._exited = self.clock()

    def bound_at(self, now: float) -> float | None:
        return self._bound if self._bound is not None and self._bound <= now else None

    def exited_at(self, now: float) -> float | None:
        return self._exited if self._exited is not None and self._exited <= now else None

    def stop(self, at: float) -> None:
        """SIGTERM now; SIGKILL the group if it still runs after the grace."""
        if self._stopped.is_set():
            return
        self._stopped.set()
        self.process.terminate()
        timer = threading.Timer(self.grace_s, self.process.kill)
        timer.daemon = True
        timer.start()

    def kill(self) -> None:
        self._stopped.set()
        self.process.kill()


class LocalRelease:
    """A release-phase command as a real process (its own group); result/output in sandbox time."""

    def __init__(self, command: str, cwd: Path, env: dict[str, str], clock) -> None:
        self.clock = clock
        self._lines: list[str] = []
        self._done: tuple[float, int] | None = None
        self._proc = subprocess.Popen(
            ["bash", "-c", command],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        threading.Thread(target=self._pump, name="zdd-local-release", daemon=True).start()

    def _pump(self) -> None:
        assert self._proc.stdout is not None
        for raw in self._proc.stdout:
            self._lines.append(raw.decode("utf-8", "replace"))
        code = self._proc.wait()
        self._done = (self.clock(), code)

    def result(self, now: float) -> tuple[float, int] | None:
        return self._done if self._done is not None and self._done[0] <= now else None

    def output(self, now: float) -> str:
        return "".join(self._lines)

    def kill(self) -> None:
        try:
            os.killpg(self._proc.pid, 9)
        except ProcessLookupError:
            pass


class LocalRunner:
    """`Platform.from_seed(seed, clock=SandboxClock(factor=1), runner=LocalRunner({"app": dir}))`.

    Apps not in `app_dirs` are refused (a real runner never invents a process). `close()` stops
    every process it started; use it as a context manager.
    """

    def __init__(
        self,
        app_dirs: dict[str, str | Path],
        *,
        clock: Callable[[], float] = time.time,
        env: dict[str, str] | None = None,
    ) -> None:
        self.app_dirs = {name: Path(d) for name, d in app_dirs.items()}
        self.clock = clock
        base = {k: os.environ[k] for k in PASSTHROUGH if k in os.environ}
        self.env = {**base, **(env or {})}
        self.dynos: list[LocalDyno] = []
        self.releases: list[LocalRelease] = []

    def _dir(self, app: str) -> Path:
        if app not in self.app_dirs:
            raise KeyError(f"LocalRunner has no app directory for {app!r}")
        return self.app_dirs[app]

    def boot(self, job) -> LocalDyno:
        app_dir = self._dir(job.app)
        command = job.command or process_types(
            (app_dir / "Procfile").read_text(encoding="utf-8")
        ).get(job.type, "")
        version = getattr(job, "version", None)  # not in DynoJob yet: asked of the sandbox
        release = f"v{version}" if version else job.env.get("HEROKU_RELEASE_VERSION", "v?")
        process = DynoProcess(
            job.dyno,
            command,
            cwd=app_dir,
            env={**self.env, **job.env},
            release=release,
        )
        dyno = LocalDyno(process, self.clock, SIGTERM_GRACE_S / _speedup(self.clock))
        self.dynos.append(dyno)
        return dyno

    def run_release(self, job) -> LocalRelease:
        run = LocalRelease(job.command, self._dir(job.app), {**self.env, **job.env}, self.clock)
        self.releases.append(run)
        return run

    def port_of(self, app: str, dyno: str, release: int | None = None) -> int | None:
        """The port the newest live process of `dyno` listens on (for a router in front); with
        `release`, of that release's process (under preboot the old web.1 serves while the new
        web.1 boots)."""
        for d in reversed(self.dynos):
            if (
                d.process.name == dyno
                and (release is None or d.process.release == f"v{release}")
                and d.process.alive()
                and d.process.cwd == str(self._dir(app))
            ):
                return d.port
        return None

    def close(self) -> None:
        for run in self.releases:
            run.kill()
        for dyno in self.dynos:
            dyno.process.stop(2.0)

    def __enter__(self) -> LocalRunner:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
