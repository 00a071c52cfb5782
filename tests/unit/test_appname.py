"""App name resolution: --app, HEROKU_APP, then git remotes of a real repo made in tmp_path."""

import subprocess

import pytest

from zdd.appname import app_from_url, app_name, is_app_id, resolve_app
from zdd.errors import ConfigError, UsageError


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


def test_several_remotes_and_none_chosen_is_an_error_as_in_the_heroku_cli(repo):
    """0.1 picked the remote named `heroku`; the Heroku CLI refuses to guess, and so does zdd."""
    git(repo, "remote", "add", "staging", "https://git.heroku.com/app-staging.git")
    git(repo, "remote", "add", "heroku", "https://git.heroku.com/app-prod.git")
    git(repo, "remote", "add", "origin", "https://github.com/me/app.git")
    with pytest.raises(ConfigError, match="Several Heroku git remotes") as e:
        resolve_app(None, {}, repo)
    assert "--remote" in e.value.remedy and "git config heroku.remote" in e.value.remedy
    assert resolve_app(None, {}, repo, remote="staging") == "app-staging"
    git(repo, "config", "heroku.remote", "heroku")
    assert resolve_app(None, {}, repo) == "app-prod"
    assert resolve_app(None, {"HEROKU_APP": "env-app"}, repo) == "env-app"
    assert resolve_app(None, {"HEROKU_APP": "env-app"}, repo, remote="staging") == "app-staging"
    with pytest.raises(ConfigError, match="'nope'"):
        resolve_app(None, {}, repo, remote="nope")
    git(repo, "config", "heroku.remote", "gone")
    with pytest.raises(ConfigError, match="git config heroku.remote"):
        resolve_app(None, {}, repo)


def test_an_empty_or_malformed_app_is_a_usage_error_not_the_git_remote(repo):
    git(repo, "remote", "add", "heroku", "https://git.heroku.com/from-remote.git")
    for bad in ("", " ", "../account", "a/b", "my app"):
        with pytest.raises(UsageError, match="--app"):
            resolve_app(bad, {}, repo)
    with pytest.raises(UsageError, match="--app and --remote"):
        resolve_app("x", {}, repo, remote="heroku")
    with pytest.raises(UsageError, match="HEROKU_APP"):
        resolve_app(None, {"HEROKU_APP": "a b"}, repo)


def test_an_app_id_is_resolved_to_its_name_with_one_read():
    class Client:
        calls: list[str] = []

        def app_info(self, app):
            self.calls.append(app)
            return type("App", (), {"name": "my-app"})()

    client = Client()
    uuid = "01234567-89ab-cdef-0123-456789abcdef"
    assert is_app_id(uuid) and not is_app_id("my-app")
    assert app_name(client, uuid) == "my-app" and app_name(client, "other") == "other"
    assert client.calls == [uuid]


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
