"""zdd itself on the sandbox's lifecycle: `zdd setup` waits out a real preboot window (boot timeout
+ 2 min after a release) before it scales, and the refusal it waits on is the platform's own. The
real `zdd` program over loopback. Sandbox time stands still until the platform has refused zdd's
first formation change (so zdd's start-up never races the window), then runs 200x: the rest of the
window (3 min) passes in under a second, before zdd's next try (it polls every 2 s)."""

import os
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

from zdd.sandbox import Platform, SandboxClock, SandboxServer

ZDD = str(Path(sys.executable).with_name("zdd"))
FACTOR = 200


def once_refused(platform, then, stop: threading.Event) -> threading.Thread:
    """A thread that calls `then()` once the request log shows a 422 (or `stop` is set)."""

    def watch() -> None:
        while not stop.wait(0.02):
            if any(r["status"] == 422 for r in platform.request_log()):
                then()
                return

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def test_setup_waits_for_the_preboot_window_a_release_opened(tmp_path):
    seed = {
        "apps": [
            {
                "name": "node-app",
                "buildpacks": ["heroku/nodejs"],
                "formation": [{"type": "web", "quantity": 1, "size": "Standard-1X"}],
                "features": {"preboot": True, "http-session-affinity": False},
            }
        ]
    }
    clock = SandboxClock(factor=0)
    platform = Platform.from_seed(seed, clock=clock)
    server = SandboxServer(platform).start()
    stop = threading.Event()
    try:
        platform.config_var_update("node-app", {"A": "1"})  # a release: window 60 s + 2 min
        until = platform.router_view("node-app")["preboot_until"]
        assert until is not None and until - platform.clock() > 170
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("HEROKU_", "ZDD_"))},
            "HEROKU_HOST": server.url,
            "HEROKU_API_KEY": platform.global_token,
            "XDG_STATE_HOME": str(tmp_path / "state"),
            "HOME": str(tmp_path),
            "NO_COLOR": "1",
        }

        def time_runs_on() -> None:
            clock.factor = FACTOR

        watcher = once_refused(platform, time_runs_on, stop)
        started = time.monotonic()
        run = subprocess.run(
            [ZDD, "setup", "--app", "node-app", "--yes", "--wait", "60"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        waited = time.monotonic() - started
        assert run.returncode == 0, run.stdout + run.stderr
        assert "preboot" in run.stderr.lower()  # it said what it waited for
        assert platform.formation_info("node-app", "web")["quantity"] == 2
        refused = [r for r in platform.request_log() if r["status"] == 422]
        assert refused and all(r["path"] == "/apps/node-app/formation" for r in refused)
        assert not watcher.is_alive()  # the refusal came while sandbox time stood still
        # it scaled only after the window (the formation's updated_at, in whole seconds)
        updated = platform.formation_info("node-app", "web")["updated_at"]
        assert datetime.fromisoformat(updated.replace("Z", "+00:00")).timestamp() >= int(until)
        assert waited >= 2  # real time spent waiting: at least one of zdd's 2 s polls
    finally:
        stop.set()
        server.stop()
