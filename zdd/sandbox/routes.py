"""The Platform API routes the sandbox serves: path, scope kind, sortable fields, handler.

Each handler is `(platform, path_params, json_body) -> payload`; identities in paths are ids or
names, resolved by the Platform. `scope` names a row of catalog.ACCEPTED_SCOPES; `ranges` lists
the Range sort fields (first = default) for list endpoints; `free` endpoints cost no rate limit.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from .rules import invalid


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    handler: Callable
    scope: str = "read"
    ranges: tuple[str, ...] = ()
    status: int = 200
    free: bool = False
    pattern: re.Pattern = field(init=False, compare=False)

    def __post_init__(self) -> None:
        regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", self.path)
        object.__setattr__(self, "pattern", re.compile(regex))


def _body_field(body, name: str):
    if not isinstance(body, dict) or name not in body:
        raise invalid(f"Invalid params: '{name}' is required.")
    return body[name]


ID_NAME = ("id", "name")

ROUTES: tuple[Route, ...] = (
    Route("GET", "/apps", lambda p, a, b: p.app_list(), ranges=("id", "name", "updated_at")),
    Route("POST", "/apps", lambda p, a, b: p.app_create(b), scope="write", status=201),
    Route("GET", "/apps/{app}", lambda p, a, b: p.app_info(a["app"])),
    Route("DELETE", "/apps/{app}", lambda p, a, b: p.app_delete(a["app"]), scope="write"),
    Route(
        "GET",
        "/apps/{app}/available-dyno-sizes",
        lambda p, a, b: p.app_available_dyno_sizes(a["app"]),
        ranges=("id", "name"),
    ),
    Route("GET", "/apps/{app}/features", lambda p, a, b: p.feature_list(a["app"]), ranges=ID_NAME),
    Route("GET", "/apps/{app}/features/{feature}", lambda p, a, b: p.feature_info(**a)),
    Route(
        "PATCH",
        "/apps/{app}/features/{feature}",
        lambda p, a, b: p.feature_update(a["app"], a["feature"], _body_field(b, "enabled")),
        scope="write",
    ),
    Route(
        "GET",
        "/apps/{app}/formation",
        lambda p, a, b: p.formation_list(a["app"]),
        ranges=("id", "type"),
    ),
    Route(
        "PATCH",
        "/apps/{app}/formation",
        lambda p, a, b: p.formation_batch_update(a["app"], _body_field(b, "updates")),
        scope="write",
    ),
    Route("GET", "/apps/{app}/formation/{type}", lambda p, a, b: p.formation_info(**a)),
    Route(
        "PATCH",
        "/apps/{app}/formation/{type}",
        lambda p, a, b: p.formation_update(a["app"], a["type"], b if isinstance(b, dict) else {}),
        scope="write",
    ),
    Route(
        "GET",
        "/apps/{app}/config-vars",
        lambda p, a, b: p.config_var_info_for_app(a["app"]),
        scope="read-protected",
    ),
    Route(
        "PATCH",
        "/apps/{app}/config-vars",
        lambda p, a, b: p.config_var_update(a["app"], b),
        scope="write-protected",
    ),
    Route(
        "GET",
        "/apps/{app}/buildpack-installations",
        lambda p, a, b: p.buildpack_installation_list(a["app"]),
        ranges=("ordinal",),
    ),
    Route(
        "PUT",
        "/apps/{app}/buildpack-installations",
        lambda p, a, b: p.buildpack_installation_update(a["app"], _body_field(b, "updates")),
        scope="write-protected",
    ),
    Route(
        "GET",
        "/apps/{app}/releases",
        lambda p, a, b: p.release_list(a["app"]),
        ranges=("version", "id"),
    ),
    Route(
        "POST",
        "/apps/{app}/releases",
        lambda p, a, b: p.release_create(a["app"], b),
        scope="write",
        status=201,
    ),
    Route("GET", "/apps/{app}/releases/{release}", lambda p, a, b: p.release_info(**a)),
    Route(
        "GET",
        "/apps/{app}/releases/{release}/config-vars",
        lambda p, a, b: p.config_var_info_for_app_release(**a),
        scope="read-protected",
    ),
    Route("GET", "/apps/{app}/dynos", lambda p, a, b: p.dyno_list(a["app"]), ranges=("id", "name")),
    Route("GET", "/apps/{app}/dynos/{dyno}", lambda p, a, b: p.dyno_info(**a)),
    Route("GET", "/dyno-sizes", lambda p, a, b: p.dyno_size_list(), ranges=("id", "name")),
    Route("GET", "/dyno-sizes/{size}", lambda p, a, b: p.dyno_size_info(a["size"])),
    Route("GET", "/account", lambda p, a, b: p.account_info(), scope="identity"),
    # Free: "Requests to this endpoint do not count towards the rate limit" (schema).
    Route(
        "GET",
        "/account/rate-limits",
        lambda p, a, b: p.rate_limit_info(),
        scope="identity",
        free=True,
    ),
    Route(
        "POST",
        "/oauth/authorizations",
        lambda p, a, b: p.oauth_authorization_create(b),
        scope="global",
        status=201,
    ),
    Route(
        "GET",
        "/oauth/authorizations",
        lambda p, a, b: p.oauth_authorization_list(),
        scope="global",
        ranges=("id",),
    ),
    Route(
        "GET",
        "/oauth/authorizations/{auth}",
        lambda p, a, b: p.oauth_authorization_info(a["auth"]),
        scope="global",
    ),
    Route(
        "DELETE",
        "/oauth/authorizations/{auth}",
        lambda p, a, b: p.oauth_authorization_delete(a["auth"]),
        scope="global",
    ),
)
