"""`invoke demo` (bin/demo): zdd's main job against a local Heroku sandbox, no account needed.

Starts the sandbox in-process on a loopback port with the built-in `zdd-demo` app (a Java app with
web and worker on Basic), points HEROKU_HOST/HEROKU_API_KEY at it, and runs the real `zdd`
commands: check, setup without consent (blocked), setup with `--size Standard-1X`, a second setup
(changes nothing), and check again, with a deploy watched by `zdd verify` before and after.

Its snapshots go to a temporary folder, removed when the demo ends; verify's two timeline pictures
go to $XDG_CACHE_HOME/zdd/demo (~/.cache/zdd/demo), replaced by the next run.

ZDD_DEMO_SPEED=N (1 to 2.5, default 1) runs the sandbox clock N times faster than its 30x and
verify's probe N times as often (its rate stays within verify's cap of 50/s): the restart gap
still spans about ten probes and every wait is N times shorter. The tests use it.
"""

from __future__ import annotations

import math
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.rule import Rule

from zdd.verify.options import MAX_RATE

if TYPE_CHECKING:
    from zdd.sandbox import SandboxClock, SandboxServer

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
    from zdd.main import INTERRUPTED_EXIT, make_program

    code = 0
    try:
        make_program().run(["zdd", *argv], exit=True)
    except SystemExit as exc:
        code = int(exc.code or 0) if not isinstance(exc.code, str) else 1
    if code == INTERRUPTED_EXIT:  # Ctrl-C in a step ends the demo, not only that step
        raise KeyboardInterrupt
    return code


# The demo's sandbox clock runs this many times faster than real time: the JVM app's preboot
# window (90 s boot timeout + 2 min) takes 7 s, its 15 s boot half a second.
DEMO_CLOCK_FACTOR = 30
DEMO_RATE = 20.0  # verify's requests per second: the 0.5 s restart gap fails about ten of them
MAX_SPEED = MAX_RATE / DEMO_RATE  # ZDD_DEMO_SPEED's top: verify's rate stays within its cap


@dataclass(frozen=True)
class Pace:
    """How fast the demo runs (ZDD_DEMO_SPEED): the sandbox clock, and verify's rate and tails
    to match, so the same share of requests fails in the gap whatever the speed. `boot_s` and
    `window_s` are the demo app's boot and preboot window, in sandbox seconds, as the sandbox
    holds them (zdd.sandbox.seed.DEMO_SEED, zdd.sandbox.lifecycle.window_seconds)."""

    speed: float
    factor: float  # the sandbox clock's
    boot_s: float
    window_s: float

    @property
    def rate(self) -> float:
        return DEMO_RATE * self.speed

    def real_s(self, sandbox_s: float) -> float:
        return sandbox_s / self.factor

    def tail(self, when: str) -> str:
        """verify's --tail: past the restart gap, or the whole preboot window, and a bit more
        (45 s and 60 s of sandbox time: 2 s and 9 s in all at the default pace)."""
        sandbox_s = self.boot_s + 45.0 if when == "before" else self.window_s + 60.0
        return f"{self.real_s(sandbox_s):g}s"

    def why(self, when: str) -> str:
        if when == "before":
            return (
                f"A deploy today, watched by `zdd verify` (the sandbox's clock runs "
                f"{self.factor:g}x): with one Basic web dyno and no preboot, the old dyno stops "
                "before the new one is up, so requests fail until it boots."
            )
        return (
            "The same deploy now: with preboot the new web dynos start beside the old ones, "
            "which keep serving until traffic moves (boot timeout + 2 min after the deploy, "
            f"{self.real_s(self.window_s):g} s here): no gap."
        )


def speed_from_env() -> float:
    """ZDD_DEMO_SPEED (1 when unset); ValueError with the line to show when it is not 1 to 2.5."""
    text = os.environ.get("ZDD_DEMO_SPEED", "").strip()
    if not text:
        return 1.0
    try:
        speed = float(text)
    except ValueError:
        speed = math.nan
    if not 1 <= speed <= MAX_SPEED:
        raise ValueError(
            f"ZDD_DEMO_SPEED must be a number from 1 to {MAX_SPEED:g}, got {text!r}; "
            "unset it for the demo's own pace."
        )
    return speed


def pictures_dir() -> Path:
    """Where verify's pictures go, kept after the demo: $XDG_CACHE_HOME/zdd/demo."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    root = Path(base) if os.path.isabs(base) else Path.home() / ".cache"
    return root / "zdd" / "demo"


def _deploy(console: Console, api: str, when: str, picture: Path, pace: Pace) -> int:
    """Deploy a new slug through the Platform API while `zdd verify` probes the app's traffic as
    the sandbox's router serves it; the text report and the picture show the gap or the overlap."""
    from zdd.verify import scenario

    argv = [
        "verify",
        "--url",
        f"{api}/__sandbox/apps/{APP}/web/",
        "--app",
        APP,
        "--during",
        scenario.command(APP, None, preboot_s=0, new_slug=True),
        "--rate",
        f"{pace.rate:g}",
        "--tail",
        pace.tail(when),
        "--marker-header",
        "X-Release",
        "--picture",
        str(picture),
    ]
    console.print()
    console.print(
        Rule(f"Deploy {when} setup: zdd verify --app {APP} --during <deploy>", align="left")
    )
    console.print(f"[dim]{pace.why(when)}[/]")
    code = _zdd(argv)
    console.print(
        f"[dim](exit code {code}: {'requests failed' if code else 'no request failed'})[/]"
    )
    return code


def run_demo(console: Console | None = None) -> int:
    """The main job on the sandbox; returns 0 when the app ends up ready. The sandbox is stopped
    and the snapshot folder removed however the demo ends (an error, Ctrl-C)."""
    from zdd.extras import require_extra

    require_extra("sandbox")  # MissingExtra: one line naming `pip install 'zdd-heroku[sandbox]'`
    from zdd.sandbox import Platform, SandboxClock, SandboxServer
    from zdd.sandbox.lifecycle import window_seconds

    try:
        speed = speed_from_env()
    except ValueError as exc:
        print(f"invoke demo: {exc}", file=sys.stderr)
        return 2
    plain = {"color_system": None} if os.environ.get("NO_COLOR") else {}
    console = console or Console(highlight=False, soft_wrap=True, **plain)
    clock = SandboxClock(factor=DEMO_CLOCK_FACTOR * speed)
    platform = Platform.demo(clock=clock)
    app = platform.apps[APP]
    pace = Pace(speed, clock.factor, boot_s=app.boot_seconds, window_s=window_seconds(app))
    server = SandboxServer(platform).start()
    try:
        with tempfile.TemporaryDirectory(prefix="zdd-demo-state-") as state_dir:
            return _run(console, server, clock, Path(state_dir), pace)
    finally:
        server.stop()


def _run(
    console: Console, server: SandboxServer, clock: SandboxClock, state_dir: Path, pace: Pace
) -> int:
    pictures = pictures_dir()
    try:
        pictures.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        print(
            f"invoke demo: can't make {pictures} for verify's pictures ({exc.strerror}); point "
            "XDG_CACHE_HOME at a writable folder and run again.",
            file=sys.stderr,
        )
        return 2
    platform = server.platform
    console.print(
        f"[bold]zdd demo[/]: a local Heroku Platform API sandbox is running at {server.url}\n"
        f"with one app, [bold]{APP}[/] (Java; 1 web + 1 worker dyno on Basic; preboot and "
        "session affinity off).\nNo Heroku account or network is used. Snapshots go to "
        f"{state_dir} (removed when the demo ends)."
    )
    code = 0
    with _env(
        HEROKU_HOST=server.url,
        HEROKU_API_KEY=platform.global_token,
        XDG_STATE_HOME=str(state_dir),
    ):
        os.environ.pop("HEROKU_APP", None)
        # setup checks the companion URL it adds: the sandbox serves the bundled tarball,
        # so the demo stays offline (docs/design.md, sandbox control endpoint)
        companion = f"{server.url}/__sandbox/buildpack/zdd-buildpack.tgz"
        _deploy(console, server.url, "before", pictures / "deploy-before.png", pace)
        for i, (why, argv) in enumerate(STEPS, 1):
            if argv[0] == "setup":
                argv = [*argv, "--buildpack", companion]
            console.print()
            console.print(Rule(f"Step {i}/{len(STEPS)}: zdd {' '.join(argv)}", align="left"))
            console.print(f"[dim]{why}[/]")
            code = _zdd(argv)
            console.print(f"[dim](exit code {code})[/]")
        clock.advance(600)  # let setup's own release and its preboot window finish
        _deploy(console, server.url, "after", pictures / "deploy-after.png", pace)
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
