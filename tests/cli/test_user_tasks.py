"""The README's line for a user's own tasks.py gives `invoke zdd` next to their tasks."""

from cli_helpers import vector_app

USER_TASKS = '''from invoke import task


@task
def deploy(c):
    """The user's own task."""


from zdd.tasks import with_zdd; ns = with_zdd(globals())  # noqa: E402
'''


def test_invoke_zdd_from_a_users_tasks_py(sandbox_for, tmp_path):
    repo = tmp_path / "user-app"
    repo.mkdir()
    (repo / "tasks.py").write_text(USER_TASKS)
    env = sandbox_for(vector_app("configured-java"))
    listed = env.run("--list", invoke=True, cwd=repo)
    assert listed.code == 0, listed
    assert "deploy" in listed.out and "zdd.setup (zdd)" in listed.out and "zdd.check" in listed.out
    run = env.run("--app", "java-done", "--yes", invoke=True, cwd=repo)
    assert run.code == 0, run
    assert "Everything is in place on java-done" in run.out


def test_the_app_comes_from_the_repos_heroku_remote(sandbox_for, tmp_path):
    import subprocess

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
