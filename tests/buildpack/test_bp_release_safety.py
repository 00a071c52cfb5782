"""The release check under hostile conditions, in real bash against the sandbox over loopback:
shell tracing on, a broken runtime (a program missing, no writable temp dir), bodies of the wrong
shape or size, odd HEROKU_HOST authorities and tokens. Every such path prints one
`zdd: check skipped: ...` line on stdout, nothing on stderr, exits 0 (strict mode too), writes
nothing outside its own temp dir and never shows the token.
"""

from __future__ import annotations

import http.server
import os
import re
import shutil
import subprocess
import time
from contextlib import ExitStack
from pathlib import Path

import pytest
from bp_harness import (
    BUILD_FINDING,
    Build,
    api_requests,
    capture,
    clear_sandbox,
    creds,
    fault,
    one_skip_line,
    run_check,
    scrubbed_env,
    strip_ansi,
)
from loopback_http import server_url, serving

DATA = Path(__file__).resolve().parent / "data" / "heroku-24-run-programs.txt"
FINDING = re.compile(r"^zdd: [a-z_.]+ (passed|failed|skipped): ")


def finding_lines(stdout: str) -> list[str]:
    """The API check's finding lines (a build finding repeated from the slug left out)."""
    return [
        line
        for line in stdout.splitlines()
        if FINDING.match(line) and not BUILD_FINDING.match(line)
    ]


def tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


# --- tracing never shows the token ----------------------------------------------------------------


@pytest.mark.parametrize("how", ["SHELLOPTS", "BASH_ENV", "both"])
@pytest.mark.parametrize("program", ["bin/release-check", "lib/release_check.sh"])
def test_tracing_on_never_shows_the_token(fresh_slug, bp_sandbox, tmp_path, how, program):
    """`SHELLOPTS=xtrace` (a config var bash reads at start) or a `set -x` sourced through
    BASH_ENV: the check turns tracing off before it reads the token, in the library too."""
    token = bp_sandbox.platform.global_token
    trace_on = tmp_path / "trace-on.sh"
    trace_on.write_text("set -x\n")
    extra = {}
    if how in ("SHELLOPTS", "both"):
        extra["SHELLOPTS"] = "xtrace"
    if how in ("BASH_ENV", "both"):
        extra["BASH_ENV"] = str(trace_on)
    env = scrubbed_env(fresh_slug, DYNO="release.7", **creds(bp_sandbox), **extra)
    script = fresh_slug / ".zdd" / program
    result = capture(["bash", str(script)], env=env, cwd=fresh_slug)
    assert len(finding_lines(result.stdout)) == 5, result.output
    assert "+ " in result.stderr  # tracing really was on when the script started
    assert token not in result.output
    assert token[5:15] not in result.output


def test_build_time_tracing_never_shows_the_token(tmp_path, bp_sandbox):
    token = bp_sandbox.platform.global_token
    build = Build(tmp_path, "maven-procfile", {**creds(bp_sandbox), "BUILDPACK_XTRACE": "1"})
    result = build.compile()
    assert result.returncode == 0, result.output
    assert "+ " in result.stderr  # bin/compile itself is traced, as BUILDPACK_XTRACE asks
    assert "zdd: preboot.enabled failed" in strip_ansi(result.stderr)
    assert token not in result.output


def test_the_token_is_never_on_a_command_line(fresh_slug, bp_sandbox, clear_faults, tmp_path):
    """Watch /proc while the reads hang: curl runs, and no process's argv holds the token."""
    token = bp_sandbox.platform.global_token
    fault(bp_sandbox, kind="latency", seconds=1.5, route="*", count=3)
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    env = scrubbed_env(fresh_slug, DYNO="release.7", TMPDIR=str(tmpdir), **creds(bp_sandbox))
    proc = subprocess.Popen(
        [str(fresh_slug / ".zdd" / "bin" / "release-check")],
        cwd=fresh_slug,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    curls, leaks, header_files = set(), set(), set()
    while proc.poll() is None:
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                argv = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if argv and argv[0].endswith(b"curl") and bp_sandbox.url.encode() in b" ".join(argv):
                curls.add(entry.name)
            if any(token.encode() in arg for arg in argv):
                leaks.add(entry.name)
        try:
            header_files |= {str(p) for p in tmpdir.rglob("auth")}
        except FileNotFoundError:  # the check removed its temp dir while we walked it
            pass
        time.sleep(0.01)
    stdout, stderr = proc.communicate()
    assert len(curls) >= 3, "no curl seen: the test did not watch the reads"
    assert leaks == set()
    assert token not in stdout + stderr
    assert len(finding_lines(stdout)) == 5, stdout
    assert header_files  # the header came from a file in the check's own temp dir ...
    assert list(tmpdir.iterdir()) == []  # ... removed with it
    for path in header_files:
        assert not Path(path).exists()


# --- a broken runtime -----------------------------------------------------------------------------


def run_image_path(tmp_path: Path, without: str) -> str:
    """A PATH with the heroku-24 run image's programs (those this machine has) minus one."""
    names = {
        line.strip()
        for line in DATA.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    bin_dir = tmp_path / f"bin-without-{without}"
    bin_dir.mkdir()
    for name in sorted(names - {without}):
        found = shutil.which(name)
        if found:
            (bin_dir / name).symlink_to(found)
    return str(bin_dir)


@pytest.mark.parametrize(
    ("missing", "words"),
    [
        ("curl", "curl is not installed"),
        ("jq", "jq is not installed"),
        ("mktemp", "mktemp is not installed"),
        ("timeout", "timeout is not installed"),
    ],
)
@pytest.mark.parametrize("strict", ["", "1"])
def test_a_missing_program_is_one_skip_line_naming_it(
    fresh_slug, bp_sandbox, tmp_path, missing, words, strict
):
    path = run_image_path(tmp_path, missing)
    root_before, slug_before = set(os.listdir("/")), tree(fresh_slug)
    config = creds(bp_sandbox, ZDD_STRICT=strict)
    line = one_skip_line(run_check(fresh_slug, path=path, **config))
    assert words in line
    assert "could not reach" not in line and "API" not in line.split("(fix:")[0]
    assert set(os.listdir("/")) == root_before
    assert tree(fresh_slug) == slug_before


@pytest.mark.parametrize("where", ["missing-dir", "a-file"])
@pytest.mark.parametrize("strict", ["", "1"])
def test_no_writable_temp_dir_is_one_skip_line(fresh_slug, bp_sandbox, tmp_path, where, strict):
    target = tmp_path / "no-such-dir" / "tmp"
    if where == "a-file":
        target = tmp_path / "a-file"
        target.write_text("")
    root_before, slug_before = set(os.listdir("/")), tree(fresh_slug)
    result = run_check(fresh_slug, TMPDIR=str(target), **creds(bp_sandbox, ZDD_STRICT=strict))
    assert "temp directory" in one_skip_line(result)
    assert set(os.listdir("/")) == root_before
    assert tree(fresh_slug) == slug_before


def test_a_normal_run_writes_only_into_its_temp_dir(fresh_slug, bp_sandbox, tmp_path):
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    slug_before = tree(fresh_slug)
    result = run_check(fresh_slug, cwd=cwd, TMPDIR=str(tmpdir), **creds(bp_sandbox))
    assert len(finding_lines(result.stdout)) == 5 and result.stderr == ""
    assert tree(fresh_slug) == slug_before
    assert list(cwd.iterdir()) == [] and list(tmpdir.iterdir()) == []


# --- bodies: wrong shape, too big -----------------------------------------------------------------


class _Body(http.server.BaseHTTPRequestHandler):
    """Answers every GET with `body` (with or without a Content-Length)."""

    body = b"[]"
    with_length = True
    protocol_version = "HTTP/1.0"

    def do_GET(self):  # noqa: N802 (http.server's name)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        if self.with_length:
            self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        try:
            self.wfile.write(self.body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, *args):
        pass


@pytest.fixture
def body_server():
    with ExitStack() as servers:

        def start(body: bytes, with_length: bool = True) -> str:
            handler = type("Body", (_Body,), {"body": body, "with_length": with_length})
            return server_url(servers.enter_context(serving(handler)))

        yield start


def big_json(kilobytes: int) -> bytes:
    item = b'{"name": "preboot", "enabled": true, "description": "' + b"x" * 200 + b'"}'
    count = kilobytes * 1024 // (len(item) + 1)
    return b"[" + b",".join([item] * count) + b"]"


@pytest.mark.parametrize("with_length", [True, False], ids=["content-length", "no-length"])
def test_an_11_mb_answer_is_refused_quickly(fresh_slug, body_server, tmp_path, with_length):
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    url = body_server(big_json(11 * 1024), with_length)
    config = {"HEROKU_HOST": url, "ZDD_API_TOKEN": "t0ken-big", "ZDD_APP": "zdd-demo"}
    result = run_check(fresh_slug, TMPDIR=str(tmpdir), ZDD_STRICT="1", **config)
    assert "over 1024 kB" in one_skip_line(result)
    assert result.seconds < 5
    assert list(tmpdir.iterdir()) == []


def test_a_body_just_under_the_bound_is_read(fresh_slug, body_server):
    body = big_json(1000)
    config = {"HEROKU_HOST": body_server(body), "ZDD_API_TOKEN": "t0ken-ok", "ZDD_APP": "zdd-demo"}
    result = run_check(fresh_slug, **config)
    # a features list of that size is a valid body: the formation ([]: the same body) is not
    assert "over 1024 kB" not in result.stdout
    assert "unexpected shape" in one_skip_line(result)


@pytest.mark.parametrize("body", [b"[1,2,3]", b'{"id": "x"}', b'"text"', b"null"])
def test_a_wrong_shape_is_skipped_not_judged_even_when_strict(fresh_slug, body_server, body):
    config = {"HEROKU_HOST": body_server(body), "ZDD_API_TOKEN": "t0ken-x", "ZDD_APP": "zdd-demo"}
    line = one_skip_line(run_check(fresh_slug, ZDD_STRICT="1", **config))
    assert "unexpected shape" in line and "failed" not in line


def test_the_whole_check_stays_within_15_seconds(fresh_slug, clear_faults):
    """A huge ZDD_CHECK_TIMEOUT is capped (5 s per read), and the reads run at once."""
    sandbox = clear_faults
    fault(sandbox, kind="latency", seconds=30, route="*", count=6)
    result = run_check(fresh_slug, **creds(sandbox, ZDD_CHECK_TIMEOUT="999", ZDD_STRICT="1"))
    assert "timeout" in one_skip_line(result)
    assert result.seconds < 15


# --- HEROKU_HOST and the token, as zdd's Python client judges them --------------------------------


@pytest.mark.parametrize(
    "host",
    ["http://user@127.0.0.1:{port}", "http://@127.0.0.1:{port}", "http://u:p@localhost:{port}"],
)
def test_user_info_in_heroku_host_is_refused_as_python_does(fresh_slug, bp_sandbox, host):
    from zdd.errors import ConfigError
    from zdd.heroku.transport import api_base_url, check_token_transport

    url = host.format(port=bp_sandbox.url.rsplit(":", 1)[1])
    with pytest.raises(ConfigError):
        check_token_transport(api_base_url({"HEROKU_HOST": url}))
    clear_sandbox(bp_sandbox, "requests")
    line = one_skip_line(run_check(fresh_slug, **creds(bp_sandbox, HEROKU_HOST=url)))
    assert "user info" in line
    assert api_requests(bp_sandbox) == []


URLS = [
    "https://api.heroku.com",
    "http://127.0.0.1:5000",
    "http://[::1]:5000/",
    "http://user@127.0.0.1:5000",
    "https://user@api.heroku.com",
    "http://@127.0.0.1",
    "http://127.0.0.1:5000/path@x",
    "http://127.0.0.1:5000?q=a@b",
    "https://api.heroku.com\\@x",
    "http://evil.example\\@127.0.0.1",
    "http://evil.example#@127.0.0.1",
    "http://10.0.0.1",
]


@pytest.mark.parametrize("url", URLS)
def test_the_token_goes_where_python_sends_it(tmp_path, url):
    from bp_harness import BUILDPACK

    from zdd.errors import ConfigError
    from zdd.heroku.transport import check_token_transport

    try:
        check_token_transport(url)
        python = True
    except ConfigError:
        python = False
    script = (
        f'source "{BUILDPACK}/lib/api.sh"; '
        'api::plain_authority "$1" && api::token_allowed "$1" && echo yes || echo no'
    )
    result = capture(["bash", "-c", script, "_", url], env=scrubbed_env(tmp_path))
    assert result.stdout.strip() == ("yes" if python else "no")


@pytest.mark.parametrize(
    "token",
    ["HRKU-abc\r\nX-Injected: 1", "abc def", "\u201cHRKU-abc\u201d", "HRKU-abc\n"],
    ids=["crlf", "space", "smart-quotes", "trailing-newline"],
)
def test_a_token_that_is_no_token_is_refused_before_any_request(fresh_slug, bp_sandbox, token):
    clear_sandbox(bp_sandbox, "requests")
    result = run_check(fresh_slug, **creds(bp_sandbox, ZDD_API_TOKEN=token, ZDD_STRICT="1"))
    assert "ZDD_API_TOKEN is not an API token" in one_skip_line(result)
    assert api_requests(bp_sandbox) == []
    assert "HRKU-abc" not in result.output
