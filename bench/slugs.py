"""What the JVM benchmarks share: the real buildpack's bin/compile, a web dyno booted from a slug
the way Heroku boots one, and the "median (min-max)" cell of their tables.

A dyno: bash sources the slug's .profile.d/*.sh (zdd's warm-up, JVM flags and server defaults
live there), then execs the web command, so the pid bash had is the web process. Loopback only.
"""

from __future__ import annotations

import signal
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from zdd.runtime.dyno import free_port, port_bound

ROOT = Path(__file__).resolve().parent.parent
BUILDPACK = ROOT / "buildpack"


def bin_compile(build: Path, cache: Path, env_dir: Path, home: Path) -> str:
    """Run bin/compile as Heroku's build does (heroku-24, a bare PATH); its output. Raises
    CalledProcessError when it fails."""
    result = subprocess.run(
        ["./bin/compile", str(build), str(cache), str(env_dir)],
        cwd=BUILDPACK,
        env={"HOME": str(home), "LANG": "C.UTF-8", "PATH": "/usr/bin:/bin", "STACK": "heroku-24"},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout + result.stderr


def java_version(java: Path | str = "java") -> str:
    """The first line of `java -version`."""
    out = subprocess.run([str(java), "-version"], capture_output=True, text=True)
    return out.stderr.splitlines()[0]


class Dyno:
    """A web dyno on a free loopback port, up once $PORT accepts connections (`boot_ms`: from the
    exec to then). Its output goes to `web-<port>.log` in the slug; `stop()` sends SIGTERM, then
    SIGKILL after `grace` seconds."""

    def __init__(
        self, slug: Path, command: str, env: dict[str, str], *, bind_timeout: float, grace: float
    ) -> None:
        self.port = free_port()
        self.grace = grace
        self.log = slug / f"web-{self.port}.log"
        env = {
            "HOME": str(slug),
            "LANG": "C.UTF-8",
            "DYNO": "web.1",
            "PORT": str(self.port),
            **env,
        }
        script = f'for f in .profile.d/*.sh; do . "$f"; done; exec {command}'
        self._sink = self.log.open("w")
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            ["bash", "-c", script], cwd=slug, env=env, stdout=self._sink, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + bind_timeout
        while not port_bound(self.port):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.stop()
                raise RuntimeError(f"app did not bind: {self.output()[-2000:]}")
            time.sleep(0.002)
        self.boot_ms = (time.perf_counter() - self.started) * 1000

    def output(self) -> str:
        return self.log.read_text()

    def wait_for_line(self, prefix: str, timeout: float = 120) -> str:
        """The first line of the output that starts with `prefix`, once there is one."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.output().splitlines():
                if line.startswith(prefix):
                    return line
            time.sleep(0.05)
        raise RuntimeError(f"no {prefix!r} line in {self.output()[-2000:]}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(self.grace)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._sink.close()


def spread(values: list[float], digits: int = 1) -> str:
    """median (min-max) of the runs"""
    return (
        f"{statistics.median(values):.{digits}f} "
        f"({min(values):.{digits}f}-{max(values):.{digits}f})"
    )


def in_scratch(prefix: str, run: Callable[[Path], str]) -> str:
    """run(a fresh temporary folder), the folder removed afterwards whatever happens."""
    with tempfile.TemporaryDirectory(prefix=prefix, ignore_cleanup_errors=True) as work:
        return run(Path(work))
