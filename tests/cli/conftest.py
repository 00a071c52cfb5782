"""End-to-end helpers: one sandbox per test on a loopback port, and the `zdd` program run against
it (HEROKU_HOST + HEROKU_API_KEY, as a user would): in this process by default (the same Program
the console script runs, a real loopback socket to the sandbox), as a real subprocess with
`spawn=True` or `invoke=True` (the script and the Invoke route keep their own tests)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from cli_helpers import BIN, REPO, Run, run_in_process

from zdd.sandbox import Platform, SandboxClock, SandboxServer


class Env:
    """A started sandbox plus ways to run zdd against it and to read its request log."""

    def __init__(self, server: SandboxServer, state_home: Path) -> None:
        self.server, self.platform, self.url = server, server.platform, server.url
        self.token = server.platform.global_token
        self.state_home = state_home
        #: The companion tarball the sandbox serves: setup checks the URL it adds, and the
        #: default (GitHub) can't be reached from the tests, so `run("setup", ...)` passes this.
        self.companion = f"{self.url}/__sandbox/buildpack/zdd-buildpack.tgz"
        #: One client for the test's own reads of the sandbox: each new httpx client loads the
        #: CA bundle (~0.05 s, several times that on a busy machine), and a test reads often.
        self.http = httpx.Client(base_url=self.url, trust_env=False)

    def environ(self, token: str | None = None) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("HEROKU_", "ZDD_")) and k != "NO_COLOR"
        }
        env.update(
            HEROKU_HOST=self.url,
            HEROKU_API_KEY=token or self.token,
            XDG_STATE_HOME=str(self.state_home),
            COLUMNS="200",
        )
        return env

    def run(
        self,
        *args: str,
        token: str | None = None,
        invoke: bool = False,
        spawn: bool = False,
        timeout=60,
        cwd=REPO,
        extra_env: dict[str, str] | None = None,
        stdin=None,
    ) -> Run:
        """`zdd ARGS` in this process (or spawned; or `invoke zdd ARGS` from the repo, whose
        tasks.py adds the collection); `stdin`: see run_in_process."""
        env = {**self.environ(token), **(extra_env or {})}
        if (
            args
            and args[0] == "setup"
            and not any(a.startswith(("--buildpack", "-b")) for a in args)
        ):
            args = (*args, "--buildpack", self.companion)
        if not (invoke or spawn):
            return run_in_process(list(args), env, cwd, stdin)
        argv = [str(BIN / "invoke"), "zdd"] if invoke else [str(BIN / "zdd")]
        if invoke and args and args[0] in ("setup", "check", "undo"):
            argv = [str(BIN / "invoke"), f"zdd.{args[0]}"]
            args = args[1:]
        proc = subprocess.run(
            [*argv, *args],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        return Run(proc.returncode, proc.stdout, proc.stderr)

    def deps(self, clock=None, **collaborators):
        """Collaborators for calling a flow in this process (zdd.flows), on this sandbox with
        this test's snapshot folder; pass clock=SandboxTime(...), prompt=..., output=...
        With a clock, the client's retry waits (backoff, Retry-After) pass on it too."""
        from zdd.flows.common import Deps, Snapshots
        from zdd.heroku.client import HerokuClient

        on_clock = {} if clock is None else {"sleep": clock.sleep, "clock": clock.monotonic}
        client = HerokuClient(self.url, self.token, deadline=720.0, **on_clock)
        if clock is not None:
            collaborators["clock"] = clock
        return Deps(client, snapshots=Snapshots(self.state_home / "zdd"), **collaborators)

    def requests(self) -> list[dict]:
        return self.http.get("/__sandbox/requests").json()

    def writes(self) -> list[dict]:
        return [r for r in self.requests() if r["method"] not in ("GET", "HEAD")]

    def clear_log(self) -> None:
        self.http.delete("/__sandbox/requests")

    def add_fault(self, **spec) -> None:
        self.http.post("/__sandbox/faults", json=spec).raise_for_status()

    def clear_faults(self) -> None:
        self.http.delete("/__sandbox/faults").raise_for_status()

    def api(self, path: str) -> object:
        r = self.http.get(
            path,
            headers={
                "Accept": "application/vnd.heroku+json; version=3",
                "Authorization": f"Bearer {self.token}",
            },
        )
        r.raise_for_status()
        return r.json()

    def app_state(self, app: str) -> dict:
        """The parts setup/undo may change, read straight from the API."""
        features = {f["name"]: f["enabled"] for f in self.api(f"/apps/{app}/features")}
        return {
            "features": {k: features[k] for k in ("preboot", "http-session-affinity")},
            "formation": sorted(
                (f["type"], f["quantity"], f["size"]) for f in self.api(f"/apps/{app}/formation")
            ),
            "buildpacks": [
                b["buildpack"]["url"] for b in self.api(f"/apps/{app}/buildpack-installations")
            ],
            "config_vars": self.api(f"/apps/{app}/config-vars"),
        }


@contextmanager
def _sandboxes(state_home: Path) -> Iterator[Callable[..., Env]]:
    servers: list[SandboxServer] = []
    envs: list[Env] = []

    def start(*apps: dict, clock=None, **seed) -> Env:
        """`clock`: the sandbox clock. By default sandbox time runs 200x: a release on a preboot
        app opens a window of boot timeout + 2 min (210 s for a JVM app), which then passes in
        about a second of the test's time; pass ManualClock() to step it, SandboxClock(1) for
        wall time."""
        clock = SandboxClock(factor=200) if clock is None else clock
        platform = Platform.from_seed({"apps": list(apps), **seed}, clock=clock)
        server = SandboxServer(platform).start()
        servers.append(server)
        envs.append(Env(server, state_home))
        return envs[-1]

    try:
        yield start
    finally:
        for s in servers:
            s.stop()
        for e in envs:
            e.http.close()


@pytest.fixture
def sandbox_for(tmp_path):
    """Start a sandbox seeded with the given apps (seed format); stopped after the test."""
    with _sandboxes(tmp_path / "state") as start:
        yield start


@pytest.fixture(scope="module")
def module_sandbox_for(tmp_path_factory):
    """sandbox_for, shared by a module's tests: only for tests that must change nothing (they
    assert no writes and no snapshot) and clear the request log before they read it. A sandbox
    start and stop is ~0.2 s, several times that on a busy machine; a module of parametrized
    usage-error tests needs one, not one each."""
    with _sandboxes(tmp_path_factory.mktemp("shared") / "state") as start:
        yield start
