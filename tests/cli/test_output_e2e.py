"""Colour only on a terminal and never with NO_COLOR; progress on stderr; stdout JSON is clean.

In process (the same Program, its stdout and stderr captured apart, neither a terminal): rich
decides colour and width from the stream and the environment, as it does in a shell (the console
script's own pipe behaviour: test_flags_e2e's closed pipe, test_program's --version)."""

import json
import os

from cli_helpers import run_in_process, vector_app


def run(env, *args, **extra):
    """`zdd ARGS` against `env`'s sandbox, with neither NO_COLOR nor FORCE_COLOR unless given."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("HEROKU_", "ZDD_"))}
    base.pop("NO_COLOR", None)
    base.pop("FORCE_COLOR", None)
    base.update({"HEROKU_HOST": env.url, "HEROKU_API_KEY": env.token, **extra})
    return run_in_process(list(args), base)


def test_colour_follows_the_terminal_and_no_color(sandbox_for):
    env = sandbox_for(vector_app("fresh-java-basic"))
    piped = run(env, "check", "--app", "java-basic")
    assert piped.code == 1 and "\x1b[" not in piped.out
    forced = run(env, "check", "--app", "java-basic", FORCE_COLOR="1")
    assert "\x1b[" in forced.out  # as on a terminal
    no_color = run(env, "check", "--app", "java-basic", FORCE_COLOR="1", NO_COLOR="1")
    assert "\x1b[" not in no_color.out and "Failed" in no_color.out


def test_json_stdout_is_one_document_and_progress_goes_to_stderr(sandbox_for):
    env = sandbox_for(vector_app("fresh-java-basic"))
    proc = run(env, "setup", "--app", "java-basic", "--json", "--dry-run", FORCE_COLOR="1")
    assert proc.code == 1  # blocked without --size
    doc = json.loads(proc.out)
    assert doc["exit_code"] == 1 and doc["plan"]["next_command"].endswith("--size Standard-1X")
    assert "reading java-basic" in proc.err


def test_no_token_is_a_clear_usage_error(sandbox_for):
    env = sandbox_for(vector_app("fresh-java-basic"))
    proc = run(env, "check", "--app", "java-basic", HEROKU_API_KEY="", HOME=str(env.state_home))
    assert proc.code == 2
    assert "HEROKU_API_KEY" in proc.err and "Traceback" not in proc.err


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
    lines = term.out.splitlines()
    assert lines[0] == "=== java-basic: not ready", term.out
    assert all(len(line) <= 70 for line in lines), term.out
    continued = [line for line in lines if line.startswith(" " * 38) and line.strip()]
    assert continued, term.out  # a message wrapped under its own column
    piped = run(env, "check", "--app", "java-basic", COLUMNS="70")
    assert piped.out.splitlines()[0] == "=== java-basic: not ready"
    assert any(len(line) > 70 for line in piped.out.splitlines()), piped.out
    setup = run(env, "setup", "--app", "java-basic", "--dry-run", "--size", "Standard-1X")
    assert setup.out.startswith("=== Plan for java-basic (JVM app; now: "), setup.out
