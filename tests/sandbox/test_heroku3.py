"""heroku3 (the Python client) against the sandbox: its buildpack calls, which send
`Range: id ..` on every list (buildpack installations have no id)."""

import pytest

heroku3_api = pytest.importorskip("heroku3.api")
requests = pytest.importorskip("requests")


def connect(sandbox):
    session = requests.session()
    session.trust_env = False  # never a proxy or netrc from the machine
    conn = heroku3_api.Heroku(session=session)
    conn._heroku_url = sandbox.url  # heroku3 has no setting for the API URL
    assert conn.authenticate(sandbox.platform.global_token)
    return conn


def test_heroku3_lists_and_replaces_buildpacks(sandbox):
    app = connect(sandbox).apps()["zdd-demo"]
    assert [b.buildpack.url for b in app.buildpacks()] == ["urn:buildpack:heroku/java"]
    assert app.update_buildpacks(["heroku/jvm", "https://example.com/zdd-buildpack.tgz"])
    listed = app.buildpacks(limit=10)  # Range: id ..; max=10;
    assert [b.buildpack.url for b in listed] == [
        "urn:buildpack:heroku/jvm",
        "https://example.com/zdd-buildpack.tgz",
    ]
    ranges = [r for r in sandbox.platform.request_log() if "buildpack" in r["path"]]
    assert [r["status"] for r in ranges] == [200, 200, 200]
