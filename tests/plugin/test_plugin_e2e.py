"""The plugin inside the real Heroku CLI 11 (tests/heroku-cli, unmodified), against the sandbox.

The CLI is logged in the way users are: a netrc entry it reads through its own credential store,
HEROKU_API_KEY unset. zdd is the real one, found on PATH (the plugin checks its version), with
NETRC pointing at nothing: the only token it can use is the one the plugin hands it. Each command
runs twice, once as `heroku zdd...` and once as plain `zdd ...` against a twin sandbox in the same
state, and the two must agree (JSON documents, exit codes, and the apps afterwards).
"""

from __future__ import annotations

import copy
import fcntl
import json
import os
import select
import signal
import subprocess
import termios
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import herokucli  # tests/herokucli.py (tests/ is on sys.path: its conftest.py)
import pytest
from plugin_files import generated_spec

REPO = Path(__file__).resolve().parents[2]
PLUGIN = REPO / "plugin"
ZDD = REPO / ".venv" / "bin" / "zdd"
APP = "zdd-e2e"
CLI_TOKEN = "heroku-cli-login-7d3e9a"

SEED = {
    "account": {"email": "dev@example.com"},
    "tokens": [{"token": CLI_TOKEN, "scope": ["global"], "description": "heroku login"}],
    "apps": [
        {
            "name": APP,
            "stack": "heroku-24",
            "region": "us",
            "buildpacks": ["heroku/nodejs"],
            "formation": [{"type": "web", "quantity": 1, "size": "Basic", "command": "npm start"}],
            "features": {"preboot": False, "http-session-affinity": False},
            "config_vars": {"NODE_ENV": "production"},
        }
    ],
}

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not herokucli.available(), reason="needs node and tests/heroku-cli (npm ci)"
    ),
    pytest.mark.skipif(
        not (PLUGIN / "node_modules").is_dir(),
        reason="needs plugin/node_modules (npm ci in plugin)",
    ),
]


@pytest.fixture(scope="module")
def built_plugin() -> Path:
    """plugin/ compiled (dist/ and oclif.manifest.json), as `heroku plugins:link` loads it;
    rebuilt when a source is newer than the manifest (CI builds it first: `invoke plugin`)."""
    manifest = PLUGIN / "oclif.manifest.json"
    sources = [PLUGIN / "package.json", *(PLUGIN / "src").rglob("*.ts")]
    if not manifest.exists() or max(p.stat().st_mtime for p in sources) > manifest.stat().st_mtime:
        subprocess.run(["npm", "run", "build"], cwd=PLUGIN, check=True, capture_output=True)
    return PLUGIN


def platform():
    from zdd.sandbox import Platform, SandboxClock

    # Sandbox time runs 1000x: a preboot window setup opens is over before undo scales back.
    return Platform.from_seed(copy.deepcopy(SEED), clock=SandboxClock(factor=1000))


class Twin:
    """One sandbox driven through `heroku zdd...`, its twin through `zdd ...`."""

    def __init__(self, tmp_path: Path, plugin_side, zdd_side) -> None:
        (self.server, self.cli), (self.zdd_server, self.zdd_cli) = plugin_side, zdd_side
        bin_dir = tmp_path / "bin"
        bin_dir.mkdir()
        (bin_dir / "zdd").symlink_to(ZDD)
        path = f"{bin_dir}:/usr/local/bin:/usr/bin:/bin"  # no `heroku` on it: zdd can't ask one
        # zdd's own netrc lookup ($NETRC) finds nothing; the CLI reads $HOME/.netrc regardless.
        self.extra = {"PATH": path, "NETRC": str(tmp_path / "no-netrc"), "HEROKU_APP": ""}

    def heroku(self, *argv: str) -> herokucli.CLIResult:
        started = time.monotonic()
        try:
            return self.cli.run(*argv, env=self.extra, timeout=120)
        finally:
            print(f"heroku {' '.join(argv)}: {time.monotonic() - started:.1f}s")

    def both(
        self, heroku_argv: tuple[str, ...], zdd_argv: tuple[str, ...]
    ) -> tuple[herokucli.CLIResult, herokucli.CLIResult]:
        """`heroku ...` and plain `zdd ...` on the twin, side by side (two sandboxes, two
        processes: nothing shared, and the one does not wait for the other's start-up)."""
        with ThreadPoolExecutor(max_workers=1) as pool:
            direct = pool.submit(self.zdd, *zdd_argv)
            return self.heroku(*heroku_argv), direct.result()

    def interrupt_verify(self, url: str) -> herokucli.CLIResult:
        """`heroku zdd:verify --url URL`, sent SIGTERM once the sandbox has seen its first probe."""
        argv = ("zdd:verify", "--url", url, "--duration", "2m", "--json")
        proc = self.cli.start(*argv, env=self.extra)
        try:
            path = urlsplit(url).path
            deadline = time.monotonic() + 60
            while not any(e["path"] == path for e in self.server.platform.requests.entries()):
                assert proc.poll() is None and time.monotonic() < deadline, "no probe reached it"
                time.sleep(0.05)
            proc.send_signal(signal.SIGTERM)  # the CLI's node process (nsenter execs, no fork)
            out, err = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        return herokucli.CLIResult(proc.returncode, out, err, argv)

    def on_terminal(self, argv: list[str], answer: bytes, *, via_cli: bool) -> tuple[int, str]:
        """Run `heroku ...` (or plain zdd on the twin) on a terminal of its own, answer its prompt
        with `answer` (b"\\x03" is Ctrl-C: the terminal signals the whole foreground group)."""
        side = self.cli if via_cli else self.zdd_cli
        cmd = [str(herokucli.HEROKU) if via_cli else str(ZDD), *argv]
        if side.netns is not None:
            cmd = side.netns.prefix() + cmd
        env = {**side.env, **self.extra, "TERM": "xterm"}
        if not via_cli:
            env["HEROKU_API_KEY"] = CLI_TOKEN
        master, slave = os.openpty()

        def controlling_terminal() -> None:
            os.setsid()
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        proc = subprocess.Popen(
            cmd, env=env, stdin=slave, stdout=slave, stderr=slave,
            preexec_fn=controlling_terminal,
        )  # fmt: skip
        os.close(slave)
        try:
            seen = read_terminal(master, until=b"[y/N] ")
            os.write(master, answer)
            seen += read_terminal(master, until=None)
            return proc.wait(timeout=60), seen.decode(errors="replace")
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            os.close(master)

    def zdd(self, *argv: str) -> herokucli.CLIResult:
        """Plain zdd against the twin, with the token in HEROKU_API_KEY as a user would export."""
        env = {**self.zdd_cli.env, **self.extra, "HEROKU_API_KEY": CLI_TOKEN}
        cmd = [str(ZDD), *argv]
        if self.zdd_cli.netns is not None:
            cmd = self.zdd_cli.netns.prefix() + cmd
        proc = subprocess.run(
            cmd, env=env, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL
        )
        return herokucli.CLIResult(proc.returncode, proc.stdout, proc.stderr, tuple(argv))


def read_terminal(fd: int, until: bytes | None, timeout: float = 60) -> bytes:
    """What a terminal shows until `until` appears (None: until the program closes it)."""
    seen, deadline = b"", time.monotonic() + timeout
    while time.monotonic() < deadline and (until is None or until not in seen):
        ready, _, _ = select.select([fd], [], [], 0.2)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # EIO: every process holding the terminal has exited
            break
        if not chunk:
            break
        seen += chunk
    return seen


def login_like_heroku_login(cli) -> None:
    """The netrc entry `heroku login` writes: machine = the API host *with* its port
    (@heroku-cli/command's vars.apiHost), which is where the CLI looks the token up."""
    host = urlsplit(cli.url).netloc
    netrc = Path(cli.env["HOME"]) / ".netrc"
    netrc.write_text(f"machine {host}\n  login dev@example.com\n  password {CLI_TOKEN}\n")
    netrc.chmod(0o600)
    assert "HEROKU_API_KEY" not in cli.env


def same_document(via_cli: herokucli.CLIResult, direct: herokucli.CLIResult) -> bool:
    try:
        return comparable(json.loads(via_cli.out)) == comparable(json.loads(direct.out))
    except json.JSONDecodeError:
        pytest.fail(f"not one JSON document:\n{via_cli}\n{direct}")


def comparable(doc: dict) -> dict:
    """A JSON document without what differs between two runs by design (where snapshots go)."""
    doc = json.loads(json.dumps(doc))
    for key in ("snapshot", "snapshots"):
        doc.pop(key, None)
    return doc


def authorization_of(server, token: str) -> str:
    (auth,) = [a.id for a in server.platform.authorizations.values() if a.token == token]
    return auth


def served_with(server) -> set[str | None]:
    """The authorizations the sandbox's API requests were made with (None: no or a bad token);
    the log is cleared for the next command."""
    entries = [e for e in server.platform.requests.entries() if e["path"].startswith("/apps")]
    server.platform.requests.clear()
    assert entries and all(e["status"] < 400 for e in entries), entries
    return {e["authorization"] for e in entries}


def app_state(server) -> dict:
    app = server.platform.apps[APP]
    return {
        "features": dict(sorted(app.features.items())),
        "formation": sorted((f.type, f.quantity, f.size) for f in app.formation.values()),
        "buildpacks": list(app.buildpacks),
        "config_vars": sorted(app.config_vars),
    }


def test_heroku_zdd_check_setup_undo_with_the_cli_login(tmp_path, built_plugin):
    with (
        herokucli.cli_sandbox(platform(), tmp_path / "cli", login="netrc", token=CLI_TOKEN) as a,
        herokucli.cli_sandbox(platform(), tmp_path / "zdd", token=CLI_TOKEN) as b,
    ):
        twin = Twin(tmp_path, a, b)
        login_like_heroku_login(twin.cli)
        initial = app_state(twin.server)
        linked = twin.heroku("plugins:link", "--no-install", str(built_plugin))
        assert linked.code == 0, linked
        server = twin.server
        server.platform.requests.clear()

        # check: read-only, so exit 1 (not ready) from both, and the same report.
        via_cli, direct = twin.both(
            ("zdd:check", "-a", APP, "--json"), ("check", "--app", APP, "--json")
        )
        assert (via_cli.code, direct.code) == (1, 1), f"{via_cli}\n{direct}"
        assert same_document(via_cli, direct)
        assert CLI_TOKEN not in via_cli.out + via_cli.err
        assert "EEXIT" not in via_cli.err  # zdd's exit code, without an error line from the CLI
        via_cli, direct = twin.both(("zdd:check", "-a", APP), ("check", "--app", APP))
        assert (via_cli.code, via_cli.out) == (direct.code, direct.out), f"{via_cli}\n{direct}"

        # The sandbox saw zdd's reads made with the token the CLI holds (its netrc login).
        assert served_with(server) == {authorization_of(server, CLI_TOKEN)}

        # setup with consent: the same plan applied, the same exit code (0), the same app after.
        via_cli, direct = twin.both(
            ("zdd", "-a", APP, "--size", "Standard-1X", "--yes", "--json"),
            ("setup", "--app", APP, "--size", "Standard-1X", "--yes", "--json"),
        )
        assert (via_cli.code, direct.code) == (0, 0), f"{via_cli}\n{direct}"
        assert same_document(via_cli, direct)
        assert CLI_TOKEN not in via_cli.out + via_cli.err
        assert app_state(twin.server) == app_state(twin.zdd_server) != initial

        # undo: without --restore-sizes the sizes step is blocked (needs consent): exit 1 on both.
        via_cli, direct = twin.both(
            ("zdd:undo", "-a", APP, "--yes", "--json"), ("undo", "--app", APP, "--yes", "--json")
        )
        assert (via_cli.code, direct.code) == (1, 1), f"{via_cli}\n{direct}"
        assert same_document(via_cli, direct)
        assert app_state(twin.server) == app_state(twin.zdd_server)

        assert served_with(server) == {authorization_of(server, CLI_TOKEN)}

        # ... and with it, back to the seed on both sides (exit 0).
        via_cli, direct = twin.both(
            ("zdd:undo", "-a", APP, "--yes", "--restore-sizes", "--json"),
            ("undo", "--app", APP, "--yes", "--restore-sizes", "--json"),
        )
        assert (via_cli.code, direct.code) == (0, 0), f"{via_cli}\n{direct}"
        assert same_document(via_cli, direct)
        assert app_state(twin.server) == app_state(twin.zdd_server) == initial
        assert served_with(server) == {authorization_of(server, CLI_TOKEN)}

        # On a terminal, zdd's prompt passes through: "n" changes nothing (exit 1) and Ctrl-C
        # (SIGINT to the CLI and zdd alike) aborts; both as plain zdd does.
        setup = ["-a", APP, "--size", "Standard-1X"]
        for answer, code in ((b"n\r", 1), (b"\x03", 130)):
            via_cli = twin.on_terminal(["zdd", *setup], answer, via_cli=True)
            direct = twin.on_terminal(["setup", *setup], answer, via_cli=False)
            assert via_cli[0] == direct[0] == code, f"{via_cli}\n{direct}"
            last = direct[1].strip().splitlines()[-1]
            assert via_cli[1].strip().splitlines()[-1] == last, f"{via_cli}\n{direct}"
        assert app_state(twin.server) == initial
        assert not [e for e in server.platform.requests.entries() if e["method"] != "GET"]

        # zdd's own descriptions in the CLI's help; a flag zdd does not know is refused.
        shown = twin.heroku("help", "zdd")
        assert shown.code == 0, shown
        for command in generated_spec()["commands"]:  # (test_describe.py: the same as zdd's)
            assert " ".join(command["summary"].split()[:4]) in " ".join(shown.out.split()), command
        assert "--[no-]affinity" in shown.out and "-r, --remote=<value>" in shown.out
        # SIGTERM to the CLI reaches zdd, which prints its report and exits 4 (interrupted).
        stopped = twin.interrupt_verify(f"{twin.server.url}/health")
        assert stopped.code == 4, stopped
        assert '"stopped_because": "terminated"' in stopped.out, stopped

        unknown = twin.heroku("zdd:check", "-a", APP, "--bogus")
        assert unknown.code == 2 and "Nonexistent flag: --bogus" in unknown.err, unknown
