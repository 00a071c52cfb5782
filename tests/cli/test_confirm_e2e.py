"""On a terminal, setup asks before changing anything; only "y" applies.

The prompt reads a real pty (zdd in process, its stdin the pty's end); the Ctrl-C test
(test_flags_e2e) runs the console script on one."""

import os
import pty
import subprocess

import pytest
from cli_helpers import BIN, short_preboot, vector_app


def run_with_tty(env, answer: str):
    """`zdd setup` in process with a real terminal on stdin, `answer` already typed."""
    master, slave = pty.openpty()
    os.write(master, answer.encode())
    try:
        with os.fdopen(slave, "r", closefd=False) as terminal:
            return env.run(
                "setup",
                "--app",
                "java-gh",
                "--no-release-check",
                "-b",
                env.companion,
                stdin=terminal,
            )
    finally:
        os.close(slave)
        os.close(master)


def test_declining_changes_nothing_and_yes_applies(sandbox_for):
    env = sandbox_for(vector_app("java-github-url-single-web"))
    declined = run_with_tty(env, "n\n")
    assert declined.code == 1 and "changes to java-gh? [y/N]" in declined.err, declined
    assert "Nothing was changed." in declined.out and env.writes() == []
    accepted = run_with_tty(env, "y\n")
    assert accepted.code == 0, accepted
    assert {w["path"] for w in env.writes()} == {
        "/apps/java-gh/formation",
        "/apps/java-gh/buildpack-installations",
        "/apps/java-gh/config-vars",  # ZDD_OPT_OUT records --no-release-check
    }


def start_with_tty(env, *args):
    """`zdd ARGS` with a terminal on stdin; returns (process, pty master) once it asks."""
    import select
    import time

    master, slave = pty.openpty()
    base = {k: v for k, v in os.environ.items() if not k.startswith(("HEROKU_", "ZDD_"))}
    base.update(HEROKU_HOST=env.url, HEROKU_API_KEY=env.token, XDG_STATE_HOME=str(env.state_home))
    proc = subprocess.Popen(
        [str(BIN / "zdd"), *args],
        env=base,
        stdin=slave,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    os.close(slave)
    seen, deadline = b"", time.monotonic() + 30
    while b"[y/N]" not in seen:
        assert time.monotonic() < deadline and proc.poll() is None, seen
        if select.select([proc.stderr], [], [], 0.2)[0]:
            seen += os.read(proc.stderr.fileno(), 4096)
    return proc, master


def test_a_scale_up_while_the_prompt_waits_stops_the_stale_plan(sandbox_for):
    """The flow in process; its prompt scales the app up before it answers yes."""
    from zdd.flows.codes import ExitCode
    from zdd.flows.setup import SetupRequest, run_setup
    from zdd.plan import PlanOptions

    app = dict(
        vector_app("node-standard-no-preboot"),
        formation=[{"type": "web", "quantity": 1, "size": "Standard-1X"}],
    )
    env = sandbox_for(app)
    name = app["name"]

    class ScaledMeanwhile:
        def confirm(self, question: str) -> bool:
            env.platform.formation_batch_update(name, [{"type": "web", "quantity": 6}])
            return True

    request = SetupRequest(name, PlanOptions(min_web=3))
    report = run_setup(request, env.deps(prompt=ScaledMeanwhile()))
    assert report.exit_code == ExitCode.NOT_DONE, report.message
    assert "changed while zdd was asking" in report.message
    assert "Nothing was changed" in report.message
    assert "formation: planned 'scale web: 1 -> 3 dynos'" in report.message
    assert env.app_state(name)["formation"] == [("web", 6, "Standard-1X")]
    assert env.writes() == []
    assert not list(env.state_home.rglob("*.json"))  # no snapshot for a run that changed nothing


@pytest.fixture
def platform():
    """The demo app on a stopped sandbox clock (the test steps past preboot windows), with a
    short preboot window (short_preboot)."""
    from zdd.sandbox import ManualClock, Platform
    from zdd.sandbox.seed import DEMO_SEED

    seed = {**DEMO_SEED, "apps": [short_preboot(app) for app in DEMO_SEED["apps"]]}
    return Platform.from_seed(seed, clock=ManualClock())


@pytest.mark.parametrize("command", ["setup", "undo"])
def test_the_time_spent_at_the_prompt_does_not_count_against_the_api_deadline(
    sandbox_env, monkeypatch, capsys, command
):
    """In-process (a real prompt would have to wait 2+ minutes): the client's clock jumps 300 s
    while the user answers; the deadline (wait + 120 s) must restart after the answer."""
    import io

    from invoke import Context

    import zdd.commands.setup as setup_module
    import zdd.commands.undo as undo_module
    from zdd.cli import deadline_for
    from zdd.heroku.client import HerokuClient

    now = [0.0]

    class Terminal(io.StringIO):
        def isatty(self):
            return True

        def readline(self, *a):
            now[0] += 300.0  # the user took five minutes
            return "y\n"

    def client(wait=0.0, deadline=None):
        return HerokuClient.from_env(deadline=deadline_for(wait), clock=lambda: now[0])

    monkeypatch.setattr(setup_module, "make_client", client)
    monkeypatch.setattr(undo_module, "make_client", client)
    monkeypatch.setattr("sys.stdin", Terminal())
    companion = f"{sandbox_env.url}/__sandbox/buildpack/zdd-buildpack.tgz"
    setup_module.setup(
        Context(),
        app="zdd-demo",
        size="Standard-1X",
        release_check=False,
        wait=0,
        buildpack=companion,
    )
    assert "Done: zdd-demo is set up" in capsys.readouterr().out
    assert sandbox_env.platform.apps["zdd-demo"].features["preboot"] is True
    if command == "undo":
        sandbox_env.platform.clock.advance(600)  # setup's release: its preboot window is over
        # Undo's own config release (made while preboot is still on) opens a window its formation
        # change must not overlap: on a 1000x sandbox clock a 0.1 s window is 0.1 ms.
        from zdd.sandbox import SandboxClock

        platform = sandbox_env.platform
        platform.clock = SandboxClock(factor=1000, start=platform.clock())
        undo_module.undo(Context(), app="zdd-demo", restore_sizes=True, wait=60)
        assert "Done: zdd-demo is back" in capsys.readouterr().out
        assert sandbox_env.platform.apps["zdd-demo"].features["preboot"] is False
