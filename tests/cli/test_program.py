"""The `zdd` program's own command line (issue 8 items 1 and 14): only -h/--help, -V/--version
and completion at top level; Invoke's core flags are usage errors wherever they appear; one
command per run; `python -m zdd`; Ctrl-C and a closed pipe end cleanly."""

import os
import re
import subprocess
import sys

import pytest
from cli_helpers import BIN, REPO, run_in_process, vector_app

INVOKE_CORE = [
    ["--dry", "setup", "--app", "java-basic", "--yes"],
    ["-R", "setup", "--app", "java-basic", "--yes"],
    ["-d", "--app", "java-basic", "--yes"],
    ["-p", "setup", "--app", "java-basic"],
    ["-w", "setup", "--app", "java-basic"],
    ["-e", "check", "--app", "java-basic"],
    ["-T", "5", "check", "--app", "java-basic"],
    ["-f", "x.yaml", "check", "--app", "java-basic"],
    ["--hide", "both", "check", "--app", "java-basic"],
    ["--prompt-for-sudo-password", "check", "--app", "java-basic"],
    ["--write-pyc", "check", "--app", "java-basic"],
    ["--list"],
    ["setup", "--app", "java-basic", "--yes", "--dry"],
    ["setup", "--app", "java-basic", "--yes", "-R"],
    ["check", "--app", "java-basic", "--echo"],
    ["setup", "-d", "setup", "--app", "java-basic", "--yes"],  # two commands
]


@pytest.fixture(scope="module")
def shared_java_basic(module_sandbox_for):
    return module_sandbox_for(vector_app("fresh-java-basic"))


@pytest.fixture
def java_basic(shared_java_basic):
    """fresh-java-basic on the module's sandbox, its request log cleared: the usage-error tests
    change nothing (each asserts it), so they share one sandbox."""
    shared_java_basic.clear_log()
    return shared_java_basic


@pytest.mark.parametrize("argv", INVOKE_CORE, ids=" ".join)
def test_invoke_core_flags_are_usage_errors_and_change_nothing(java_basic, argv):
    env = java_basic
    before = env.app_state("java-basic")
    run = env.run(*argv)
    assert run.code == 2, run
    assert "Traceback" not in run.err and "--help`" in run.err  # zdd's or the command's help
    assert env.writes() == [] and env.app_state("java-basic") == before


def test_a_leading_setup_flag_still_runs_setup(sandbox_for):
    env = sandbox_for(vector_app("fresh-java-basic"))
    run = env.run("--app", "java-basic", "--dry-run", "--size", "Standard-1X", "-b", env.companion)
    assert run.code == 3, run
    assert "Plan for java-basic" in run.out and env.writes() == []


def test_an_app_name_as_a_word_suggests_the_flag(sandbox_for):
    env = sandbox_for(vector_app("fresh-java-basic"))
    run = env.run("check", "java-basic")
    assert run.code == 2 and "zdd check --app java-basic" in run.err, run
    run = env.run("java-basic")
    assert run.code == 2 and "zdd --app java-basic" in run.err, run


def test_help_shows_only_zdds_own_options_and_the_commands(sandbox_for):
    env = sandbox_for(vector_app("fresh-java-basic"))
    top = env.run("--help")
    assert top.code == 0, top
    assert "--version" in top.out and "setup" in top.out and "check" in top.out
    for invoke_flag in ("--dry", "--echo", "--pty", "--warn-only", "--hide", "--debug"):
        assert invoke_flag not in top.out
    for command in ("setup", "check", "undo", "verify"):
        helped = env.run(command, "--help")
        assert helped.code == 0, helped
        assert helped.out.startswith(f"Usage: zdd {command} [--options]\n"), helped.out
        assert "core-opts" not in helped.out and "other tasks" not in helped.out


def test_version_is_one_parsable_line():
    """The Heroku CLI plugin reads this line: `zdd <version>` (from the console script)."""
    from zdd import __version__

    proc = subprocess.run(
        [str(BIN / "zdd"), "--version"], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0 and proc.stdout == f"zdd {__version__}\n", proc
    assert re.fullmatch(r"zdd \d+\.\d+\.\d+\S*\n", proc.stdout)
    short = run_in_process(["-V"], dict(os.environ))
    assert short.code == 0 and short.out == proc.stdout, short


def test_python_dash_m_zdd_is_the_same_program():
    """zdd's own refusal of an Invoke core flag: only zdd's Program says this."""
    proc = subprocess.run(
        [sys.executable, "-m", "zdd", "--dry", "check"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2 and "--dry is not a zdd option" in proc.stderr, proc


NO_VALUE = [
    (["check", "--app", "java-basic", "--app"], "zdd check: --app needs a value (an app name)"),
    (["undo", "--app", "java-basic", "--app"], "zdd undo: --app needs a value (an app name)"),
    (["setup", "--app", "java-basic", "--dry-run", "--app"], "zdd setup: --app needs a value"),
    (["check", "--app"], "zdd check: --app needs a value (an app name)"),
    (["setup", "--app"], "zdd setup: --app needs a value (an app name)"),
    (["verify", "--url"], "zdd verify: --url needs a value (a URL)"),
    (["buildpack", "-o"], "zdd buildpack: --out needs a value (a folder)"),
    (["check", "--app", "java-basic", "-c", "--all"], "zdd check: --concurrency needs a value"),
    (["--print-completion-script"], "zdd: --print-completion-script needs a value"),
    (["setup", "--app", "java-basic", "--app", "other", "--dry-run"], "setup takes one --app"),
    (["setup", "--bogus"], "zdd setup: unknown flag --bogus (see `zdd setup --help`)"),
    (["setup", "--dry", "--app", "java-basic"], "setup's dry run is --dry-run"),
    # after the command, an Invoke core flag is that command's unknown flag (check has no -d)
    (["check", "--app", "java-basic", "-d"], "zdd check: unknown flag -d (see `zdd check --help`)"),
    (["check", "--app", "java-basic", "--dry"], "zdd check: unknown flag --dry (see"),
    (
        ["setup", "--app", "java-basic", "--min-web", "abc"],
        "zdd setup: --min-web: expected a whole number >= 1, got 'abc' (see `zdd setup --help`)",
    ),
    (["chek"], "did you mean `zdd check`?"),
    (["-V", "extra"], "-V/--version takes nothing after it"),
]


@pytest.mark.parametrize(
    ("argv", "says"), NO_VALUE, ids=lambda v: " ".join(v) if isinstance(v, list) else ""
)
def test_a_flag_without_its_value_or_unknown_is_one_line_exit_2(java_basic, argv, says):
    """A value flag last on the line is not dropped (even when given before, or $HEROKU_APP is
    set); Invoke's own wording never shows; nothing is sent."""
    env = java_basic
    run = env.run(*argv, extra_env={"HEROKU_APP": "java-basic"})
    assert run.code == 2, run
    assert says in run.err and len(run.err.strip().splitlines()) == 1, run.err
    assert "Argument:" not in run.err and "No idea" not in run.err and "Traceback" not in run.err
    assert env.writes() == [] and run.out == ""


def test_help_texts_say_what_zdd_means(sandbox_for, tmp_path):
    env = sandbox_for(vector_app("fresh-java-basic"))
    top = env.run("--help")
    assert "parse remainder" not in top.out and "[=STRING]" not in top.out, top.out
    assert "1: a step is blocked" in " ".join(env.run("setup", "--help").out.split())
    afile = tmp_path / "afile"
    afile.write_text("")
    run = env.run("buildpack", "--out", str(afile))
    assert run.code == 2 and "not a folder" in run.err and "mkdir" not in run.err, run
