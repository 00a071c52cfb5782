"""A testrunner-style harness for the zdd buildpack (like heroku-buildpack-testrunner's test_utils).

Each run gets fresh BUILD/CACHE/ENV dirs; scripts run from the buildpack dir with the environment
scrubbed to HOME, LANG, PATH and STACK (Heroku's `make run`), and we capture stdout, stderr and the
exit status. Dyno boot is simulated as the dyno manager does it: config vars in the environment,
`HOME` = the slug, each `.profile.d/*.sh` sourced by one bash that then execs the process command.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import httpx

REPO = Path(__file__).resolve().parents[2]
BUILDPACK = REPO / "buildpack"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
APPS = FIXTURES / "apps"
STACK_PATH = "/usr/local/bin:/usr/bin:/bin"
#: The shared vectors the bash twin runs: all but those marked `"python_only": "<why>"` (Fir apps,
#: where the buildpack never runs; docs/design.md "Vectors").
VECTORS = sorted(
    p
    for p in (REPO / "tests" / "vectors").glob("*.json")
    if "python_only" not in json.loads(p.read_text())
)

#: Config vars every build gets: secrets (some multi-line) that must never show in any output.
SECRETS = {
    "DATABASE_URL": "postgres://user:SECRET-db-password-7f3a@db.example.com:5432/app",
    "PRIVATE_KEY": (
        "-----BEGIN KEY-----\nSECRET-key-line-2-9c1e\nSECRET-key-line-3-44ab\n-----END KEY-----\n"
    ),
    "JAVA_OPTS": "-Xss512k -Dsecret.flag=SECRET-java-opts-5d2e",
    "EMPTY": "",
}


@dataclass
class Captured:
    """What one script run printed, and how it ended."""

    stdout: str
    stderr: str
    returncode: int
    seconds: float

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def scrubbed_env(home: Path | str, stack: str = "heroku-24", **extra: str) -> dict[str, str]:
    """HOME, LANG, PATH, STACK only (plus `extra`): what Heroku's own buildpack harness keeps."""
    env = {"HOME": str(home), "LANG": "C.UTF-8", "PATH": STACK_PATH, "STACK": stack}
    env.update(extra)
    return env


def capture(
    args: list[str], *, env: dict[str, str], cwd: Path = BUILDPACK, timeout: float = 60
) -> Captured:
    start = time.monotonic()
    proc = subprocess.run(
        args,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    return Captured(proc.stdout, proc.stderr, proc.returncode, time.monotonic() - start)


def private_copy(slug: Path, target: Path) -> Path:
    """A copy of a shared slug at a path of its own (so leftover processes can be found by it)."""
    shutil.copytree(slug, target, symlinks=True)
    return target


def write_env_dir(env_dir: Path, config: dict[str, str]) -> None:
    env_dir.mkdir(parents=True, exist_ok=True)
    for key, value in config.items():
        (env_dir / key).write_text(value)


class Build:
    """Fresh BUILD_DIR (a copy of a fixture app), CACHE_DIR and ENV_DIR under `root`."""

    def __init__(
        self,
        root: Path,
        fixture: str | None,
        config: dict[str, str] | None = None,
        buildpack: Path = BUILDPACK,
        stack: str = "heroku-24",
    ) -> None:
        self.root = root
        self.build_dir = root / "build"
        self.cache_dir = root / "cache"
        self.env_dir = root / "env"
        self.home = root / "app"  # HOME=/app during builds; writable
        self.buildpack = buildpack
        self.stack = stack
        if fixture:
            shutil.copytree(APPS / fixture, self.build_dir, symlinks=True)
        else:
            self.build_dir.mkdir(parents=True)
        self.home.mkdir(exist_ok=True)
        self.config = {**SECRETS, **(config or {})}
        write_env_dir(self.env_dir, self.config)

    def env(self) -> dict[str, str]:
        return scrubbed_env(self.home, self.stack, SOURCE_VERSION="0123456789abcdef")

    def detect(self) -> Captured:
        return capture(["./bin/detect", str(self.build_dir)], env=self.env(), cwd=self.buildpack)

    def compile(self) -> Captured:
        args = ["./bin/compile", str(self.build_dir), str(self.cache_dir), str(self.env_dir)]
        return capture(args, env=self.env(), cwd=self.buildpack)

    def compiled(self) -> Captured:
        """bin/compile, which must succeed (a fixture's slug)."""
        result = self.compile()
        assert result.returncode == 0, result.output
        return result

    def release(self) -> Captured:
        return capture(["./bin/release", str(self.build_dir)], env=self.env(), cwd=self.buildpack)

    @property
    def procfile(self) -> Path:
        return self.build_dir / "Procfile"

    def secret_values(self) -> list[str]:
        """Every config var value (and each line of multi-line ones) that must never be printed."""
        found = []
        for key, value in self.config.items():
            if key in ("ZDD_APP", "HEROKU_APP_NAME", "HEROKU_HOST") or len(value.strip()) < 6:
                continue  # the app name is printed in fix commands on purpose (buildpack/README.md)
            found.append(value.strip())
            found.extend(line for line in value.splitlines() if len(line) >= 6 and "SECRET" in line)
        return found


#: A finding only the build could know (lib/server.sh writes it to .zdd/build-findings.tsv) that the
#: release check repeats before its own lines: not part of the API check's output.
BUILD_FINDING = re.compile(r"^zdd: jvm\.[a-z_]+ (passed|failed|skipped): ")


def check_lines(stdout: str) -> list[str]:
    """The release check's own non-empty output lines (build findings left out)."""
    return [line for line in stdout.splitlines() if line.strip() and not BUILD_FINDING.match(line)]


def strip_ansi(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def assert_no_secrets(text: str, secrets: list[str]) -> None:
    for secret in secrets:
        assert secret not in text, f"a config var value was printed: {secret[:4]}..."


def procfile_types(procfile: Path) -> dict[str, str]:
    """Procfile as {type: command}, as Heroku reads it."""
    types = {}
    for line in procfile.read_text().splitlines():
        name, sep, command = line.partition(":")
        if sep and name.strip() and not name.strip().startswith("#"):
            types[name.strip()] = command.strip()
    return types


def pids_mentioning(text: str) -> list[int]:
    """Live processes whose command line mentions `text` (a unique temp path)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if text in cmdline and state != "Z":
            found.append(int(entry.name))
    return found


def pids_with_env(name: str, value: str) -> list[int]:
    """Live processes whose environment has name=value (e.g. a dyno's unique HOME): every process
    a simulated dyno started, whatever its command line (an orphaned curl or sleep included)."""
    marker = f"{name}={value}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes().split(b"\0")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if marker in environ and state != "Z":
            found.append(int(entry.name))
    return found


def wait_for(predicate, timeout: float, interval: float = 0.05):
    """Poll until predicate() is truthy; returns its value, or None after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            return None
        time.sleep(interval)


def boot_script(command: str) -> str:
    """The dyno's boot shell: source each .profile.d/*.sh, then exec the process command."""
    return 'for f in .profile.d/*.sh; do if [ -r "$f" ]; then . "$f"; fi; done; unset f; ' + command


#: A dyno command that prints the JAVA_TOOL_OPTIONS .profile.d left it.
PRINT_JAVA_TOOL_OPTIONS = 'printf "%s" "${JAVA_TOOL_OPTIONS:-}"'


def dyno_boot(
    slug: Path, command: str, env: dict[str, str], timeout: float = 20
) -> subprocess.CompletedProcess[str]:
    """One dyno boot to its end in real bash (boot_script), output captured."""
    return subprocess.run(
        ["bash", "-c", boot_script(command)],
        cwd=slug,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


class BackgroundDyno:
    """One simulated dyno left running: bash sources .profile.d/*.sh, then execs COMMAND (same
    pid); stdout and stderr go to LOG."""

    def __init__(
        self, slug: Path, env: dict[str, str], command: str, log: Path, pre: str = ""
    ) -> None:
        self.slug = slug
        self.env = env
        self.log = log
        self._sink = log.open("w")
        self.proc = subprocess.Popen(
            ["bash", "-c", pre + boot_script(command)],
            cwd=slug,
            env=env,
            stdout=self._sink,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )

    def output(self) -> str:
        return self.log.read_text()

    def stop(self, grace: float = 5) -> None:
        """SIGTERM, as the dyno manager stops a dyno; SIGKILL after GRACE seconds."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(grace)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._sink.close()


def dyno_env(
    slug: Path, dyno: str, port: int | None = None, path: str = STACK_PATH, **config: str
) -> dict[str, str]:
    env = {"HOME": str(slug), "PATH": path, "LANG": "C.UTF-8", "DYNO": dyno}
    if port is not None:
        env["PORT"] = str(port)
    env.update(config)
    return env


def java_tool_options(
    slug: Path, dyno: str = "web.1", port: int | None = None, path: str = STACK_PATH, **config: str
) -> str:
    """JAVA_TOOL_OPTIONS after a dyno's boot shell sourced .profile.d (real bash)."""
    env = dyno_env(slug, dyno, port, path, **config)
    result = dyno_boot(slug, PRINT_JAVA_TOOL_OPTIONS, env)
    assert result.returncode == 0, result.stderr
    return result.stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


#: The checks the bash twin runs (lib/findings.jq), as zdd/checks.py names them.
BASH_IDS = (
    "tier.professional",
    "web.redundancy",
    "affinity.enabled",
    "preboot.enabled",
    "buildpack.companion",
)


@functools.cache
def sandbox_http() -> httpx.Client:
    """One HTTP client per test process for the sandbox, its control endpoints and zdd's Python
    client alike: each bare `httpx.get()` builds a new TLS context, about 0.15 s here."""
    import httpx

    return httpx.Client(
        timeout=5,
        follow_redirects=False,
        trust_env=False,  # loopback: never through a proxy (as zdd's own client on loopback)
        limits=httpx.Limits(keepalive_expiry=1),  # below uvicorn's 5 s keep-alive
    )


def server_seed(server, seed: dict) -> None:
    """POST /__sandbox/seed over loopback (the control endpoint in docs/design.md)."""
    sandbox_http().post(f"{server.url}/__sandbox/seed", json=seed).raise_for_status()


def fault(server, **spec) -> None:
    """Arm one sandbox fault (POST /__sandbox/faults)."""
    sandbox_http().post(f"{server.url}/__sandbox/faults", json=spec).raise_for_status()


def clear_sandbox(server, what: str) -> None:
    """DELETE /__sandbox/faults or /__sandbox/requests."""
    sandbox_http().delete(f"{server.url}/__sandbox/{what}").raise_for_status()


def api_requests(server) -> list[dict]:
    """The API requests the sandbox has seen since they were last cleared."""
    return sandbox_http().get(f"{server.url}/__sandbox/requests").json()


def creds(server, app: str = "zdd-demo", **extra: str) -> dict[str, str]:
    """The config vars that point the check at the sandbox with a valid token."""
    return {
        "HEROKU_HOST": server.url,
        "ZDD_API_TOKEN": server.platform.global_token,
        "ZDD_APP": app,
        **extra,
    }


def run_check(
    slug: Path, *, path: str | None = None, cwd: Path | None = None, **config: str
) -> Captured:
    """.zdd/bin/release-check as the release dyno runs it: config vars in the environment."""
    env = scrubbed_env(slug, DYNO="release.7", PORT="5000", **config)
    if path is not None:
        env["PATH"] = path
    return capture([str(slug / ".zdd" / "bin" / "release-check")], env=env, cwd=cwd or slug)


def one_skip_line(result: Captured) -> str:
    """The check's single `check skipped` line: nothing on stderr, exit 0 (strict too)."""
    lines = check_lines(result.stdout)
    assert len(lines) == 1, result.output
    assert lines[0].startswith("zdd: check skipped: "), result.output
    assert result.stderr == ""
    assert result.returncode == 0
    return lines[0]
