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
    query: tuple[str, ...] = ()  # query parameters the handler reads (passed in path_params)
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
        # heroku3 sends `Range: id ..` on every list and the real API serves it; installations
        # have no id, so `id` pages in ordinal order (app.page falls back to the first field).
        ranges=("ordinal", "id"),
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
    Route(
        "GET",
        "/apps/{app}/dynos",
        lambda p, a, b: p.dyno_list(a["app"], extended=a.get("extended") == "true"),
        ranges=("id", "name"),
        query=("extended",),
    ),
    Route("GET", "/apps/{app}/dynos/{dyno}", lambda p, a, b: p.dyno_info(**a)),
    # Restarts and stops (`heroku ps:restart`, `ps:stop`): the schema's empty-object answers.
    Route(
        "DELETE",
        "/apps/{app}/dynos",
        lambda p, a, b: p.dyno_restart_all(a["app"]),
        scope="write",
        status=202,
    ),
    Route(
        "DELETE",
        "/apps/{app}/dynos/{dyno}",
        lambda p, a, b: p.dyno_restart(**a),
        scope="write",
        status=202,
    ),
    Route(
        "DELETE",
        "/apps/{app}/formations/{type}",
        lambda p, a, b: p.formation_restart(**a),
        scope="write",
        status=202,
    ),
    Route(
        "POST",
        "/apps/{app}/dynos/{dyno}/actions/stop",
        lambda p, a, b: p.dyno_stop(**a),
        scope="write",
        status=202,
    ),
    Route(
        "POST",
        "/apps/{app}/formations/{type}/actions/stop",
        lambda p, a, b: p.formation_stop(**a),
        scope="write",
        status=202,
    ),
    Route("PATCH", "/apps/{app}", lambda p, a, b: p.app_update(a["app"], b), scope="write"),
    Route(
        "GET",
        "/users/{user}/apps",
        lambda p, a, b: p.user_app_list(a["user"]),
        ranges=("id", "name", "updated_at"),
    ),
    Route("GET", "/apps/{app}/addons", lambda p, a, b: p.addon_list(a["app"]), ranges=ID_NAME),
    Route(
        "POST",
        "/apps/{app}/addons",
        lambda p, a, b: p.addon_create(a["app"], b),
        scope="write",
        status=201,
    ),
    Route(
        "DELETE",
        "/apps/{app}/addons/{addon}",
        lambda p, a, b: p.addon_delete(a["app"], a["addon"]),
        scope="write",
    ),
    Route(
        "GET",
        "/apps/{app}/collaborators",
        lambda p, a, b: p.collaborator_list(a["app"]),
        ranges=("id",),
    ),
    Route("GET", "/account/features", lambda p, a, b: p.account_feature_list(), scope="identity"),
    Route("GET", "/generations", lambda p, a, b: p.generation_list(), ranges=ID_NAME),
    Route("GET", "/generations/{generation}", lambda p, a, b: p.generation_info(a["generation"])),
    Route("GET", "/pipelines", lambda p, a, b: p.pipeline_list(), ranges=ID_NAME),
    Route("GET", "/pipelines/{pipeline}", lambda p, a, b: p.pipeline_info(a["pipeline"])),
    Route(
        "GET",
        "/pipelines/{pipeline}/pipeline-couplings",
        lambda p, a, b: p.pipeline_coupling_list(a["pipeline"]),
        ranges=("id",),
    ),
    Route(
        "GET", "/apps/{app}/pipeline-couplings", lambda p, a, b: p.app_pipeline_coupling(a["app"])
    ),
    Route("POST", "/filters/apps", lambda p, a, b: p.filter_apps(b), ranges=("id",)),
    Route(
        "POST",
        "/pipeline-promotions",
        lambda p, a, b: p.pipeline_promotion_create(b),
        scope="write",
        status=201,
    ),
    Route(
        "GET",
        "/pipeline-promotions/{promotion}",
        lambda p, a, b: p.pipeline_promotion_info(a["promotion"]),
    ),
    Route(
        "GET",
        "/pipeline-promotions/{promotion}/promotion-targets",
        lambda p, a, b: p.pipeline_promotion_targets(a["promotion"]),
        ranges=("id",),
    ),
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
