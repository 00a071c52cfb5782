"""The request log: what the HTTP layer served, for tests and `GET /__sandbox/requests`.

It is about the wire, not the platform's state: only app.py writes it. The Platform holds one (as
it holds its FaultSet) so that code with only a Platform can read it (`platform.request_log()`).
"""

from __future__ import annotations

import threading


class RequestLog:
    """Every API request served, in order (status 0 = connection dropped); thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[dict] = []

    def record(self, method: str, path: str, status: int) -> None:
        with self._lock:
            self._entries.append({"method": method, "path": path, "status": status})

    def entries(self) -> list[dict]:
        with self._lock:
            return [dict(e) for e in self._entries]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
