"""HerokuClient: one method per Platform API operation zdd uses, each returning typed models.

Methods are named ``<resource>_<action>`` after the API (heroku-go's convention). Every write here
sends absolute values, so each is marked idempotent for the transport's retry policy, except the
OAuth authorization create (a POST that mints a new token each time).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar
from urllib.parse import quote

import httpx

from zdd.errors import InvalidResponse, NotFound
from zdd.heroku.auth import resolve_token
from zdd.heroku.models import (
    Account,
    App,
    BuildpackInstallation,
    Dyno,
    DynoSize,
    Feature,
    Formation,
    FormationUpdate,
    OAuthAuthorization,
    RateLimit,
    Release,
)
from zdd.heroku.responses import server_request_id
from zdd.heroku.transport import (
    Idempotency,
    RequestStats,
    Transport,
    api_base_url,
    netrc_machine,
)

__all__ = ["HerokuClient"]

T = TypeVar("T")

MAX_PAGE = 1000
"""Heroku's largest page size; asking for it keeps list calls to one request in practice."""


def _seg(value: str | int) -> str:
    """One URL path segment (app, feature or process type name), percent-encoded."""
    text = str(value)
    if not text:
        raise ValueError("an empty name cannot be used in an API path")
    return quote(text, safe="")


def _parse(parse: Callable[[Any], T], body: Any, where: str, request_id: str | None) -> T:
    """Build a model; a body of the wrong shape becomes InvalidResponse (never KeyError)."""
    try:
        if not isinstance(body, Mapping):
            raise TypeError(f"expected a JSON object, got {type(body).__name__}")
        return parse(body)
    except (KeyError, TypeError, ValueError) as exc:
        detail = f"missing field {exc}" if isinstance(exc, KeyError) else str(exc)
        rid = f" (Request-Id {request_id})" if request_id else ""
        raise InvalidResponse(
            f"{where}: the response does not look like the Platform API's ({detail}){rid}.",
            remedy="Check that HEROKU_HOST points at the Platform API; if it does, report this "
            "zdd bug with the Request-Id.",
            path=where,
            request_id=request_id,
        ) from exc


def _config(body: Mapping[str, Any]) -> dict[str, str]:
    """Config vars are a plain dict of strings (a null value means unset)."""
    return {str(k): str(v) for k, v in body.items() if v is not None}


class HerokuClient:
    """A thread-safe Platform API client; see docs/design.md "Client API" for the contract."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        http: httpx.Client | None = None,
        deadline: float | None = None,
        max_retries: int = 4,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        token_source: str = "explicit",
        **transport_options: Any,
    ) -> None:
        self._transport = Transport(
            base_url,
            token,
            http=http,
            deadline=deadline,
            max_retries=max_retries,
            sleep=sleep,
            clock=clock,
            token_source=token_source,
            **transport_options,
        )
        self.base_url = self._transport.base_url
        self.token_source = token_source

    @classmethod
    def from_env(
        cls,
        *,
        deadline: float | None = 120.0,
        env: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> HerokuClient:
        """Base URL from HEROKU_HOST, token from HEROKU_API_KEY > netrc > `heroku auth:token`."""
        env = os.environ if env is None else env
        base_url = api_base_url(env)
        creds = resolve_token(env, machine=netrc_machine(env))
        return cls(base_url, creds.token, deadline=deadline, token_source=creds.source, **kwargs)

    def __repr__(self) -> str:
        return (
            f"HerokuClient(base_url={self.base_url!r}, token='[redacted]', "
            f"token_source={self.token_source!r})"
        )

    def __enter__(self) -> HerokuClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._transport.close()

    @property
    def stats(self) -> RequestStats:
        """Requests (HTTP attempts), writes (non-GET attempts) and retries so far."""
        return self._transport.stats

    @property
    def last_rate_limit_remaining(self) -> int | None:
        """``RateLimit-Remaining`` of the last response, without a request."""
        return self._transport.rate_limit_remaining

    def restart_deadline(self, seconds: float | None) -> None:
        """Give the client a fresh total time budget (None: no deadline)."""
        self._transport.restart_deadline(seconds)

    # -- plumbing -------------------------------------------------------------------------------

    def _one(
        self,
        parse: Callable[[Any], T],
        method: str,
        path: str,
        json: Any = None,
        idempotency: Idempotency | None = None,
    ) -> T:
        """One request whose body is one object, parsed into a model."""
        if idempotency is None and method != "GET":
            idempotency = Idempotency.IDEMPOTENT  # every write here sends absolute values
        page = self._transport.request(method, path, json=json, idempotency=idempotency)
        return _parse(parse, page.body, f"{method} {path}", server_request_id(page.headers))

    def _many(
        self,
        parse: Callable[[Any], T],
        method: str,
        path: str,
        json: Any = None,
    ) -> list[T]:
        """One write whose body is a list (batch formation, buildpacks), parsed item by item."""
        page = self._transport.request(method, path, json=json, idempotency=Idempotency.IDEMPOTENT)
        rid = server_request_id(page.headers)
        if not isinstance(page.body, list):
            raise InvalidResponse(
                f"{method} {path}: expected a JSON list (Request-Id {rid}).", path=path
            )
        return [_parse(parse, item, f"{method} {path}", rid) for item in page.body]

    def _list(
        self,
        parse: Callable[[Any], T],
        path: str,
        range_header: str | None = None,
        limit: int | None = None,
    ) -> list[T]:
        """GET every page of a list endpoint and parse each item."""
        items = self._transport.request_all(path, range_header=range_header, limit=limit)
        return [_parse(parse, item, f"GET {path}", None) for item in items]

    # -- apps -----------------------------------------------------------------------------------

    def app_list(self) -> list[App]:
        return self._list(App.from_api, "/apps")

    def app_info(self, app: str) -> App:
        return self._one(App.from_api, "GET", f"/apps/{_seg(app)}")

    # -- features -------------------------------------------------------------------------------

    def feature_list(self, app: str) -> list[Feature]:
        return self._list(Feature.from_api, f"/apps/{_seg(app)}/features")

    def feature_info(self, app: str, name: str) -> Feature:
        return self._one(Feature.from_api, "GET", f"/apps/{_seg(app)}/features/{_seg(name)}")

    def feature_update(self, app: str, name: str, enabled: bool) -> Feature:
        """PATCH {enabled}: a plain set, so repeating it is harmless (unlike `features:enable`)."""
        path = f"/apps/{_seg(app)}/features/{_seg(name)}"
        return self._one(Feature.from_api, "PATCH", path, {"enabled": bool(enabled)})

    # -- formation ------------------------------------------------------------------------------

    def formation_list(self, app: str) -> list[Formation]:
        return self._list(Formation.from_api, f"/apps/{_seg(app)}/formation")

    def formation_info(self, app: str, type: str) -> Formation:
        return self._one(Formation.from_api, "GET", f"/apps/{_seg(app)}/formation/{_seg(type)}")

    def formation_update(
        self, app: str, type: str, quantity: int | None = None, size: str | None = None
    ) -> Formation:
        """Set one process type's quantity and/or size (absolute values)."""
        item = FormationUpdate(type, quantity, size).to_api()
        item.pop("type")
        if not item:
            raise ValueError("formation_update needs a quantity or a size")
        path = f"/apps/{_seg(app)}/formation/{_seg(type)}"
        return self._one(Formation.from_api, "PATCH", path, item)

    def formation_batch_update(
        self, app: str, updates: Sequence[FormationUpdate]
    ) -> list[Formation]:
        """Change several process types at once (needed to leave Eco/Basic: no mixing allowed)."""
        items = [u.to_api() for u in updates]
        if not items:
            raise ValueError("formation_batch_update needs at least one update")
        path = f"/apps/{_seg(app)}/formation"
        try:
            return self._many(Formation.from_api, "PATCH", path, {"updates": items})
        except NotFound as exc:
            if exc.resource == "formation":  # name the types sent, not the path's last segment
                types = ", ".join(repr(u.type) for u in updates)
                exc.remedy = (
                    f"One of the process types {types} is not in {app}'s formation: process "
                    "types come from the Procfile of the last release (an app never deployed "
                    f"has none). `heroku ps --app {app}` lists them; deploy, then run again."
                )
            raise

    # -- config vars ----------------------------------------------------------------------------

    def config_vars(self, app: str) -> dict[str, str]:
        return self._one(_config, "GET", f"/apps/{_seg(app)}/config-vars")

    def config_vars_versioned(self, app: str) -> tuple[dict[str, str], str | None]:
        """The config vars and their ETag (for a conditional `config_vars_update`)."""
        path = f"/apps/{_seg(app)}/config-vars"
        page = self._transport.request("GET", path)
        config = _parse(_config, page.body, f"GET {path}", server_request_id(page.headers))
        return config, page.headers.get("etag") or page.headers.get("ETag")

    def config_vars_update(
        self, app: str, changes: Mapping[str, str | None], *, if_match: str | None = None
    ) -> dict[str, str]:
        """Set keys (None deletes one); returns the full merged config. Creates a release.

        With `if_match` (an ETag from `config_vars_versioned`) the update applies only if nothing
        changed the config since that read; otherwise PreconditionFailed (412).
        """
        path = f"/apps/{_seg(app)}/config-vars"
        headers = {"If-Match": if_match} if if_match else None
        page = self._transport.request(
            "PATCH", path, json=dict(changes), headers=headers, idempotency=Idempotency.IDEMPOTENT
        )
        return _parse(_config, page.body, f"PATCH {path}", server_request_id(page.headers))

    # -- buildpacks -----------------------------------------------------------------------------

    def buildpack_list(self, app: str) -> list[BuildpackInstallation]:
        path = f"/apps/{_seg(app)}/buildpack-installations"
        found = self._list(BuildpackInstallation.from_api, path)
        return sorted(found, key=lambda b: b.ordinal)

    def buildpack_replace(self, app: str, buildpacks: Iterable[str]) -> list[BuildpackInstallation]:
        """PUT the whole list in order (names, URLs or URNs); ``[]`` clears it."""
        updates = [{"buildpack": str(b)} for b in buildpacks]
        path = f"/apps/{_seg(app)}/buildpack-installations"
        found = self._many(BuildpackInstallation.from_api, "PUT", path, {"updates": updates})
        return sorted(found, key=lambda b: b.ordinal)

    # -- releases -------------------------------------------------------------------------------

    def release_list(
        self, app: str, newest_first: bool = False, limit: int | None = None
    ) -> list[Release]:
        """Releases by version; ``limit`` stops after that many (newest_first: the latest ones)."""
        order = "desc" if newest_first else "asc"
        size = MAX_PAGE if limit is None else max(1, min(limit, MAX_PAGE))
        rng = f"version ..; max={size}, order={order}"
        return self._list(Release.from_api, f"/apps/{_seg(app)}/releases", rng, limit)

    def release_info(self, app: str, id_or_version: str | int) -> Release:
        path = f"/apps/{_seg(app)}/releases/{_seg(id_or_version)}"
        return self._one(Release.from_api, "GET", path)

    def release_rollback(self, app: str, release_id: str) -> Release:
        """Roll back: a new release with that release's slug and config vars (POST
        /apps/{app}/releases {"release": id}, zdd/sandbox/platform-api-schema.json release/create).
        Not retried blindly: a second rollback is a second release."""
        path = f"/apps/{_seg(app)}/releases"
        return self._one(
            Release.from_api, "POST", path, {"release": release_id}, Idempotency.NON_IDEMPOTENT
        )

    def release_latest(self, app: str) -> Release | None:
        """The newest release (``Range: version ..; max=1, order=desc``); None if there is none."""
        found = self.release_list(app, newest_first=True, limit=1)
        return found[0] if found else None

    # -- dynos, sizes, account ------------------------------------------------------------------

    def dyno_list(self, app: str) -> list[Dyno]:
        return self._list(Dyno.from_api, f"/apps/{_seg(app)}/dynos")

    def dyno_size_list(self) -> list[DynoSize]:
        return self._list(DynoSize.from_api, "/dyno-sizes")

    def account_info(self) -> Account:
        return self._one(Account.from_api, "GET", "/account")

    def rate_limit(self) -> RateLimit:
        """GET /account/rate-limits (free: does not spend the budget)."""
        return self._one(RateLimit.from_api, "GET", "/account/rate-limits")

    def rate_limit_remaining(self) -> int:
        return self.rate_limit().remaining

    # -- OAuth authorizations -------------------------------------------------------------------

    def oauth_authorization_create(
        self,
        scope: Sequence[str] = ("read",),
        description: str | None = None,
        expires_in: int | None = None,
        *,
        retry_safe: bool = False,
    ) -> OAuthAuthorization:
        """POST a new authorization; its token is only in this response (``.access_token``).

        By default never retried once the request may have reached Heroku: a repeat would mint a
        second token. `retry_safe=True` is for a caller that marks the description (zdd.heroku.
        marks) and revokes the extra tokens a retry may leave: then 429s, 5xx and lost answers
        are retried like any idempotent write.
        """
        body: dict[str, Any] = {"scope": list(scope)}
        if description is not None:
            body["description"] = description
        if expires_in is not None:
            body["expires_in"] = int(expires_in)
        return self._one(
            lambda b: OAuthAuthorization.from_api(b, with_token=True),
            "POST",
            "/oauth/authorizations",
            body,
            Idempotency.IDEMPOTENT if retry_safe else Idempotency.NON_IDEMPOTENT,
        )

    def oauth_authorization_list(self) -> list[OAuthAuthorization]:
        return self._list(OAuthAuthorization.from_api, "/oauth/authorizations")

    def oauth_authorization_delete(self, id: str) -> None:
        """DELETE an authorization; a 404 after a retried attempt means the first one worked."""
        try:
            self._transport.request(
                "DELETE", f"/oauth/authorizations/{_seg(id)}", idempotency=Idempotency.IDEMPOTENT
            )
        except NotFound as exc:
            if exc.attempts <= 1:
                raise
