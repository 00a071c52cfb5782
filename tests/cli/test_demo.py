"""The README quick start's main job: `invoke demo` runs setup for real against the sandbox."""

import os
import subprocess

from cli_helpers import BIN, REPO


def test_invoke_demo_sets_up_the_demo_app_and_ends_ready():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HEROKU_", "ZDD_"))}
    proc = subprocess.run(
        [str(BIN / "invoke"), "demo"],
        cwd=REPO,
        env={**env, "NO_COLOR": "1"},
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    assert "To apply with your consent, run: zdd setup --app zdd-demo --size Standard-1X" in out
    assert "Step 3/5: zdd setup --app zdd-demo --size Standard-1X --yes" in out
    assert out.count("changed      ") == 5
    assert "Everything is in place on zdd-demo" in out
    assert "zdd-demo: ready" in out and "\x1b[" not in out
