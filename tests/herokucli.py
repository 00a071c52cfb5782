"""Run the real Heroku CLI 11 (tests/heroku-cli, unmodified) against a sandbox, and nothing else.

    with cli_sandbox(platform, tmp_path) as (server, cli):
        res = cli.run("ps", "--app", "zdd-demo")
        assert res.code == 0, res

Isolation: when this machine allows it (root, `unshare`, `nsenter`), the sandbox's listening socket
is made inside a private network namespace that has only `lo`, and every CLI process runs in that
namespace: the CLI can reach the sandbox and nothing else. Otherwise (`isolated` is False) the CLI
runs on the host's loopback with every URL it reads pointed at the sandbox and a dead proxy for
anything else. Either way: telemetry off, a temp HOME/XDG tree, no update checks.

`login="key"` (default) passes the token as HEROKU_API_KEY; `login="netrc"` writes it to
$HOME/.netrc for the sandbox's API host (machine `127.0.0.1:PORT`), HEROKU_API_KEY unset, as a user
who ran `heroku login` has it.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import socket
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

HEROKU = Path(__file__).resolve().parent / "heroku-cli" / "node_modules" / ".bin" / "heroku"
CLONE_NEWNET = 0x40000000


def available() -> bool:
    return HEROKU.exists() and shutil.which("node") is not None


@dataclass(frozen=True)
class CLIResult:
    code: int
    out: str
    err: str
    argv: tuple[str, ...]

    def __str__(self) -> str:  # what a failed assert shows
        head = f"heroku {' '.join(self.argv)} -> {self.code}"
        return f"{head}\n--- stdout\n{self.out}--- stderr\n{self.err}"


class NetNamespace:
    """A private network namespace holding only `lo` (up), kept alive by a sleeping process."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            ["unshare", "-n", "sh", "-c", "ip link set lo up && echo ready && exec sleep 100000"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        if (self.proc.stdout.readline() if self.proc.stdout else "").strip() != "ready":
            self.close()
            raise OSError("cannot make a network namespace here")
        self.path = f"/proc/{self.proc.pid}/ns/net"

    def listen(self) -> socket.socket:
        """A listening TCP socket on 127.0.0.1 (port picked by the kernel) inside the namespace.

        A socket stays in the namespace it was made in, so one thread enters the namespace
        (setns is per thread), makes it, and ends."""
        out: dict = {}

        def make() -> None:
            try:
                libc = ctypes.CDLL(None, use_errno=True)
                with open(self.path) as ns:
                    if libc.setns(ns.fileno(), CLONE_NEWNET) != 0:
                        raise OSError(ctypes.get_errno(), "setns failed")
                sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
                sock.bind(("127.0.0.1", 0))
                sock.listen(128)
                out["sock"] = sock
            except OSError as exc:
                out["error"] = exc

        thread = threading.Thread(target=make)
        thread.start()
        thread.join()
        if "error" in out:
            raise out["error"]
        return out["sock"]

    def prefix(self) -> list[str]:
        return ["nsenter", f"--net={self.path}", "--"]

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=5)


class HerokuCLI:
    """The real Heroku CLI pointed at one sandbox URL, with its own temp HOME."""

    def __init__(
        self,
        url: str,
        token: str,
        home: Path,
        *,
        login: str = "key",
        netns: NetNamespace | None = None,
    ) -> None:
        if login not in ("key", "netrc"):
            raise ValueError("login must be 'key' or 'netrc'")
        self.url, self.netns = url, netns
        home = Path(home)
        home.mkdir(parents=True, exist_ok=True)
        xdg = {name: home / sub for name, sub in XDG.items()}
        for path in xdg.values():
            path.mkdir(parents=True, exist_ok=True)
        # The CLI warns once about its terms of service unless this marker exists.
        (xdg["XDG_CACHE_HOME"] / "heroku").mkdir(exist_ok=True)
        (xdg["XDG_CACHE_HOME"] / "heroku" / "terms-of-service").touch()
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(home),
            **{k: str(v) for k, v in xdg.items()},
            "LANG": "C.UTF-8",
            "TERM": "dumb",
            "NO_COLOR": "1",
            "COLUMNS": "120",
            "HEROKU_HOST": url,
            "HEROKU_BUILDPACK_REGISTRY_URL": url,  # the sandbox serves the registry lookups too
            "HEROKU_GIT_HOST": "127.0.0.1",
            "HEROKU_STATUS_HOST": url,
            "HEROKU_PARTICLEBOARD_URL": url,
            "HEROKU_DATA_HOST": "127.0.0.1",
            "HEROKU_LOGIN_HOST": url,
            "SSO_URL": url,
            "DISABLE_TELEMETRY": "true",
            "HEROKU_SKIP_ANALYTICS": "1",
            "IS_HEROKU_TEST_ENV": "true",
            "HEROKU_UPDATE_INSTRUCTIONS": "updates are disabled in zdd's tests",
            "HEROKU_DISABLE_AUTOUPDATE": "1",
            # @oclif/plugin-warn-if-update-available's <CLI>_SKIP_NEW_VERSION_CHECK: without it
            # each fresh cache dir spawns a detached `node get-version` that asks npm's registry
            "HEROKU_SKIP_NEW_VERSION_CHECK": "true",
            "OCLIF_DISABLE_ENGINE_WARNING": "1",
            "HEROKU_NETRC_WRITE": "true",  # never the OS keychain
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
        }
        if netns is None:  # no namespace: anything not loopback goes to a dead proxy
            for key in ("HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy"):
                env[key] = "http://127.0.0.1:9"
        if login == "key":
            env["HEROKU_API_KEY"] = token
        else:
            # the CLI looks the token up under its API host *with* the port (`heroku login`
            # writes `machine 127.0.0.1:PORT` for HEROKU_HOST=http://127.0.0.1:PORT)
            host = urlsplit(url).netloc
            netrc = home / ".netrc"
            netrc.write_text(f"machine {host}\n  login dev@example.com\n  password {token}\n")
            netrc.chmod(0o600)
        self.env = env

    @property
    def isolated(self) -> bool:
        return self.netns is not None

    def command(self, *argv: str) -> list[str]:
        """The command line of `heroku ARGV` (inside the namespace when there is one)."""
        cmd = [str(HEROKU), *argv]
        return self.netns.prefix() + cmd if self.netns is not None else cmd

    def start(self, *argv: str, env: dict | None = None) -> subprocess.Popen:
        """`heroku ARGV` started, not waited for: stdin closed, stdout and stderr piped (text).
        The caller waits for it or stops it (nsenter execs the CLI: the pid is node's)."""
        return subprocess.Popen(
            self.command(*argv),
            env={**self.env, **(env or {})},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def run(
        self, *argv: str, env: dict | None = None, timeout: float = 90, input: str | None = None
    ) -> CLIResult:
        proc = subprocess.run(
            self.command(*argv),
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
            input=input,
            stdin=None if input is not None else subprocess.DEVNULL,
        )
        return CLIResult(proc.returncode, proc.stdout, proc.stderr, tuple(argv))


XDG = {
    "XDG_CONFIG_HOME": ".config",
    "XDG_CACHE_HOME": ".cache",
    "XDG_DATA_HOME": ".local/share",
    "XDG_STATE_HOME": ".local/state",
}


def _namespace() -> NetNamespace | None:
    if os.geteuid() != 0 or not (shutil.which("unshare") and shutil.which("nsenter")):
        return None
    try:
        return NetNamespace()
    except OSError:
        return None


@contextmanager
def cli_sandbox(
    platform, home: Path, *, login: str = "key", token: str | None = None
) -> Iterator[tuple]:
    """A started SandboxServer over `platform` and a HerokuCLI for it (isolated when possible);
    both stopped after."""
    from zdd.sandbox import SandboxServer

    netns = _namespace()
    try:
        sock = netns.listen() if netns else None
        server = SandboxServer(platform, sock=sock).start()
        try:
            cli = HerokuCLI(
                server.url, token or platform.global_token, home, login=login, netns=netns
            )
            yield server, cli
        finally:
            server.stop()
    finally:
        if netns is not None:
            netns.close()
