"""App name resolution: --app, HEROKU_APP, then git remotes of a real repo made in tmp_path."""

import subprocess

import pytest

from zdd.appname import app_from_url, resolve_app
from zdd.errors import ConfigError


def git(cwd, *args):
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path):
    git(tmp_path, "init", "-q")
    return tmp_path


@pytest.mark.parametrize(
    "url,app",
    [
        ("https://git.heroku.com/my-app.git", "my-app"),
        ("https://git.heroku.com/my-app", "my-app"),
        ("git@heroku.com:my-app.git", "my-app"),
        ("ssh://git@heroku.com/my-app.git", "my-app"),
        ("https://github.com/me/my-app.git", None),
        ("https://git.heroku.com.evil.example/my-app.git", None),
    ],
)
def test_app_from_url(url, app):
    assert app_from_url(url) == app


def test_flag_wins_over_env_and_remote(repo):
    git(repo, "remote", "add", "heroku", "https://git.heroku.com/from-remote.git")
    assert resolve_app("flag-app", {"HEROKU_APP": "env-app"}, repo) == "flag-app"
    assert resolve_app(None, {"HEROKU_APP": "env-app"}, repo) == "env-app"
    assert resolve_app(None, {}, repo) == "from-remote"


def test_heroku_remote_is_preferred_among_several(repo):
    git(repo, "remote", "add", "staging", "https://git.heroku.com/app-staging.git")
    git(repo, "remote", "add", "heroku", "https://git.heroku.com/app-prod.git")
    git(repo, "remote", "add", "origin", "https://github.com/me/app.git")
    assert resolve_app(None, {}, repo) == "app-prod"


def test_single_non_heroku_named_remote_is_used(repo):
    git(repo, "remote", "add", "prod", "git@heroku.com:only-one.git")
    assert resolve_app(None, {}, repo) == "only-one"


def test_several_candidates_is_a_clear_error(repo):
    git(repo, "remote", "add", "staging", "https://git.heroku.com/app-staging.git")
    git(repo, "remote", "add", "prod", "https://git.heroku.com/app-prod.git")
    with pytest.raises(ConfigError, match="prod \\(app-prod\\), staging \\(app-staging\\)") as e:
        resolve_app(None, {}, repo)
    assert "--app" in e.value.remedy


def test_no_candidate_is_a_clear_error(repo, tmp_path):
    git(repo, "remote", "add", "origin", "https://github.com/me/app.git")
    with pytest.raises(ConfigError, match="no Heroku git remote"):
        resolve_app(None, {}, repo)
    with pytest.raises(ConfigError):
        resolve_app(None, {}, tmp_path / "..")  # not a repo at all
