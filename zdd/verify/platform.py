"""With --app: what the Platform API said during the probe (release versions, dyno states).

A background thread polls `release_latest` and `dyno_list` at a low rate (10 s by default: two
requests per poll stay far below the API's ~75/min refill) and keeps the changes. Each poll gets a
fresh client deadline (the client's deadline is a total budget, so a run longer than it would
otherwise fail every later poll). Errors, API or not, are recorded, never fatal: the probe's
verdict does not depend on the API.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime

from zdd.errors import ZddError

POLL_DEADLINE_S = 30.0  # one poll (two requests, with retries) gets this long
# A poll in flight at stop time gets this long to finish (a little more than its deadline).
JOIN_TIMEOUT_S = POLL_DEADLINE_S + 5.0


def client_from_env():
    """HerokuClient.from_env() with a short deadline; each poll restarts it (`PlatformWatcher`)."""
    from zdd.heroku import HerokuClient

    return HerokuClient.from_env(deadline=POLL_DEADLINE_S)


class PlatformWatcher:
    """Polls one app's latest release and dynos; `stop()` returns the observations as a dict."""

    def __init__(
        self,
        client,
        app: str,
        *,
        interval_s: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
        poll_deadline_s: float = POLL_DEADLINE_S,
        join_timeout_s: float = JOIN_TIMEOUT_S,
    ) -> None:
        self.client = client
        self.app = app
        self.interval_s = interval_s
        self.clock = clock
        self.poll_deadline_s = poll_deadline_s
        self.join_timeout_s = join_timeout_s
        self._t0 = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.polls: list[dict] = []
        self.events: list[dict] = []
        self.errors: list[dict] = []
        self._last_release: tuple | None = None
        self._last_dynos: dict | None = None
        self._wall0 = time.time()

    def start(self, t0: float) -> None:
        self._t0 = t0
        self._wall0 = time.time() - (self.clock() - t0)  # wall-clock time of the probe's start
        self._thread = threading.Thread(target=self._loop, name="zdd-platform", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while True:
            self.poll()
            if self._stop.wait(self.interval_s):
                return

    def poll(self) -> None:
        """One look at the app; appends to polls, and to events when something changed."""
        at = round(self.clock() - self._t0, 3)
        restart = getattr(self.client, "restart_deadline", None)
        if restart is not None:  # the client's deadline is a total budget: one per poll
            restart(self.poll_deadline_s)
        try:
            release = self.client.release_latest(self.app)
            dynos = self.client.dyno_list(self.app)
        except ZddError as exc:
            self._error(at, str(exc))
            return
        except Exception as exc:  # noqa: BLE001 - a bug or a broken client must not end polling silently
            self._error(at, f"{type(exc).__name__}: {exc}")
            return
        states = {
            d.name: f"{d.state or '?'} v{d.release_version}" if d.release_version else d.state
            for d in sorted(dynos, key=lambda d: d.name)
        }
        poll = {"at_s": at, "dynos": states}
        if release is not None:
            poll.update(release=release.version, status=release.status)
            key = (release.version, release.status)
            if key != self._last_release:
                self.events.append(
                    {
                        "type": "release",
                        "at_s": at,
                        "version": release.version,
                        "status": release.status,
                        "description": release.description,
                        "created_s": self._probe_time(release.created_at),
                    }
                )
                self._last_release = key
        if states != self._last_dynos:
            self.events.append({"type": "dynos", "at_s": at, "dynos": states})
            self._last_dynos = states
        self.polls.append(poll)

    def _error(self, at: float, message: str) -> None:
        first = (message.splitlines() or [""])[0]
        self.errors.append({"at_s": at, "message": first[:300]})

    def _probe_time(self, iso: str | None) -> float | None:
        """An API timestamp as seconds since the probe started (negative: before it)."""
        if not iso:
            return None
        try:
            when = datetime.fromisoformat(iso.replace("Z", "+00:00"))
        except ValueError:
            return None
        # API timestamps are whole seconds (truncated): the middle of that second is the best guess
        middle = 0.5 if "." not in iso else 0.0
        return round(when.timestamp() + middle - self._wall0, 3)

    def stop(self) -> dict:
        """Stop polling, take a last look (the state after the deploy), return what was seen."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.join_timeout_s)
            if self._thread.is_alive():  # a poll still hangs: a second one would race with it
                at = round(self.clock() - self._t0, 3)
                self._error(at, "no final poll: the previous one was still waiting for the API")
            else:
                self.poll()
        stats = getattr(self.client, "stats", None)
        return {
            "app": self.app,
            "interval_s": self.interval_s,
            "api_requests": getattr(stats, "requests", None),
            "polls": self.polls,
            "events": self.events,
            "errors": self.errors,
        }
