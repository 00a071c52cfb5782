"""A uvicorn server on an already bound socket, in a daemon thread: how the sandbox and the
rehearsal's router serve (each owns its socket, its uvicorn settings and how it stops)."""

from __future__ import annotations

import socket
import threading
import time
from typing import Protocol


class Serving(Protocol):
    """What of uvicorn.Server this needs."""

    started: bool
    should_exit: bool

    def run(self, sockets: list[socket.socket] | None = None) -> None: ...


def serve_in_thread(
    server: Serving, sock: socket.socket, *, name: str, timeout: float
) -> threading.Thread:
    """Start `server.run(sockets=[sock])` in a daemon thread named `name`; return the thread once
    the server has started. TimeoutError when it has not within `timeout` seconds or its thread
    died first (the thread is told to exit and joined before the error)."""
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name=name, daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            thread.join(timeout=5)
            raise TimeoutError(f"{name} did not start within {timeout:g}s")
        time.sleep(0.002)
    return thread
