"""HerokuClient: one method per Platform API operation zdd uses, each returning typed models.

Methods are named ``<resource>_<action>`` after the API (heroku-go's convention). Every write here
sends absolute values, so each is marked idempotent for the transport's retry policy, except the
OAuth authorization create (a POST that mints a new token each time).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any
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
from zdd.heroku.transport import (
    Idempotency,
    RequestStats,
    Transport,
    api_base_url,
    netrc_machine,
)

__all__ = ["HerokuClient"]

MAX_PAGE = 1000
"""Heroku's largest page size; asking for it keeps list calls to one request in practice."""


def _seg(value: str | int) -> str:
    """One URL path segment (app, feature or process type name), percent-encoded."""
    text = str(value)
    if not text:
        raise ValueError("an empty name cannot be used in an API path")
    return quote(text, safe="")


def _expect_dict(body: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(body, Mapping):
        raise InvalidResponse(f"{what}: expected a JSON object, got {type(body).__name__}.")
    return body


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

    def _get(self, path: str) -> Any:
        return self._transport.request("GET", path).body

    def _write(self, method: str, path: str, body: Any) -> Any:
        return self._transport.request(
            method, path, json=body, idempotency=Idempotency.IDEMPOTENT
        ).body

    def _list(self, path: str, range_header: str | None = None, limit: int | None = None) -> list:
        return self._transport.request_all(path, range_header=range_header, limit=limit)

    # -- apps -----------------------------------------------------------------------------------

    def app_list(self) -> list[App]:
        return [App.from_api(b) for b in self._list("/apps")]

    def app_info(self, app: str) -> App:
        return App.from_api(_expect_dict(self._get(f"/apps/{_seg(app)}"), "GET app"))

    # -- features -------------------------------------------------------------------------------

    def feature_list(self, app: str) -> list[Feature]:
        return [Feature.from_api(b) for b in self._list(f"/apps/{_seg(app)}/features")]

    def feature_info(self, app: str, name: str) -> Feature:
        body = self._get(f"/apps/{_seg(app)}/features/{_seg(name)}")
        return Feature.from_api(_expect_dict(body, "GET feature"))

    def feature_update(self, app: str, name: str, enabled: bool) -> Feature:
        """PATCH {enabled}: a plain set, so repeating it is harmless (unlike `features:enable`)."""
        path = f"/apps/{_seg(app)}/features/{_seg(name)}"
        body = self._write("PATCH", path, {"enabled": bool(enabled)})
        return Feature.from_api(_expect_dict(body, "PATCH feature"))

    # -- formation ------------------------------------------------------------------------------

    def formation_list(self, app: str) -> list[Formation]:
        return [Formation.from_api(b) for b in self._list(f"/apps/{_seg(app)}/formation")]

    def formation_info(self, app: str, type: str) -> Formation:
        body = self._get(f"/apps/{_seg(app)}/formation/{_seg(type)}")
        return Formation.from_api(_expect_dict(body, "GET formation"))

    def formation_update(
        self, app: str, type: str, quantity: int | None = None, size: str | None = None
    ) -> Formation:
        """Set one process type's quantity and/or size (absolute values)."""
        item = FormationUpdate(type, quantity, size).to_api()
        item.pop("type")
        if not item:
            raise ValueError("formation_update needs a quantity or a size")
        body = self._write("PATCH", f"/apps/{_seg(app)}/formation/{_seg(type)}", item)
        return Formation.from_api(_expect_dict(body, "PATCH formation"))

    def formation_batch_update(
        self, app: str, updates: Sequence[FormationUpdate]
    ) -> list[Formation]:
        """Change several process types at once (needed to leave Eco/Basic: no mixing allowed)."""
        items = [u.to_api() for u in updates]
        if not items:
            raise ValueError("formation_batch_update needs at least one update")
        body = self._write("PATCH", f"/apps/{_seg(app)}/formation", {"updates": items})
        if not isinstance(body, list):
            raise InvalidResponse("PATCH formation: expected a JSON list of formations.")
        return [Formation.from_api(b) for b in body]

    # -- config vars ----------------------------------------------------------------------------

    def config_vars(self, app: str) -> dict[str, str]:
        body = _expect_dict(self._get(f"/apps/{_seg(app)}/config-vars"), "GET config-vars")
        return {str(k): str(v) for k, v in body.items() if v is not None}

    def config_vars_update(self, app: str, changes: Mapping[str, str | None]) -> dict[str, str]:
        """Set keys (None deletes one); returns the full merged config. Creates a release."""
        body = self._write("PATCH", f"/apps/{_seg(app)}/config-vars", dict(changes))
        body = _expect_dict(body, "PATCH config-vars")
        return {str(k): str(v) for k, v in body.items() if v is not None}

    # -- buildpacks -----------------------------------------------------------------------------

    def buildpack_list(self, app: str) -> list[BuildpackInstallation]:
        path = f"/apps/{_seg(app)}/buildpack-installations"
        found = [BuildpackInstallation.from_api(b) for b in self._list(path)]
        return sorted(found, key=lambda b: b.ordinal)

    def buildpack_replace(self, app: str, buildpacks: Iterable[str]) -> list[BuildpackInstallation]:
        """PUT the whole list in order (names, URLs or URNs); ``[]`` clears it."""
        updates = [{"buildpack": str(b)} for b in buildpacks]
        body = self._write(
            "PUT", f"/apps/{_seg(app)}/buildpack-installations", {"updates": updates}
        )
        if not isinstance(body, list):
            raise InvalidResponse("PUT buildpack-installations: expected a JSON list.")
        return sorted((BuildpackInstallation.from_api(b) for b in body), key=lambda b: b.ordinal)

    # -- releases -------------------------------------------------------------------------------

    def release_list(
        self, app: str, newest_first: bool = False, limit: int | None = None
    ) -> list[Release]:
        """Releases by version; ``limit`` stops after that many (newest_first: the latest ones)."""
        order = "desc" if newest_first else "asc"
        size = MAX_PAGE if limit is None else max(1, min(limit, MAX_PAGE))
        rng = f"version ..; max={size}, order={order}"
        body = self._list(f"/apps/{_seg(app)}/releases", rng, limit)
        return [Release.from_api(b) for b in body]

    def release_info(self, app: str, id_or_version: str | int) -> Release:
        body = self._get(f"/apps/{_seg(app)}/releases/{_seg(id_or_version)}")
        return Release.from_api(_expect_dict(body, "GET release"))

    def release_latest(self, app: str) -> Release | None:
        """The newest release (``Range: version ..; max=1, order=desc``); None if there is none."""
        found = self.release_list(app, newest_first=True, limit=1)
        return found[0] if found else None

    # -- dynos, sizes, account ------------------------------------------------------------------

    def dyno_list(self, app: str) -> list[Dyno]:
        return [Dyno.from_api(b) for b in self._list(f"/apps/{_seg(app)}/dynos")]

    def dyno_size_list(self) -> list[DynoSize]:
        return [DynoSize.from_api(b) for b in self._list("/dyno-sizes")]

    def account_info(self) -> Account:
        return Account.from_api(_expect_dict(self._get("/account"), "GET account"))

    def rate_limit(self) -> RateLimit:
        """GET /account/rate-limits (free: does not spend the budget)."""
        return RateLimit.from_api(
            _expect_dict(self._get("/account/rate-limits"), "GET rate-limits")
        )

    def rate_limit_remaining(self) -> int:
        return self.rate_limit().remaining

    # -- OAuth authorizations -------------------------------------------------------------------

    def oauth_authorization_create(
        self,
        scope: Sequence[str] = ("read",),
        description: str | None = None,
        expires_in: int | None = None,
    ) -> OAuthAuthorization:
        """POST a new authorization; its token is only in this response (``.access_token``).

        Never retried once the request may have reached Heroku: a repeat would mint a second token.
        """
        body: dict[str, Any] = {"scope": list(scope)}
        if description is not None:
            body["description"] = description
        if expires_in is not None:
            body["expires_in"] = int(expires_in)
        page = self._transport.request(
            "POST", "/oauth/authorizations", json=body, idempotency=Idempotency.NON_IDEMPOTENT
        )
        body = _expect_dict(page.body, "POST oauth authorization")
        return OAuthAuthorization.from_api(body, with_token=True)

    def oauth_authorization_list(self) -> list[OAuthAuthorization]:
        return [OAuthAuthorization.from_api(b) for b in self._list("/oauth/authorizations")]

    def oauth_authorization_delete(self, id: str) -> None:
        """DELETE an authorization; a 404 after a retried attempt means the first one worked."""
        try:
            self._transport.request(
                "DELETE", f"/oauth/authorizations/{_seg(id)}", idempotency=Idempotency.IDEMPOTENT
            )
        except NotFound as exc:
            if exc.attempts <= 1:
                raise
