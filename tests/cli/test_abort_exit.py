"""Ctrl-C's exit ignores a second SIGINT (under `heroku zdd` the terminal's and the plugin's
forwarded one arrive together): the process ends with "Aborted", never a traceback."""

import subprocess
import sys
import textwrap


def test_the_aborted_exit_ignores_a_later_sigint():
    """The console script's main(); in-process runs (make_program().run) leave SIGINT alone, or
    every child a test starts afterwards would inherit an ignored SIGINT."""
    script = textwrap.dedent(
        """
        import os, signal, sys, atexit
        from invoke import Collection, task
        import zdd.main

        @task
        def setup(c):
            raise KeyboardInterrupt  # Ctrl-C at the prompt

        # What the second SIGINT would hit: an exit handler still running.
        atexit.register(lambda: os.kill(os.getpid(), signal.SIGINT))
        sys.argv = ["zdd", "setup"]
        ns = Collection(setup)
        zdd.main.program = zdd.main.ZddProgram(namespace=ns, name="zdd", binary="zdd")
        zdd.main.main()
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 130, proc
    assert proc.stderr.strip().splitlines()[-1] == "Aborted", proc.stderr
    assert "Traceback" not in proc.stderr and "KeyboardInterrupt" not in proc.stderr
