"""zdd's HTTP clients share one TLS context, remade when the CA settings change (zdd/tls.py)."""

import certifi

from zdd.heroku.client import HerokuClient
from zdd.tls import ssl_context


def test_one_context_serves_every_client_until_the_ca_settings_change(monkeypatch):
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    first = ssl_context()
    assert ssl_context() is first
    monkeypatch.setenv("SSL_CERT_FILE", certifi.where())
    other = ssl_context()
    assert other is not first and ssl_context() is other
    monkeypatch.delenv("SSL_CERT_FILE")
    assert ssl_context() is first


def test_the_api_client_verifies_with_the_shared_context():
    with HerokuClient("https://api.heroku.com", "t" * 36) as client:
        # the context httpx's connection pool makes its TLS connections with
        pool = client._transport._http._transport._pool
        assert pool._ssl_context is ssl_context()
