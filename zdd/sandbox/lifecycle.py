"""The deploy lifecycle as rules on an AppRecord: release phase, dyno boot, preboot, restarts.

No HTTP and no locking here (state.py holds the lock and calls in). Everything is timed on the
sandbox clock: each Platform call first runs `tick(app, now)`, which replays, in time order, what
happened since the last call (a release command finished, a dyno bound its port or missed the boot
timeout, a preboot window ended, a stopped dyno exited). Processes are the runner's (runner.py);
the rules only read what their handles report.

Sources (Dev Center): https://devcenter.heroku.com/articles/preboot (new web dynos start beside the
old ones; `heroku ps` shows only the new ones; traffic moves after boot timeout + 2 min,
https://devcenter.heroku.com/changelog-items/1121; then the old ones are shut down),
https://devcenter.heroku.com/articles/release-phase (pending / failed / succeeded; a failed release
is not deployed), https://devcenter.heroku.com/articles/error-codes#r10-boot-timeout (60 s; 90 s
for JVM apps is the buildpack's documented default), https://devcenter.heroku.com/articles/dynos#
graceful-shutdown-with-sigterm (SIGTERM, SIGKILL after 30 s),
https://devcenter.heroku.com/articles/dyno-restarts (restarts, ps:stop restarts scaled dynos,
daily cycling). Where those pages are silent the choice is marked "choice" and listed in
zdd/sandbox/README.md.
"""

from __future__ import annotations

import secrets
import string

from .catalog import stable_id
from .records import AppRecord, Dyno, Release
from .runner import DynoJob, DynoRunner, ReleaseJob, SimulatedRunner

SIGKILL_AFTER = 30.0  # "after 30 seconds ... SIGKILL" (dynos#graceful-shutdown-with-sigterm)
PREBOOT_EXTRA = 120.0  # preboot window = boot timeout + 2 minutes (changelog-items/1121)
MAX_BOOT_TIMEOUT = 180.0  # the boot timeout can be raised up to 180 s through support (R10)


# -- what the platform reads ----------------------------------------------------------------------
def preboot_applies(app: AppRecord) -> bool:
    """Preboot runs only on Cedar Common Runtime apps with the feature on and web dynos."""
    web = app.formation.get("web")
    return (
        app.generation == "cedar"
        and not app.space
        and bool(app.features.get("preboot"))
        and web is not None
        and web.quantity > 0
    )


def rolling(app: AppRecord) -> bool:
    """Fir apps and Private/Shield Space apps deploy with rolling restarts instead of preboot."""
    return app.generation == "fir" or bool(app.space)


def preboot_in_progress(app: AppRecord, now: float) -> bool:
    return now < app.preboot_until


def window_seconds(app: AppRecord) -> float:
    """A seeded fixed window (`preboot_in_progress_seconds`) or boot timeout + 2 minutes."""
    return (
        app.preboot_seconds
        if app.preboot_seconds > 0
        else (app.effective_boot_timeout() + PREBOOT_EXTRA)
    )


def listed_dynos(app: AppRecord, now: float) -> list[Dyno]:
    """What `GET /dynos` (and so `heroku ps`) lists: current dynos, and the release.N dyno while a
    release phase runs. Replaced ones are hidden even while they still serve, as Heroku hides the
    old web dynos during a preboot window ("Old dynos are still running but won't appear in
    heroku ps", Dev Center preboot)."""
    listed = [d for d in app.dynos if d.current and d.started_at <= now and d.gone_at is None]
    return sorted(listed, key=lambda d: (d.type, _slot(d), d.name))


def serving(app: AppRecord, at: float) -> list[Dyno]:
    return [d for d in app.dynos if d.type == "web" and d.serving(at)]


def router_timeline(app: AppRecord, now: float) -> list[dict]:
    """Segments `{from, until, releases, dynos}` of what the router served, oldest first; the last
    one has `until: None` (still so). Built from every web dyno's routing times."""
    points = sorted(
        {
            t
            for d in app.dynos
            if d.type == "web"
            for t in (d.routed_at, d.stop_at, d.crashed_at)
            if t is not None and t <= now
        }
    )
    out: list[dict] = []
    for k, start in enumerate(points):
        dynos = serving(app, start)
        releases = sorted({d.release.version for d in dynos})
        if out and out[-1]["releases"] == releases and out[-1]["dynos"] == len(dynos):
            out[-1]["until"] = points[k + 1] if k + 1 < len(points) else None
            continue
        until = points[k + 1] if k + 1 < len(points) else None
        out.append({"from": start, "until": until, "releases": releases, "dynos": len(dynos)})
    return out


def extended_info(app: AppRecord, body: dict) -> dict:
    """What `heroku ps --extended` prints per dyno (all sandbox values, stable per dyno id)."""
    digest = stable_id("extended", body["id"]).replace("-", "")
    return {
        "region": app.region,
        "execution_plane": "sandbox",
        "fleet": f"sandbox-{app.region}",
        "instance": f"i-{digest[:17]}",
        "ip": f"10.{int(digest[0:2], 16)}.{int(digest[2:4], 16)}.{int(digest[4:6], 16)}",
        "port": 5000 + int(digest[6:9], 16) % 1000 if body["type"] == "web" else None,
        "az": f"{app.region}-1a",
        "route": None,
    }


# -- starting and stopping dynos ----------------------------------------------------------------
def _fir_name(ptype: str, rel: Release) -> str:
    """Fir dyno names look like Kubernetes pod names: `web-<hash>-<id>` (hash per release)."""
    digest = stable_id("fir-dyno", rel.id)[:10].replace("-", "")
    suffix = "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(5))
    return f"{ptype}-{digest}-{suffix}"


def start_dyno(
    app: AppRecord,
    runner: DynoRunner,
    ptype: str,
    n: int,
    rel: Release,
    at: float,
    *,
    hold_until: float | None = None,
    replaces: Dyno | None = None,
) -> Dyno:
    form = app.formation[ptype]
    name = _fir_name(ptype, rel) if app.generation == "fir" else f"{ptype}.{n}"
    app.dyno_counter += 1
    boot = app.boot_seconds if ptype == "web" else 0.0  # only web must bind $PORT (R10)
    job = DynoJob(
        app=app.name,
        dyno=name,
        type=ptype,
        command=form.command,
        env=dict(rel.config),
        at=at,
        boot_seconds=boot,
        shutdown_seconds=min(app.shutdown_seconds, SIGKILL_AFTER),
        version=rel.version,
    )
    dyno = Dyno(
        id=stable_id("dyno", app.id, name, rel.version, app.dyno_counter),
        name=name,
        type=ptype,
        release=rel,
        size=form.size.name,
        command=form.command,
        started_at=at,
        boot_timeout=app.effective_boot_timeout(),
        process=runner.boot(job),
        hold_until=hold_until,
        replaces=replaces,
    )
    app.dynos.append(dyno)
    return dyno


def stop_dyno(dyno: Dyno, at: float) -> None:
    """SIGTERM at `at`: the router stops sending it requests; it is gone when it exits."""
    dyno.current = False
    if dyno.stop_at is None:
        dyno.stop_at = at
        dyno.process.stop(at)


def stop_type(app: AppRecord, ptype: str, at: float) -> None:
    """A process type left the formation: its dynos get SIGTERM."""
    for dyno in [d for d in app.dynos if d.type == ptype and d.current]:
        stop_dyno(dyno, at)


def _slot(dyno: Dyno) -> int:
    tail = dyno.name.rsplit(".", 1)[-1]
    return int(tail) if tail.isdigit() else 0


def _current(app: AppRecord, ptype: str) -> list[Dyno]:
    return sorted(
        (d for d in app.dynos if d.current and d.type == ptype and d.gone_at is None), key=_slot
    )


# -- rolling out a release, restarts ----------------------------------------------------------
def roll_out(
    app: AppRecord,
    runner: DynoRunner,
    rel: Release,
    at: float,
    *,
    types: list[str] | None = None,
    use_preboot: bool = True,
    window: float | None = None,
) -> None:
    """Restart the dynos of `types` (default: every process type) on `rel` at `at`.

    Without preboot every dyno gets SIGTERM and its replacement starts at once: the router has no
    web dyno until a new one is up (the restart gap). With preboot the new web dynos start beside
    the old ones, which keep all traffic until the window ends (`switch`). Rolling apps (Fir,
    Private Spaces) replace each web dyno once its successor is up.
    """
    types = [t for t in (types or list(app.formation)) if t in app.formation]
    preboot = use_preboot and preboot_applies(app) and "web" in types
    for ptype in types:
        olds = _current(app, ptype)
        quantity = app.formation[ptype].quantity
        if ptype == "web" and preboot:
            # choice: a release during an open window drops that window's new dynos (still held
            # from traffic) and starts over; every other old dyno, serving or still booting,
            # keeps its place until the new window ends.
            for old in olds:
                old.current = False
                if old.hold_until is not None and old.routed_at is None:
                    stop_dyno(old, at)
            until = at + (window if window is not None else window_seconds(app))
            app.preboot_until, app.preboot_switched = until, False
            for n in range(1, quantity + 1):
                start_dyno(app, runner, ptype, n, rel, at, hold_until=until)
        elif ptype == "web" and rolling(app):
            for n in range(1, quantity + 1):
                old = olds[n - 1] if n - 1 < len(olds) else None
                if old is not None:
                    old.current = False
                start_dyno(app, runner, ptype, n, rel, at, replaces=old)
            for old in olds[quantity:]:
                stop_dyno(old, at)
        else:
            for old in olds:
                stop_dyno(old, at)
            for n in range(1, quantity + 1):
                start_dyno(app, runner, ptype, n, rel, at)


def restart_dyno(app: AppRecord, runner: DynoRunner, dyno: Dyno, at: float) -> Dyno:
    """One dyno restarted on its own (ps:restart DYNO, ps:stop of a scaled dyno, daily cycling):
    SIGTERM and a fresh start under the same name, without preboot (choice: preboot is about
    releases; a single-dyno restart never opens a window)."""
    rel = app.current_release() or dyno.release
    stop_dyno(dyno, at)
    return start_dyno(app, runner, dyno.type, _slot(dyno) or 1, rel, at)


def scale(app: AppRecord, runner: DynoRunner, ptype: str, at: float, resized: bool) -> None:
    """After a formation change: start or stop dynos to match; a new size restarts the type."""
    rel = app.current_release()
    if rel is None or rel.slug_id is None:
        return
    if resized:
        roll_out(app, runner, rel, at, types=[ptype], use_preboot=False)
        return
    current = _current(app, ptype)
    quantity = app.formation[ptype].quantity
    for dyno in current[quantity:]:
        stop_dyno(dyno, at)
    taken = {_slot(d) for d in current[:quantity]}
    free = (n for n in range(1, 10_000) if n not in taken)
    for _ in range(len(current), quantity):
        start_dyno(app, runner, ptype, next(free), rel, at)


# -- releases -------------------------------------------------------------------------------------
def settle(app: AppRecord, runner: DynoRunner, at: float) -> None:
    """Seeded apps start with their current release's dynos: already up and serving when the
    runner is simulated; a process runner boots them for real."""
    rel = app.current_release()
    app.dynos = []
    if rel is None or rel.slug_id is None:
        return
    for ptype, form in app.formation.items():
        for n in range(1, form.quantity + 1):
            dyno = start_dyno(app, runner, ptype, n, rel, at)
            if isinstance(runner, SimulatedRunner):
                dyno.up_at = at
                dyno.routed_at = at if ptype == "web" else None


def begin_release(
    app: AppRecord,
    runner: DynoRunner,
    rel: Release,
    at: float,
    base_url: str | None,
    outcome: dict | None = None,
) -> None:
    """A new release: run its release command (in a `release.N` dyno) or roll it out at once."""
    slug = app.slugs.get(rel.slug_id or "")
    command = slug.release_command if slug else None
    if not command or not app.formation:
        rel.status = "succeeded"
        roll_out(app, runner, rel, at)
        return
    outcome = outcome or {}
    rel.status = "pending"
    if base_url:
        rel.output_url = f"{base_url}/__sandbox/streams/{app.name}/releases/{rel.version}"
    job = ReleaseJob(
        app=app.name,
        version=rel.version,
        command=command,
        env=dict(rel.config),
        at=at,
        seconds=float(outcome.get("seconds", app.release_seconds)),
        exit_code=int(outcome.get("exit", app.release_exit)),
        output=str(outcome.get("output", app.release_output)),
    )
    rel.run = runner.run_release(job)
    app.dyno_counter += 1
    phase = Dyno(
        id=stable_id("dyno", app.id, "release", rel.version, app.dyno_counter),
        name=f"release.{1000 + app.dyno_counter % 9000}",
        type="release",
        release=rel,
        size=app.formation[next(iter(app.formation))].size.name,
        command=command,
        started_at=at,
        boot_timeout=float("inf"),
        process=_Finished(),
        up_at=at,
    )
    app.dynos.append(phase)


class _Finished:
    """The release.N dyno's process handle: the ReleaseRun is the real process."""

    def stop(self, at: float) -> None:
        self.at = at

    def exited_at(self, now: float) -> float | None:
        return getattr(self, "at", None)

    def bound_at(self, now: float) -> float | None:
        return None


def _finish_release(app: AppRecord, runner: DynoRunner, rel: Release, at: float, code: int):
    rel.finished_at = at
    rel.status = "succeeded" if code == 0 else "failed"
    for d in app.dynos:
        if d.type == "release" and d.release is rel:
            d.current = False
            d.stop_at = d.gone_at = at
    newest = app.current_release()
    if rel.status == "succeeded" and newest is rel:
        roll_out(app, runner, rel, at)


# -- the clock: replay what happened up to `now` --------------------------------------------------
def tick(app: AppRecord, runner: DynoRunner, now: float) -> None:
    """Apply every event due by `now`, earliest first (events can cause later ones)."""
    for _ in range(100_000):
        event = _next_event(app, now)
        if event is None:
            return
        at, _order, kind, subject, extra = event
        if kind == "release":
            _finish_release(app, runner, subject, at, extra)
        elif kind == "switch":
            _switch(app, at)
        elif kind == "up":
            subject.up_at = at
            if subject.type == "web":
                subject.routed_at = max(at, subject.hold_until or at)
            if subject.replaces is not None:
                stop_dyno(subject.replaces, at)
        elif kind == "crash":  # R10: no port bound within the boot timeout
            subject.crashed_at = at
            subject.process.stop(at)
        elif kind == "gone":
            subject.gone_at = at
            subject.current = False
        elif kind == "scheduled":
            app.scheduled.remove(subject)
            _, action, name = subject
            dyno = next((d for d in _current_all(app) if d.name == name), None)
            if dyno is not None and action == "cycle":
                restart_dyno(app, runner, dyno, at)
    raise RuntimeError("sandbox lifecycle did not settle")


def _current_all(app: AppRecord) -> list[Dyno]:
    return [d for d in app.dynos if d.current and d.gone_at is None]


def _switch(app: AppRecord, at: float) -> None:
    """The preboot window ends: traffic moves to the new web dynos, the old get SIGTERM."""
    app.preboot_switched = True
    for d in app.dynos:
        if d.type != "web" or d.gone_at is not None:
            continue
        if d.current and d.hold_until is not None and d.hold_until <= at:
            d.hold_until = None
            if d.up_at is not None and d.crashed_at is None:
                d.routed_at = max(d.up_at, at)
        elif not d.current:
            stop_dyno(d, at)


def _next_event(app: AppRecord, now: float):
    events = []
    for rel in app.releases:
        if rel.status == "pending" and rel.run is not None:
            done = rel.run.result(now)
            if done is not None:
                events.append((done[0], 0, "release", rel, done[1]))
    if not app.preboot_switched and app.preboot_until <= now:
        events.append((app.preboot_until, 1, "switch", None, None))
    for d in app.dynos:
        if d.gone_at is not None or d.type == "release":
            continue
        if d.up_at is None and d.crashed_at is None:
            deadline = d.started_at + d.boot_timeout
            bound = d.process.bound_at(now)
            if bound is not None and bound <= deadline and (d.stop_at is None or bound < d.stop_at):
                events.append((bound, 2, "up", d, None))
            elif now >= deadline and (d.stop_at is None or deadline < d.stop_at):
                events.append((deadline, 2, "crash", d, None))
        if d.stop_at is not None:  # a crashed dyno stays listed `crashed` until replaced
            since = d.stop_at
            exited = d.process.exited_at(now)
            kill = since + SIGKILL_AFTER
            if exited is not None and exited <= kill:
                events.append((max(exited, since), 3, "gone", d, None))
            elif now >= kill:
                events.append((kill, 3, "gone", d, None))
    for item in app.scheduled:
        if item[0] <= now:
            events.append((item[0], 4, "scheduled", item, None))
    if not events:
        return None
    return min(events, key=lambda e: (e[0], e[1]))
