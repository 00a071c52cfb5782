"""`zdd check`: parse the flags, run zdd.flows.check, print its report (a readiness report per
app: Passed / Failed / Skipped, each failure with a fix)."""

from __future__ import annotations

from invoke import task

from zdd.cli import COMMON_SHORTFLAGS, WholeNumber, ZddTask, errors_exit, finish, make_client
from zdd.errors import UsageError
from zdd.flows.check import BudgetError, deadline_for_apps  # noqa: F401 (0.1 import paths)
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
    from zdd.appname import app_name, check_app_ref, resolve_app
    from zdd.flows.check import CheckRequest, run_check
    from zdd.flows.common import Deps
    from zdd.output import TextOutput, consoles, render_check_report

    out, err = consoles()
    client = None
    with errors_exit("check", json, lambda: client.stats.to_dict() if client else {}):
        names = [check_app_ref(a) for a in app or []]
        if all_ and (names or remote is not None):
            raise UsageError("pass either --app (one or more) or --all, not both")
        if names and remote is not None:
            raise UsageError("--app and --remote both name an app; pass one of them")
        client = make_client()
        if not all_:
            names = names or [resolve_app(None, remote=remote)]
            names = list(dict.fromkeys(app_name(client, n) for n in names))
        request = CheckRequest(
            apps=tuple(names),
            all_apps=bool(all_),
            concurrency=int(concurrency),
            companion_url=buildpack,
        )
        report = run_check(request, Deps(client, output=TextOutput(out, err, show=not json)))
    finish(report, json, lambda: render_check_report(out, report))
