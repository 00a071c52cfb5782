"""`invoke demo` shows a deploy without preboot (the restart gap) and with it (the overlap), on
the sandbox clock, in text and in verify's picture. It runs at the demo's top speed
(ZDD_DEMO_SPEED=2.5: the clock 75x, verify's rate and tails to match), which the demo keeps
showing the same gap and overlap at."""

import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
INVOKE = Path(sys.executable).with_name("invoke")


def test_demo_shows_the_restart_gap_then_the_preboot_overlap():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HEROKU_", "ZDD_"))}
    proc = subprocess.run(
        [str(INVOKE), "demo"],
        cwd=REPO,
        env={**env, "NO_COLOR": "1", "ZDD_DEMO_SPEED": "2.5"},
        capture_output=True,
        text=True,
        timeout=180,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    before, _, after = proc.stdout.partition("Deploy after setup")
    before = before.partition("Deploy before setup")[2]
    assert re.search(r"FAIL: \d+ of \d+ requests failed", before), before
    assert re.search(r"router \(sandbox\): no web dyno serving [\d.]+-[\d.]+ s", before)
    assert "PASS: no request failed" in after, after
    assert re.search(r"router \(sandbox\): traffic moved v\d -> v\d at [\d.]+ s", after)
    assert "no web dyno serving" not in after.partition("Exit 0")[0]
    pictures = re.findall(r"Timeline picture: (\S+\.png)", proc.stdout)
    assert [Path(p).name for p in pictures] == ["deploy-before.png", "deploy-after.png"]
    assert all(Path(p).stat().st_size > 10_000 for p in pictures)
