"""zdd itself on the sandbox's lifecycle: `zdd setup` waits out a real preboot window (boot timeout
+ 2 min after a release, here on a 20x clock: 9 s) before it scales, and the refusal it waits on is
the platform's own. The real `zdd` program over loopback."""

import os
import subprocess
import sys
import time
from pathlib import Path

from zdd.sandbox import Platform, SandboxClock, SandboxServer

ZDD = str(Path(sys.executable).with_name("zdd"))
FACTOR = 20


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
    platform = Platform.from_seed(seed, clock=SandboxClock(factor=FACTOR))
    server = SandboxServer(platform).start()
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
        assert platform.clock() >= until  # it scaled only after the window
        assert waited >= 3  # real time spent waiting (the 9 s window, minus zdd's start)
        refused = [r for r in platform.request_log() if r["status"] == 422]
        assert refused and all(r["path"] == "/apps/node-app/formation" for r in refused)
    finally:
        server.stop()
