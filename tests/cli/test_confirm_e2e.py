"""On a terminal, setup asks before changing anything; only "y" applies."""

import os
import pty
import subprocess

from cli_helpers import BIN, vector_app


def run_with_tty(env, answer: str):
    master, slave = pty.openpty()
    base = {k: v for k, v in os.environ.items() if not k.startswith(("HEROKU_", "ZDD_"))}
    base.update(HEROKU_HOST=env.url, HEROKU_API_KEY=env.token, XDG_STATE_HOME=str(env.state_home))
    os.write(master, answer.encode())
    try:
        return subprocess.run(
            [str(BIN / "zdd"), "setup", "--app", "java-gh", "--no-release-check"],
            env=base,
            stdin=slave,
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        os.close(slave)
        os.close(master)


def test_declining_changes_nothing_and_yes_applies(sandbox_for):
    env = sandbox_for(vector_app("java-github-url-single-web"))
    declined = run_with_tty(env, "n\n")
    assert declined.returncode == 1 and "Apply 2 changes to java-gh? [y/N]" in declined.stderr
    assert "Nothing was changed." in declined.stdout and env.writes() == []
    accepted = run_with_tty(env, "y\n")
    assert accepted.returncode == 0, accepted
    assert {w["path"] for w in env.writes()} == {
        "/apps/java-gh/formation",
        "/apps/java-gh/buildpack-installations",
    }
