"""The router's side of its connections to dynos: an httpcore pool with a watched network backend.

Router 2.0 keeps idle connections to dynos open (keepalive) and reuses them without first checking
whether the dyno closed them; when the app's own idle timeout is shorter, the next request on such a
connection fails (H13, or H18 after a partial answer):
https://help.heroku.com/Y6M4QI4V/how-do-i-fix-new-h18-or-h13-errors-that-have-started-since-switching-to-router-2-0
httpcore does check (an idle socket that turned readable is dropped), which would hide exactly that
race, so `WatchedStream` answers "not readable" like Heroku's router (faithful mode) and the
`IdleWatch` records every idle connection the app closed, with how long it had been idle.
"""

from __future__ import annotations

import socket
import threading
import time
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import httpcore


@dataclass(frozen=True)
class IdleClose:
    """The app closed an idle keep-alive connection: which dyno port, when, after how long idle."""

    port: int
    at: float
    idle_s: float


def socket_at_eof(sock: socket.socket | None) -> bool:
    """True when the peer closed the socket (a peek reads end of file, or a reset)."""
    if sock is None:
        return False
    fd = sock.fileno()
    if fd < 0:
        return True
    peek = socket.fromfd(fd, socket.AF_INET, socket.SOCK_STREAM)  # asyncio's wrapper cannot recv
    try:
        return peek.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
    except (BlockingIOError, InterruptedError):
        return False
    except OSError:  # reset by peer, or already closed
        return True
    finally:
        peek.close()


class WatchedStream(httpcore.AsyncNetworkStream):
    def __init__(self, inner: httpcore.AsyncNetworkStream, port: int, watch: IdleWatch) -> None:
        self.inner = inner
        self.port = port
        self.watch = watch
        now = watch.clock()
        self.last_write = now
        self.last_read = now
        self.read_since_write = False
        self.closed = False
        self.reported = False

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        data = await self.inner.read(max_bytes, timeout)
        self.last_read = self.watch.clock()
        self.read_since_write = True
        return data

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.last_write = self.watch.clock()
        self.read_since_write = False
        await self.inner.write(buffer, timeout)

    async def aclose(self) -> None:
        self.closed = True
        await self.inner.aclose()

    async def start_tls(self, *args, **kwargs) -> httpcore.AsyncNetworkStream:
        raise NotImplementedError("the local router talks plain HTTP to dynos")

    def get_extra_info(self, info: str):
        if info == "is_readable" and self.watch.faithful:
            return False  # like Router 2.0: an idle connection is reused without looking
        return self.inner.get_extra_info(info)

    def idle(self) -> bool:
        """An answer came back after the last request was written: nothing is in flight.
        (A body still streaming in is read before it would look idle; an unread rest is data,
        not end of file, so the EOF peek does not mistake it for a close.)"""
        return not self.closed and self.read_since_write

    def sock(self) -> socket.socket | None:
        return self.inner.get_extra_info("socket")


class IdleWatch:
    """Every upstream connection, and the idle ones the app closed (looked at every `every_s`)."""

    def __init__(
        self, *, faithful: bool = True, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.faithful = faithful
        self.clock = clock
        self._streams: weakref.WeakSet[WatchedStream] = weakref.WeakSet()
        self._lock = threading.Lock()
        self.closes: list[IdleClose] = []
        self.connections_opened = 0
        self.longest_idle_s = 0.0  # the longest a connection was seen idle and still open

    def add(self, stream: WatchedStream) -> None:
        with self._lock:
            self._streams.add(stream)
            self.connections_opened += 1

    def scan(self) -> list[IdleClose]:
        """Record the idle connections the app closed since the last scan."""
        now = self.clock()
        found = []
        for stream in list(self._streams):
            if stream.reported or not stream.idle():
                continue
            if socket_at_eof(stream.sock()):
                stream.reported = True
                found.append(IdleClose(stream.port, now, now - stream.last_read))
            else:
                self.longest_idle_s = max(self.longest_idle_s, now - stream.last_read)
        with self._lock:
            self.closes.extend(found)
        return found

    def closes_for(self, ports: Iterable[int]) -> list[IdleClose]:
        wanted = set(ports)
        with self._lock:
            return [c for c in self.closes if c.port in wanted]


class WatchedBackend(httpcore.AsyncNetworkBackend):
    def __init__(self, watch: IdleWatch) -> None:
        self.inner = httpcore.AnyIOBackend()
        self.watch = watch

    async def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        stream = await self.inner.connect_tcp(host, port, timeout, local_address, socket_options)
        watched = WatchedStream(stream, port, self.watch)
        self.watch.add(watched)
        return watched

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


def make_pool(keepalive_s: float, watch: IdleWatch) -> httpcore.AsyncConnectionPool:
    return httpcore.AsyncConnectionPool(
        max_connections=500,
        max_keepalive_connections=500,
        keepalive_expiry=keepalive_s,
        network_backend=WatchedBackend(watch),
        retries=0,
    )
