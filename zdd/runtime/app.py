"""LocalApp: releases of one app as real dynos behind the local router, and deploys between them.

The deploy sequences follow Heroku's dyno manager:
- without preboot (https://devcenter.heroku.com/articles/dynos#restarting): each web dyno goes
  from `up` to `starting` (the router holds new requests, H20 after 75 s), its processes get
  SIGTERM and SIGKILL after the grace, then the new release's process starts and is `up` once it
  binds $PORT (R10 when it does not within the boot timeout: killed, `crashed`);
- with preboot (https://devcenter.heroku.com/articles/preboot): the new dynos start beside the
  old ones, the router keeps sending traffic to the old release until the switch delay (boot
  timeout + 2 min on Heroku) has passed and the new dynos have settled, then moves it; the old
  dynos then get SIGTERM, and SIGKILL after the grace.
A dyno that exits while `up` is `crashed` (Heroku would restart it later; a rehearsal reports it).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from zdd.runtime.dyno import DynoProcess
from zdd.runtime.memory import groups_rss_bytes
from zdd.runtime.procfile import web_command
from zdd.runtime.router import CRASHED, DOWN, STARTING, STOPPING, UP, Route, Router, RoutingTable
from zdd.runtime.timing import Timing

SUPERVISE_EVERY_S = 0.05
# Out of rotation before SIGTERM: the dyno manager tells the router first, so requests already
# routed to a dyno reach it before it stops accepting. We wait for those (at most this long) ...
ROUTED_WAIT_S = 5.0
# ... and this much more, for the app to accept the connections they opened.
ACCEPT_SETTLE_S = 0.05


@dataclass
class Event:
    at: float
    kind: str  # boot_started, up, r10, crashed, deploy_started, switched, sigterm, exited, ...
    dyno: str | None = None
    detail: str | None = None

    def to_dict(self, t0: float) -> dict:
        out = {"at_s": round(self.at - t0, 3), "kind": self.kind}
        if self.dyno:
            out["dyno"] = self.dyno
        if self.detail:
            out["detail"] = self.detail
        return out


@dataclass
class DeployRecord:
    """One deploy: when it started, when the new dynos were up, the switch, the old ones' end."""

    release: str
    previous: str
    preboot: bool
    started_at: float
    new: list[DynoProcess]
    old: list[DynoProcess]
    new_settled_at: float | None = None
    switched_at: float | None = None
    old_stopped_at: float | None = None
    finished_at: float | None = None
    old_outcomes: dict[str, str] = field(default_factory=dict)


def dyno_key(dyno: DynoProcess) -> str:
    return f"{dyno.release}/{dyno.name}"


class LocalApp:
    """An app directory run as `quantity` web dynos per release behind one Router."""

    def __init__(
        self,
        app_dir: str | Path,
        *,
        quantity: int = 2,
        timing: Timing | None = None,
        env: dict[str, str] | None = None,
        affinity: bool = True,
        faithful_keepalive: bool = True,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        memory_every_s: float = 0.2,
        on_output: Callable[[str, str], None] | None = None,
    ) -> None:
        self.app_dir = Path(app_dir)
        self.quantity = quantity
        self.timing = timing or Timing.heroku()
        self.env = dict(env or {})
        self.clock = clock
        self.sleep = sleep
        self.memory_every_s = memory_every_s
        self.on_output = on_output
        self.table = RoutingTable()
        self.router = Router(
            self.table,
            self.timing,
            affinity=affinity,
            faithful_keepalive=faithful_keepalive,
            clock=clock,
        )
        self.dynos: list[DynoProcess] = []  # every dyno ever started, in start order
        self.events: list[Event] = []
        self.memory: list[tuple[float, dict[str, int]]] = []  # (time, {dyno key: RSS bytes})
        self.deploys: list[DeployRecord] = []
        self.current: str | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.started_at: float | None = None

    # -- lifecycle ---------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return self.router.url

    def start(self) -> LocalApp:
        self.started_at = self.clock()
        self.router.start()
        for target, name in ((self._supervise, "zdd-supervise"), (self._sample, "zdd-memory")):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def close(self, grace_s: float | None = None) -> None:
        """Stop every dyno still running (SIGTERM, SIGKILL after the grace), then the router."""
        grace = min(self.timing.sigterm_grace_s, 5.0) if grace_s is None else grace_s
        live = [d for d in self.dynos if d.alive() or d.group_alive()]
        if live:
            with ThreadPoolExecutor(max_workers=len(live)) as pool:
                # time.sleep, not self.sleep: a stop asked for (which may make self.sleep raise)
                # must not cut the cleanup short
                list(pool.map(lambda d: d.stop(grace, time.sleep), live))
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=2)
        self.router.stop()

    def __enter__(self) -> LocalApp:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    def note(self, kind: str, dyno: DynoProcess | None = None, detail: str | None = None) -> None:
        with self._lock:
            self.events.append(Event(self.clock(), kind, dyno_key(dyno) if dyno else None, detail))

    # -- dynos -------------------------------------------------------------------------------
    def _new_dynos(
        self, release: str, app_dir: Path, env: dict[str, str] | None = None
    ) -> list[DynoProcess]:
        command = web_command(app_dir)
        made = [
            DynoProcess(
                f"web.{i + 1}",
                command,
                cwd=app_dir,
                env=self.env if env is None else env,
                release=release,
                clock=self.clock,
                on_output=self.on_output,
            )
            for i in range(self.quantity)
        ]
        for dyno in made:
            self.table.put(Route(dyno.name, release, dyno.port, STARTING))
        return made

    def _boot(self, dynos: list[DynoProcess]) -> None:
        """Start the dynos and wait (concurrently) until each is up or failed to bind (R10)."""
        with self._lock:
            self.dynos.extend(dynos)
        for dyno in dynos:
            dyno.start()
            self.note("boot_started", dyno)
        with ThreadPoolExecutor(max_workers=len(dynos)) as pool:
            list(pool.map(self._await_bind, dynos))

    def _await_bind(self, dyno: DynoProcess) -> None:
        limit = self.timing.boot_timeout_s
        if dyno.wait_bound(limit, self.sleep):
            self.table.set_state(dyno_key(dyno), UP)
            self.note("up", dyno, f"bound $PORT in {dyno.boot_s:.2f} s")
            return
        if dyno.alive() or dyno.group_alive():  # R10: Heroku kills it and marks it crashed
            self.note("r10", dyno, f"did not bind $PORT within {limit:g} s")
            dyno.kill()
        else:
            self.note("crashed", dyno, f"exited with {dyno.exit_code} before binding $PORT")
        self.table.set_state(dyno_key(dyno), CRASHED)

    def _stop_all(self, dynos: list[DynoProcess], record: DeployRecord | None) -> None:
        for dyno in dynos:
            self.table.set_state(dyno_key(dyno), STOPPING)
        keys = {dyno_key(d) for d in dynos}
        until = self.clock() + ROUTED_WAIT_S
        while self.router.pending(keys) and self.clock() < until:
            self.sleep(0.005)
        self.sleep(ACCEPT_SETTLE_S)

        def stop(dyno: DynoProcess) -> None:
            self.note("sigterm", dyno)
            outcome = dyno.stop(self.timing.sigterm_grace_s, self.sleep)
            self.note("sigkilled" if outcome == "sigkilled" else "exited", dyno, outcome)
            self.table.set_state(dyno_key(dyno), DOWN)
            if record is not None:
                record.old_outcomes[dyno_key(dyno)] = outcome

        if dynos:
            with ThreadPoolExecutor(max_workers=len(dynos)) as pool:
                list(pool.map(stop, dynos))

    def _supervise(self) -> None:
        """A dyno whose processes end while it is up crashed (it was not asked to stop)."""
        while not self._stop.wait(SUPERVISE_EVERY_S):
            for route in self.table.snapshot():
                if route.state != UP:
                    continue
                dyno = next((d for d in self.dynos if dyno_key(d) == route.key), None)
                if dyno is not None and dyno.sigterm_at is None and not dyno.alive():
                    self.table.set_state(route.key, CRASHED)
                    self.note("crashed", dyno, f"exited with {dyno.exit_code} while up")

    def _sample(self) -> None:
        while not self._stop.wait(self.memory_every_s):
            live = [d for d in list(self.dynos) if d.exited_at is None and d.pid]
            if live:
                rss = groups_rss_bytes({d.pid for d in live})
                sample = {dyno_key(d): rss.get(d.pid, 0) for d in live}
                with self._lock:
                    self.memory.append((self.clock(), sample))

    def dynos_of(self, release: str) -> list[DynoProcess]:
        return [d for d in self.dynos if d.release == release]

    # -- releases and deploys ----------------------------------------------------------------
    def boot(
        self,
        release: str,
        app_dir: str | Path | None = None,
        *,
        env: dict[str, str] | None = None,
    ) -> list[DynoProcess]:
        """Run `release` as the first one (nothing serving before); `env` replaces the app's."""
        dynos = self._new_dynos(release, Path(app_dir or self.app_dir), env)
        self.table.serve(release)
        self.current = release
        self._boot(dynos)
        return dynos

    def deploy(
        self,
        release: str,
        app_dir: str | Path | None = None,
        *,
        preboot: bool = True,
        env: dict[str, str] | None = None,
    ) -> DeployRecord:
        """Replace the current release's dynos with `release`'s (blocking until done); `env`
        replaces the app's for the new dynos (a config change, or another build's .env)."""
        old = [d for d in self.dynos_of(self.current or "") if d.exited_at is None]
        previous = self.current or ""
        new = self._new_dynos(release, Path(app_dir or self.app_dir), env)
        rec = DeployRecord(release, previous, preboot, self.clock(), new, old)
        self.deploys.append(rec)
        how = "preboot" if preboot else "restart"
        self.note("deploy_started", detail=f"{previous} -> {release} ({how})")
        if preboot:
            self._boot(new)
            rec.new_settled_at = self.clock()
            switch_at = rec.started_at + self.timing.switch_delay_s
            while (left := switch_at - self.clock()) > 0:
                self.sleep(min(0.02, left))
            self.table.serve(release)
            self.current = release
            rec.switched_at = self.clock()
            self.note("switched", detail=f"{previous} -> {release}")
            self._stop_all(old, rec)
            rec.old_stopped_at = self.clock()
        else:
            self.table.serve(release)  # new dynos `starting`: the router holds requests
            self.current = release
            rec.switched_at = self.clock()
            self.note("switched", detail=f"{previous} -> {release} (restart)")
            self._stop_all(old, rec)
            rec.old_stopped_at = self.clock()
            self._boot(new)
            rec.new_settled_at = self.clock()
        rec.finished_at = self.clock()
        self.note("deploy_finished", detail=release)
        return rec
