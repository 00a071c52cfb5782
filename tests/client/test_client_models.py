"""Models parse real observed bodies (platform-api.md) and refuse malformed ones cleanly."""

from __future__ import annotations

import httpx
import pytest

from zdd.errors import ConfigError, InvalidResponse, NotFound, ZddError
from zdd.heroku import App, Feature, Formation, OAuthAuthorization, Release

# Real 2018 feature object (gradle-heroku-plugin recordings, platform-api.md section 5.2)
REAL_FEATURE = {
    "created_at": "2015-02-19T23:11:38Z",
    "description": "Enable session affinity for all requests [general]",
    "doc_url": "https://devcenter.heroku.com/articles/session-affinity",
    "id": "52cb4f79-61a0-4d29-bafa-51ef7d801229",
    "name": "http-session-affinity",
    "state": "general",
    "updated_at": "2016-04-23T00:58:26Z",
    "display_name": None,
    "feedback_email": None,
    "enabled": True,
}
# Real 2018 formation response: legacy `size`, no dyno_size
REAL_FORMATION = {
    "app": {"id": "a", "name": "functional-test-app"},
    "command": "bin/example",
    "created_at": "2018-01-01T00:00:00Z",
    "id": "f",
    "type": "web",
    "quantity": 2,
    "size": "Standard-1X",
    "updated_at": "2018-01-01T00:00:00Z",
}


def test_real_feature():
    f = Feature.from_api(REAL_FEATURE)
    assert (f.name, f.enabled, f.state) == ("http-session-affinity", True, "general")
    assert f.raw is REAL_FEATURE


def test_real_formation_with_legacy_size():
    f = Formation.from_api(REAL_FORMATION)
    assert (f.type, f.quantity, f.size, f.app_name) == (
        "web",
        2,
        "Standard-1X",
        "functional-test-app",
    )


def test_app_with_null_sub_objects():
    app = App.from_api({"id": "1", "name": "x", "stack": None, "region": None, "owner": None})
    assert app.stack is None and app.region is None and app.owner_email is None


def test_release_without_slug_or_user():
    r = Release.from_api({"id": "r", "version": 3, "slug": None, "user": None})
    assert r.slug_id is None and r.user_email is None and r.current is False


def test_models_are_frozen_and_raw_is_out_of_equality():
    a = Feature.from_api(REAL_FEATURE)
    b = Feature.from_api({**REAL_FEATURE, "feedback_email": "x@example.com"})
    assert a == b  # same decided fields; raw differs
    with pytest.raises(AttributeError):
        a.enabled = False  # type: ignore[misc]


def test_oauth_token_kept_only_when_asked_and_never_in_raw():
    body = {"id": "o", "scope": ["read"], "access_token": {"token": "T0KEN", "expires_in": 60}}
    created = OAuthAuthorization.from_api(body, with_token=True)
    listed = OAuthAuthorization.from_api(body)
    assert created.access_token == "T0KEN" and listed.access_token is None
    for model in (created, listed):
        assert "T0KEN" not in repr(model) and "T0KEN" not in str(model.raw)
    assert body["access_token"]["token"] == "T0KEN"  # the caller's dict is not modified


@pytest.mark.parametrize(
    "body",
    [{"name": "x"}, ["not", "an", "object"], {"id": "1", "name": "x", "version": "abc"}, None],
    ids=["missing-id-ok-but-no-type", "list", "bad-int", "empty"],
)
def test_malformed_bodies_become_invalid_response(make_client, body):
    client = make_client(lambda r: httpx.Response(200, json=body, headers={"Request-Id": "m1"}))
    with pytest.raises(InvalidResponse) as err:
        client.formation_info("x", "web")
    assert "m1" in str(err.value) and "GET /apps/x/formation/web" in str(err.value)


def test_malformed_list_items_become_invalid_response(make_client):
    client = make_client(lambda r: httpx.Response(200, json=[{"id": "d"}]))
    with pytest.raises(InvalidResponse, match="missing field 'name'"):
        client.dyno_list("x")


def test_error_string_has_message_and_next_step():
    err = NotFound(404, "not_found", "Couldn't find that app.", None, "rid", remedy="Check --app")
    assert (
        str(err)
        == "Couldn't find that app. (HTTP 404 not_found, Request-Id rid)\nNext: Check --app"
    )
    assert isinstance(err, ZddError) and err.attempts == 1
    assert str(ConfigError("plain")) == "plain"
