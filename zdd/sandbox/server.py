"""SandboxServer: the sandbox on a real loopback socket, served by uvicorn in a thread.

Like moto's ThreadedMotoServer: `SandboxServer(platform, port=0).start()` binds first (so `.url`
is known at once, with the port the OS picked), then serves until `.stop()`.
"""

from __future__ import annotations

import asyncio
import socket
import threading

import uvicorn

from zdd.loopback import is_loopback
from zdd.server_thread import serve_in_thread

from .app import create_app
from .state import Platform


class SandboxError(RuntimeError):
    """The sandbox could not start (address in use, non-loopback host refused...)."""


class _Server(uvicorn.Server):
    """uvicorn polls `should_exit` every 0.1 s; `wake()` lets stop() end the wait at once."""

    async def main_loop(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        counter = 0
        while not await self.on_tick(counter):
            counter = (counter + 1) % 864000
            try:
                await asyncio.wait_for(self._wake.wait(), 0.1)
            except TimeoutError:
                pass

    def wake(self) -> None:
        self.should_exit = True
        loop = getattr(self, "_loop", None)
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._wake.set)


class SandboxServer:
    """One sandbox HTTP server; also a context manager."""

    def __init__(
        self,
        platform: Platform | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        allow_remote: bool = False,
        sock: socket.socket | None = None,
    ) -> None:
        """`sock`: an already bound, listening loopback socket to serve on (tests make one inside
        a private network namespace, so the real Heroku CLI can reach nothing else)."""
        if not allow_remote and not is_loopback(host):
            raise SandboxError(
                f"Refusing to listen on {host}: the sandbox accepts any seeded token and serves "
                "its control API without one, so it listens on loopback only. Pass "
                "allow_remote=True (--allow-remote) if you really mean it."
            )
        self.platform = platform or Platform.demo()
        self.host, self.port = host, port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._sock: socket.socket | None = None
        self._given_sock = sock
        if sock is not None:
            self.host, self.port = sock.getsockname()[:2]

    @property
    def url(self) -> str:
        if self._sock is None:
            raise SandboxError("The sandbox is not started; call .start() first.")
        host = self.host if ":" not in self.host else f"[{self.host}]"
        return f"http://{host}:{self.port}"

    def start(self, timeout: float = 10.0) -> SandboxServer:
        sock = self._given_sock or self._bind()
        self._sock = sock
        self.port = sock.getsockname()[1]
        self.platform.base_url = self.url  # release output_stream_url points here
        config = uvicorn.Config(
            create_app(self.platform),
            http="h11",
            lifespan="off",
            log_level="critical",
            access_log=False,
            # stop() cuts what is still in flight after 0.25 s: that is a latency or slow-body
            # fault's handler whose client gave up long ago (tests stop a sandbox per module)
            timeout_graceful_shutdown=0.25,
        )
        self._server = _Server(config)
        try:
            self._thread = serve_in_thread(self._server, sock, name="zdd-sandbox", timeout=timeout)
        except TimeoutError:
            self.stop()
            raise SandboxError(f"The sandbox did not start on {self.host}:{self.port}.") from None
        return self

    def _bind(self) -> socket.socket:
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        # proto must be IPPROTO_TCP, not 0: asyncio only sets TCP_NODELAY on accepted sockets
        # whose proto says TCP, and without it every response waits ~40 ms for a delayed ACK.
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self.port))
        except OSError as exc:
            sock.close()
            raise SandboxError(
                f"Cannot listen on {self.host}:{self.port}: {exc.strerror}. "
                "Pick another port, or --port 0 for any free one."
            ) from exc
        sock.listen(128)
        return sock

    def stop(self) -> None:
        if self._server is not None:
            self._server.wake()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._sock is not None:
            self._sock.close()
        self._server = self._thread = None
        self.platform.close()  # real dyno processes (app_dir apps) end with the server

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
