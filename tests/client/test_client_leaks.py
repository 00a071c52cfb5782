"""Token leaks (issue 8 item 5, Python side): proxies on loopback, header injection, smart quotes,
and error bodies that echo the token. Real sockets on loopback throughout."""

from __future__ import annotations

import http.server
from contextlib import ExitStack

import httpx
import pytest
from loopback_http import server_url, serving

from zdd.errors import ConfigError, InvalidResponse
from zdd.heroku.client import HerokuClient
from zdd.heroku.responses import WITHHELD, body_snippet, scrub

TOKEN = "HRKU-0123456789abcdefghijklmnopqrstuvwxyzABCD"


class Recorder(http.server.BaseHTTPRequestHandler):
    """A loopback listener that records every request and answers with a canned body."""

    seen: list[str]
    body: bytes = b"<html><body>proxy</body></html>"
    status = 502

    def _answer(self) -> None:
        self.server.seen.append(f"{self.command} {self.path}")  # type: ignore[attr-defined]
        body = self.server.make_body(self)  # type: ignore[attr-defined]
        self.send_response(self.server.status)  # type: ignore[attr-defined]
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PATCH = do_CONNECT = _answer

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def listener():
    """start(status, make_body) -> (url, seen): a real HTTP server on 127.0.0.1."""
    with ExitStack() as servers:

        def start(status: int = 502, make_body=lambda h: Recorder.body):
            server = servers.enter_context(serving(Recorder))
            server.seen, server.status, server.make_body = [], status, make_body
            return server_url(server), server.seen

        yield start


PROXY_VARS = ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy", "HTTPS_PROXY", "https_proxy")


def test_loopback_api_never_goes_through_a_proxy(sandbox, listener, monkeypatch):
    proxy, seen = listener()
    for var in PROXY_VARS:
        monkeypatch.setenv(var, proxy)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    # the listener is a working proxy-ish target: a client that trusts the environment uses it
    with httpx.Client() as plain:
        assert plain.get(f"{sandbox.url}/account").status_code == 502
    assert len(seen) == 1
    env = {"HEROKU_HOST": sandbox.url, "HEROKU_API_KEY": sandbox.platform.global_token}
    env.update({v: proxy for v in PROXY_VARS})
    with HerokuClient.from_env(env=env) as client:
        assert client.account_info().email
        client.app_list()
    assert len(seen) == 1  # zdd's requests went straight to the sandbox


@pytest.mark.parametrize(
    "token, words",
    [
        (TOKEN + "\r\nX-Evil: 1", "control character (U+000D at position 46)"),
        (TOKEN + "\n", "control character (U+000A"),
        ("\u201c" + TOKEN + "\u201d", "LEFT DOUBLE QUOTATION MARK at position 1"),
        (TOKEN[:10] + "\u00e9" + TOKEN[10:], "non-ASCII"),
    ],
)
def test_a_token_that_cannot_be_a_header_is_refused_by_name(token, words):
    with pytest.raises(ConfigError) as caught:
        HerokuClient("http://127.0.0.1:9", token)
    assert words in str(caught.value)
    assert TOKEN not in str(caught.value) and TOKEN[:8] not in str(caught.value)


@pytest.mark.parametrize("token", [TOKEN + "\r\nX-Evil: 1", "\u201c" + TOKEN + "\u201d"])
def test_the_command_gives_one_line_and_exit_2(sandbox, token, monkeypatch, run_zdd):
    monkeypatch.setenv("HEROKU_HOST", sandbox.url)
    monkeypatch.setenv("HEROKU_API_KEY", token)
    done = run_zdd("check", "--app", "zdd-demo")
    assert done.returncode == 2, done
    assert "Traceback" not in done.stderr
    assert TOKEN[:8] not in done.stdout + done.stderr
    assert "HEROKU_API_KEY" in done.stderr
    assert sandbox.platform.request_log() == []  # refused before any request


def test_the_snippet_is_scrubbed_before_it_is_cut():
    body = b"x" * 107 + TOKEN.encode()  # the cut at 120 used to keep a 13-character prefix
    assert TOKEN[:13] not in body_snippet(body, TOKEN)
    assert TOKEN[:8] not in body_snippet(body, TOKEN)


@pytest.mark.parametrize(
    "body",
    [
        f"<p>token: {TOKEN[:20]}<b>{TOKEN[20:]}</b></p>",
        f"token: {TOKEN[:20]}\r\n{TOKEN[20:]}",
        f"token: {TOKEN[:4]}&#45;{TOKEN[5:]}",  # '-' as an HTML entity
    ],
)
def test_a_token_split_by_a_tag_a_line_break_or_an_entity_is_caught(body):
    shown = body_snippet(body.encode(), TOKEN)
    assert "[redacted]" in shown
    assert not any(TOKEN[i : i + 6] in shown for i in range(len(TOKEN) - 5))


def test_a_token_cut_into_small_pieces_withholds_the_body():
    pieces = [TOKEN[i : i + 5] for i in range(0, len(TOKEN), 5)]
    assert body_snippet(("<i>" + "</i><i>".join(pieces) + "</i>").encode(), TOKEN) == WITHHELD
    assert body_snippet("\r\n".join(pieces).encode(), TOKEN) == WITHHELD


def test_scrub_catches_partial_echoes_and_leaves_other_text():
    assert scrub(f"bad token {TOKEN[:12]}...", TOKEN) == "bad token [redacted]..."
    assert scrub("nothing to see", TOKEN) == "nothing to see"


def test_an_echoing_html_error_page_over_a_real_socket(listener):
    url, seen = listener(
        400, lambda h: f"<h1>Bad gateway</h1><pre>{h.headers['Authorization']}</pre>".encode()
    )
    with HerokuClient(url, TOKEN, max_retries=0) as client:
        with pytest.raises(InvalidResponse) as caught:
            client.account_info()
    text = str(caught.value)
    assert TOKEN[:8] not in text and TOKEN[-8:] not in text
    assert seen


def test_a_readable_html_page_stays_readable(listener):
    url, _ = listener(404, lambda h: b"<html><h1>Not Found</h1><p>try /apps</p></html>")
    with HerokuClient(url, TOKEN, max_retries=0) as client:
        with pytest.raises(InvalidResponse) as caught:
            client.account_info()
    assert "Not Found try /apps" in str(caught.value)
