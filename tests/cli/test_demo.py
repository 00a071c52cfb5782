"""The README quick start's main job: `invoke demo` runs setup for real against the sandbox, shows
a deploy with the restart gap before it and without it after, and leaves no snapshot folder."""

import io
import os
import re
import subprocess
import tempfile
from pathlib import Path

import pytest
from cli_helpers import BIN, REPO
from rich.console import Console

from zdd.demo import run_demo


def test_invoke_demo_sets_up_the_demo_app_and_ends_ready(tmp_path):
    """On ZDD_DEMO_SPEED=2.5 (the sandbox clock and verify's probe 2.5x faster: the same restart
    gap in probes, the preboot window 2.8 s instead of 7 s)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HEROKU_", "ZDD_"))}
    tmp, cache = tmp_path / "tmp", tmp_path / "cache"
    tmp.mkdir()
    # matplotlib keeps its font cache under XDG_CACHE_HOME too: keep using the one it has
    fonts = Path(env.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "matplotlib"
    env.update(
        NO_COLOR="1",
        ZDD_DEMO_SPEED="2.5",
        TMPDIR=str(tmp),
        XDG_CACHE_HOME=str(cache),
        MPLCONFIGDIR=str(fonts),
    )
    proc = subprocess.run(
        [str(BIN / "invoke"), "demo"],
        cwd=REPO,
        env=env,
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

    before, _, after = out.partition("Deploy after setup")
    assert "the sandbox's clock runs 75x" in before and "2.8 s here" in after
    assert re.search(r"FAIL: \d+ of \d+ requests failed", before), before
    assert re.search(r"router \(sandbox\): no web dyno serving [\d.]+-[\d.]+ s", before)
    assert "(exit code 1: requests failed)" in before
    assert "PASS: no request failed" in after and "(exit code 0: no request failed)" in after
    assert re.search(r"router \(sandbox\): traffic moved v\d -> v\d at [\d.]+ s", after), after
    assert "no web dyno serving" not in after.partition("Exit 0")[0]

    (state,) = re.findall(r"Snapshots go to (\S+) \(removed when the demo ends\)", out)
    assert Path(state).parent == tmp and not Path(state).exists()
    assert not list(tmp.glob("zdd-demo-state-*"))
    pictures = re.findall(r"Timeline picture: (\S+\.png)", out)
    folder = cache / "zdd" / "demo"
    assert pictures == [str(folder / "deploy-before.png"), str(folder / "deploy-after.png")]
    assert all(Path(p).stat().st_size > 10_000 for p in pictures)


def test_the_snapshot_folder_goes_when_the_demo_ends_early(tmp_path, monkeypatch, capsys):
    """Here the pictures' folder can't be made (a file stands in its place): exit 2, one line,
    the sandbox stopped and the snapshot folder removed."""
    blocker = tmp_path / "cache"
    blocker.write_text("a file, not a folder")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    assert run_demo(Console(file=io.StringIO())) == 2
    err = capsys.readouterr().err
    assert "XDG_CACHE_HOME" in err and len(err.strip().splitlines()) == 1, err
    assert not list(tmp_path.glob("zdd-demo-state-*"))


def test_a_bad_demo_speed_is_one_line_and_exit_2(monkeypatch, capsys):
    for bad in ("fast", "0.5", "10", "nan"):
        monkeypatch.setenv("ZDD_DEMO_SPEED", bad)
        assert run_demo(Console(file=io.StringIO())) == 2, bad
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "ZDD_DEMO_SPEED must be a number from 1 to 2.5" in err


def test_ctrl_c_in_a_step_ends_the_demo(sandbox_env, monkeypatch):
    """zdd exits 130 on a Ctrl-C (here a real SIGINT as setup's prompt shows, on a real pty):
    the demo's step runner raises it on, so the demo ends, not only that step."""
    import pty
    import signal
    import sys

    from zdd.demo import _zdd

    class PromptWatcher(io.StringIO):
        def write(self, text: str) -> int:
            if "[y/N]" in text:
                os.kill(os.getpid(), signal.SIGINT)
            return super().write(text)

    master, slave = pty.openpty()
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    companion = f"{sandbox_env.url}/__sandbox/buildpack/zdd-buildpack.tgz"
    try:
        with os.fdopen(slave, "r", closefd=False) as terminal:
            monkeypatch.setattr(sys, "stdin", terminal)
            monkeypatch.setattr(sys, "stderr", PromptWatcher())
            with pytest.raises(KeyboardInterrupt):
                _zdd(["setup", "--app", "zdd-demo", "--size", "Standard-1X", "-b", companion])
    finally:
        signal.signal(signal.SIGINT, previous)
        os.close(slave)
        os.close(master)
    assert sandbox_env.platform.apps["zdd-demo"].features["preboot"] is False  # nothing applied
