"""The token chain: HEROKU_API_KEY > netrc (NETRC) > `heroku auth:token` > one clear error."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from zdd.errors import ConfigError
from zdd.heroku import HerokuClient
from zdd.heroku.auth import resolve_token

TOKEN = "tok-SECRET-4f1c9e2a-do-not-leak"


def fake_heroku(bin_dir: Path, script_body: str) -> Path:
    """Write an executable `heroku` bash script into bin_dir."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    exe = bin_dir / "heroku"
    exe.write_text("#!/bin/bash\n" + script_body + "\n")
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return exe


def write_netrc(path: Path, machine: str, password: str) -> Path:
    path.write_text(f"machine {machine}\n  login dev@example.com\n  password {password}\n")
    path.chmod(0o600)
    return path


def test_env_key_wins_over_netrc_and_cli(tmp_path):
    netrc = write_netrc(tmp_path / "netrc", "api.heroku.com", "from-netrc")
    fake_heroku(tmp_path / "bin", "echo from-cli")
    env = {"HEROKU_API_KEY": TOKEN, "NETRC": str(netrc), "PATH": str(tmp_path / "bin")}
    creds = resolve_token(env)
    assert creds.token == TOKEN
    assert creds.source == "HEROKU_API_KEY"
    assert TOKEN not in repr(creds)


def test_netrc_via_NETRC_env(tmp_path):
    netrc = write_netrc(tmp_path / "my netrc", "api.heroku.com", TOKEN)
    creds = resolve_token({"NETRC": str(netrc), "PATH": ""})
    assert creds.token == TOKEN
    assert creds.source == f"netrc ({netrc})"


def test_default_netrc_in_home_is_shown_with_tilde(tmp_path):
    home = tmp_path / "h"
    home.mkdir()
    write_netrc(home / ".netrc", "api.heroku.com", TOKEN)
    creds = resolve_token({"HOME": str(home), "PATH": ""})
    assert (creds.token, creds.source) == (TOKEN, "netrc (~/.netrc)")


def test_netrc_entry_for_another_machine_is_ignored(tmp_path):
    netrc = write_netrc(tmp_path / "netrc", "git.heroku.com", TOKEN)
    with pytest.raises(ConfigError) as err:
        resolve_token({"NETRC": str(netrc), "PATH": str(tmp_path / "empty")})
    assert "no `machine api.heroku.com` entry" in err.value.message
    assert TOKEN not in str(err.value)


def test_netrc_machine_follows_HEROKU_HOST(tmp_path, monkeypatch):
    netrc = tmp_path / "netrc"
    netrc.write_text(
        "machine api.heroku.com password wrong-one\n"
        f"machine 127.0.0.1 login x password {TOKEN}\n"
        "machine api.example.com password example-token\n"
    )
    monkeypatch.setenv("NETRC", str(netrc))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setenv("HEROKU_HOST", "http://127.0.0.1:5000")
    client = HerokuClient.from_env()
    assert client.base_url == "http://127.0.0.1:5000"
    assert client._transport._token == TOKEN
    monkeypatch.setenv("HEROKU_HOST", "example.com")
    client = HerokuClient.from_env()
    assert client.base_url == "https://api.example.com"
    assert client._transport._token == "example-token"


def test_malformed_netrc_is_a_config_error_without_its_content(tmp_path):
    netrc = tmp_path / "netrc"
    netrc.write_text(f"machine api.heroku.com password {TOKEN} bogus-keyword-{TOKEN}\n")
    with pytest.raises(ConfigError) as err:
        resolve_token({"NETRC": str(netrc), "PATH": ""})
    assert str(netrc) in err.value.message
    assert TOKEN not in str(err.value)


def test_heroku_cli_stdout_is_the_token_and_stderr_is_ignored(tmp_path):
    fake_heroku(
        tmp_path / "bin",
        '[ "$1" = auth:token ] || exit 9\n'
        'echo " ›   Warning: token will expire 2027-01-01" >&2\n'
        f"echo {TOKEN}",
    )
    creds = resolve_token({"PATH": str(tmp_path / "bin"), "HOME": str(tmp_path)})
    assert creds.token == TOKEN
    assert creds.source == "heroku auth:token"


def test_heroku_cli_failure_is_reported_in_the_none_found_error(tmp_path):
    fake_heroku(tmp_path / "bin", 'echo " ›   Error: not logged in" >&2; exit 100')
    with pytest.raises(ConfigError) as err:
        resolve_token({"PATH": str(tmp_path / "bin"), "HOME": str(tmp_path)})
    assert "`heroku auth:token` exited 100: ›   Error: not logged in" in err.value.message


def test_heroku_cli_that_hangs_is_cut_off(tmp_path, monkeypatch):
    monkeypatch.setattr("zdd.heroku.auth.AUTH_TOKEN_TIMEOUT", 0.3)
    fake_heroku(tmp_path / "bin", "exec /bin/sleep 5")
    with pytest.raises(ConfigError) as err:
        resolve_token({"PATH": str(tmp_path / "bin"), "HOME": str(tmp_path)})
    assert "did not answer within 0.3s" in err.value.message


def test_none_found_names_all_three_ways(tmp_path):
    with pytest.raises(ConfigError) as err:
        resolve_token({"PATH": str(tmp_path / "nothing"), "HOME": str(tmp_path)})
    text = str(err.value)
    assert "No Heroku API token found" in text
    assert "heroku login" in text
    assert "export HEROKU_API_KEY=$(heroku auth:token)" in text
    assert "machine api.heroku.com login <email> password <token>" in text
    assert "no `heroku` executable on PATH" in text


def test_empty_HEROKU_API_KEY_is_treated_as_unset(tmp_path):
    netrc = write_netrc(tmp_path / "netrc", "api.heroku.com", TOKEN)
    creds = resolve_token({"HEROKU_API_KEY": "  ", "NETRC": str(netrc), "PATH": ""})
    assert creds.source.startswith("netrc")


def test_an_empty_HEROKU_API_KEY_is_called_empty_not_unset(tmp_path):
    env = {"PATH": str(tmp_path / "nothing"), "HOME": str(tmp_path)}
    with pytest.raises(ConfigError) as unset:
        resolve_token(env)
    with pytest.raises(ConfigError) as empty:
        resolve_token({**env, "HEROKU_API_KEY": ""})
    assert "HEROKU_API_KEY is not set" in str(unset.value)
    assert "HEROKU_API_KEY is empty" in str(empty.value)


def test_from_env_records_source_never_token(monkeypatch):
    monkeypatch.setenv("HEROKU_API_KEY", TOKEN)
    client = HerokuClient.from_env()
    assert client.token_source == "HEROKU_API_KEY"
    assert TOKEN not in repr(client)
    assert TOKEN not in repr(client._transport)
    assert client.base_url == "https://api.heroku.com"


def test_clean_environ_really_hides_the_machine_token():
    # Guards the other tests: the autouse fixture must have removed any real key.
    assert "HEROKU_API_KEY" not in os.environ
