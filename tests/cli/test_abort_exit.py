"""Ctrl-C's exit ignores a second SIGINT (under `heroku zdd` the terminal's and the plugin's
forwarded one arrive together): the process ends with "Aborted", never a traceback."""

import subprocess
import sys
import textwrap


def test_the_aborted_exit_ignores_a_later_sigint():
    script = textwrap.dedent(
        """
        import os, signal, sys, atexit
        from invoke import Collection, task
        from zdd.main import ZddProgram

        @task
        def setup(c):
            raise KeyboardInterrupt  # Ctrl-C at the prompt

        # What the second SIGINT would hit: an exit handler still running.
        atexit.register(lambda: os.kill(os.getpid(), signal.SIGINT))
        ZddProgram(namespace=Collection(setup), name="zdd", binary="zdd").run(["zdd", "setup"])
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 130, proc
    assert proc.stderr.strip().splitlines()[-1] == "Aborted", proc.stderr
    assert "Traceback" not in proc.stderr and "KeyboardInterrupt" not in proc.stderr
