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
from pathlib import Path

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


# The demo's sandbox clock runs this many times faster than real time: the JVM app's preboot
# window (90 s boot timeout + 2 min) takes 7 s, its 15 s boot half a second.
DEMO_CLOCK_FACTOR = 30
DEPLOY_BEFORE = (
    "A deploy today, watched by `zdd verify` (the sandbox's clock runs 30x): with one Basic web "
    "dyno and no preboot, the old dyno stops before the new one is up, so requests fail until "
    "it boots."
)
DEPLOY_AFTER = (
    "The same deploy now: with preboot the new web dynos start beside the old ones, which keep "
    "serving until traffic moves (boot timeout + 2 min after the deploy, 7 s here): no gap."
)


def _deploy(console: Console, api: str, when: str, picture: Path, why: str) -> int:
    """Deploy a new slug through the Platform API while `zdd verify` probes the app's traffic as
    the sandbox's router serves it; the text report and the picture show the gap or the overlap."""
    from zdd.verify import scenario

    tail = "2s" if when == "before" else "9s"  # the restart gap / the whole preboot window
    argv = [
        "verify",
        "--url",
        f"{api}/__sandbox/apps/{APP}/web/",
        "--app",
        APP,
        "--during",
        scenario.command(APP, None, preboot_s=0, new_slug=True),
        "--rate",
        "20",
        "--tail",
        tail,
        "--marker-header",
        "X-Release",
        "--picture",
        str(picture),
    ]
    console.print()
    console.print(
        Rule(f"Deploy {when} setup: zdd verify --app {APP} --during <deploy>", align="left")
    )
    console.print(f"[dim]{why}[/]")
    code = _zdd(argv)
    console.print(
        f"[dim](exit code {code}: {'requests failed' if code else 'no request failed'})[/]"
    )
    return code


def run_demo(console: Console | None = None) -> int:
    """The main job on the sandbox; returns 0 when the app ends up ready."""
    from zdd.extras import require_extra

    require_extra("sandbox")  # MissingExtra: one line naming `pip install 'zdd-heroku[sandbox]'`
    from zdd.sandbox import Platform, SandboxClock, SandboxServer

    plain = {"color_system": None} if os.environ.get("NO_COLOR") else {}
    console = console or Console(highlight=False, soft_wrap=True, **plain)
    clock = SandboxClock(factor=DEMO_CLOCK_FACTOR)
    platform = Platform.demo(clock=clock)
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
            # setup checks the companion URL it adds: the sandbox serves the bundled tarball,
            # so the demo stays offline (docs/design.md, sandbox control endpoint)
            companion = f"{server.url}/__sandbox/buildpack/zdd-buildpack.tgz"
            pictures = Path(state_dir)
            _deploy(console, server.url, "before", pictures / "deploy-before.png", DEPLOY_BEFORE)
            for i, (why, argv) in enumerate(STEPS, 1):
                if argv[0] == "setup":
                    argv = [*argv, "--buildpack", companion]
                console.print()
                console.print(Rule(f"Step {i}/{len(STEPS)}: zdd {' '.join(argv)}", align="left"))
                console.print(f"[dim]{why}[/]")
                code = _zdd(argv)
                console.print(f"[dim](exit code {code})[/]")
            clock.advance(600)  # let setup's own release and its preboot window finish
            _deploy(console, server.url, "after", pictures / "deploy-after.png", DEPLOY_AFTER)
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
