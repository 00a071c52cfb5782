"""Does a companion buildpack URL serve a buildpack? Checked before setup adds it to an app.

A wrong URL would only show at the user's next `git push`, when Heroku fails to download the
buildpack and the deploy stops. So before the buildpack step, setup fetches the URL as Heroku
would: a GET with redirects followed (each hop https, or http on loopback only), the body capped
in size, and it must be a gzip tarball with `bin/detect` and `bin/compile` at its root (Dev Center,
"Buildpack API": https://devcenter.heroku.com/articles/buildpack-api). Git URLs are not fetched:
Heroku clones those itself.
"""

from __future__ import annotations

import gzip
import io
import tarfile
import zlib
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx

from zdd import __version__
from zdd.loopback import is_loopback
from zdd.tls import ssl_context

__all__ = ["MAX_BYTES", "MAX_HOPS", "UrlCheck", "check_buildpack_url", "is_git_url", "would_fetch"]

#: Largest tarball read (the buildpack is ~100 kB; Heroku's own are a few MB).
MAX_BYTES = 20 * 1024 * 1024
#: Largest unpacked tar read (a gzip bomb stops here).
MAX_UNPACKED = 200 * 1024 * 1024
MAX_HOPS = 5
REQUIRED = ("bin/detect", "bin/compile")


@dataclass(frozen=True)
class UrlCheck:
    """The answer for one URL: ok, or the reason it can't be used (one clause, no period)."""

    url: str
    ok: bool
    reason: str | None = None


def is_git_url(url: str) -> bool:
    """A git repository URL (Heroku clones it): `.git`, or a bare github.com/owner/repo."""
    parts = urlsplit(url.strip())
    path = parts.path.rstrip("/")
    if path.endswith(".git") or parts.scheme == "git":
        return True
    segments = [s for s in path.split("/") if s]
    return parts.hostname == "github.com" and len(segments) == 2


def _hop_refusal(url: str) -> str | None:
    """Why zdd won't fetch this URL (None: it may)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return f"{url!r} is not a URL"
    if parts.scheme == "https" and host:
        return None
    if parts.scheme == "http" and is_loopback(host):
        return None
    if parts.scheme == "http":
        return f"{url} is plain http (only https, or http on this machine, is fetched)"
    return f"{url!r} is not an https URL"


def check_buildpack_url(url: str, *, timeout: float = 10.0) -> UrlCheck:
    """Fetch `url` (bounded) and check it is a buildpack tarball; never raises for a bad URL."""
    if is_git_url(url):
        return UrlCheck(url, True, None)
    refusal = _hop_refusal(url)
    if refusal:
        return UrlCheck(url, False, refusal)
    try:
        body = _fetch(url, timeout)
    except _Refused as exc:
        return UrlCheck(url, False, str(exc))
    return UrlCheck(url, *_inspect(body))


class _Refused(Exception):
    pass


def _fetch(url: str, timeout: float) -> bytes:
    current = url
    headers = {"User-Agent": f"zdd/{__version__} (companion buildpack check)"}
    for _ in range(MAX_HOPS + 1):
        loopback = is_loopback(urlsplit(current).hostname)
        try:
            # loopback never goes through a proxy; elsewhere the user's proxy settings apply
            with (
                httpx.Client(
                    verify=ssl_context(),
                    timeout=timeout,
                    follow_redirects=False,
                    trust_env=not loopback,
                ) as c,
                c.stream("GET", current, headers=headers) as response,
            ):
                if response.is_redirect:
                    target = urljoin(current, response.headers.get("location", ""))
                    refusal = _hop_refusal(target)
                    if refusal:
                        raise _Refused(
                            f"it redirects to {target}, which zdd won't follow: {refusal}"
                        )
                    current = target
                    continue
                if response.status_code != 200:
                    raise _Refused(f"{current} answered HTTP {response.status_code}")
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > MAX_BYTES:
                    raise _Refused(f"it is larger than {MAX_BYTES // (1024 * 1024)} MB")
                chunks, size = [], 0
                for chunk in response.iter_raw():
                    size += len(chunk)
                    if size > MAX_BYTES:
                        raise _Refused(f"it is larger than {MAX_BYTES // (1024 * 1024)} MB")
                    chunks.append(chunk)
                return b"".join(chunks)
        except httpx.TimeoutException:
            raise _Refused(f"{current} did not answer within {timeout:g}s") from None
        except httpx.HTTPError as exc:
            raise _Refused(f"{current} could not be fetched ({type(exc).__name__})") from None
    raise _Refused(f"more than {MAX_HOPS} redirects")


def _inspect(body: bytes) -> tuple[bool, str | None]:
    """(ok, reason) for a downloaded body: a gzip tarball with bin/detect and bin/compile."""
    if body[:2] != b"\x1f\x8b":
        return False, "the answer is not a gzip tarball"
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(body)) as gz:
            raw = gz.read(MAX_UNPACKED + 1)
    except (OSError, EOFError, zlib.error):
        return False, "the answer is not a readable gzip file"
    if len(raw) > MAX_UNPACKED:
        return False, f"it unpacks to more than {MAX_UNPACKED // (1024 * 1024)} MB"
    try:
        with tarfile.open(fileobj=io.BytesIO(raw), mode="r:") as tar:
            names = {m.name.removeprefix("./") for m in tar.getmembers() if m.isfile()}
    except tarfile.TarError:
        return False, "the answer is gzip but not a tar archive"
    missing = [n for n in REQUIRED if n not in names]
    if missing:
        return False, f"the tarball has no {' or '.join(missing)} at its root (not a buildpack)"
    return True, None


def would_fetch(step_status: str | None, buildpacks: tuple[str, ...] | list[str], url: str) -> bool:
    """Is `url` one setup must check: a pending buildpack step would add this http(s) URL (a
    registry name, or a URL the app already has, is not fetched)."""
    if step_status != "pending" or url in buildpacks:
        return False
    return url.strip().lower().startswith(("http://", "https://"))
