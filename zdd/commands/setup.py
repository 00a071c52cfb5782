"""`zdd setup`: read the app, plan, confirm, re-read, apply in order, re-read and verify."""

from __future__ import annotations

from dataclasses import replace

from invoke import task

from zdd.cli import (
    COMMON_SHORTFLAGS,
    NOT_DONE,
    OK,
    PENDING,
    Finisher,
    WholeNumber,
    ZddTask,
    deadline_for,
    error_fields,
    errors_exit,
    make_client,
    tristate,
)
from zdd.state import COMPANION_BUILDPACK_URL

HELP = {
    "app": "app name or id (default: $HEROKU_APP, else the app of the repo's Heroku git remote)",
    "remote": "git remote of the app to use (default: `git config heroku.remote`)",
    "min-web": "at least this many web dynos (default 2; never scales down)",
    "affinity": "enable http-session-affinity (--no-affinity for apps that keep no session state)",
    "size": "consent to move every process type off Eco/Basic to SIZE (e.g. Standard-1X)",
    "java": "treat the app as a JVM app (default: detected from its buildpacks)",
    "no-java": "don't treat the app as a JVM app even if its buildpacks say so",
    "buildpack": f"companion buildpack URL for JVM apps (default {COMPANION_BUILDPACK_URL})",
    "release-check": "JVM apps: set ZDD_API_TOKEN (read-only) + ZDD_APP for the release check",
    "rotate-token": "replace the release check's ZDD_API_TOKEN with a new token (old revoked)",
    "yes": "apply without asking (needed when stdin is not a terminal)",
    "dry-run": "show the plan and change nothing (exit 0: nothing to do, 3: changes pending)",
    "print-commands": "print the plan as the equivalent `heroku ...` commands; change nothing",
    "wait": "seconds to wait for a preboot in progress before scaling (default 600)",
    "json": "print one JSON document (see README) instead of text",
}
SHORTFLAGS = {
    **COMMON_SHORTFLAGS,
    "min_web": "m",
    "size": "s",
    "buildpack": "b",
    "print_commands": "p",
}
TYPES = {"min_web": WholeNumber(1), "wait": WholeNumber(0, unit="seconds")}


def plan_changes(old, new) -> list[str]:
    """How two plans of the same app differ, one line per step (empty: the same plan)."""
    lines = []
    for a, b in zip(old.steps, new.steps, strict=False):
        if (a.id, a.status, dict(a.payload)) != (b.id, b.status, dict(b.payload)):
            lines.append(f"{b.id}: planned '{a.what}' ({a.status}), now '{b.what}' ({b.status})")
    if len(old.steps) != len(new.steps):
        lines.append("the steps themselves changed")
    return lines


@task(klass=ZddTask, shortflags=SHORTFLAGS, types=TYPES, help=HELP)
def setup(
    c,
    app=None,
    remote=None,
    min_web=2,
    affinity=True,
    size=None,
    java=False,
    no_java=False,
    buildpack=COMPANION_BUILDPACK_URL,
    release_check=True,
    rotate_token=False,
    yes=False,
    dry_run=False,
    print_commands=False,
    wait=600,
    json=False,
):
    """Make an app safe for zero-downtime deploys: affinity, 2+ web dynos, preboot, JVM warm-up.

    Reads the app, shows a plan with what, why and the monthly cost change, asks, applies it in
    order (idempotently: a second run changes nothing) and verifies every change. A snapshot is
    saved first, so `zdd undo` can put things back.
    """
    from zdd.apply import CHANGED, FAILED, NOT_ATTEMPTED, Applier, unverified, verify
    from zdd.appname import app_name, resolve_app
    from zdd.checks import check
    from zdd.errors import ZddError
    from zdd.output import Progress, consoles, render_commands, render_plan, render_results
    from zdd.plan import PlanOptions, check_options, plan
    from zdd.reader import read_state
    from zdd.snapshot import Snapshot

    out, err = consoles()
    client = None
    with errors_exit("setup", json, lambda: client.stats.to_dict() if client else {}):
        name = resolve_app(app, remote=remote)
        opts = PlanOptions(
            min_web=int(min_web),
            affinity=affinity,
            size=size or None,
            java=tristate(java, no_java, "java"),
            buildpack=buildpack,
            release_check=None if release_check else False,
            rotate_token=bool(rotate_token),
        )
        check_options(opts)
        client = make_client(float(wait))
        name = app_name(client, name)
        opts = replace(opts, known_companions=Snapshot.companion_urls(name))
        progress = Progress(err, enabled=not print_commands)
        with progress.running(f"reading {name}"):
            state = read_state(client, name)
        the_plan = plan(state, opts)
        run = Finisher("setup", json, out, lambda: client.stats.to_dict())
        doc = run.doc
        doc.update(
            app=name,
            dry_run=bool(dry_run or print_commands),
            state=state.to_dict(),
            plan=the_plan.to_dict(),
            snapshot=None,
            results=None,
            findings=None,
        )
        finish = run.finish

        pending, blocked = the_plan.pending, the_plan.blocked
        if print_commands:
            if not json:
                render_commands(out, the_plan)
            finish(NOT_DONE if blocked else PENDING if pending else OK)
            return
        if not json:
            render_plan(out, the_plan, state)
        if blocked:
            lines = ["Nothing was changed: a step above is blocked."]
            if the_plan.next_command:
                lines.append(f"To apply with your consent, run: {the_plan.next_command}")
            lines += [
                f"- {s.id}: {s.note}"
                for s in blocked
                if s.note and s.id not in ("formation", "preboot")
            ]
            finish(NOT_DONE, "\n".join(lines))
            return
        if not pending:
            finish(OK, f"Everything is in place on {name}: nothing to change.")
            return
        if dry_run:
            finish(PENDING, f"Dry run: {len(pending)} change(s) pending, nothing changed.")
            return
        if not yes:
            run.confirm(name, len(pending), yes=yes)
            # The time spent at the prompt isn't the API's: a fresh budget from here.
            client.restart_deadline(deadline_for(float(wait)))
            # The app may have changed while the prompt waited: apply only the plan confirmed.
            with progress.running(f"re-reading {name}"):
                fresh = read_state(client, name)
            fresh_plan = plan(fresh, opts)
            changes = plan_changes(the_plan, fresh_plan)
            if changes:
                doc.update(state=fresh.to_dict(), plan=fresh_plan.to_dict())
                if not json:
                    render_plan(out, fresh_plan, fresh, title="The plan now")
                finish(
                    NOT_DONE,
                    f"{name} changed while zdd was asking, so the plan you confirmed is stale:\n"
                    + "\n".join(f"- {line}" for line in changes)
                    + "\nNothing was changed. Run the same command again to see and confirm "
                    "the current plan.",
                )
                return
            state, the_plan = fresh, fresh_plan

        snap = Snapshot.of(state, companion_url=buildpack)
        path = snap.save()
        doc["snapshot"] = str(path)
        if not json:
            out.print(f"Snapshot saved to {path} (undo: zdd undo --app {name})", markup=False)
        verify_error = None
        writes_before = client.stats.writes
        with progress.running(f"applying {len(pending)} change(s) to {name}") as prog:
            applier = Applier(client, name, snapshot=snap, wait=float(wait), progress=prog.update)
            results = applier.run(the_plan)
            try:
                after = read_state(client, name)
            except ZddError as exc:
                after, verify_error = None, exc
        changed = sum(r.outcome == CHANGED for r in results)
        if after is not None:
            results = verify(results, after)
            doc["findings"] = [
                f.to_dict()
                for f in check(
                    after, companion_url=buildpack, known_companions=opts.known_companions
                )
            ]
            doc["state_after"] = after.to_dict()
        else:
            results = unverified(results)
            doc["verified"] = False
            doc["verify_error"] = error_fields(verify_error)
        doc["results"] = [r.to_dict() for r in results]
        bad = [r for r in results if r.outcome in (FAILED, NOT_ATTEMPTED)]
        if not json:
            render_results(out, results)
        # A failed write may still have taken effect (its answer lost): keep the snapshot
        # whenever a write was sent, so undo can restore.
        if not changed and client.stats.writes == writes_before:
            snap.discard()  # nothing to undo: don't leave a snapshot behind
            doc["snapshot"] = None
        if bad and not changed and doc["snapshot"] is not None:
            finish(
                NOT_DONE,
                f"Setup stopped on {name} (see above). A failed write may have taken effect, "
                "so the snapshot is kept: fix the cause and run it again, or "
                f"`zdd undo --app {name}`.",
            )
            return
        if bad and not changed:
            finish(
                NOT_DONE,
                f"Setup stopped before changing anything on {name} (see above); no snapshot "
                "was kept. Fix the cause and run it again.",
            )
            return
        if bad:
            finish(
                NOT_DONE,
                f"Setup stopped part-way: {changed} step(s) changed, {len(bad)} not done (see "
                f"above). Fix the cause and run it again; `zdd undo --app {name}` restores the "
                "snapshot.",
            )
            return
        if verify_error is not None:
            finish(
                NOT_DONE,
                f"Applied {changed} change(s), but re-reading {name} to verify them failed: "
                f"{verify_error.message}\nNext: run `zdd check --app {name}` to see where it "
                f"stands (`zdd undo --app {name}` restores the snapshot).",
            )
            return
        finish(OK, f"Done: {name} is set up; a re-run will change nothing.")
