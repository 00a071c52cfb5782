"""`zdd undo`: put an app back as it was before the setups not yet undone (or --snapshot FILE)."""

from __future__ import annotations

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
)

HELP = {
    "app": "app name or id (default: $HEROKU_APP, else the app of the repo's Heroku git remote)",
    "remote": "git remote of the app to use (default: `git config heroku.remote`)",
    "snapshot": "snapshot file to restore (default: the app's earliest not yet undone in "
    "~/.local/state/zdd)",
    "restore-sizes": "consent to change dyno sizes back (e.g. Standard-1X -> Basic)",
    "yes": "apply without asking (needed when stdin is not a terminal)",
    "dry-run": "show the plan and change nothing (exit 0: nothing to do, 3: changes pending)",
    "wait": "seconds to wait for a preboot in progress before scaling (default 600)",
    "json": "print one JSON document (see README) instead of text",
}
# -r is --remote, as in the Heroku CLI (0.1's -r for --restore-sizes is gone: a letter that means
# "which app" elsewhere must not change dyno sizes here).
SHORTFLAGS = {**COMMON_SHORTFLAGS, "remote": "r", "snapshot": "s"}
TYPES = {"wait": WholeNumber(0, unit="seconds")}


@task(klass=ZddTask, shortflags=SHORTFLAGS, types=TYPES, help=HELP)
def undo(
    c,
    app=None,
    remote=None,
    snapshot=None,
    restore_sizes=False,
    yes=False,
    dry_run=False,
    wait=600,
    json=False,
):
    """Restore features, formation, buildpacks and config vars from setup's snapshots.

    Restores the earliest snapshot not yet undone (the app before the first setup run since the
    last undo), so a part-way setup and its re-run are undone together; then marks them undone.
    Removes only what setup added (the zdd buildpack, ZDD_* config vars, the OAuth authorization
    it created). Restoring the snapshot's quantities may lower web dynos: that is what you ask
    for here. Dyno sizes change back only with --restore-sizes.
    """
    from zdd.apply import FAILED, NOT_ATTEMPTED, Applier, unverified, verify
    from zdd.appname import app_name, check_app_ref, resolve_app
    from zdd.errors import UsageError, ZddError
    from zdd.heroku.marks import orphans
    from zdd.output import Progress, consoles, render_plan, render_results
    from zdd.reader import read_state
    from zdd.restore import token_cleanup_plan, undo_plan
    from zdd.snapshot import NoSnapshot, Snapshot, now_stamp
    from zdd.state import ZDD_TOKEN_VAR

    out, err = consoles()
    client = None
    with errors_exit("undo", json, lambda: client.stats.to_dict() if client else {}):
        chain = [Snapshot.load(snapshot)] if snapshot else []
        if app is not None:
            check_app_ref(app)
        if chain and app is None and remote is None:
            name = chain[0].app
        else:
            name = resolve_app(app, remote=remote)
        client = make_client(float(wait))
        name = app_name(client, name)
        no_snapshot = None  # without one, undo can still revoke zdd's tokens nobody holds
        if not chain:
            try:
                chain = Snapshot.to_undo(name)
            except NoSnapshot as exc:
                no_snapshot = exc
        snap, later = (chain[0], chain[1:]) if chain else (None, [])
        if snap is not None and snap.app != name:
            raise UsageError(
                f"the snapshot {snap.path} is for {snap.app}, not {name}",
                remedy=f"Pass --app {snap.app}, or a snapshot of {name}.",
            )
        progress = Progress(err)
        with progress.running(f"reading {name}"):
            state = read_state(client, name)
            auths = client.oauth_authorization_list()
            live = {a.id for a in auths}
            unheld: list[str] = []
            if state.config_vars is not None:  # else ZDD_API_TOKEN's holder can't be known
                keeps = ZDD_TOKEN_VAR in state.config_vars and (
                    snap is None or ZDD_TOKEN_VAR in (snap.config_vars_present or ())
                )
                held = client.config_vars(name).get(ZDD_TOKEN_VAR) if keeps else None
                unheld = [a.id for a in orphans(auths, name, held)[0]]
        if snap is None:
            the_plan = token_cleanup_plan(name, unheld)
            if not the_plan.pending:
                raise no_snapshot
        else:
            the_plan = undo_plan(
                state,
                snap,
                restore_sizes=restore_sizes,
                authorization_exists=snap.authorization_id in live,
                later=later,
                live_authorizations=live,
                unheld_authorizations=unheld,
            )
        run = Finisher("undo", json, out, lambda: client.stats.to_dict())
        doc = run.doc
        doc.update(
            app=name,
            snapshot=str(snap.path) if snap else None,
            snapshots=[str(s.path) for s in chain],
            dry_run=bool(dry_run),
            state=state.to_dict(),
            plan=the_plan.to_dict(),
            results=None,
        )
        finish = run.finish

        def done(code: int, message: str) -> None:
            """Finish; a complete undo marks the chain undone (the next setup starts anew)."""
            if code == OK:
                when = now_stamp()
                for s in chain:
                    if s.undone_at is None:
                        s.mark_undone(when)
            finish(code, message)

        if not json and snap is None:
            out.print(
                f"No snapshot for {name}: only zdd's OAuth tokens for it that nobody holds "
                "can be revoked.",
                markup=False,
            )
        elif not json:
            out.print(f"Snapshot {snap.path} (taken {snap.taken_at})", markup=False)
            if later:
                out.print(
                    f"  (and {len(later)} later run(s) not yet undone: what they added goes too)",
                    markup=False,
                )
            render_plan(out, the_plan, state, title="Undo plan")
        pending, blocked = the_plan.pending, the_plan.blocked
        if not pending:
            if blocked:
                finish(NOT_DONE, f"Nothing to do without consent; run: {the_plan.next_command}")
                return
            done(OK, f"{name} already matches the snapshot: nothing to change.")
            return
        if dry_run:
            finish(PENDING, f"Dry run: {len(pending)} change(s) pending, nothing changed.")
            return
        run.confirm(name, len(pending), yes=yes)
        if not yes:  # the time at the prompt isn't the API's: a fresh budget from here
            client.restart_deadline(deadline_for(float(wait)))
        verify_error = None
        with progress.running(f"restoring {name}") as prog:
            applier = Applier(
                client, name, never_lower=False, wait=float(wait), progress=prog.update
            )
            results = applier.run(the_plan)
            try:
                after = read_state(client, name)
            except ZddError as exc:
                after, verify_error = None, exc
        if after is not None:
            results = verify(results, after)
            doc["state_after"] = after.to_dict()
        else:
            results = unverified(results)
            doc["verified"] = False
            doc["verify_error"] = error_fields(verify_error)
        doc["results"] = [r.to_dict() for r in results]
        if not json:
            render_results(out, results)
        if any(r.outcome in (FAILED, NOT_ATTEMPTED) for r in results):
            finish(NOT_DONE, "Undo stopped part-way (see above); fix the cause and run it again.")
            return
        if after is None:
            finish(
                NOT_DONE,
                f"Restored, but re-reading {name} to verify it failed: {verify_error.message}\n"
                f"Next: run `zdd undo --app {name} --dry-run` to see what is left.",
            )
            return
        if blocked:
            finish(
                NOT_DONE, f"Restored all but dyno sizes; to restore them: {the_plan.next_command}"
            )
            return
        done(OK, f"Done: {name} is back as the snapshot saw it.")
