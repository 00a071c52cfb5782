"""One TLS context for every HTTP client zdd makes.

httpx builds a fresh SSLContext (and loads the whole CA bundle) for each Client, about 0.2 s of CPU
each time. zdd makes several clients in one command (the API client, the companion URL check, the
probes) and one per poll in `zdd deploy`, so they share this one. It is remade when SSL_CERT_FILE or
SSL_CERT_DIR change, which httpx reads when it builds a context (trust_env).
"""

from __future__ import annotations

import os
import ssl
from functools import cache

import httpx


def ssl_context() -> ssl.SSLContext:
    """The shared context for the CA settings now in the environment (pass it as verify=)."""
    return _context_for(os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))


@cache
def _context_for(cert_file: str | None, cert_dir: str | None) -> ssl.SSLContext:
    return httpx.create_ssl_context(verify=True, trust_env=True)
