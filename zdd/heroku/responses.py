"""Pure response handling: JSON decoding and the mapping of error responses to zdd.errors.

Kept apart from the transport so every error kind can be tested from a status, headers and bytes,
without HTTP. ``scrub`` removes the token from any server-supplied text before it reaches a message.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from typing import Any

from zdd.errors import (
    Forbidden,
    HerokuAPIError,
    InvalidParams,
    InvalidResponse,
    NotFound,
    PrebootInProgress,
    PreconditionFailed,
    RateLimited,
    ServerError,
    Unauthorized,
)

__all__ = [
    "PREBOOT_IN_PROGRESS",
    "decode_json",
    "error_from_response",
    "parse_scopes",
    "resource_from_path",
    "body_snippet",
    "scrub",
    "server_request_id",
]

REDACTED = "[redacted]"

PREBOOT_IN_PROGRESS = re.compile(
    r"until preboot is complete|preboot (is )?(still )?in progress", re.IGNORECASE
)
"""Heroku's text: 'Cannot change formation for a preboot app until preboot is complete'."""

_NOT_FOUND_TEXT = re.compile(r"couldn'?t find that ([\w -]+?)\.?$", re.IGNORECASE)

# Path segment after /apps/{app}/ -> resource name used by NotFound.resource
_PATH_RESOURCES = {
    "features": "feature",
    "formation": "formation",
    "config-vars": "config-vars",
    "buildpack-installations": "buildpack-installations",
    "releases": "release",
    "dynos": "dyno",
    "addons": "addon",
}


#: A run of this many characters of the token found in a text counts as an echo of it: it
#: catches a token cut by a snippet's end or split by a tag or a line break.
FRAGMENT = 8
#: How much of a non-JSON body is read to build its snippet.
SNIPPET_SCAN = 64 * 1024
SNIPPET_CHARS = 120
WITHHELD = "[body not shown: it echoes the API token]"

_TAG = re.compile(r"<[^>]*>")


def scrub(text: str, token: str | None) -> str:
    """``text`` with the token, and every run of 8+ of its characters, replaced by
    ``[redacted]`` (a partial echo is still a leak)."""
    if not token:
        return text
    text = text.replace(token, REDACTED)
    if len(token) < FRAGMENT or len(text) < FRAGMENT:
        return text
    windows = {token[i : i + FRAGMENT] for i in range(len(token) - FRAGMENT + 1)}
    marked = [False] * len(text)
    for i in range(len(text) - FRAGMENT + 1):
        if text[i : i + FRAGMENT] in windows:
            marked[i : i + FRAGMENT] = [True] * FRAGMENT
    if not any(marked):
        return text
    out, i = [], 0
    while i < len(text):
        if marked[i]:
            while i < len(text) and marked[i]:
                i += 1
            out.append(REDACTED)
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def body_snippet(content: bytes, token: str | None, limit: int = SNIPPET_CHARS) -> str:
    """A short, token-free line from a non-JSON body: scrubbed before it is cut, and withheld
    whole when the token shows up once tags, entities and line breaks are taken out."""
    text = scrub(html.unescape(content[:SNIPPET_SCAN].decode("utf-8", "replace")), token)
    if token:  # what is left: short pieces split by tags or line breaks, joined up again
        compact = "".join(_TAG.sub("", text).split())
        if scrub(compact, token) != compact:
            return WITHHELD
    return scrub(" ".join(_TAG.sub(" ", text).split()), token)[:limit]


def server_request_id(headers: Mapping[str, str]) -> str | None:
    """The server's id: first of the comma-joined ``Request-Id`` response header."""
    value = headers.get("request-id") or headers.get("Request-Id")
    if not value:
        return None
    return value.split(",")[0].strip() or None


def parse_scopes(value: str | None) -> tuple[str, ...]:
    """``Oauth-Scope`` headers list scopes separated by spaces (observed) or commas."""
    if not value:
        return ()
    return tuple(s for s in re.split(r"[\s,]+", value) if s)


def resource_from_path(path: str) -> str | None:
    """Guess what a 404 is about from the path: /apps/x -> app, /apps/x/features/y -> feature."""
    parts = [p for p in path.split("?", 1)[0].split("/") if p]
    if not parts:
        return None
    if parts[0] == "apps":
        if len(parts) <= 2:
            return "app"
        return _PATH_RESOURCES.get(parts[2], parts[2])
    if parts[0] == "oauth":
        return "authorization"
    if parts[0] == "dyno-sizes":
        return "dyno-size"
    if parts[0] == "account":
        return "account"
    return None


def decode_json(
    status: int,
    headers: Mapping[str, str],
    content: bytes,
    *,
    method: str,
    path: str,
    token: str,
    sent_request_id: str | None = None,
) -> Any:
    """Decode a success body; a body that is not JSON raises InvalidResponse."""
    if not content.strip():
        return None
    try:
        return json.loads(content)
    except (ValueError, UnicodeDecodeError):
        raise _not_json(
            status, headers, content, method=method, path=path, token=token, sent=sent_request_id
        ) from None


def _not_json(
    status: int,
    headers: Mapping[str, str],
    content: bytes,
    *,
    method: str,
    path: str,
    token: str,
    sent: str | None,
) -> InvalidResponse:
    ctype = headers.get("content-type", "no content type")
    snippet = body_snippet(content, token)
    rid = server_request_id(headers) or sent
    return InvalidResponse(
        f"{method} {path}: HTTP {status} with a body that is not JSON ({ctype}): {snippet!r}"
        + (f" (Request-Id {rid})" if rid else ""),
        remedy=(
            "Check that HEROKU_HOST points at the Platform API (not a web page or proxy), "
            "then run again; if it persists, see https://status.heroku.com."
        ),
        status=status,
        method=method,
        path=path,
        request_id=rid,
    )


def _not_found_remedy(resource: str | None, path: str) -> str:
    parts = [p for p in path.split("/") if p]
    app = parts[1] if len(parts) > 1 and parts[0] == "apps" else "<app>"
    leaf = parts[-1] if parts else ""
    if resource == "app":
        return (
            f"Check the app name ({app!r}): `heroku apps` lists the apps this account can see; "
            "pass the right one with --app."
        )
    if resource == "feature":
        return (
            f"`heroku features --app {app}` lists the features this app has ({leaf!r} is not one)."
        )
    if resource == "formation" and leaf == "formation":  # the batch update names no type
        return (
            "A process type in the update is not in the app's formation: process types come "
            "from the Procfile of the app's last release (an app never deployed has none). "
            f"`heroku ps --app {app}` lists them; deploy first, then run again."
        )
    if resource == "formation":
        return (
            f"The app has no process type {leaf!r}: add it to the Procfile and deploy, "
            "then run again "
            f"(`heroku ps --app {app}` shows the current formation)."
        )
    if resource == "release":
        return f"`heroku releases --app {app}` lists the releases."
    return (
        "Check the names in the command; the resource does not exist or this account cannot see it."
    )


def _invalid_params_remedy(message: str) -> str:
    low = message.lower()
    if "in the same app" in low:
        return (
            "Eco/Basic dynos cannot be mixed with Standard/Performance ones: change every process "
            "type's size in one batch update (`heroku ps:type standard-1x --app <app>`)."
        )
    if "more than 1" in low and "per process type" in low:
        return (
            "Eco and Basic dynos allow one dyno per process type: move to Standard-1X or larger "
            "before scaling to 2 or more."
        )
    if "preboot" in low or "professional" in low:
        return (
            "Preboot needs professional dynos: move every process type to Standard-1X or larger "
            "first (`zdd setup` does this in order), then enable it."
        )
    return "Change the request to satisfy the rule in the message, then run again."


def _forbidden(
    status: int, err_id: str | None, message: str, headers: Mapping[str, str], **kw: Any
) -> Forbidden:
    scope = parse_scopes(headers.get("oauth-scope"))
    accepted = parse_scopes(headers.get("oauth-scope-accepted"))
    exc = Forbidden(status, err_id, message, token_scope=scope, accepted_scopes=accepted, **kw)
    if exc.missing_scope:
        exc.remedy = (
            f"The token's OAuth scope ({' '.join(scope) or 'unknown'}) does not allow this call "
            f"(it accepts: {' '.join(accepted)}). Use a token with one of those scopes, e.g. "
            f"`heroku authorizations:create --scope {_best_scope(accepted)}`, or your login "
            "token (`heroku auth:token`)."
        )
    elif err_id == "two_factor":
        exc.remedy = "This call needs two-factor authentication: run the same change with the CLI."
    elif err_id == "suspended":
        exc.remedy = "The account or app is suspended: contact Heroku support."
    return exc


def _best_scope(accepted: tuple[str, ...]) -> str:
    for choice in ("write-protected", "read-protected", "write", "read", "global"):
        if choice in accepted:
            return choice
    return accepted[0] if accepted else "global"


def error_from_response(
    status: int,
    headers: Mapping[str, str],
    content: bytes,
    *,
    method: str,
    path: str,
    token: str,
    sent_request_id: str | None = None,
) -> HerokuAPIError | InvalidResponse:
    """Map an error response (status >= 400) to the most specific zdd error, with a remedy.

    The Request-Id is the server's; without one, the id zdd sent (still greppable in logs).
    """
    rid = server_request_id(headers) or sent_request_id
    try:
        body = json.loads(content) if content.strip() else None
    except (ValueError, UnicodeDecodeError):
        body = None
        if status < 500 and status != 429:
            return _not_json(
                status,
                headers,
                content,
                method=method,
                path=path,
                token=token,
                sent=sent_request_id,
            )
    if not isinstance(body, Mapping):
        body = {}
    err_id = body.get("id") if isinstance(body.get("id"), str) else None
    message = scrub(str(body.get("message") or f"HTTP {status} with no error message"), token)
    url = body.get("url") if isinstance(body.get("url"), str) else None
    kw: dict[str, Any] = {"url": url, "request_id": rid, "method": method, "path": path}

    if PREBOOT_IN_PROGRESS.search(message):
        return PrebootInProgress(status, err_id, message, **kw)
    if status == 401:
        return Unauthorized(status, err_id, message, **kw)
    if status == 403:
        return _forbidden(status, err_id, message, headers, **kw)
    if status == 404:
        resource = body.get("resource") if isinstance(body.get("resource"), str) else None
        if resource is None:
            found = _NOT_FOUND_TEXT.search(message)
            resource = found.group(1).strip().lower() if found else resource_from_path(path)
        return NotFound(
            status,
            err_id,
            message,
            resource=resource,
            remedy=_not_found_remedy(resource, path),
            **kw,
        )
    if status == 412:
        return PreconditionFailed(status, err_id, message, **kw)
    if status == 429:
        return RateLimited(status, err_id or "rate_limit", message, **kw)
    if status >= 500:
        if not body:
            message = f"Heroku answered HTTP {status} without a JSON error body"
        return ServerError(status, err_id, message, **kw)
    if err_id == "invalid_params" or status == 422:
        return InvalidParams(status, err_id, message, remedy=_invalid_params_remedy(message), **kw)
    return HerokuAPIError(status, err_id, message, remedy=_generic_remedy(status, err_id), **kw)


def _generic_remedy(status: int, err_id: str | None) -> str:
    if status == 402 or err_id == "delinquent":
        return "The account is delinquent: confirm a payment method in the Heroku Dashboard."
    if status == 406:
        return "The API rejected zdd's Accept header: this is a zdd bug, please report it."
    if status == 409:
        return "Something changed the resource at the same time: run the command again."
    if status == 416:
        return "The API rejected the Range header: this is a zdd bug, please report it."
    return "See the message; the Request-Id helps Heroku support trace it."
