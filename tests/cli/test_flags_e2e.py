"""Bad flag values and app selection (issue 8 items 8, 13, 14), against a sandbox.

Every bad value: exit 2, one line naming the flag (or one JSON error document under -j), and not
one request sent. The app is chosen as the Heroku CLI chooses it; an app id is resolved to its
name once, for everything."""

import json
import os
import signal
import subprocess

import cli_schemas as schemas
import jsonschema
import pytest
from cli_helpers import BIN, short_preboot, vector_app

JAVA = "java-gh"  # java-github-url-single-web: JVM, Standard-1X, one web dyno

BAD_VALUES = [
    (["setup", "--app", JAVA, "-m", "abc"], "--min-web"),
    (["setup", "--app", JAVA, "--min-web", "0"], "--min-web"),
    (["setup", "--app", JAVA, "-w", "x"], "--wait"),
    (["setup", "--app", JAVA, "--wait", "-5"], "--wait"),
    (["setup", "--app", JAVA, "--wait=1.5"], "--wait"),
    (["undo", "--app", JAVA, "-w", "soon"], "--wait"),
    (["check", "--app", JAVA, "-c", "0"], "--concurrency"),
    (["check", "--app", JAVA, "-c", "abc"], "--concurrency"),
    (["check", "--app", JAVA, "-c", "33"], "--concurrency"),
    (["setup", "--app", ""], "--app"),
    (["check", "--app", ""], "--app"),
    (["undo", "--app", ""], "--app"),
    (["setup", "--app", "../account"], "--app"),
    (["verify", "--url", "http://127.0.0.1:0/", "--duration", "1s"], "--url"),
    (["verify", "--url", "http://127.0.0.1:99999/", "--duration", "1s"], "--url"),
    (["verify", "--url", "http://127.0.0.1:8/", "--app", ""], "--app"),
]


@pytest.fixture(scope="module")
def shared_java_gh(module_sandbox_for):
    return module_sandbox_for(vector_app("java-github-url-single-web"))


@pytest.fixture
def java_gh(shared_java_gh):
    """java-github-url-single-web on the module's sandbox, its request log cleared: the bad-value
    tests send nothing (each asserts it), so they share one sandbox."""
    shared_java_gh.clear_log()
    return shared_java_gh


@pytest.mark.parametrize(
    "argv,flag", BAD_VALUES, ids=lambda v: " ".join(v) if isinstance(v, list) else v
)
def test_a_bad_value_is_one_line_naming_the_flag(java_gh, argv, flag):
    env = java_gh
    run = env.run(*argv)
    assert run.code == 2, run
    assert "Traceback" not in run.err and flag in run.err.splitlines()[0], run.err
    assert run.out == ""
    assert env.requests() == []


@pytest.mark.parametrize(
    "argv,flag", BAD_VALUES, ids=lambda v: " ".join(v) if isinstance(v, list) else v
)
def test_a_bad_value_under_json_is_one_error_document(java_gh, argv, flag):
    env = java_gh
    run = env.run(*argv, "-j")
    assert run.code == 2, run
    doc = json.loads(run.out)
    jsonschema.validate(doc, schemas.FAILURE)
    assert doc["command"] == argv[0] and flag in doc["error"]["message"], doc
    assert env.requests() == []


def test_picture_into_a_missing_folder_is_an_error_and_no_folder_is_made(sandbox_for, tmp_path):
    env = sandbox_for(vector_app("java-github-url-single-web"))
    target = tmp_path / "no" / "such" / "t.png"
    run = env.run("verify", "--url", env.url + "/", "--duration", "1s", "--picture", str(target))
    assert run.code == 2 and "--picture" in run.err and "does not exist" in run.err, run
    assert not (tmp_path / "no").exists()


def test_an_app_id_is_resolved_to_its_name_for_everything(sandbox_for):
    env = sandbox_for(short_preboot(vector_app("java-github-url-single-web")))
    app_id = env.api(f"/apps/{JAVA}")["id"]
    run = env.run("setup", "--app", app_id, "--yes", "--json")
    assert run.code == 0, run
    assert run.json["app"] == JAVA and f"/{JAVA}/" in run.json["snapshot"]
    config = env.api(f"/apps/{JAVA}/config-vars")
    assert config["ZDD_APP"] == JAVA
    checked = env.run("check", "--app", app_id, "--json")
    assert checked.code == 0 and checked.json["apps"][0]["app"] == JAVA, checked
    undo = env.run("undo", "--app", app_id, "--yes")
    assert undo.code == 0, undo
    assert f"Done: {JAVA} is back" in undo.out
    assert "ZDD_APP" not in env.api(f"/apps/{JAVA}/config-vars")


def git(cwd, *args):
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path):
    path = tmp_path / "repo"
    path.mkdir()
    git(path, "init", "-q")
    git(path, "remote", "add", "heroku", f"https://git.heroku.com/{JAVA}.git")
    git(path, "remote", "add", "staging", "https://git.heroku.com/other-app.git")
    return path


def test_remote_flag_git_config_and_heroku_app_choose_the_app(sandbox_for, repo):
    env = sandbox_for(vector_app("java-github-url-single-web"))
    several = env.run("check", cwd=repo)
    assert several.code == 2 and "Several Heroku git remotes" in several.err, several
    assert "--remote" in several.err and "git config heroku.remote" in several.err
    for argv in (["check", "-r", "heroku"], ["check", "--remote", "heroku"]):
        run = env.run(*argv, cwd=repo)
        assert run.code == 1 and f"{JAVA}: not ready" in run.out, run
    missing = env.run("check", "-r", "nope", cwd=repo)
    assert missing.code == 2 and "'nope'" in missing.err, missing
    git(repo, "config", "heroku.remote", "heroku")
    run = env.run("check", cwd=repo)
    assert run.code == 1 and f"{JAVA}: not ready" in run.out, run
    run = env.run("check", cwd=repo, extra_env={"HEROKU_APP": "other-app"})
    assert run.code == 2 and "other-app" in run.out + run.err  # HEROKU_APP beats the git config
    both = env.run("check", "--app", JAVA, "-r", "heroku", cwd=repo)
    assert both.code == 2 and "--app and --remote" in both.err
    dry = env.run("setup", "-r", "heroku", "--dry-run", cwd=repo)
    assert dry.code == 3 and f"Plan for {JAVA}" in dry.out, dry


def test_verify_takes_a_short_app_flag(sandbox_for):
    env = sandbox_for(vector_app("java-github-url-single-web"))
    run = env.run("verify", "--help")
    assert "-a STRING, --app=STRING" in run.out, run.out


def test_ctrl_c_at_the_prompt_exits_130_with_aborted(sandbox_for):
    """A real prompt on a pty; SIGINT as the terminal sends it on Ctrl-C."""
    from test_confirm_e2e import start_with_tty

    env = sandbox_for(vector_app("java-github-url-single-web"))
    proc, master = start_with_tty(
        env, "setup", "--app", JAVA, "--no-release-check", "-b", env.companion
    )
    try:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        os.close(master)
    assert proc.returncode == 130, (out, err)
    assert b"Aborted" in err and b"Traceback" not in err
    assert env.writes() == []


def test_a_closed_pipe_is_no_traceback(sandbox_for):
    """`zdd check ... | head -1`: the reader is gone before zdd writes."""
    env = sandbox_for(vector_app("java-github-url-single-web"))
    proc = subprocess.Popen(
        [str(BIN / "zdd"), "check", "--app", JAVA],
        env=env.environ(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.wait(timeout=60)
    assert "Traceback" not in err and "BrokenPipe" not in err, err
    assert proc.returncode == 141
