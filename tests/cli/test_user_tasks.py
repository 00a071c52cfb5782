"""The README's line for a user's own tasks.py gives `invoke zdd` next to their tasks."""

import runpy
import subprocess

from cli_helpers import BIN, vector_app

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
