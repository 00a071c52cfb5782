"""`zdd setup`: parse the flags, run zdd.flows.setup, print its report (flow: read, plan,
confirm, re-read, snapshot, apply in order, re-read and verify)."""

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
    "smoke-path": "record ZDD_SMOKE_PATH=PATH: the release phase boots the new slug and requests "
    "PATH, e.g. /health (ZDD_SMOKE=strict makes a failure stop the release)",
    "yes": "apply without asking (needed when stdin is not a terminal)",
    "dry-run": "show the plan and change nothing (exit 0: nothing to do, 3: changes pending, "
    "1: a step is blocked)",
    "print-commands": "print the plan as the equivalent `heroku ...` commands; change nothing",
    "confirm-cost": "with --yes: accept a plan that adds $250/month or more (asked at the prompt "
    "otherwise)",
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
    smoke_path=None,
    yes=False,
    dry_run=False,
    print_commands=False,
    confirm_cost=False,
    wait=600,
    json=False,
):
    """Make an app safe for zero-downtime deploys: affinity, 2+ web dynos, preboot, JVM warm-up.

    Reads the app, shows a plan with what, why and the monthly cost change, asks, applies it in
    order (idempotently: a second run changes nothing) and verifies every change. A snapshot is
    saved first, so `zdd undo` can put things back.
    """
    from zdd.appname import app_name, resolve_app
    from zdd.flows.common import Deps
    from zdd.flows.setup import SetupRequest, run_setup
    from zdd.output import TextOutput, consoles, render_commands, render_run_report
    from zdd.plan import PlanOptions, check_options

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
            smoke_path=smoke_path,
        )
        check_options(opts)
        client = make_client(float(wait))
        request = SetupRequest(
            app=app_name(client, name),
            options=opts,
            yes=bool(yes),
            dry_run=bool(dry_run),
            print_commands=bool(print_commands),
            wait=float(wait),
            confirm_cost=bool(confirm_cost),
            as_json=bool(json),
        )
        output = TextOutput(out, err, show=not json, progress=not print_commands)
        report = run_setup(request, Deps(client, output=output, prompt=terminal_prompt()))

    def text() -> None:
        if print_commands:
            render_commands(out, report.plan)
        else:
            render_run_report(out, report)

    finish(report, json, text)
