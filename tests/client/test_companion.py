"""The companion buildpack URL check (issue 8 item 2), over real loopback sockets: the sandbox's
/__sandbox/buildpack route, and a small HTTP server for redirects, wrong bodies and silence."""

from __future__ import annotations

import gzip
import hashlib
import http.server
import io
import os
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import httpx
import pytest
from loopback_http import server_url, serving

import zdd.companion as companion
from zdd import __version__
from zdd.buildpack_archive import bundled
from zdd.companion import check_buildpack_url
from zdd.state import COMPANION_BUILDPACK_URL

ROUTE = "/__sandbox/buildpack/zdd-buildpack.tgz"
ZDD = Path(sys.executable).parent / "zdd"
REPO = Path(__file__).resolve().parents[2]


def tgz(files: dict[str, bytes]) -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return gzip.compress(raw.getvalue())


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.server.hits.append(self.path)  # type: ignore[attr-defined]
        answer = self.server.routes.get(self.path)  # type: ignore[attr-defined]
        if answer is None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        status, headers, body = answer(self) if callable(answer) else answer
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        if "Content-Length" not in headers and isinstance(body, bytes):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if isinstance(body, bytes):
            self.wfile.write(body)
        else:  # an iterator of chunks (no Content-Length: read to the close)
            for chunk in body:
                self.wfile.write(chunk)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def web():
    with serving(Handler) as server:
        server.routes, server.hits = {}, []
        server.url = server_url(server)
        yield server


def test_the_sandbox_serves_the_bundled_tarball_and_it_passes(sandbox):
    url = sandbox.url + ROUTE
    assert check_buildpack_url(url) == companion.UrlCheck(url, True, None)
    assert httpx.get(url).content == bundled()


def test_a_url_that_answers_404_is_refused_with_the_status(sandbox):
    got = check_buildpack_url(sandbox.url + "/__sandbox/buildpack/nope.tgz")
    assert not got.ok and "HTTP 404" in got.reason


def test_plain_http_elsewhere_is_refused_without_a_request():
    started = time.monotonic()
    got = check_buildpack_url("http://buildpacks.example.com/zdd-buildpack.tgz")
    assert not got.ok and "plain http" in got.reason
    assert time.monotonic() - started < 0.5
    assert not check_buildpack_url("ftp://example.com/x.tgz").ok
    assert not check_buildpack_url("not a url").ok


def test_redirects_are_followed_to_the_tarball(web, sandbox):
    web.routes["/a"] = (302, {"Location": "/b"}, b"")
    web.routes["/b"] = (301, {"Location": sandbox.url + ROUTE}, b"")
    assert check_buildpack_url(web.url + "/a").ok
    assert web.hits == ["/a", "/b"]


def test_a_redirect_to_plain_http_elsewhere_is_not_followed(web):
    web.routes["/a"] = (302, {"Location": "http://evil.example.com/x.tgz"}, b"")
    got = check_buildpack_url(web.url + "/a")
    assert not got.ok and "won't follow" in got.reason and "evil.example.com" in got.reason


def test_a_redirect_loop_stops(web):
    web.routes["/loop"] = (302, {"Location": "/loop"}, b"")
    got = check_buildpack_url(web.url + "/loop")
    assert not got.ok and "redirects" in got.reason
    assert len(web.hits) == companion.MAX_HOPS + 1


@pytest.mark.parametrize(
    "body, words",
    [
        (b"<html>Not here</html>", "not a gzip tarball"),
        (b"\x1f\x8b" + b"garbage" * 10, "not a readable gzip"),
        (gzip.compress(b"plain text, not tar" * 100), "not a tar archive"),
        (tgz({"bin/detect": b"#!/bin/sh\n"}), "no bin/compile"),
        (tgz({"buildpack/bin/detect": b"", "buildpack/bin/compile": b""}), "no bin/detect"),
    ],
    ids=["html", "bad-gzip", "gzip-not-tar", "no-compile", "nested"],
)
def test_what_is_not_a_buildpack_is_named(web, body, words):
    web.routes["/x.tgz"] = (200, {}, body)
    got = check_buildpack_url(web.url + "/x.tgz")
    assert not got.ok and words in got.reason


def test_a_tarball_with_dot_slash_names_passes(web):
    web.routes["/x.tgz"] = (200, {}, tgz({"./bin/detect": b"", "./bin/compile": b""}))
    assert check_buildpack_url(web.url + "/x.tgz").ok


def test_the_body_is_capped_declared_or_streamed(web, monkeypatch):
    monkeypatch.setattr(companion, "MAX_BYTES", 10_000)
    web.routes["/declared"] = (200, {"Content-Length": "50000000"}, b"")
    got = check_buildpack_url(web.url + "/declared", timeout=5)
    assert not got.ok and "larger than" in got.reason
    endless = (b"\x1f\x8b" + b"x" * 4094 for _ in range(10_000))  # 40 MB if read to the end
    web.routes["/streamed"] = (200, {"Connection": "close"}, endless)
    started = time.monotonic()
    got = check_buildpack_url(web.url + "/streamed", timeout=5)
    assert not got.ok and "larger than" in got.reason
    assert time.monotonic() - started < 5


def test_a_gzip_bomb_stops_at_the_unpacked_cap(web, monkeypatch):
    monkeypatch.setattr(companion, "MAX_UNPACKED", 1_000_000)
    web.routes["/bomb.tgz"] = (200, {}, gzip.compress(b"\0" * 5_000_000))
    got = check_buildpack_url(web.url + "/bomb.tgz")
    assert not got.ok and "unpacks to more than" in got.reason


def test_silence_is_a_timeout(web):
    web.routes["/slow"] = lambda h: (time.sleep(3), (200, {}, b""))[1]
    got = check_buildpack_url(web.url + "/slow", timeout=0.5)
    assert not got.ok and "did not answer within 0.5s" in got.reason


def test_git_urls_are_not_fetched():
    assert check_buildpack_url("https://github.com/heroku/heroku-buildpack-java").ok
    assert check_buildpack_url("https://gitlab.example.com/x/y.git").ok


def test_default_url_names_this_version_and_buildpack_version_agrees():
    assert (
        f"/v{__version__}/" in COMPANION_BUILDPACK_URL and "latest" not in COMPANION_BUILDPACK_URL
    )
    assert (REPO / "buildpack" / "VERSION").read_text().strip() == __version__


def test_bundled_tarball_is_a_buildpack():
    names = tarfile.open(fileobj=io.BytesIO(bundled())).getnames()
    assert {"bin/detect", "bin/compile", "bin/release"} <= set(names)


def test_zdd_buildpack_writes_the_tarball_and_its_checksum(tmp_path, sandbox, run_zdd):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HEROKU_", "ZDD_"))}
    done = subprocess.run(
        [str(ZDD), "buildpack", "--out", str(tmp_path)], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done
    data = (tmp_path / "zdd-buildpack.tgz").read_bytes()
    assert data == httpx.get(sandbox.url + ROUTE).content  # what the demo serves
    digest, name = (tmp_path / "zdd-buildpack.tgz.sha256").read_text().split()
    assert (digest, name) == (hashlib.sha256(data).hexdigest(), "zdd-buildpack.tgz")
    check = subprocess.run(["sha256sum", "-c", "zdd-buildpack.tgz.sha256"], cwd=tmp_path)
    assert check.returncode == 0
    missing = run_zdd("buildpack", "--out", str(tmp_path / "nope"))  # the same Program, in here
    assert missing.returncode == 2 and "no such folder" in missing.stderr
    assert "Traceback" not in missing.stderr and not (tmp_path / "nope").exists()
