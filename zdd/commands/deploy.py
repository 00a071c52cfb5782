"""`zdd deploy`: run a deploy command and guard it (zdd.deploy.flow does the work).

Exit codes: 0 deployed and healthy; 1 failed (release phase failed, unhealthy after the
switch-over, no switch-over, another deploy pending or the latest release not yet serving;
rolled back or not); 2 usage; 3 the deploy command failed (and made no release, or the release
was healthy); 4 interrupted.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit

from invoke import task

from zdd.cli import WholeNumber, ZddTask, finish_run, make_client, terminal_prompt, usage_exit
from zdd.commands.verify import picture_target
from zdd.deploy.report import DeployReport, render
from zdd.errors import ZddError
from zdd.loopback import is_loopback
from zdd.verify.picture import draw

HELP_TEXT = """Deploy with a guard: the new release must serve, or (--rollback) it is undone.

Runs --during (e.g. 'git push heroku main' or 'heroku pipelines:promote -a staging'), follows
the new release on --app through the Platform API (release phase, its output), probes --url +
--health through the preboot window and tells the releases apart by a marker the app sends
(--marker-header or --marker-json), never by time. After the switch-over the new release is
judged for --judge; more than --max-failures failed requests fail it, and with --rollback zdd
rolls back once to the release that served before and waits until it serves again.

The marker: turn on runtime-dyno-metadata (--enable-metadata, or
`heroku labs:enable runtime-dyno-metadata`) so dynos get HEROKU_RELEASE_VERSION. Spring Boot
exposes it with one line in application.properties:
  info.release=${HEROKU_RELEASE_VERSION:dev}
(with management.info.env.enabled=true on Boot 2.6+), then
  zdd deploy --health /actuator/info --marker-json release --rollback ...
Before it starts, the URL's marker says which release serves: while the latest release is not
answering yet (its preboot window still open) zdd waits up to --switch-timeout, then refuses
(exit 1, nothing run); that serving release is the rollback target.
Exit codes: 0 deployed and healthy, 1 failed (rolled back or not; or refused: a release pending,
or the latest release not serving within --switch-timeout), 2 usage, 3 the deploy command
failed, 4 interrupted.
"""


@task(
    klass=ZddTask,
    shortflags={"json": "j", "app": "a"},
    types={"max_failures": WholeNumber(0, 10000, "requests")},
    help={
        "app": "the app the release lands on (for a promotion: the target app)",
        "during": "the deploy command, e.g. 'git push heroku main' (run in its own process "
        "group, stopped on Ctrl-C)",
        "url": "the app's address (default: its web_url from the Platform API)",
        "health": "path appended to --url, e.g. /health (default: none)",
        "marker-header": "response header naming the release, e.g. X-Release (v42 or 42)",
        "marker-json": "JSON field naming the release, e.g. release",
        "rollback": "roll back (once) to the release before the deploy when the new one fails",
        "max-failures": "failed requests allowed after the switch-over (default 0)",
        "judge": "how long the new release must serve after the switch-over (default 60s)",
        "switch-timeout": "how long to wait for the new release to answer (default 4m: boot "
        "timeout 90s + Heroku's 2m preboot window + 30s)",
        "api-interval": "how often to read the release from the Platform API (default 3s)",
        "rate": "probe requests per second (default 5, at most 50)",
        "timeout": "time for a whole answer (default 10s)",
        "max-duration": "stop everything after this long (default 30m, at most 2h)",
        "enable-metadata": "turn on runtime-dyno-metadata if it is off (HEROKU_RELEASE_VERSION)",
        "json": "print one JSON document instead of the summary",
        "picture": "draw the timeline, rollback included, to this file (.png or .svg)",
    },
)
def deploy(
    c,
    app=None,
    during=None,
    url=None,
    health=None,
    marker_header=None,
    marker_json=None,
    rollback=False,
    max_failures=None,
    judge=None,
    switch_timeout=None,
    api_interval=None,
    rate=None,
    timeout=None,
    max_duration=None,
    enable_metadata=False,
    json=False,
    picture=None,
):
    """Run a deploy command, judge the new release by its marker, roll back once if asked."""
    from zdd.appname import check_app_ref, resolve_app
    from zdd.deploy.flow import deploy as run_deploy
    from zdd.deploy.options import build_deploy_options, probe_url

    try:
        if app is not None:
            check_app_ref(app)
        name = resolve_app(app, os.environ, os.getcwd())
        picture_path = picture_target(picture)
        client = make_client(deadline=120.0)
        base = url or client.app_info(name).web_url
        host = urlsplit(str(client.base_url)).hostname
        options = build_deploy_options(
            app=name,
            during=during,
            url=probe_url(base, health),
            marker_header=marker_header,
            marker_json=marker_json,
            rollback=rollback,
            max_failures=max_failures,
            judge=judge,
            switch_timeout=switch_timeout,
            api_interval=api_interval,
            rate=rate,
            timeout=timeout,
            max_duration=max_duration,
            enable_metadata=enable_metadata,
            loopback_api=is_loopback(host),
        )
    except (ValueError, ZddError) as exc:  # verify's UsageError, zdd's UsageError/ConfigError
        usage_exit("deploy", exc, json)
    prompt = terminal_prompt() if not json else None

    def say(line: str) -> None:
        print(f"zdd deploy: {line}", file=sys.stderr, flush=True)

    try:
        report = run_deploy(
            options,
            client=client,
            say=say,
            confirm=prompt.confirm if prompt else None,
        )
    except ZddError as exc:  # before the deploy started (reading the releases)
        usage_exit("deploy", exc, json)
    finish_run(
        "deploy",
        report,
        as_json=json,
        render=render,
        picture=picture_path,
        draw=picture_drawer(report),
    )


deploy.__doc__ = HELP_TEXT


def picture_title(report: DeployReport) -> str:
    """What the picture is about: the release, its verdict, the rollback if one was made."""
    new = report.release.name if report.release else "no new release"
    title = f"zdd deploy {report.app}: {new} {report.outcome}"
    rb = report.rollback
    if rb is not None and rb.release is not None:
        title += f", rolled back to {rb.to.name}'s slug ({rb.release.name})"
    return title


def picture_drawer(report: DeployReport) -> Callable[[str], Path] | None:
    """Draws the --picture: verify's timeline of the probe, the rollback marked on it; None when
    the deploy was refused before anything was probed."""
    if report.verify is None:
        return None
    return partial(
        draw,
        report.verify,
        title=picture_title(report),
        during_label="deploy command",
        marks=report.marks(),
    )
