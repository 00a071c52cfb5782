"""`zdd undo`: parse the flags, run zdd.flows.undo, print its report (the app back as it was
before the setups not yet undone, or as --snapshot FILE saw it)."""

from __future__ import annotations

from invoke import task

from zdd.cli import (
    COMMON_SHORTFLAGS,
    WholeNumber,
    ZddTask,
    errors_exit,
    finish,
    make_client,
    terminal_prompt,
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
    for here. Dyno sizes change back only with --restore-sizes, or a yes when the prompt offers
    it on a terminal.
    """
    from zdd.appname import app_name, check_app_ref, resolve_app
    from zdd.flows.common import Deps
    from zdd.flows.undo import UndoRequest, run_undo
    from zdd.output import TextOutput, consoles, render_run_report
    from zdd.snapshot import Snapshot

    out, err = consoles()
    client = None
    with errors_exit("undo", json, lambda: client.stats.to_dict() if client else {}):
        loaded = Snapshot.load(snapshot) if snapshot else None
        if app is not None:
            check_app_ref(app)
        if loaded is not None and app is None and remote is None:
            name = loaded.app
        else:
            name = resolve_app(app, remote=remote)
        client = make_client(float(wait))
        request = UndoRequest(
            app=app_name(client, name),
            snapshot=loaded,
            restore_sizes=bool(restore_sizes),
            yes=bool(yes),
            dry_run=bool(dry_run),
            wait=float(wait),
            as_json=bool(json),
        )
        output = TextOutput(out, err, show=not json)
        report = run_undo(request, Deps(client, output=output, prompt=terminal_prompt()))
    finish(report, json, lambda: render_run_report(out, report))
