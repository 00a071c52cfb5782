"""The Buildpack Registry lookup `heroku buildpacks:add heroku/<name>` makes, on the sandbox's port.

The CLI asks `GET $HEROKU_BUILDPACK_REGISTRY_URL/buildpacks/<namespace>%2F<name>` (no token) and
installs the `blob_url` it gets (heroku/cli src/lib/buildpacks/buildpacks.ts, @heroku/
buildpack-registry). This is the registry's own API, not the Platform API, so no schema covers
it; the body carries the fields the CLI reads plus the registry's usual identity fields.
"""

from __future__ import annotations

from .catalog import stable_id

REGISTRY_BLOB = "https://buildpack-registry.s3.amazonaws.com/buildpacks/{name}.tgz"
# Heroku's official classic buildpacks (https://devcenter.heroku.com/articles/buildpacks
# #officially-supported-buildpacks), by registry name.
OFFICIAL = (
    "heroku/clojure",
    "heroku/go",
    "heroku/gradle",
    "heroku/java",
    "heroku/jvm",
    "heroku/nodejs",
    "heroku/php",
    "heroku/python",
    "heroku/ruby",
    "heroku/scala",
)


def lookup(name: str) -> tuple[int, dict]:
    """(status, body) for `GET /buildpacks/<name>`."""
    if name not in OFFICIAL:
        return 404, {"id": "not_found", "message": f"Couldn't find buildpack {name}."}
    namespace, short = name.split("/", 1)
    return 200, {
        "id": stable_id("registry-buildpack", name),
        "namespace": namespace,
        "name": short,
        "blob_url": REGISTRY_BLOB.format(name=name),
        "description": f"Official Heroku buildpack for {short}",
        "support": {"method": "website", "url": "https://help.heroku.com"},
        "created_at": "2018-01-01T00:00:00Z",
        "updated_at": "2026-01-01T00:00:00Z",
    }
