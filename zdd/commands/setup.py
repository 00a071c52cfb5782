"""`zdd setup`: read the app, plan, confirm, apply in order, re-read and verify."""

from __future__ import annotations

import sys

from invoke import Exit, task

from zdd.cli import ERROR, JSON_VERSION, NOT_DONE, OK, PENDING, errors_exit, make_client, tristate
from zdd.state import COMPANION_BUILDPACK_URL

HELP = {
    "app": "app name (default: $HEROKU_APP, else the repo's `heroku` git remote)",
    "min-web": "at least this many web dynos (default 2; never scales down)",
    "affinity": "enable http-session-affinity (--no-affinity for apps that keep no session state)",
    "size": "consent to move every process type off Eco/Basic to SIZE (e.g. Standard-1X)",
    "java": "treat the app as a JVM app (default: detected from its buildpacks)",
    "no-java": "don't treat the app as a JVM app even if its buildpacks say so",
    "buildpack": f"companion buildpack URL for JVM apps (default {COMPANION_BUILDPACK_URL})",
    "release-check": "JVM apps: set ZDD_API_TOKEN (read-only) + ZDD_APP for the release check",
    "yes": "apply without asking (needed when stdin is not a terminal)",
    "dry-run": "show the plan and change nothing (exit 0: nothing to do, 3: changes pending)",
    "print-commands": "print the plan as the equivalent `heroku ...` commands; change nothing",
    "wait": "seconds to wait for a preboot in progress before scaling (default 600)",
    "json": "print one JSON document (see README) instead of text",
}


def _confirm(app: str, n: int) -> bool:
    sys.stderr.write(f"Apply {n} change{'s' if n != 1 else ''} to {app}? [y/N] ")
    sys.stderr.flush()
    return sys.stdin.readline().strip().lower() in ("y", "yes")


@task(help=HELP)
def setup(
    c,
    app=None,
    min_web=2,
    affinity=True,
    size=None,
    java=False,
    no_java=False,
    buildpack=COMPANION_BUILDPACK_URL,
    release_check=True,
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
    from zdd.apply import FAILED, NOT_ATTEMPTED, Applier, verify
    from zdd.appname import resolve_app
    from zdd.checks import check
    from zdd.output import (
        Progress,
        consoles,
        print_json,
        render_commands,
        render_plan,
        render_results,
    )
    from zdd.plan import PlanOptions, check_options, plan
    from zdd.reader import read_state
    from zdd.snapshot import Snapshot

    out, err = consoles()
    client = None
    with errors_exit("setup", json, lambda: client.stats.to_dict() if client else {}):
        name = resolve_app(app)
        opts = PlanOptions(
            min_web=int(min_web),
            affinity=affinity,
            size=size or None,
            java=tristate(java, no_java, "java"),
            buildpack=buildpack,
            release_check=None if release_check else False,
        )
        check_options(opts)
        client = make_client(float(wait))
        progress = Progress(err, enabled=not print_commands)
        with progress.running(f"reading {name}"):
            state = read_state(client, name)
        the_plan = plan(state, opts)
        doc = {
            "version": JSON_VERSION,
            "command": "setup",
            "app": name,
            "dry_run": bool(dry_run or print_commands),
            "state": state.to_dict(),
            "plan": the_plan.to_dict(),
            "snapshot": None,
            "results": None,
            "findings": None,
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
            if not sys.stdin.isatty():
                raise Exit(
                    "zdd setup: stdin is not a terminal, so zdd can't ask before changing "
                    f"{name}.\nNext: review the plan above, then run again with --yes.",
                    code=ERROR,
                )
            if not _confirm(name, len(pending)):
                finish(NOT_DONE, "Nothing was changed.")
                return

        snap = Snapshot.of(state)
        path = snap.save()
        doc["snapshot"] = str(path)
        if not json:
            out.print(f"Snapshot saved to {path} (undo: zdd undo --app {name})", markup=False)
        with progress.running(f"applying {len(pending)} change(s) to {name}") as prog:
            applier = Applier(client, name, snapshot=snap, wait=float(wait), progress=prog.update)
            results = applier.run(the_plan)
            after = read_state(client, name)
        results = verify(results, after)
        doc["results"] = [r.to_dict() for r in results]
        doc["findings"] = [f.to_dict() for f in check(after, companion_url=buildpack)]
        doc["state_after"] = after.to_dict()
        bad = [r for r in results if r.outcome in (FAILED, NOT_ATTEMPTED)]
        if not json:
            out.print("Result:")
            render_results(out, results)
        if bad:
            finish(
                NOT_DONE,
                f"Setup stopped part-way: {sum(r.outcome == 'changed' for r in results)} step(s) "
                f"changed, {len(bad)} not done (see above). Fix the cause and run it again; "
                f"`zdd undo --app {name}` restores the snapshot.",
            )
            return
        finish(OK, f"Done: {name} is set up; a re-run will change nothing.")
