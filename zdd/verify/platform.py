"""With --app: what the Platform API said during the probe (release versions, dyno states).

A background thread polls `release_latest` and `dyno_list` at a low rate (10 s by default: two
requests per poll stay far below the API's ~75/min refill) and keeps the changes. Each poll gets a
fresh client deadline (the client's deadline is a total budget, so a run longer than it would
otherwise fail every later poll). Errors, API or not, are recorded, never fatal: the probe's
verdict does not depend on the API.

Against the local sandbox (a loopback API URL) it also reads the sandbox's router view
(`/__sandbox/apps/{app}/router`, outside the Heroku API): which release the router sent traffic to
at each instant. The last look's timeline, moved onto the probe's time line, gives the platform's
own switch-over time and any gap with no web dyno serving. A real Heroku API has no such view.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime

from zdd.errors import ZddError
from zdd.loopback import is_loopback

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
        self.router: dict | None = None  # the sandbox's last router view, when there is one
        self._created: dict[int, str | None] = {}  # release version -> API created_at
        self._router_url = sandbox_router_url(client, app)

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
                self._created[release.version] = release.created_at
                self._last_release = key
        if states != self._last_dynos:
            self.events.append({"type": "dynos", "at_s": at, "dynos": states})
            self._last_dynos = states
        self.polls.append(poll)
        if self._router_url:
            self._poll_router(at)

    def _poll_router(self, at: float) -> None:
        """One look at the sandbox's router view; kept with the probe time it was taken at."""
        import httpx

        try:
            response = httpx.get(self._router_url, timeout=5.0, trust_env=False)
            response.raise_for_status()
            view = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            self._error(at, f"sandbox router view: {exc}")
            return
        self.router = {"at_s": at, "view": view}

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
        out = {
            "app": self.app,
            "interval_s": self.interval_s,
            "api_requests": getattr(stats, "requests", None),
            "polls": self.polls,
            "events": self.events,
            "errors": self.errors,
        }
        if self.router is not None:
            view, seen = self.router["view"], self.router["at_s"]
            out["router"] = router_on_probe_time(view, seen)
            self._sandbox_created_times(view, seen)
        return out

    def _sandbox_created_times(self, view: dict, seen_at_s: float) -> None:
        """On a sandbox whose clock runs faster than real time, API timestamps are sandbox time:
        place releases with the router view's clock (its `now` was probe time `seen_at_s`)."""
        factor = view.get("clock_factor") or 1.0
        if factor == 1.0:
            return
        for event in self.events:
            stamp = self._created.get(event.get("version")) if event["type"] == "release" else None
            if not stamp:
                continue
            try:
                when = datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()
            except ValueError:
                continue
            event["created_s"] = round(seen_at_s + (when + 0.5 - float(view["now"])) / factor, 3)


def sandbox_router_url(client, app: str) -> str | None:
    """The sandbox's router view URL when the client talks to a loopback sandbox, else None."""
    from urllib.parse import quote, urlsplit

    base = str(getattr(client, "base_url", "") or "")
    parts = urlsplit(base)
    if parts.scheme != "http" or not is_loopback(parts.hostname or ""):
        return None
    return f"{base.rstrip('/')}/__sandbox/apps/{quote(app, safe='')}/router"


def router_on_probe_time(view: dict, seen_at_s: float) -> dict:
    """The router timeline in probe seconds: `segments` [{from_s, until_s, releases}], the
    `switches` between releases and the `gaps` when no web dyno served. Sandbox time runs
    `clock_factor` times faster than the probe's, and sandbox `now` was probe time `seen_at_s`."""
    factor = view.get("clock_factor") or 1.0
    now = float(view["now"])

    def probe_s(t: float | None) -> float | None:
        return None if t is None else round(seen_at_s + (float(t) - now) / factor, 3)

    segments = [
        {"from_s": probe_s(s["from"]), "until_s": probe_s(s["until"]), "releases": s["releases"]}
        for s in view.get("timeline", [])
    ]
    # only what the probe could see: from the segment serving at its start on
    segments = [s for s in segments if s["until_s"] is None or s["until_s"] > 0]
    switches, gaps = [], []
    for before, after in zip(segments, segments[1:], strict=False):
        if before["releases"] and after["releases"] and before["releases"] != after["releases"]:
            switches.append(
                {"at_s": after["from_s"], "from": before["releases"], "to": after["releases"]}
            )
    for seg in segments:
        if not seg["releases"] and seg is not segments[0]:
            gaps.append({"from_s": seg["from_s"], "until_s": seg["until_s"]})
    # A gap between two releases is also a switch-over (the restart without preboot).
    for k, seg in enumerate(segments[1:-1], start=1):
        before, after = segments[k - 1], segments[k + 1]
        if not seg["releases"] and before["releases"] and after["releases"]:
            if before["releases"] != after["releases"]:
                switches.append(
                    {"at_s": after["from_s"], "from": before["releases"], "to": after["releases"]}
                )
    switches.sort(key=lambda s: s["at_s"])
    return {
        "clock_factor": factor,
        "segments": segments,
        "switches": switches,
        "gaps": gaps,
        "serving": view.get("releases", []),
    }
