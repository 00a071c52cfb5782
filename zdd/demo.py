"""`invoke demo` (bin/demo): zdd's main job against a local Heroku sandbox, no account needed.

Starts the sandbox in-process on a loopback port with the built-in `zdd-demo` app (a Java app with
web and worker on Basic), points HEROKU_HOST/HEROKU_API_KEY at it, and runs the real `zdd`
commands: check, setup without consent (blocked), setup with `--size Standard-1X`, a second setup
(changes nothing), and check again.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.rule import Rule

APP = "zdd-demo"

STEPS = [
    ("Is the app ready for zero-downtime deploys?", ["check", "--app", APP]),
    (
        "Plan the setup. Web and worker are on Basic, so the formation step needs your consent "
        "to change dyno sizes: without it setup changes nothing and says what to run.",
        ["setup", "--app", APP, "--yes"],
    ),
    (
        "Apply it with explicit consent to move every process type to Standard-1X.",
        ["setup", "--app", APP, "--size", "Standard-1X", "--yes"],
    ),
    ("Run it again: it is idempotent, so nothing changes.", ["setup", "--app", APP, "--yes"]),
    ("Check again.", ["check", "--app", APP]),
]


@contextmanager
def _env(**values: str) -> Iterator[None]:
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _zdd(argv: list[str]) -> int:
    """Run the real `zdd` program in this process; returns its exit code."""
    from zdd.main import make_program

    try:
        make_program().run(["zdd", *argv], exit=True)
    except SystemExit as exc:
        return int(exc.code or 0) if not isinstance(exc.code, str) else 1
    return 0


def run_demo(console: Console | None = None) -> int:
    """The main job on the sandbox; returns 0 when the app ends up ready."""
    from zdd.sandbox import Platform, SandboxServer

    plain = {"color_system": None} if os.environ.get("NO_COLOR") else {}
    console = console or Console(highlight=False, soft_wrap=True, **plain)
    platform = Platform.demo()
    server = SandboxServer(platform).start()
    state_dir = tempfile.mkdtemp(prefix="zdd-demo-state-")
    try:
        console.print(
            f"[bold]zdd demo[/]: a local Heroku Platform API sandbox is running at {server.url}\n"
            f"with one app, [bold]{APP}[/] (Java; 1 web + 1 worker dyno on Basic; preboot and "
            "session affinity off).\nNo Heroku account or network is used. Snapshots go to "
            f"{state_dir}."
        )
        code = 0
        with _env(
            HEROKU_HOST=server.url,
            HEROKU_API_KEY=platform.global_token,
            XDG_STATE_HOME=state_dir,
        ):
            os.environ.pop("HEROKU_APP", None)
            for i, (why, argv) in enumerate(STEPS, 1):
                console.print()
                console.print(Rule(f"Step {i}/{len(STEPS)}: zdd {' '.join(argv)}", align="left"))
                console.print(f"[dim]{why}[/]")
                code = _zdd(argv)
                console.print(f"[dim](exit code {code})[/]")
        console.print()
        if code == 0:
            console.print(
                f"[bold green]{APP} is ready for zero-downtime deploys.[/] Try it yourself: "
                "`.venv/bin/invoke sandbox` in one shell, paste the two `export` lines it "
                "prints in another, then `.venv/bin/zdd check --app zdd-demo` (and setup, undo)."
            )
        else:
            console.print(f"[bold red]The final check failed (exit code {code}).[/]")
        return code
    finally:
        server.stop()
