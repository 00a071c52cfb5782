"""Every exception zdd raises, in one tree, each saying what happened and what to do next.

    ZddError                  anything zdd reports to a user: ``.message`` + ``.remedy``
    ├── ConfigError           no token, bad HEROKU_HOST, bearer token over http to a remote host
    ├── UsageError            command-line options that can't work together (also a ValueError)
    ├── DeadlineExceeded      the command's total time budget ran out (waits and retries included)
    ├── APIConnectionError    no usable HTTP answer: refused/dropped connection, timeout, non-JSON
    │   ├── APITimeout        connect/read/write timed out
    │   └── InvalidResponse   the server answered, but not with the JSON the API promises
    └── HerokuAPIError        an API error body {"id", "message", "url"?, "resource"?}
        ├── Unauthorized      401: token missing, invalid or expired
        ├── Forbidden         403: no access to the resource, or the token lacks an OAuth scope
        ├── NotFound          404: ``.resource`` says what is missing (app, feature, formation...)
        ├── InvalidParams     422 invalid_params: e.g. tier rules (Basic and Standard mixed)
        ├── PreconditionFailed 412: a conditional write (If-Match) found the resource changed
        ├── PrebootInProgress formation change refused while a preboot runs (matched by message)
        ├── RateLimited       429: the account's API budget is spent
        └── ServerError       5xx: Heroku-side failure

Callers catch these, never httpx exceptions: the client translates them at the I/O edge. No message
built here contains a token; the transport also scrubs the token from server-supplied text.
"""

from __future__ import annotations

__all__ = [
    "APIConnectionError",
    "APITimeout",
    "ConfigError",
    "DeadlineExceeded",
    "Forbidden",
    "HerokuAPIError",
    "InvalidParams",
    "InvalidResponse",
    "NotFound",
    "PrebootInProgress",
    "PreconditionFailed",
    "RateLimited",
    "ServerError",
    "Unauthorized",
    "UsageError",
    "ZddError",
]


class ZddError(Exception):
    """Base of every error zdd reports: a human message plus the next thing to try (``remedy``)."""

    default_remedy: str | None = None
    attempts: int = 1
    """How many HTTP attempts the failed call made (set by the transport; 1 = no retry)."""

    def __init__(self, message: str, *, remedy: str | None = None) -> None:
        self.message = message
        self.remedy = remedy if remedy is not None else self.default_remedy
        super().__init__(message)

    def __str__(self) -> str:
        if self.remedy:
            return f"{self.message}\nNext: {self.remedy}"
        return self.message


class ConfigError(ZddError):
    """Raised before any request when zdd cannot be configured safely (token, host, scheme)."""


class UsageError(ZddError, ValueError):
    """Raised before any request for options that contradict or can't be used (exit code 2)."""


class DeadlineExceeded(ZddError):
    """Raised when the command's total deadline would pass before the next attempt or wait ends."""

    default_remedy = (
        "Retry later, or give the command more time (a longer deadline); "
        "check https://status.heroku.com if the API is slow."
    )


class APIConnectionError(ZddError):
    """Raised when no usable HTTP answer came back (refused, dropped, timed out, not JSON)."""

    default_remedy = (
        "Check your network and HEROKU_HOST, then run the command again; "
        "see https://status.heroku.com for incidents."
    )

    def __init__(
        self,
        message: str,
        *,
        remedy: str | None = None,
        method: str | None = None,
        path: str | None = None,
        request_id: str | None = None,
    ) -> None:
        self.method = method
        self.path = path
        self.request_id = request_id
        super().__init__(message, remedy=remedy)


class APITimeout(APIConnectionError):
    """Raised when connecting, sending or reading timed out."""


class InvalidResponse(APIConnectionError):
    """Raised when a response is not the JSON the API documents (a proxy page, a truncated body)."""

    def __init__(self, message: str, *, status: int | None = None, **kwargs: object) -> None:
        self.status = status
        super().__init__(message, **kwargs)  # type: ignore[arg-type]


class HerokuAPIError(ZddError):
    """Raised for an error response of the Platform API; ``id`` is Heroku's stable error id."""

    default_remedy = "See the message above; the request id helps Heroku support trace it."

    def __init__(
        self,
        status: int,
        id: str | None,
        message: str,
        url: str | None = None,
        request_id: str | None = None,
        *,
        remedy: str | None = None,
        method: str | None = None,
        path: str | None = None,
        resource: str | None = None,
    ) -> None:
        self.status = status
        self.id = id
        self.api_message = message
        self.url = url
        self.request_id = request_id
        self.method = method
        self.path = path
        self.resource = resource
        where = f"{method} {path}: " if method and path else ""
        ident = f" {id}" if id else ""
        text = f"{where}{message} (HTTP {status}{ident}"
        text += f", Request-Id {request_id})" if request_id else ")"
        if url:
            text += f" [{url}]"
        super().__init__(text, remedy=remedy)


class Unauthorized(HerokuAPIError):
    """Raised on 401: the token is missing, invalid or expired."""

    default_remedy = (
        "Log in again: `heroku login`, or `export HEROKU_API_KEY=$(heroku auth:token)`, "
        "or create a long-lived token with `heroku authorizations:create`."
    )


class Forbidden(HerokuAPIError):
    """Raised on 403; ``missing_scope`` is set when the token's OAuth scope is too narrow."""

    default_remedy = (
        "Use an account with access to this app (ask its owner or team admin to add you), "
        "or check `heroku access --app <app>`."
    )

    def __init__(
        self,
        *args: object,
        token_scope: tuple[str, ...] = (),
        accepted_scopes: tuple[str, ...] = (),
        **kwargs: object,
    ) -> None:
        self.token_scope = token_scope
        self.accepted_scopes = accepted_scopes
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def missing_scope(self) -> bool:
        """True when the server said which scopes it accepts and the token has none of them."""
        if not self.accepted_scopes:
            return False
        return not set(self.token_scope) & set(self.accepted_scopes)


class NotFound(HerokuAPIError):
    """Raised on 404; ``resource`` names what is missing (``app``, ``feature``, ``formation``)."""


class InvalidParams(HerokuAPIError):
    """Raised on 422 invalid_params: the request broke a platform rule (e.g. dyno tier mixing)."""

    default_remedy = "Change the request to satisfy the rule in the message, then run again."


class PreconditionFailed(HerokuAPIError):
    """Raised on 412: the resource changed since zdd read it (an If-Match write was refused)."""

    default_remedy = "Something else changed it at the same time: run the command again."


class PrebootInProgress(HerokuAPIError):
    """Raised when a formation change is refused because a preboot is still switching traffic."""

    default_remedy = (
        "Wait for the preboot to finish (a few minutes after the last release; "
        "`heroku ps --app <app>`), then run the command again."
    )


class RateLimited(HerokuAPIError):
    """Raised on 429 once retries are used up: the account's API budget (4500/hour) is spent."""

    default_remedy = (
        "Wait a few minutes for the budget to refill (75 requests/minute; "
        "`heroku api GET /account/rate-limits` shows it), then run again."
    )


class ServerError(HerokuAPIError):
    """Raised on 5xx once retries are used up."""

    default_remedy = (
        "This is on Heroku's side: retry in a few minutes and check https://status.heroku.com; "
        "quote the Request-Id to Heroku support if it persists."
    )
