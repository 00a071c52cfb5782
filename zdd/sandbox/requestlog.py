"""The request log: what the HTTP layer served, for tests and `GET /__sandbox/requests`.

It is about the wire, not the platform's state: only app.py writes it. The Platform holds one (as
it holds its FaultSet) so that code with only a Platform can read it (`platform.request_log()`).
"""

from __future__ import annotations

import threading


class RequestLog:
    """Every API request served, in order (status 0 = connection dropped); thread-safe.

    `authorization` is the id of the OAuth authorization whose token authenticated the request
    (None when none did): tests can tell which credential a client used, never the secret."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[dict] = []

    def record(self, method: str, path: str, status: int, authorization: str | None = None) -> None:
        entry = {"method": method, "path": path, "status": status, "authorization": authorization}
        with self._lock:
            self._entries.append(entry)

    def entries(self) -> list[dict]:
        with self._lock:
            return [dict(e) for e in self._entries]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
