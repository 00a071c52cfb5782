"""Every sandbox response validates against Heroku's published schema (the copy in zdd/sandbox).

Validation is stricter than plain JSON Schema: the schema's `strictProperties: true` (prmd/
interagent: every listed property present, no others) is enforced, and uuid/date-time formats are
checked. Exactly the documented real-API differences are tolerated (see TOLERATED).
"""

import copy
import json
import re
import uuid
from pathlib import Path

import jsonschema
import pytest

import zdd.sandbox
from zdd.sandbox.routes import ROUTES

SCHEMA_PATH = Path(zdd.sandbox.__file__).parent / "platform-api-schema.json"
SHARED_COPY = (
    Path(__file__).resolve().parents[2] / ".." / "shared" / "heroku" / "platform-api-schema.json"
)

# Real API differs from the schema here (platform-api.md §5.2): both fields are null in real
# responses although the schema types them as string. Nothing else is relaxed.
TOLERATED = [("app-feature", "display_name"), ("app-feature", "feedback_email")]


def load_schema() -> dict:
    schema = json.loads(SCHEMA_PATH.read_text())
    schema = copy.deepcopy(schema)
    for definition, field in TOLERATED:
        prop = schema["definitions"][definition]["definitions"][field]
        prop["type"] = ["string", "null"]
    return schema


SCHEMA = load_schema()


def strict_properties(validator, strict, instance, schema):
    if not strict or not validator.is_type(instance, "object") or "properties" not in schema:
        return
    listed = set(schema["properties"])
    for missing in sorted(listed - set(instance)):
        yield jsonschema.ValidationError(f"strictProperties: {missing!r} is missing")
    for extra in sorted(set(instance) - listed):
        yield jsonschema.ValidationError(f"strictProperties: unexpected property {extra!r}")


StrictDraft4 = jsonschema.validators.extend(
    jsonschema.Draft4Validator, {"strictProperties": strict_properties}
)
FORMATS = jsonschema.FormatChecker()


@FORMATS.checks("date-time")
def _is_heroku_time(value) -> bool:
    return not isinstance(value, str) or bool(
        re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", value)
    )


@FORMATS.checks("uuid", raises=ValueError)
def _is_uuid(value) -> bool:
    return not isinstance(value, str) or bool(uuid.UUID(value))


def _href_regex(href: str) -> re.Pattern:
    return re.compile("^" + re.sub(r"\{\([^}]*\)\}", "[^/]+", href) + "$")


LINKS = [
    (link["method"], _href_regex(link["href"]), link)
    for definition in SCHEMA["definitions"].values()
    for link in definition.get("links", [])
]


def link_for(method: str, path: str) -> dict:
    found = [link for m, rx, link in LINKS if m == method and rx.match(path)]
    assert found, f"no schema link for {method} {path}"
    return found[0]


def validate(method: str, path: str, body) -> None:
    link = link_for(method, path)
    target = link.get("targetSchema")
    assert target, f"schema link {method} {link['href']} has no targetSchema"
    validator = StrictDraft4(
        {"definitions": SCHEMA["definitions"], **target}, format_checker=FORMATS
    )
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
    assert not errors, f"{method} {path}: " + "; ".join(
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:5]
    )


def test_packaged_schema_is_the_shared_copy_byte_for_byte():
    if not SHARED_COPY.exists():
        pytest.skip("shared/heroku is not beside this clone")
    assert SCHEMA_PATH.read_bytes() == SHARED_COPY.read_bytes()


def test_every_sandbox_route_is_a_published_endpoint():
    for route in ROUTES:
        example = re.sub(r"\{\w+\}", "x", route.path)
        link_for(route.method, example)


def test_strict_validation_catches_a_missing_and_an_extra_field():
    """The validator itself can fail: drop one field, add one, break a uuid."""
    good = {"remaining": 5}
    validate("GET", "/account/rate-limits", good)
    with pytest.raises(AssertionError, match="unexpected property 'extra'"):
        validate("GET", "/account/rate-limits", {"remaining": 5, "extra": 1})
    with pytest.raises(AssertionError, match="'remaining' is missing"):
        validate("GET", "/account/rate-limits", {})
    feature = {
        "created_at": "2015-02-19T23:11:38Z",
        "description": "d",
        "doc_url": "u",
        "enabled": True,
        "id": "not-a-uuid",
        "name": "preboot",
        "state": "general",
        "updated_at": "2016-04-23T00:58:26Z",
        "display_name": None,
        "feedback_email": None,
    }
    with pytest.raises(AssertionError, match="id"):
        validate("GET", "/apps/a/features/preboot", feature)


def test_every_endpoint_response_validates(api, sandbox):
    """Walk every route, reads and writes, and validate each 2xx body."""
    platform = sandbox.platform
    app_id = platform.apps["zdd-demo"].id
    seen: set[tuple[str, str]] = set()

    def call(method: str, path: str, body=None, status=(200,)):
        r = api.request(method, path, json=body)
        assert r.status_code in status, (method, path, r.status_code, r.text)
        validate(method, path, r.json())
        seen.add(
            (
                method,
                next(
                    rt.path for rt in ROUTES if rt.method == method and rt.pattern.fullmatch(path)
                ),
            )
        )
        return r.json()

    call("GET", "/apps")
    call("GET", "/apps/zdd-demo")
    call("GET", f"/apps/{app_id}")
    call("GET", "/apps/zdd-demo/available-dyno-sizes")
    call("GET", "/apps/zdd-demo/features")
    call("GET", "/apps/zdd-demo/features/preboot")
    call("GET", "/apps/zdd-demo/formation")
    call("GET", "/apps/zdd-demo/formation/web")
    updates = [
        {"type": "web", "quantity": 2, "dyno_size": {"name": "Standard-2X"}},
        {"type": "worker", "dyno_size": {"name": "Standard-1X"}},
    ]
    call("PATCH", "/apps/zdd-demo/formation", {"updates": updates})
    call("PATCH", "/apps/zdd-demo/formation/web", {"quantity": 3})
    call("PATCH", "/apps/zdd-demo/features/preboot", {"enabled": True})
    call("PATCH", "/apps/zdd-demo/features/http-session-affinity", {"enabled": True})
    call("GET", "/apps/zdd-demo/config-vars")
    call("PATCH", "/apps/zdd-demo/config-vars", {"ZDD_APP": "zdd-demo", "JAVA_OPTS": None})
    call("GET", "/apps/zdd-demo/buildpack-installations")
    call(
        "PUT",
        "/apps/zdd-demo/buildpack-installations",
        {"updates": [{"buildpack": "heroku/jvm"}, {"buildpack": "https://example.com/zdd.tgz"}]},
    )
    releases = call("GET", "/apps/zdd-demo/releases")
    call("GET", f"/apps/zdd-demo/releases/{releases[0]['version']}")
    call("GET", f"/apps/zdd-demo/releases/{releases[-1]['id']}")
    call("GET", "/apps/zdd-demo/releases/1/config-vars")
    call("POST", "/apps/zdd-demo/releases", {"slug": str(uuid.uuid4())}, status=(201,))
    call("POST", "/apps/zdd-demo/releases", {"release": releases[-1]["id"]}, status=(201,))
    call("GET", "/apps/zdd-demo/dynos")
    call("GET", "/apps/zdd-demo/dynos/web.1")
    call("POST", "/apps/zdd-demo/dynos/web.1/actions/stop", status=(202,))
    call("POST", "/apps/zdd-demo/formations/worker/actions/stop", status=(202,))
    call("DELETE", "/apps/zdd-demo/dynos/web.1", status=(202,))
    call("DELETE", "/apps/zdd-demo/formations/web", status=(202,))
    call("DELETE", "/apps/zdd-demo/dynos", status=(202,))
    call("PATCH", "/apps/zdd-demo", {"maintenance": True})
    call("GET", "/users/~/apps")
    plan = {"plan": "heroku-postgresql:essential-0"}
    addon = call("POST", "/apps/zdd-demo/addons", plan, status=(201,))
    call("GET", "/apps/zdd-demo/addons")
    call("DELETE", f"/apps/zdd-demo/addons/{addon['id']}")
    call("GET", "/apps/zdd-demo/collaborators")
    call("GET", "/account/features")
    call("GET", "/generations")
    call("GET", "/generations/fir")
    prod = call("POST", "/apps", {"name": "zdd-prod"}, status=(201,))
    pipe = platform.add_pipeline("zdd-pipe", {"staging": ["zdd-demo"], "production": ["zdd-prod"]})
    call("GET", "/pipelines")
    call("GET", f"/pipelines/{pipe.id}")
    call("GET", f"/pipelines/{pipe.id}/pipeline-couplings")
    call("GET", "/apps/zdd-demo/pipeline-couplings")
    call("POST", "/filters/apps", {"in": {"id": [app_id, prod["id"]]}})
    promotion = {
        "pipeline": {"id": pipe.id},
        "source": {"app": {"id": app_id}},
        "targets": [{"app": {"id": prod["id"]}}],
    }
    promo = call("POST", "/pipeline-promotions", promotion, status=(201,))
    call("GET", f"/pipeline-promotions/{promo['id']}")
    call("GET", f"/pipeline-promotions/{promo['id']}/promotion-targets")
    call("GET", "/dyno-sizes")
    call("GET", "/dyno-sizes/standard-1x")
    call("GET", "/account")
    call("GET", "/account/rate-limits")
    auth = call(
        "POST", "/oauth/authorizations", {"scope": ["read"], "description": "t"}, status=(201,)
    )
    call("GET", "/oauth/authorizations")
    call("GET", f"/oauth/authorizations/{auth['id']}")
    call("DELETE", f"/oauth/authorizations/{auth['id']}")
    created = call("POST", "/apps", {"name": "made-by-api", "region": "eu"}, status=(201,))
    assert created["region"]["name"] == "eu"
    call("POST", "/apps", {}, status=(201,))
    call("DELETE", "/apps/made-by-api")
    assert seen == {(r.method, r.path) for r in ROUTES}, "some route was not walked"


def test_an_authorization_without_scope_is_global_as_the_cli_expects(api):
    """The schema requires `scope`, but `heroku authorizations:create` omits it without --scope
    and gets a global token from the real API; the sandbox does the same."""
    assert request_errors("POST", "/oauth/authorizations", {"description": "no scope"})
    made = api.post("/oauth/authorizations", json={"description": "x", "expires_in": "3600"})
    assert made.status_code == 201, made.text
    validate("POST", "/oauth/authorizations", made.json())
    assert made.json()["scope"] == ["global"]
    assert made.json()["access_token"]["expires_in"] == 3600


def test_extended_dynos_differ_from_the_schema_only_by_extended(api):
    dynos = api.get("/apps/zdd-demo/dynos?extended=true").json()
    assert dynos and all(set(d["extended"]) >= {"region", "instance", "ip", "port"} for d in dynos)
    validate(
        "GET",
        "/apps/zdd-demo/dynos",
        [{k: v for k, v in d.items() if k != "extended"} for d in dynos],
    )


def request_errors(method: str, path: str, body) -> list[str]:
    schema = link_for(method, path).get("schema")
    validator = StrictDraft4({"definitions": SCHEMA["definitions"], **schema})
    return [e.message for e in validator.iter_errors(body)]


SCHEMA_INVALID_BODIES = [
    ("PATCH", "/apps/zdd-demo/features/preboot", {}),
    ("PATCH", "/apps/zdd-demo/features/preboot", {"enabled": "yes"}),
    ("PATCH", "/apps/zdd-demo/formation", {}),
    ("PATCH", "/apps/zdd-demo/formation", {"updates": {"type": "web"}}),
    ("PATCH", "/apps/zdd-demo/formation", {"updates": [{"quantity": 2}]}),
    ("PATCH", "/apps/zdd-demo/formation", {"updates": [{"type": "web", "colour": "red"}]}),
    ("PATCH", "/apps/zdd-demo/formation/web", {"quantity": "two"}),
    ("PATCH", "/apps/zdd-demo/config-vars", {"N": 3}),
    ("PATCH", "/apps/zdd-demo/config-vars", {"BAD-NAME": "x"}),
    ("PUT", "/apps/zdd-demo/buildpack-installations", {}),
    ("PUT", "/apps/zdd-demo/buildpack-installations", {"updates": [{}]}),
    ("POST", "/apps/zdd-demo/releases", {}),
    ("POST", "/oauth/authorizations", {"scope": "global"}),
]


@pytest.mark.parametrize("method,path,body", SCHEMA_INVALID_BODIES)
def test_bodies_the_schema_refuses_are_refused(api, method, path, body):
    assert request_errors(method, path, body), "the schema should refuse this body"
    r = api.request(method, path, json=body)
    assert (r.status_code, r.json()["id"]) == (422, "invalid_params"), r.text


# The documented real-API difference (platform-api.md §5.3): the 2026 schema allows only
# `dyno_size` and integer quantities, but heroku/cli still sends `size` and string quantities,
# and the real API accepts them. The sandbox accepts exactly these forms too.
REAL_API_BODIES = [
    ("PATCH", "/apps/zdd-demo/formation", {"updates": [{"type": "web", "size": "basic"}]}),
    ("PATCH", "/apps/zdd-demo/formation", {"updates": [{"type": "web", "quantity": "1"}]}),
    ("PATCH", "/apps/zdd-demo/formation", {"updates": [{"type": "web", "quantity": "+0"}]}),
    ("PATCH", "/apps/zdd-demo/formation/web", {"size": "Basic", "quantity": "1"}),
]


@pytest.mark.parametrize("method,path,body", REAL_API_BODIES)
def test_legacy_bodies_outside_the_schema_are_accepted_like_the_real_api(api, method, path, body):
    assert request_errors(method, path, body), "this form is outside the schema"
    r = api.request(method, path, json=body)
    assert r.status_code == 200, r.text
    validate(method, path, r.json())


def test_dynos_in_a_preboot_window_and_rollback_releases_validate(serve, clock):
    from zdd.sandbox import Platform

    seed = {
        "apps": [
            {
                "name": "pb-app",
                "releases": 3,
                "formation": [{"type": "web", "quantity": 2, "size": "Standard-1X"}],
                "features": {"preboot": True},
                "preboot_in_progress_seconds": 30,
            }
        ]
    }
    client = serve(Platform.from_seed(seed, clock=clock))
    made = client.post("/apps/pb-app/releases", json={"release": "2"})
    assert made.status_code == 201
    validate("POST", "/apps/pb-app/releases", made.json())
    dynos = client.get("/apps/pb-app/dynos").json()
    assert sorted(d["state"] for d in dynos) == ["starting", "starting"]  # old ones hidden
    validate("GET", "/apps/pb-app/dynos", dynos)
    for d in dynos:
        validate("GET", f"/apps/pb-app/dynos/{d['id']}", d)
    validate("GET", "/apps/pb-app/releases", client.get("/apps/pb-app/releases").json())


def test_lifecycle_bodies_validate(serve, clock):
    """A pending release with its output stream, the release.N dyno, a Fir app and a space app."""
    from zdd.sandbox import Platform

    seed = {
        "apps": [
            {
                "name": "rp-app",
                "releases": 2,
                "release_command": "bin/migrate",
                "formation": [{"type": "web", "quantity": 1, "size": "Standard-1X"}],
            },
            {"name": "fir-app", "generation": "fir", "formation": [{"type": "web"}]},
            {"name": "ps-app", "formation": [{"type": "web", "quantity": 2, "size": "Shield-M"}]},
        ]
    }
    client = serve(Platform.from_seed(seed, clock=clock))
    made = client.post("/apps/rp-app/releases", json={"slug": str(uuid.uuid4())})
    assert made.json()["status"] == "pending" and made.json()["output_stream_url"]
    validate("POST", "/apps/rp-app/releases", made.json())
    dynos = client.get("/apps/rp-app/dynos").json()
    assert "release" in {d["type"] for d in dynos}
    validate("GET", "/apps/rp-app/dynos", dynos)
    for app in ("fir-app", "ps-app"):
        validate("GET", f"/apps/{app}", client.get(f"/apps/{app}").json())
        validate("GET", f"/apps/{app}/dynos", client.get(f"/apps/{app}/dynos").json())
        validate("GET", f"/apps/{app}/formation", client.get(f"/apps/{app}/formation").json())
    sizes = client.get("/apps/fir-app/available-dyno-sizes").json()
    validate("GET", "/apps/fir-app/available-dyno-sizes", sizes)
