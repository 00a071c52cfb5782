"""The guarded deploy: run the deploy command, follow its release, judge it, roll back once.

Two threads. The main thread runs verify's Probe (so Ctrl-C and SIGTERM stop it as they stop
`zdd verify`); a `Guard` thread follows the new release through the Platform API and decides,
reading the probe's answers as they come. The release is judged by its marker, never by time:
under preboot the old release answers for minutes after `git push` returns (Dev Center
"Preboot": https://devcenter.heroku.com/articles/preboot).

Safety: nothing runs while another release is pending; at most one rollback, always to the release
that was current before the deploy (never older); the releases list is read again right before it;
every wait is bounded (--switch-timeout, --judge, --max-duration); the command's process group,
the probe and the API threads are stopped before `deploy` returns.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx

from zdd.deploy.options import DeployOptions
from zdd.deploy.report import DeployReport, Outcome, ReleaseSeen, Rollback
from zdd.errors import ZddError
from zdd.tls import ssl_context
from zdd.verify.platform import PlatformWatcher
from zdd.verify.probe import Probe
from zdd.verify.report import DuringResult, RunInfo, summarise
from zdd.verify.runner import DuringCommand, StopSignals
from zdd.verify.samples import Sample

if TYPE_CHECKING:
    from zdd.heroku.client import HerokuClient
    from zdd.heroku.models import Release

METADATA_FEATURE = "runtime-dyno-metadata"  # https://devcenter.heroku.com/articles/dyno-metadata
SETTLE_ANSWERS = 5  # consecutive good answers from the old slug = "serving again"
OLD_SERVING_ANSWERS = 3  # after a failed release phase: this many old answers prove it
OUTPUT_LIMIT = 65536  # bytes of release-phase output kept
API_DEADLINE_S = 30.0  # each API look gets this long (the client's deadline is a total budget)
JOIN_S = API_DEADLINE_S + 5.0
POLL_S = 0.05
SERVING_ANSWERS = 3  # answers in a row from the latest release = it serves
COMMAND_GRACE_S = 60.0  # after the verdict, a deploy command still running gets this long


def same_release(marker: str | None, version: int) -> bool:
    """`v42`, `V42` and `42` all name release 42 (HEROKU_RELEASE_VERSION is `v42`)."""
    return marker is not None and marker.strip().lower().removeprefix("v") == str(version)


def seen(rel: Release) -> ReleaseSeen:
    return ReleaseSeen(rel.version, rel.id, rel.status, rel.description)


class Stopped(Exception):
    """The run is over (interrupted, out of time): the guard stops where it is."""


@dataclass
class Verdict:
    """What the guard thread found; read by `deploy` once the thread ended."""

    outcome: Outcome | None = None
    reason: str = ""
    release: ReleaseSeen | None = None
    switch_s: float | None = None
    failures_after_switch: int = 0
    old_kept_serving: bool | None = None
    rollback: Rollback | None = None
    output: list[str] = field(default_factory=list)


class Guard:
    """Follows one deploy; `run()` is the thread's body, `verdict` its result."""

    def __init__(
        self,
        options: DeployOptions,
        before: ReleaseSeen,
        *,
        client: HerokuClient,
        probe: Probe,
        command: DuringCommand,
        clock: Callable[[], float],
        sleep: Callable[[float], None],
        say: Callable[[str], None],
    ) -> None:
        self.options = options
        self.before = before
        self.client = client
        self.probe = probe
        self.command = command
        self.clock = clock
        self.sleep = sleep
        self.say = say
        self.verdict = Verdict()
        self.finished = threading.Event()
        self.cancelled = threading.Event()
        self._t0 = 0.0
        self._threads: list[threading.Thread] = []

    # -- plumbing -------------------------------------------------------------------------------
    def start(self, t0: float) -> None:
        self._t0 = t0
        thread = threading.Thread(target=self.run, name="zdd-deploy-guard", daemon=True)
        self._threads.append(thread)
        thread.start()

    def now(self) -> float:
        return self.clock() - self._t0

    def _wait(self, seconds: float) -> None:
        if self.cancelled.wait(seconds):
            raise Stopped
        if self.now() >= self.options.probe.max_duration_s:
            raise Stopped

    def _api(self, call: Callable[..., Any], *args: Any) -> Any:
        restart = getattr(self.client, "restart_deadline", None)
        if restart is not None:
            restart(API_DEADLINE_S)
        return call(*args)

    def _answers(self, since_s: float) -> list[Sample]:
        return sorted(
            (s for s in self.probe.answered() if s.sent_s >= since_s), key=lambda s: s.seq
        )

    def stop(self) -> None:
        self.cancelled.set()
        for thread in self._threads:
            thread.join(timeout=JOIN_S)

    def run(self) -> None:
        try:
            self._follow()
        except Stopped:
            pass
        except ZddError as exc:
            self._end(Outcome.ERROR, f"the Platform API failed: {exc}")
        except Exception as exc:  # noqa: BLE001 - a bug must end the run with a report, not hang it
            self._end(Outcome.ERROR, f"{type(exc).__name__}: {exc}")
        finally:
            self.finished.set()

    def _end(self, outcome: Outcome, reason: str) -> None:
        if self.verdict.outcome is None:
            self.verdict.outcome, self.verdict.reason = outcome, reason

    # -- the deploy -----------------------------------------------------------------------------
    def _follow(self) -> None:
        rel = self._wait_for_release()
        if rel is None:
            return
        self.verdict.release = seen(rel)
        self.say(f"release {seen(rel).name} created ({rel.status}): {rel.description or ''}")
        rel = self._wait_for_release_phase(rel)
        self.verdict.release = seen(rel)
        if rel.status == "failed":
            self.say(f"{seen(rel).name}: the release phase failed; Heroku keeps {self.before.name}")
            self.verdict.old_kept_serving = self._old_keeps_serving()
            self._end(Outcome.RELEASE_FAILED, f"the release phase of {seen(rel).name} failed")
            return
        released_s = self.now()
        switch_s = self._wait_for_switch(rel.version, released_s)
        if switch_s is None:
            self._end(
                Outcome.NO_SWITCH,
                f"{seen(rel).name} never answered within --switch-timeout "
                f"({self.options.switch_timeout_s:g}s)",
            )
        else:
            self.verdict.switch_s = switch_s
            self.say(f"switch-over to {seen(rel).name} at {switch_s:.2f} s; judging it")
            if self._judge(rel.version, switch_s):
                self._end(Outcome.HEALTHY, f"{seen(rel).name} served through the judge window")
                return
            self._end(
                Outcome.UNHEALTHY,
                f"{self.verdict.failures_after_switch} failed request(s) after the switch-over "
                f"(allowed: {self.options.max_failures})",
            )
        if self.options.rollback:
            self._rollback(rel)

    def _wait_for_release(self) -> Release | None:
        """The first release newer than the one before the deploy; None when the command ended
        and none came within the grace."""
        ended_s: float | None = None
        while True:
            releases: list[Release] = self._api(self.client.release_list, self.options.app, True, 5)
            for rel in releases:
                if rel.version > self.before.version:
                    return rel
            if ended_s is None and self.command.ended_at() is not None:
                ended_s = self.now()
            if ended_s is not None and self.now() - ended_s >= self.options.no_release_grace_s:
                code = self.command.result().exit_code
                self._end(
                    Outcome.NO_RELEASE,
                    f"the deploy command exited {code} and made no release on {self.options.app}",
                )
                return None
            self._wait(self.options.api_interval_s)

    def _wait_for_release_phase(self, rel: Release) -> Release:
        reader = None
        while True:
            url = (rel.raw or {}).get("output_stream_url")
            if url and reader is None:  # read it even when the phase has ended: it is short
                reader = threading.Thread(
                    target=self._read_output, args=(url,), name="zdd-release-output", daemon=True
                )
                self._threads.append(reader)
                reader.start()
            if rel.status != "pending":
                break
            self._wait(self.options.api_interval_s)
            rel = self._api(self.client.release_info, self.options.app, rel.id)
        if reader is not None:
            reader.join(timeout=5.0)
        return rel

    def _read_output(self, url: str) -> None:
        """Stream the release phase's output (a plain GET, no token: the URL is the secret)."""
        size = 0
        try:
            with httpx.stream("GET", url, timeout=10.0, trust_env=False) as response:
                if response.status_code != 200:
                    return
                for line in response.iter_lines():
                    if self.cancelled.is_set() or size > OUTPUT_LIMIT:
                        return
                    size += len(line)
                    self.verdict.output.append(line)
                    self.say(f"  release | {line}")
        except httpx.HTTPError:
            return  # the output is a courtesy; the release status is what decides

    def _old_keeps_serving(self) -> bool:
        """After a failed release: a few answers, all from the old release (bounded)."""
        since = self.now()
        deadline = since + min(30.0, self.options.switch_timeout_s)
        while self.now() < deadline:
            answers = self._answers(since)
            if any(s.failed or not same_release(s.marker, self.before.version) for s in answers):
                return False
            if len(answers) >= OLD_SERVING_ANSWERS:
                return True
            self._wait(POLL_S * 2)
        return False

    def _wait_for_switch(self, version: int, released_s: float) -> float | None:
        """The first answer from the new release, or (a broken new release serves nothing
        usable) the first failure when more than --max-failures have failed since it released."""
        deadline = released_s + self.options.switch_timeout_s
        while self.now() < deadline:
            answers = self._answers(released_s)
            new = [s for s in answers if not s.failed and same_release(s.marker, version)]
            failed = [s for s in answers if s.failed]
            if new or len(failed) > self.options.max_failures:
                return min(s.sent_s for s in new + failed)
            self._wait(POLL_S)
        return None

    def _judge(self, version: int, switch_s: float) -> bool:
        """True when --judge passes with no more than --max-failures failures since the switch."""
        end = switch_s + self.options.judge_s
        while True:
            failed = sum(1 for s in self._answers(switch_s) if s.failed)
            self.verdict.failures_after_switch = failed
            if failed > self.options.max_failures:
                return False
            if self.now() >= end:
                return True
            self._wait(POLL_S)

    # -- the rollback ---------------------------------------------------------------------------
    def _rollback(self, rel: Release) -> None:
        target = self.before
        newer = [
            r
            for r in self._api(self.client.release_list, self.options.app, True, 10)
            if r.version > rel.version
        ]
        pending = [r for r in newer if r.status == "pending"]
        if newer:  # another deploy came in meanwhile: rolling back would undo someone else's
            busy = pending[0] if pending else newer[0]
            self.verdict.rollback = Rollback(
                target,
                refused=f"another release (v{busy.version}, {busy.status}) came after "
                f"{seen(rel).name}; zdd does not roll back over it",
            )
            self.say(f"no rollback: {self.verdict.rollback.refused}")
            return
        at = self.now()
        self.say(f"rolling back to {target.name} (POST /apps/{self.options.app}/releases)")
        try:
            made = self._api(self.client.release_rollback, self.options.app, target.id)
        except ZddError as exc:
            self.verdict.rollback = Rollback(target, at, refused=f"the rollback failed: {exc}")
            return
        made_seen = seen(made)
        self.verdict.rollback = Rollback(target, at, made_seen)
        self.say(f"rollback release {made_seen.name} created; waiting for {target.name}'s slug")
        serving = self._wait_back(at, {target.version, made.version})
        self.verdict.rollback = Rollback(target, at, made_seen, serving)
        if serving is not None:
            self.say(f"{target.name}'s slug serves again at {serving:.2f} s")

    def _wait_back(self, since_s: float, versions: set[int]) -> float | None:
        """When the last SETTLE_ANSWERS answers all came, good, from the old slug (the rollback
        release runs it under a new version number)."""
        deadline = since_s + self.options.switch_timeout_s
        while self.now() < deadline:
            answers = self._answers(since_s)
            tail = answers[-SETTLE_ANSWERS:]
            if len(tail) == SETTLE_ANSWERS and all(
                not s.failed and any(same_release(s.marker, v) for v in versions) for s in tail
            ):
                return tail[0].sent_s
            self._wait(POLL_S)
        return None


def current_release(client: HerokuClient, app: str) -> tuple[ReleaseSeen | None, str | None]:
    """The release serving before the deploy, or why zdd must not start (one is pending)."""
    releases = client.release_list(app, True, 10)
    pending = [r for r in releases if r.status == "pending"]
    if pending:
        return None, (
            f"release v{pending[0].version} is still pending (another deploy is running); "
            "wait for it, then run zdd deploy again"
        )
    current = next((r for r in releases if r.current), None) or next(
        (r for r in releases if r.status == "succeeded"), None
    )
    if current is None:
        return None, f"{app} has no succeeded release to come back to; deploy once without zdd"
    return seen(current), None


def look_marker(options: DeployOptions) -> Callable[[], str | None]:
    """One GET of the probe URL -> the answer's release marker (None: failed or no marker)."""

    def look() -> str | None:
        try:
            with httpx.Client(
                timeout=options.probe.timeout_s, trust_env=False, verify=ssl_context()
            ) as http:
                response = http.get(options.probe.url, headers={"Cache-Control": "no-cache"})
        except httpx.HTTPError:
            return None
        if response.status_code >= 500 or options.probe.marker is None:
            return None
        headers = {k.lower(): v for k, v in response.headers.items()}
        return options.probe.marker.extract(headers, response.content)

    return look


def serving_release(
    client: HerokuClient,
    options: DeployOptions,
    look: Callable[[], str | None],
    *,
    clock: Callable[[], float],
    sleep: Callable[[float], None],
    say: Callable[[str], None],
) -> tuple[ReleaseSeen | None, str | None]:
    """The release that serves before the deploy, by the answers' marker (the API's `current`
    flips at release time, while under preboot the old release answers for minutes more).

    A pending release refuses at once (another deploy is running). When the latest succeeded
    release is not yet the one answering (a preboot window still open), zdd waits, at most
    --switch-timeout, for SERVING_ANSWERS answers in a row from it; then it refuses."""
    deadline = clock() + options.switch_timeout_s
    told = False
    while True:
        current, busy = current_release(client, options.app)
        if current is None:
            return None, busy
        markers = []
        for _ in range(SERVING_ANSWERS):
            markers.append(look())
            sleep(1.0 / options.probe.rate)
        if all(same_release(m, current.version) for m in markers):
            return current, None
        seen_now = ", ".join(sorted({m or "no marker" for m in markers}))
        if clock() >= deadline:
            return None, (
                f"{current.name} is the latest release but the app still answers {seen_now} "
                f"after --switch-timeout ({options.switch_timeout_s:g}s); wait until "
                f"{current.name} serves, then run zdd deploy again"
            )
        if not told:
            say(
                f"{current.name} is the latest release but the app answers {seen_now} (a preboot "
                f"window still open?); waiting up to {options.switch_timeout_s:g}s for "
                f"{current.name} to serve before deploying"
            )
            told = True
        sleep(options.api_interval_s)


def metadata_note(
    client: HerokuClient, app: str, enable: bool, confirm: Callable[[str], bool] | None
) -> str:
    """Offer runtime-dyno-metadata (HEROKU_RELEASE_VERSION in the dynos): it is what lets an app
    name its release. Turned on only with consent (--enable-metadata or a yes at the prompt)."""
    try:
        feature = client.feature_info(app, METADATA_FEATURE)
    except ZddError as exc:
        return f"could not read the {METADATA_FEATURE} feature: {exc}"
    if feature.enabled:
        return f"{METADATA_FEATURE} is on: dynos get HEROKU_RELEASE_VERSION"
    question = (
        f"{METADATA_FEATURE} is off, so dynos lack HEROKU_RELEASE_VERSION; turn it on now "
        "(it applies from this deploy's release on)?"
    )
    if enable or (confirm is not None and confirm(question)):
        client.feature_update(app, METADATA_FEATURE, True)
        return f"turned {METADATA_FEATURE} on: the new release's dynos get HEROKU_RELEASE_VERSION"
    return (
        f"{METADATA_FEATURE} is off: the app cannot read HEROKU_RELEASE_VERSION; turn it on with "
        f"--enable-metadata (or `heroku labs:enable {METADATA_FEATURE} -a {app}`)"
    )


def deploy(
    options: DeployOptions,
    *,
    client: HerokuClient,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    run_command: Callable[[str, Callable[[], float]], DuringCommand] = DuringCommand,
    probe: Callable[..., Probe] = Probe,
    say: Callable[[str], None] = lambda line: None,
    confirm: Callable[[str], bool] | None = None,
    watch: bool = True,
    look: Callable[[], str | None] | None = None,
) -> DeployReport:
    """One guarded deploy. `say` gets progress lines (stderr); `confirm` asks yes/no (a TTY)."""
    notes = [metadata_note(client, options.app, options.enable_metadata, confirm)]
    before, busy = serving_release(
        client, options, look or look_marker(options), clock=clock, sleep=sleep, say=say
    )
    if before is None:
        return DeployReport(options.app, Outcome.BUSY, busy or "", None, notes=tuple(notes))
    say(f"{options.app} serves {before.name}; running: {options.during}")
    command = run_command(options.during, clock)
    the_probe = probe(options.probe, clock=clock, sleep=sleep)
    guard = Guard(
        options,
        before,
        client=client,
        probe=the_probe,
        command=command,
        clock=clock,
        sleep=sleep,
        say=say,
    )
    watcher = (
        PlatformWatcher(
            client, options.app, interval_s=max(options.api_interval_s, 1.0), clock=clock
        )
        if watch
        else None
    )
    started_at = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())

    def on_start(t0: float) -> None:
        command.start(t0)
        guard.start(t0)
        if watcher is not None:
            watcher.start(t0)

    def should_stop_with(signals: StopSignals) -> Callable[[float], str | None]:
        def should_stop(now: float) -> str | None:
            if signals.reason:
                return signals.reason
            if not guard.finished.is_set():
                return None
            if command.ended_at() is not None:
                return "guard_done"
            done_at.append(now) if not done_at else None
            return "guard_done" if now - done_at[0] >= COMMAND_GRACE_S else None

        return should_stop

    stop_reason = "interrupted"
    platform = None
    done_at: list[float] = []  # when the guard decided (the command gets COMMAND_GRACE_S more)
    with StopSignals() as signals:
        try:
            result = the_probe.run(should_stop_with(signals), on_start=on_start)
            stop_reason = result.stopped_because
        finally:
            guard.stop()
            command.stop(stop_reason)
            if watcher is not None:
                platform = watcher.stop()
            the_probe.http.close()
    verdict = guard.verdict
    interrupted = stop_reason in ("interrupted", "terminated", "hangup")
    if interrupted:
        outcome, reason = Outcome.INTERRUPTED, f"zdd was stopped ({stop_reason}); no rollback"
    elif verdict.outcome is not None:
        outcome, reason = verdict.outcome, verdict.reason
    else:
        outcome, reason = Outcome.TIMED_OUT, "--max-duration ran out before a verdict"
    during: DuringResult = command.result()
    run = RunInfo(
        url=options.probe.url,
        started_at=started_at,
        elapsed_s=max(result.elapsed_s, during.ended_s or 0.0),
        stopped_because=stop_reason,
        rate=options.probe.rate,
        max_requests=options.probe.max_requests,
        max_duration_s=options.probe.max_duration_s,
        timeout_s=options.probe.timeout_s,
        skipped_slots=result.skipped_slots,
        skipped_late=result.skipped_late,
        marker=options.probe.marker.label if options.probe.marker else None,
        during=during,
        platform=platform,
    )
    return DeployReport(
        app=options.app,
        outcome=outcome,
        reason=reason,
        before=before,
        release=verdict.release,
        release_output="\n".join(verdict.output),
        switch_s=verdict.switch_s,
        failures_after_switch=verdict.failures_after_switch,
        max_failures=options.max_failures,
        old_kept_serving=verdict.old_kept_serving,
        rollback=verdict.rollback,
        verify=summarise(result.samples, run),
        notes=tuple(notes),
    )
