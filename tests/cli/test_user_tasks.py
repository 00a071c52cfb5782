"""The README's line for a user's own tasks.py gives `invoke zdd` next to their tasks."""

import runpy
import subprocess

import pytest
from cli_helpers import BIN, run_in_process, vector_app
from invoke import Program

from zdd.tasks import with_zdd

USER_TASKS = '''from invoke import task


@task
def deploy(c):
    """The user's own task."""


from zdd.tasks import with_zdd; ns = with_zdd(globals())  # noqa: E402
'''


def test_invoke_zdd_from_a_users_tasks_py(sandbox_for, tmp_path):
    """One real `invoke` run: the user's own task, then `invoke zdd` (setup), from their tasks.py;
    the collection it loads lists both (read in process, as `invoke --list` reads it)."""
    repo = tmp_path / "user-app"
    repo.mkdir()
    (repo / "tasks.py").write_text(USER_TASKS)
    ns = runpy.run_path(str(repo / "tasks.py"))["ns"]
    assert {"deploy", "zdd.setup", "zdd.check", "zdd.undo"} <= set(ns.task_names)
    assert ns.collections["zdd"].default == "setup"
    env = sandbox_for(vector_app("configured-java"))
    run = subprocess.run(
        [str(BIN / "invoke"), "deploy", "zdd", "--app", "java-done", "--yes", "-b", env.companion],
        cwd=repo,
        env=env.environ(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run
    assert "Everything is in place on java-done" in run.stdout


def test_the_app_comes_from_the_repos_heroku_remote(sandbox_for, tmp_path):
    repo = tmp_path / "checkout"
    repo.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    subprocess.run(
        ["git", "remote", "add", "heroku", "https://git.heroku.com/java-done.git"],
        cwd=repo,
        check=True,
    )
    env = sandbox_for(vector_app("configured-java"), vector_app("fresh-java-basic"))
    run = env.run("check", cwd=repo)
    assert run.code == 0, run
    assert run.out.startswith("=== java-done: ready")


def invoke_program() -> Program:
    """Invoke's own program over a user's tasks.py with zdd's collection (what `invoke` runs)."""
    return Program(namespace=with_zdd({}), binary="invoke")


@pytest.mark.parametrize(
    "argv",
    [
        ["zdd", "--app", "java-basic", "--size", "Standard-1X", "--yes", "--dry"],
        ["-R", "zdd.setup", "--app", "java-basic", "--size", "Standard-1X", "--yes"],
        ["zdd.check", "--app", "java-basic", "--dry"],
    ],
    ids=["setup --dry", "-R setup", "check --dry"],
)
def test_invokes_dry_run_mode_is_refused_not_applied(sandbox_for, argv):
    """Invoke's --dry only stops c.run; zdd writes through the API, so under it setup applied
    everything while the user believed it a dry run. Now: one line, exit 2, nothing written."""
    env = sandbox_for(vector_app("fresh-java-basic"))
    run = run_in_process([*argv, "-b", env.companion], env.environ(), program=invoke_program())
    assert run.code == 2, run
    assert "Invoke's dry-run mode is on" in run.err and len(run.err.strip().splitlines()) == 1
    assert env.writes() == [] and run.out == ""


def test_a_list_flag_without_its_value_never_falls_back_to_heroku_app(sandbox_for):
    env = sandbox_for(vector_app("configured-java"))
    environ = {**env.environ(), "HEROKU_APP": "java-done"}
    run = run_in_process(["zdd.check", "--app"], environ, program=invoke_program())
    assert run.code == 1 and "needed value" in run.err, run  # Invoke's own words and exit code
    assert "java-done" not in run.out and env.requests() == []


@pytest.mark.parametrize(
    ("argv", "flags"),
    [
        (["zdd.check", "--app", "java-basic", "--echo"], "--echo only changes"),
        (["-w", "--hide", "both", "zdd.check", "--app", "java-basic"], "--hide, --warn-only only"),
    ],
    ids=["echo", "warn-hide"],
)
def test_invokes_run_only_flags_are_refused_not_ignored(sandbox_for, argv, flags):
    """A flag zdd does not know is an error, never silently nothing: these only set how c.run
    runs commands. From an Invoke config file they stay allowed (a user's own preference)."""
    env = sandbox_for(vector_app("fresh-java-basic"))
    run = run_in_process(argv, env.environ(), program=invoke_program())
    assert run.code == 2 and flags in run.err and len(run.err.strip().splitlines()) == 1, run
    assert env.requests() == [] and run.out == ""


def test_run_settings_from_an_invoke_config_file_are_left_to_the_user(sandbox_for, tmp_path):
    env = sandbox_for(vector_app("configured-java"))
    config = tmp_path / "invoke.yaml"
    config.write_text("run:\n  echo: true\n  warn: true\n")
    run = run_in_process(
        ["-f", str(config), "zdd.check", "--app", "java-done"],
        env.environ(),
        program=invoke_program(),
    )
    assert run.code == 0 and "java-done: ready" in run.out, run
