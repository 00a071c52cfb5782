"""`zdd verify`: prove a deploy had zero downtime by probing a URL through it.

Exit codes: 0 no request failed; 1 at least one request failed (or none was sent); 2 usage error;
3 no request failed but the --during command failed or had to be stopped; 4 no request failed but
zdd was interrupted (Ctrl-C, SIGTERM, SIGHUP) before the run's end.

The timeline picture is drawn only when asked (`--picture FILE.png|.svg`): nothing is written to
the working directory otherwise.
"""

from __future__ import annotations

import sys
from pathlib import Path

from invoke import Exit, task

from zdd.cli import ZddTask, finish_run, usage_exit
from zdd.verify.options import UsageError, build_options, parse_duration
from zdd.verify.picture import draw
from zdd.verify.report import EXIT_USAGE
from zdd.verify.runner import run_verify
from zdd.verify.text import render

NO_PICTURE = ("", "none", "off", "no")


@task(
    klass=ZddTask,  # no generated short flags (-a for --rate would mislead); -j, -a as everywhere
    shortflags={"json": "j", "app": "a"},
    help={
        "url": "the page to probe, e.g. https://my-app.example.com/health (the only URL contacted)",
        "during": "a command to run while probing, e.g. 'git push heroku main'; probing goes on "
        "for --tail after it ends",
        "duration": "how long to probe without --during (default 6m); e.g. 90s, 6m, 1m30s",
        "rate": "requests per second (default 5, at most 50)",
        "tail": "how long to keep probing after --during ends (default: boot timeout + 2m + 30s "
        "= 4m; covers Heroku's preboot switch-over and the old dynos' 30 s SIGTERM grace)",
        "boot-timeout": "the app's boot timeout, used to derive --tail (default 90s, JVM apps; "
        "60s for others)",
        "marker-header": "response header that names the release that answered, e.g. X-Release",
        "marker-json": "JSON field (dotted path) that names the release, e.g. version or build.id",
        "json": "print the report as JSON instead of the human summary",
        "picture": "draw the latency timeline to this file (.png or .svg); none by default",
        "max-requests": "send at most this many requests (default 5000, at most 20000); a "
        "running --during command is still waited for",
        "max-duration": "stop after this long whatever happens, ending --during (default 30m, "
        "at most 2h)",
        "timeout": "time for a whole answer; a slower one counts as a timeout failure "
        "(default 10s, at most 60s)",
        "app": "also record release versions and dyno states from the Platform API "
        "(HEROKU_API_KEY or heroku login)",
        "api-interval": "how often to poll the Platform API with --app (default 10s, at least 5s)",
    },
)
def verify(
    c,
    url=None,
    during=None,
    duration=None,
    rate=None,
    tail=None,
    boot_timeout=None,
    marker_header=None,
    marker_json=None,
    json=False,
    picture=None,
    max_requests=None,
    max_duration=None,
    timeout=None,
    app=None,
    api_interval=None,
):
    """Probe a URL through a deploy: failures, gap, switch-over, latency; exit 1 on any failure."""
    try:
        options = build_options(
            url=url,
            rate=rate,
            duration=duration,
            during=during,
            tail=tail,
            boot_timeout=boot_timeout,
            max_requests=max_requests,
            max_duration=max_duration,
            timeout=timeout,
            marker_header=marker_header,
            marker_json=marker_json,
        )
        interval = parse_duration(api_interval, "api-interval") if api_interval else 10.0
        if interval < 5.0:
            raise UsageError("--api-interval: at least 5s, to stay far from the API rate limit")
        if api_interval and not app:
            raise UsageError("--api-interval only applies with --app")
        if app is not None:
            from zdd.appname import check_app_ref

            check_app_ref(app)
        picture_path = picture_target(picture)
    except ValueError as exc:  # verify's UsageError, and zdd.errors.UsageError (a bad --app)
        usage_exit("verify", exc, json)
    watcher = _watcher(app, interval) if app else None
    if not json:
        print(f"zdd verify: probing {options.url} at {options.rate:g}/s ...", file=sys.stderr)
    report = run_verify(options, watcher=watcher)
    finish_run(
        "verify",
        report,
        as_json=json,
        render=render,
        picture=picture_path,
        draw=lambda path: draw(report, path),
    )


def picture_target(picture: str | None) -> str | None:
    """The --picture file, or None; a usage error for a wrong suffix or a folder that doesn't
    exist (zdd writes the file, it never creates folders the user didn't make)."""
    if picture is None or str(picture).strip().lower() in NO_PICTURE:
        return None
    if not str(picture).lower().endswith((".png", ".svg")):
        raise UsageError(f"--picture must end in .png or .svg, got {picture!r}")
    from zdd.extras import MissingExtra, require_extra

    try:  # before the run: a picture that can't be drawn must not cost a whole load test
        require_extra("picture")
    except MissingExtra as exc:
        raise UsageError(exc.message) from None
    folder = Path(picture).expanduser().parent
    if not folder.is_dir():
        raise UsageError(
            f"--picture {picture}: the folder {folder} does not exist; create it first or "
            "pick another path"
        )
    return picture


def _watcher(app: str, interval: float):
    """A PlatformWatcher on HerokuClient.from_env(); a clear Exit when no client or token exists."""
    try:
        from zdd.verify.platform import PlatformWatcher, client_from_env
    except ImportError as exc:  # the API client is a separate part of zdd
        raise Exit(f"zdd verify: --app needs the zdd.heroku client ({exc})", EXIT_USAGE) from None
    try:
        client = client_from_env()
    except Exception as exc:  # ConfigError: no token, bad HEROKU_HOST
        raise Exit(f"zdd verify: --app {app}: {exc}", EXIT_USAGE) from None
    return PlatformWatcher(client, app, interval_s=interval)
