"""Every error kind: its class, a human message, a remedy, the server Request-Id, no token."""

from __future__ import annotations

import logging

import httpx
import pytest
from client_helpers import TOKEN, api_error

from zdd.errors import (
    APIConnectionError,
    DeadlineExceeded,
    Forbidden,
    HerokuAPIError,
    InvalidParams,
    InvalidResponse,
    NotFound,
    PrebootInProgress,
    RateLimited,
    ServerError,
    Unauthorized,
    ZddError,
)
from zdd.heroku import FormationUpdate
from zdd.heroku.responses import error_from_response, resource_from_path


def raised(make_client, response, call=lambda c: c.app_info("myapp"), **kw):
    client = make_client(lambda r: response, max_retries=0, **kw)
    with pytest.raises(ZddError) as err:
        call(client)
    return err.value


def test_unauthorized(make_client):
    err = raised(make_client, api_error(401, "unauthorized", "Invalid credentials provided."))
    assert type(err) is Unauthorized
    assert err.status == 401 and err.id == "unauthorized"
    assert "Invalid credentials provided." in str(err)
    assert "heroku login" in err.remedy and "HEROKU_API_KEY" in err.remedy
    assert "Request-Id srv-401-id" in str(err)


@pytest.mark.parametrize(
    ("source", "words"),
    [
        ("HEROKU_API_KEY", "The token in HEROKU_API_KEY is invalid or expired"),
        ("netrc (~/.netrc)", "The token from netrc (~/.netrc) is invalid"),
        ("heroku auth:token", "run `heroku login` again"),
    ],
)
def test_unauthorized_remedy_names_the_token_source(make_client, source, words):
    err = raised(make_client, api_error(401, "unauthorized", "Invalid"), token_source=source)
    assert words in err.remedy and TOKEN not in str(err)


def test_forbidden_without_scope_headers(make_client):
    err = raised(make_client, api_error(403, "forbidden", "You do not have access to the app."))
    assert type(err) is Forbidden and not err.missing_scope
    assert "access" in err.remedy


def test_forbidden_for_missing_oauth_scope(make_client):
    response = httpx.Response(
        403,
        json={"id": "forbidden", "message": "This endpoint requires a different scope."},
        headers={
            "Oauth-Scope": "read",
            "Oauth-Scope-Accepted": "global read-protected write-protected",
            "Request-Id": "srv-scope",
        },
    )
    err = raised(make_client, response, call=lambda c: c.config_vars("myapp"))
    assert isinstance(err, Forbidden) and err.missing_scope
    assert err.token_scope == ("read",)
    assert "global read-protected write-protected" in err.remedy
    assert "heroku authorizations:create --scope write-protected" in err.remedy


@pytest.mark.parametrize(
    ("body", "path_call", "resource", "hint"),
    [
        (
            {"resource": "app", "message": "Couldn't find that app."},
            lambda c: c.app_info("nope"),
            "app",
            "heroku apps",
        ),
        (
            {"message": "Couldn't find that feature."},
            lambda c: c.feature_info("myapp", "preboot"),
            "feature",
            "heroku features --app myapp",
        ),
        (
            {"message": "Couldn't find that formation."},
            lambda c: c.formation_update("myapp", "web", quantity=2),
            "formation",
            "Procfile",
        ),
        ({"message": "Not here."}, lambda c: c.release_info("myapp", 42), "release", "releases"),
    ],
    ids=["app", "feature", "formation", "release-from-path"],
)
def test_not_found_names_the_resource(make_client, body, path_call, resource, hint):
    response = httpx.Response(404, json={"id": "not_found", **body}, headers={"Request-Id": "r404"})
    err = raised(make_client, response, call=path_call)
    assert type(err) is NotFound
    assert err.resource == resource
    assert hint in err.remedy
    assert "r404" in str(err)


def test_invalid_params_tier_mixing(make_client):
    msg = "Cannot use the following dyno types in the same app: Basic and Standard-1X"
    err = raised(
        make_client,
        api_error(422, "invalid_params", msg),
        call=lambda c: c.formation_update("myapp", "worker", size="Standard-1X"),
    )
    assert type(err) is InvalidParams
    assert msg in str(err)
    assert "one batch" in err.remedy


def test_invalid_params_basic_scale(make_client):
    msg = "Cannot update to more than 1 Basic size dynos per process type."
    err = raised(make_client, api_error(422, "invalid_params", msg))
    assert type(err) is InvalidParams and "Standard-1X" in err.remedy


@pytest.mark.parametrize("status", [422, 409, 400])
def test_preboot_in_progress_is_matched_by_message_whatever_the_status(make_client, status):
    msg = "Cannot change formation for a preboot app until preboot is complete"
    err = raised(
        make_client,
        api_error(status, "invalid_params", msg),
        call=lambda c: c.formation_batch_update("myapp", [FormationUpdate("web", 2)]),
    )
    assert type(err) is PrebootInProgress
    assert "Wait for the preboot" in err.remedy


def test_rate_limited_after_retries(make_client):
    response = api_error(429, "rate_limit", "Your account reached the API rate limit")
    client = make_client(lambda r: response, max_retries=2)
    with pytest.raises(RateLimited) as err:
        client.app_info("x")
    assert "75 requests/minute" in err.value.remedy
    assert "gave up after 3 attempts" in str(err.value)


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors(make_client, status):
    err = raised(make_client, api_error(status, "internal_server_error", "Internal server error."))
    assert type(err) is ServerError and err.status == status
    assert "status.heroku.com" in err.remedy


def test_5xx_with_html_body_is_a_server_error(make_client):
    err = raised(make_client, httpx.Response(503, text="<html>Application Error</html>"))
    assert type(err) is ServerError and "without a JSON error body" in str(err)


def test_non_json_success_body(make_client):
    err = raised(make_client, httpx.Response(200, text="<html>login page</html>"))
    assert type(err) is InvalidResponse
    assert "not JSON" in str(err) and "HEROKU_HOST" in err.remedy


def test_non_json_4xx_body_points_at_heroku_host(make_client):
    err = raised(make_client, httpx.Response(404, text="Not Found", headers={"Request-Id": "q1"}))
    assert type(err) is InvalidResponse and err.status == 404 and "q1" in str(err)


def test_other_statuses_are_generic_api_errors(make_client):
    err = raised(make_client, api_error(402, "delinquent", "Please verify your account."))
    assert type(err) is HerokuAPIError and "payment" in err.remedy


def test_error_without_server_request_id_uses_the_one_sent(make_client):
    seen = []

    def handler(request):
        seen.append(request.headers["Request-Id"])
        return httpx.Response(404, json={"id": "not_found", "message": "gone"})

    client = make_client(handler)
    with pytest.raises(NotFound) as err:
        client.app_info("x")
    assert seen[0] in str(err.value)


def test_connection_errors_are_api_connection_errors(make_client):
    def handler(request):
        raise httpx.ConnectError("[Errno 111] Connection refused")

    client = make_client(handler, max_retries=0)
    with pytest.raises(APIConnectionError) as err:
        client.account_info()
    assert "Connection refused" in str(err.value) and err.value.remedy


def test_resource_from_path():
    assert resource_from_path("/apps/x") == "app"
    assert resource_from_path("/apps/x/features/preboot") == "feature"
    assert resource_from_path("/apps/x/formation/web") == "formation"
    assert resource_from_path("/oauth/authorizations/1") == "authorization"


# -- the token never leaks -------------------------------------------------------------------------


ECHOING = [
    api_error(401, "unauthorized", f"Invalid token {TOKEN}"),
    api_error(404, "not_found", f"no app for {TOKEN}"),
    api_error(422, "invalid_params", f"bad {TOKEN}"),
    api_error(503, "unavailable", f"down {TOKEN}"),
    httpx.Response(200, text=f"<html>{TOKEN}</html>"),
    httpx.Response(404, text=f"Bearer {TOKEN}"),
]


@pytest.mark.parametrize("response", ECHOING, ids=["401", "404", "422", "503", "h200", "h404"])
def test_token_never_in_errors_reprs_or_logs(make_client, caplog, response):
    caplog.set_level(logging.DEBUG)
    client = make_client(lambda r: response, max_retries=1)
    with pytest.raises(ZddError) as err:
        client.app_info("x")
    exc = err.value
    texts = [str(exc), repr(exc), exc.message, exc.remedy or "", repr(client), caplog.text]
    texts += [str(a) for a in exc.args]
    for text in texts:
        assert TOKEN not in text
    assert "[redacted]" in str(exc)


def test_token_not_in_deadline_or_connection_errors(make_client, caplog, clock):
    caplog.set_level(logging.DEBUG)

    def handler(request):
        raise httpx.ConnectError(f"cannot reach with {TOKEN}")

    client = make_client(handler, deadline=1.0, max_retries=10)
    with pytest.raises((DeadlineExceeded, APIConnectionError)) as err:
        client.app_info("x")
    assert TOKEN not in str(err.value) and TOKEN not in caplog.text


def test_error_from_response_is_pure():
    err = error_from_response(
        404,
        {"request-id": "abc,def"},
        b'{"id":"not_found","message":"Couldn\'t find that app.","resource":"app"}',
        method="GET",
        path="/apps/x",
        token=TOKEN,
    )
    assert isinstance(err, NotFound) and err.request_id == "abc" and err.resource == "app"


def test_batch_formation_404_remedy_is_not_about_a_type_named_formation():
    body = b'{"id": "not_found", "resource": "formation", "message": "Couldn\'t find it."}'
    err = error_from_response(404, {}, body, method="PATCH", path="/apps/a/formation", token="t")
    assert "'formation'" not in err.remedy and "Procfile" in err.remedy
