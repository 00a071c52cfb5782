"""The local router against real dynos: affinity cookie, H-codes when no dyno can serve, H12, H20,
the keepalive race. Each test runs the Python test app as real processes."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from tests.rehearse.support import PYTHON_FIRST_PATH
from zdd.runtime import LocalApp, Timing
from zdd.runtime.router import AFFINITY_COOKIE, CRASHED

pytestmark = pytest.mark.slow
ENV = {"PATH": PYTHON_FIRST_PATH}
T = Timing(
    boot_timeout_s=5,
    switch_delay_s=0.2,
    sigterm_grace_s=1.5,
    router_keepalive_s=5,
    request_timeout_s=1.0,
    queue_hold_s=2.0,
)


def code(response: httpx.Response) -> str | None:
    text = response.text
    return text.split("code=")[1][:3] if "code=" in text else None


@pytest.fixture
def app(python_app):
    with LocalApp(python_app, quantity=3, timing=T, env=ENV) as local:
        local.boot("v1")
        yield local


def test_affinity_cookie_keeps_a_client_on_one_dyno_and_moves_it_when_that_dyno_goes(app):
    with httpx.Client() as client:
        first = client.get(app.url)
        assert first.cookies.get(AFFINITY_COOKIE)
        dynos = {client.get(app.url).headers["x-zdd-dyno"] for _ in range(15)}
        assert dynos == {first.headers["x-zdd-dyno"]}
        app.table.set_state(f"v1/{first.headers['x-zdd-dyno']}", CRASHED)
        moved = client.get(app.url)
        assert moved.headers["x-zdd-dyno"] != first.headers["x-zdd-dyno"]
        assert moved.cookies.get(AFFINITY_COOKIE) not in (None, first.cookies.get(AFFINITY_COOKIE))
    with httpx.Client() as client:  # one client (not 30 TLS contexts), its cookie dropped each time
        seen = set()
        for _ in range(30):
            client.cookies.clear()
            seen.add(client.get(app.url).headers["x-zdd-dyno"])  # no cookie: at random
    assert len(seen) >= 2


def test_no_affinity_no_cookie(python_app):
    with LocalApp(python_app, quantity=1, timing=T, env=ENV, affinity=False) as local:
        local.boot("v1")
        assert AFFINITY_COOKIE not in httpx.get(local.url).headers.get("set-cookie", "")


def test_h12_when_the_answer_takes_longer_than_the_request_timeout(app):
    slow = httpx.get(app.url + "/slow?s=2", timeout=10)
    assert slow.status_code == 503 and code(slow) == "H12"
    assert "herokucdn.com/error-pages/application-error.html" in slow.text
    assert httpx.get(app.url).status_code == 200


def test_h10_when_every_dyno_crashed_and_h20_while_none_comes_up(app):
    for d in app.dynos:
        app.table.set_state(f"v1/{d.name}", CRASHED)
    crashed = httpx.get(app.url)
    assert crashed.status_code == 503 and code(crashed) == "H10"
    for d in app.dynos:
        app.table.set_state(f"v1/{d.name}", "starting")
    started = time.monotonic()
    held = httpx.get(app.url, timeout=10)
    assert code(held) == "H20" and time.monotonic() - started >= T.queue_hold_s - 0.05


def test_h14_with_no_web_dyno(python_app):
    with LocalApp(python_app, quantity=1, timing=T, env=ENV) as local:
        local.table.serve("v1")
        assert code(httpx.get(local.url)) == "H14"


def test_requests_are_held_through_a_restart_and_answered_by_the_new_release(app):
    answers: list[httpx.Response] = []

    def hammer() -> None:
        with httpx.Client(timeout=10) as c:
            for _ in range(40):
                answers.append(c.get(app.url))
                time.sleep(0.03)

    thread = threading.Thread(target=hammer)
    thread.start()
    time.sleep(0.2)
    app.deploy("v2", preboot=False)
    thread.join()
    assert all(a.status_code == 200 for a in answers), [code(a) for a in answers]
    assert answers[-1].headers["x-zdd-release"] == "v2"


def test_keepalive_race_h13_on_a_kept_alive_connection_the_app_closed(python_app):
    env = {**ENV, "FAULT_KEEPALIVE": "0.3"}
    with LocalApp(python_app, quantity=1, timing=T, env=env) as local:
        local.boot("v1")
        with httpx.Client() as client:
            assert client.get(local.url).status_code == 200
            time.sleep(0.8)  # the app closes its side after 0.3 s; the router keeps it 5 s
            raced = client.get(local.url)
        assert raced.status_code == 503 and code(raced) == "H13"
        closes = local.router.idle_closes
        assert closes and 0.25 < closes[0].idle_s < 1.0
        assert local.router.records()[-1].reused is True


def test_without_the_faithful_keepalive_the_pool_would_hide_the_race(python_app):
    """The control: httpcore's own liveness check drops the closed connection (not Router 2.0)."""
    env = {**ENV, "FAULT_KEEPALIVE": "0.3"}
    with LocalApp(python_app, quantity=1, timing=T, env=env, faithful_keepalive=False) as local:
        local.boot("v1")
        with httpx.Client() as client:
            client.get(local.url)
            time.sleep(0.8)
            assert client.get(local.url).status_code == 200
