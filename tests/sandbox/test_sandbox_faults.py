"""Fault injection seen from a real client over a real loopback socket."""

import time

import httpx
import pytest

from zdd.sandbox.faults import FaultError, FaultSet


def test_status_fault_hits_the_next_n_matching_requests_only(api, sandbox):
    sandbox.platform.faults.add("status", "GET /apps/*/formation", count=2, status=503)
    assert api.get("/apps/zdd-demo").status_code == 200  # other routes untouched
    codes = [api.get("/apps/zdd-demo/formation").status_code for _ in range(3)]
    assert codes == [503, 503, 200]
    assert sandbox.platform.faults.pending() == []


def test_500_fault_has_a_json_error_body_and_request_id(api, sandbox):
    sandbox.platform.faults.add("status", status=500)
    r = api.get("/apps/zdd-demo")
    assert r.status_code == 500
    assert r.json()["id"] == "internal_server_error" and r.headers["Request-Id"]


def test_rate_limit_storm_returns_429_without_spending_tokens(api, sandbox):
    before = sandbox.platform.rate_limit_info()["remaining"]
    sandbox.platform.faults.add("rate_limit", count=3)
    responses = [api.get("/apps/zdd-demo/features") for _ in range(4)]
    assert [r.status_code for r in responses] == [429, 429, 429, 200]
    assert responses[0].json()["id"] == "rate_limit"
    assert sandbox.platform.rate_limit_info()["remaining"] == before - 1


def test_latency_fault_delays_the_answer(api, sandbox):
    sandbox.platform.faults.add("latency", "GET /apps/zdd-demo", seconds=0.3)
    start = time.perf_counter()
    assert api.get("/apps/zdd-demo").status_code == 200
    slow = time.perf_counter() - start
    start = time.perf_counter()
    api.get("/apps/zdd-demo")
    fast = time.perf_counter() - start
    assert slow >= 0.3 > fast


def test_latency_fault_trips_a_client_timeout(api, sandbox):
    sandbox.platform.faults.add("latency", seconds=0.4)
    with pytest.raises(httpx.ReadTimeout):
        api.get("/apps/zdd-demo", timeout=0.1)


def test_drop_closes_the_connection_without_a_response(api, sandbox):
    sandbox.platform.faults.add("drop", "PATCH /apps/*/formation/web")
    # An aborted socket reads as "disconnected without a response" or, when the reset wins the
    # race with the client's read, as a reset: both are a dropped connection.
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        api.patch("/apps/zdd-demo/formation/web", json={"quantity": 0})
    assert sandbox.platform.request_log()[-1] == {
        "method": "PATCH",
        "path": "/apps/zdd-demo/formation/web",
        "status": 0,
        "authorization": None,
    }
    # The dropped write was never applied, and the next request is served normally.
    assert api.get("/apps/zdd-demo/formation/web").json()["quantity"] == 1


def test_slow_body_trickles_the_full_body(api, sandbox):
    sandbox.platform.faults.add("slow_body", "GET /apps/zdd-demo/releases", seconds=0.4, chunks=4)
    start = time.perf_counter()
    r = api.get("/apps/zdd-demo/releases")
    assert time.perf_counter() - start >= 0.35
    assert r.status_code == 200 and r.json()[0]["version"] == 1
    with pytest.raises(httpx.ReadTimeout):
        # headers at once, then nothing for 0.5 s: the read times out inside the body (and the
        # server is done 0.3 s later, not 0.8 s: stopping it waits for the answer in flight)
        sandbox.platform.faults.add("slow_body", seconds=0.5, chunks=1)
        api.get("/apps/zdd-demo/releases", timeout=0.2)


def test_faults_over_the_control_endpoint(control, api):
    r = control.post("/faults", json={"route": "GET /account", "kind": "status", "status": 502})
    assert r.status_code == 201 and r.json()["status"] == 502
    assert control.get("/faults").json()[0]["route"] == "GET /account"
    assert api.get("/account").status_code == 502
    control.post("/faults", json={"kind": "rate_limit", "count": None})
    assert api.get("/account").status_code == 429
    assert api.get("/apps").status_code == 429
    assert control.delete("/faults").status_code == 200
    assert api.get("/apps").status_code == 200
    bad = control.post("/faults", json={"kind": "explode"})
    assert bad.status_code == 400 and "Unknown fault kind" in bad.json()["message"]
    assert control.post("/faults", json={"kind": "status", "colour": 1}).status_code == 400


def test_fault_route_globs():
    faults = FaultSet()
    f = faults.add("status", "PATCH /apps/*/formation", count=None)
    assert f.matches("PATCH", "/apps/x/formation")
    assert not f.matches("GET", "/apps/x/formation")
    assert not f.matches("PATCH", "/apps/x/formation/web")
    assert faults.add("latency", "/apps/*", seconds=1).matches("DELETE", "/apps/x")
    with pytest.raises(FaultError):
        faults.add("status", status=200)
    with pytest.raises(FaultError):
        faults.add("latency", seconds=0)
    with pytest.raises(FaultError):
        faults.add("drop", count=0)


def test_status_is_decided_by_the_http_layer_from_the_error_id():
    """state.py and rules.py raise Heroku ids only; app.ERROR_STATUS maps every id they use."""
    import re
    from pathlib import Path

    from zdd.sandbox import PlatformError
    from zdd.sandbox.app import ERROR_STATUS

    with pytest.raises(TypeError):
        PlatformError("invalid_params", "no status here", 422)
    source = Path(__file__).resolve().parents[2] / "zdd" / "sandbox"
    used = set()
    for name in ("state.py", "rules.py", "app.py", "seed.py", "control.py"):
        text = (source / name).read_text()
        used |= set(re.findall(r'PlatformError\(\s*"(\w+)"', text))
        assert not re.search(r"PlatformError\([^)]*\b[45]\d\d\b", text), name
    assert used >= {"unauthorized", "forbidden", "invalid_params", "not_found", "rate_limit"}
    assert used <= set(ERROR_STATUS), used - set(ERROR_STATUS)
