"""`zdd undo`: put an app back as the latest setup snapshot (or --snapshot FILE) saw it."""

from __future__ import annotations

import sys

from invoke import Exit, task

from zdd.cli import ERROR, JSON_VERSION, NOT_DONE, OK, PENDING, errors_exit, make_client

HELP = {
    "app": "app name (default: $HEROKU_APP, else the repo's `heroku` git remote)",
    "snapshot": "snapshot file to restore (default: the app's latest in ~/.local/state/zdd)",
    "restore-sizes": "consent to change dyno sizes back (e.g. Standard-1X -> Basic)",
    "yes": "apply without asking (needed when stdin is not a terminal)",
    "dry-run": "show the plan and change nothing (exit 0: nothing to do, 3: changes pending)",
    "wait": "seconds to wait for a preboot in progress before scaling (default 600)",
    "json": "print one JSON document (see README) instead of text",
}


@task(help=HELP)
def undo(
    c,
    app=None,
    snapshot=None,
    restore_sizes=False,
    yes=False,
    dry_run=False,
    wait=600,
    json=False,
):
    """Restore features, formation, buildpacks and config vars from a setup snapshot.

    Removes only what setup added (the zdd buildpack, ZDD_* config vars, the OAuth authorization
    it created). Restoring the snapshot's quantities may lower web dynos: that is what you ask
    for here. Dyno sizes change back only with --restore-sizes.
    """
    from zdd.apply import FAILED, NOT_ATTEMPTED, Applier, verify
    from zdd.appname import resolve_app
    from zdd.output import Progress, consoles, print_json, render_plan, render_results
    from zdd.reader import read_state
    from zdd.restore import undo_plan
    from zdd.snapshot import Snapshot

    out, err = consoles()
    client = None
    with errors_exit("undo", json, lambda: client.stats.to_dict() if client else {}):
        snap = Snapshot.load(snapshot) if snapshot else None
        name = resolve_app(app or (snap.app if snap else None))
        if snap is None:
            snap = Snapshot.latest(name)
        if snap.app != name:
            raise ValueError(f"the snapshot {snap.path} is for {snap.app}, not {name}")
        client = make_client(float(wait))
        progress = Progress(err)
        with progress.running(f"reading {name}"):
            state = read_state(client, name)
            exists = False
            if snap.authorization_id:
                exists = any(
                    a.id == snap.authorization_id for a in client.oauth_authorization_list()
                )
        the_plan = undo_plan(state, snap, restore_sizes=restore_sizes, authorization_exists=exists)
        doc = {
            "version": JSON_VERSION,
            "command": "undo",
            "app": name,
            "snapshot": str(snap.path),
            "dry_run": bool(dry_run),
            "state": state.to_dict(),
            "plan": the_plan.to_dict(),
            "results": None,
        }

        def finish(code: int, message: str = "") -> None:
            if json:
                doc["requests"] = client.stats.to_dict()
                doc["exit_code"] = code
                print_json(doc)
            elif message:
                out.print(message, markup=False)
            if code:
                raise Exit(code=code)

        if not json:
            out.print(f"Snapshot {snap.path} (taken {snap.taken_at})", markup=False)
            render_plan(out, the_plan, state, title="Undo plan")
        pending, blocked = the_plan.pending, the_plan.blocked
        if not pending:
            if blocked:
                finish(NOT_DONE, f"Nothing to do without consent; run: {the_plan.next_command}")
                return
            finish(OK, f"{name} already matches the snapshot: nothing to change.")
            return
        if dry_run:
            finish(PENDING, f"Dry run: {len(pending)} change(s) pending, nothing changed.")
            return
        if not yes:
            if not sys.stdin.isatty():
                raise Exit(
                    f"zdd undo: stdin is not a terminal, so zdd can't ask before changing {name}."
                    "\nNext: review the plan above, then run again with --yes.",
                    code=ERROR,
                )
            sys.stderr.write(f"Apply {len(pending)} change(s) to {name}? [y/N] ")
            sys.stderr.flush()
            if sys.stdin.readline().strip().lower() not in ("y", "yes"):
                finish(NOT_DONE, "Nothing was changed.")
                return
        with progress.running(f"restoring {name}") as prog:
            results = Applier(client, name, wait=float(wait), progress=prog.update).run(the_plan)
            after = read_state(client, name)
        results = verify(results, after)
        doc["results"] = [r.to_dict() for r in results]
        doc["state_after"] = after.to_dict()
        if not json:
            out.print("Result:")
            render_results(out, results)
        if any(r.outcome in (FAILED, NOT_ATTEMPTED) for r in results):
            finish(NOT_DONE, "Undo stopped part-way (see above); fix the cause and run it again.")
            return
        if blocked:
            finish(
                NOT_DONE, f"Restored all but dyno sizes; to restore them: {the_plan.next_command}"
            )
            return
        finish(OK, f"Done: {name} is back as the snapshot saw it.")
