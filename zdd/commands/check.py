"""`zdd check`: a readiness report per app (Passed / Failed / Skipped, each failure with a fix)."""

from __future__ import annotations

from invoke import Exit, task

from zdd.cli import (
    BASE_DEADLINE,
    COMMON_SHORTFLAGS,
    ERROR,
    JSON_VERSION,
    NOT_DONE,
    OK,
    WholeNumber,
    ZddTask,
    errors_exit,
    make_client,
)
from zdd.errors import UsageError
from zdd.state import COMPANION_BUILDPACK_URL

HELP = {
    "app": "app to check (name or id); repeat for several (default: $HEROKU_APP, else the app of "
    "the repo's Heroku git remote)",
    "remote": "git remote of the app to check (default: `git config heroku.remote`)",
    "all": "check every app the token can see",
    "concurrency": "apps read at the same time (default 8, at most 32)",
    "buildpack": "a custom companion buildpack URL that counts as the zdd buildpack (the default "
    "URL, any zdd-buildpack.tgz and URLs recorded by setup always count)",
    "json": "print one JSON document (see README) instead of text",
}
SHORTFLAGS = {
    "app": "a",
    "remote": "r",
    "json": COMMON_SHORTFLAGS["json"],
    "all_": "l",
    "concurrency": "c",
    "buildpack": "b",
}
TYPES = {"concurrency": WholeNumber(1, 32)}
#: Seconds of deadline per app beyond the base (a slow app read, paced near the rate limit).
SECONDS_PER_APP = 2.0


class BudgetError(UsageError):
    """Checking would spend more API requests than the account has left."""


def deadline_for_apps(n: int, concurrency: int) -> float:
    """The client deadline for checking `n` apps, `concurrency` at a time: grows with the rounds."""
    rounds = -(-n // max(concurrency, 1))
    return BASE_DEADLINE + SECONDS_PER_APP * n + 10.0 * rounds


@task(klass=ZddTask, shortflags=SHORTFLAGS, types=TYPES, iterable=["app"], help=HELP)
def check(
    c,
    app=None,
    remote=None,
    all_=False,
    concurrency=8,
    buildpack=COMPANION_BUILDPACK_URL,
    json=False,
):
    """Report whether apps are ready for zero-downtime deploys (exit 0 ready, 1 not, 2 error).

    Checks: professional dyno tier, 2+ web dynos, session affinity, preboot, and for JVM apps the
    zdd buildpack and the release-check credentials. Read-only: it never changes an app.
    """
    from rich.markup import escape

    from zdd.appname import app_name, check_app_ref, resolve_app
    from zdd.checks import FAILED
    from zdd.checks import check as run_checks
    from zdd.cost import formation_cost
    from zdd.errors import ZddError
    from zdd.output import (
        Progress,
        consoles,
        describe_state,
        header,
        print_json,
        render_findings,
    )
    from zdd.reader import AppResult, read_many, read_state, requests_needed
    from zdd.snapshot import Snapshot

    out, err = consoles()
    client = None
    with errors_exit("check", json, lambda: client.stats.to_dict() if client else {}):
        names = [check_app_ref(a) for a in app or []]
        if all_ and (names or remote is not None):
            raise UsageError("pass either --app (one or more) or --all, not both")
        if names and remote is not None:
            raise UsageError("--app and --remote both name an app; pass one of them")
        client = make_client()
        progress = Progress(err)
        infos = None
        if all_:
            with progress.running("listing apps"):
                listed = client.app_list()
            names = sorted(a.name for a in listed)
            infos = {a.name: a for a in listed}
            client.restart_deadline(deadline_for_apps(len(names), int(concurrency)))
        elif not names:
            names = [resolve_app(None, remote=remote)]
        if not all_:
            names = list(dict.fromkeys(app_name(client, n) for n in names))
        if len(names) > 1 and not all_:
            client.restart_deadline(deadline_for_apps(len(names), int(concurrency)))
        if len(names) > 1:
            need = requests_needed(names, with_info=infos is None)
            left = client.rate_limit_remaining()
            if left < need:
                raise BudgetError(
                    f"Checking {len(names)} apps takes up to {need} API requests, but the account "
                    f"has {left} left (Heroku refills about 75 a minute). Check fewer apps with "
                    f"--app, or wait {((need - left) // 75) + 1} minute(s)."
                )
        if len(names) == 1 and infos is None:
            with progress.running(f"reading {names[0]}"):
                try:
                    results = [AppResult(names[0], state=read_state(client, names[0]))]
                except ZddError as exc:  # reported with the app, like --all does
                    results = [AppResult(names[0], error=exc)]
        else:
            done = [0]

            def tick(_result) -> None:
                done[0] += 1
                progress.update(f"checked {done[0]}/{len(names)} apps")

            with progress.running(f"checking {len(names)} app{'s' if len(names) != 1 else ''}"):
                results = read_many(
                    client, names, infos=infos, max_workers=int(concurrency), on_done=tick
                )

        reports = []
        for r in results:
            entry = {"app": r.app, "ready": False, "findings": [], "error": None}
            if r.error is not None:
                entry["error"] = {
                    "type": type(r.error).__name__,
                    "message": r.error.message,
                    "remedy": r.error.remedy,
                }
                if not json:
                    header(out, escape(r.app) + ": [bold red]error[/]")
                    out.print(f"  {r.error}", markup=False)
            else:
                findings = run_checks(
                    r.state,
                    companion_url=buildpack,
                    known_companions=Snapshot.companion_urls(r.app),
                )
                entry["findings"] = [f.to_dict() for f in findings]
                entry["ready"] = all(f.status != FAILED for f in findings)
                entry["formation"] = [p.to_dict() for p in r.state.formation]
                entry["monthly_cost_usd"] = formation_cost(r.state.formation)
                if not json:
                    render_findings(out, r.app, findings)
                    out.print(f"  dynos: {describe_state(r.state)}", markup=False)
            reports.append(entry)

        errors = sum(1 for e in reports if e["error"])
        ready = sum(1 for e in reports if e["ready"])
        not_ready = len(reports) - ready - errors
        code = ERROR if errors else NOT_DONE if not_ready else OK
        summary = {"apps": len(reports), "ready": ready, "not_ready": not_ready, "errors": errors}
        if json:
            print_json(
                {
                    "version": JSON_VERSION,
                    "command": "check",
                    "apps": reports,
                    "summary": summary,
                    "requests": client.stats.to_dict(),
                    "exit_code": code,
                }
            )
        else:
            out.print(
                f"{len(reports)} app(s): {ready} ready, {not_ready} not ready, {errors} error(s)",
                markup=False,
            )
        if code:
            raise Exit(code=code)
