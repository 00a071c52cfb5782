"""Colour only on a terminal and never with NO_COLOR; progress on stderr; stdout JSON is clean.

In process (the same Program, its stdout and stderr captured apart) except one run into a real
pipe: rich decides colour and width from the stream and the environment, both as in a shell."""

import json
import os
import subprocess

from cli_helpers import BIN, run_in_process, vector_app


def run(env, *args, spawn=False, **extra):
    """`zdd ARGS` against `env`'s sandbox, with neither NO_COLOR nor FORCE_COLOR unless given;
    returns (returncode, stdout, stderr)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("HEROKU_", "ZDD_"))}
    base.pop("NO_COLOR", None)
    base.pop("FORCE_COLOR", None)
    base.update({"HEROKU_HOST": env.url, "HEROKU_API_KEY": env.token, **extra})
    if not spawn:
        ran = run_in_process(list(args), base)
        return subprocess.CompletedProcess(args, ran.code, ran.out, ran.err)
    return subprocess.run(
        [str(BIN / "zdd"), *args], env=base, capture_output=True, text=True, timeout=60
    )


def test_colour_follows_the_terminal_and_no_color(sandbox_for):
    env = sandbox_for(vector_app("fresh-java-basic"))
    piped = run(env, "check", "--app", "java-basic", spawn=True)  # the console script, a pipe
    assert piped.returncode == 1 and "\x1b[" not in piped.stdout
    forced = run(env, "check", "--app", "java-basic", FORCE_COLOR="1")
    assert "\x1b[" in forced.stdout  # as on a terminal
    no_color = run(env, "check", "--app", "java-basic", FORCE_COLOR="1", NO_COLOR="1")
    assert "\x1b[" not in no_color.stdout and "Failed" in no_color.stdout


def test_json_stdout_is_one_document_and_progress_goes_to_stderr(sandbox_for):
    env = sandbox_for(vector_app("fresh-java-basic"))
    proc = run(env, "setup", "--app", "java-basic", "--json", "--dry-run", FORCE_COLOR="1")
    assert proc.returncode == 1  # blocked without --size
    doc = json.loads(proc.stdout)
    assert doc["exit_code"] == 1 and doc["plan"]["next_command"].endswith("--size Standard-1X")
    assert "reading java-basic" in proc.stderr


def test_no_token_is_a_clear_usage_error(sandbox_for):
    env = sandbox_for(vector_app("fresh-java-basic"))
    proc = run(env, "check", "--app", "java-basic", HEROKU_API_KEY="", HOME=str(env.state_home))
    assert proc.returncode == 2
    assert "HEROKU_API_KEY" in proc.stderr and "Traceback" not in proc.stderr


def test_a_command_line_invoke_cannot_parse_is_a_usage_error():
    """Exit 2, not Invoke's 1 (which zdd uses for failed checks and failed verify requests)."""
    for argv in (["verify", "--bogus"], ["setup", "--app"], ["nosuch"]):
        proc = run_in_process(argv, dict(os.environ))
        assert proc.code == 2, (argv, proc.err)
        assert "--help" in proc.err or "needs a value" in proc.err, proc.err
        assert "Traceback" not in proc.err


def test_text_wraps_to_the_terminal_under_heroku_style_headers(sandbox_for):
    """On a terminal (FORCE_COLOR makes rich treat stdout as one) of 70 columns every line fits
    and continuation lines stay under their text column; into a pipe a line stays one line."""
    env = sandbox_for(vector_app("fresh-java-basic"))
    term = run(env, "check", "--app", "java-basic", FORCE_COLOR="1", NO_COLOR="1", COLUMNS="70")
    lines = term.stdout.splitlines()
    assert lines[0] == "=== java-basic: not ready", term.stdout
    assert all(len(line) <= 70 for line in lines), term.stdout
    continued = [line for line in lines if line.startswith(" " * 38) and line.strip()]
    assert continued, term.stdout  # a message wrapped under its own column
    piped = run(env, "check", "--app", "java-basic", COLUMNS="70")
    assert piped.stdout.splitlines()[0] == "=== java-basic: not ready"
    assert any(len(line) > 70 for line in piped.stdout.splitlines()), piped.stdout
    setup = run(env, "setup", "--app", "java-basic", "--dry-run", "--size", "Standard-1X")
    assert setup.stdout.startswith("=== Plan for java-basic (JVM app; now: "), setup.stdout
