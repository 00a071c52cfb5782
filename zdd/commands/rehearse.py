"""`zdd rehearse`: a deploy of your own app on this machine, judged before Heroku sees it.

Exit codes (as zdd verify): 0 every finding passed or was skipped; 1 a finding failed; 2 usage
error; 3 the rehearsal could not run (v1 never came up); 4 interrupted (Ctrl-C, SIGTERM, SIGHUP).
"""

from __future__ import annotations

import sys

from invoke import Exit, task

from zdd.cli import ZddTask, finish_run
from zdd.verify.options import UsageError
from zdd.verify.report import EXIT_USAGE

HELP_TEXT = """Rehearse a deploy of your app locally: real processes, a Router 2.0-like router.

Runs the Procfile's web command as real dynos (PORT, DYNO, your .env and --env), sends probe
traffic through a local router, deploys v2 (the same dir or --next DIR) with or without preboot,
and reports boot.r10, shutdown.inflight_dropped, shutdown.sigkill, router.keepalive,
memory.overlap, release.unhealthy and requests.failed, each with the figure and the fix.

A Java app in its own CI job (build first; the Procfile runs it, e.g.
`web: java -Dserver.port=$PORT $JAVA_OPTS -jar target/app.jar`):
  mvn -q package -DskipTests          # or ./gradlew build -x test
  zdd rehearse --dir . --long-path /slow --scale 0.1 --picture rehearse.png
(--long-path: any page that takes a second or two, so requests are in flight at SIGTERM;
--no-preboot rehearses a restart instead; --next DIR deploys another build as v2.)
The job fails (exit 1) when a finding fails; each names its fix. For Spring Boot they are
server.shutdown=graceful, server.tomcat.keep-alive-timeout=100s (Jetty:
server.jetty.connection-idle-timeout=100s) and -Xmx in JAVA_OPTS for the --size quota.
Exit codes: 0 passed, 1 a finding failed, 2 usage, 3 v1 never came up, 4 interrupted.
"""


@task(
    klass=ZddTask,
    shortflags={"json": "j"},
    iterable=["env"],
    help={
        "dir": "the app directory with its Procfile (default: .)",
        "next": "the app directory v2 runs (default: --dir again)",
        "dynos": "web dynos per release (default 2, at most 10)",
        "preboot": "deploy with preboot (the default); --no-preboot restarts instead",
        "deploys": "how many deploys in a row (default 1, at most 5)",
        "scale": "multiply every Heroku duration by this (e.g. 0.1 for CI; default 1)",
        "boot-timeout": "time to bind $PORT before R10 (default 60s, 90s for JVM apps)",
        "switch-delay": "preboot: from the deploy's start to the traffic switch, never before "
        "the new dynos are up (default 10s; Heroku waits boot timeout + 2m)",
        "grace": "from SIGTERM to SIGKILL (default 30s)",
        "keepalive": "how long the router keeps idle connections to dynos (default 90s)",
        "request-timeout": "the router's H12 timeout for a whole answer (default 30s)",
        "affinity": "session affinity (heroku-session-affinity cookie); --no-affinity turns it off",
        "rate": "probe requests per second (default 10, at most 50)",
        "path": "the page the probe GETs and POSTs to (default /)",
        "long-path": "a slow page for the share of long requests, e.g. /slow (default none)",
        "long-share": "share of requests that go to --long-path (default 0.1)",
        "post-share": "share of requests that are POSTs (default 0.1)",
        "timeout": "time for a whole answer at the probe (default request timeout + 10s)",
        "warmup": "probing before the first deploy (default 3s)",
        "tail": "probing after the last deploy (default: 3s, and on until an idle connection "
        "has lasted 90 % of --keepalive, which router.keepalive needs to pass)",
        "size": "dyno size whose memory quota applies (default Standard-1X, 512 MB)",
        "memory-quota": "memory quota in MB instead of --size's",
        "env": "KEY=VALUE for the app's environment (repeat it); .env in --dir is read too",
        "json": "print the report as JSON",
        "picture": "draw the timeline to this file (.png or .svg)",
        "max-requests": "send at most this many probe requests (default 5000, at most 20000)",
        "max-duration": "stop probing after this long (default 30m, at most 2h)",
    },
)
def rehearse(
    c,
    dir=None,
    next=None,
    dynos=None,
    preboot=True,
    deploys=None,
    scale=None,
    boot_timeout=None,
    switch_delay=None,
    grace=None,
    keepalive=None,
    request_timeout=None,
    affinity=True,
    rate=None,
    path=None,
    long_path=None,
    long_share=None,
    post_share=None,
    timeout=None,
    warmup=None,
    tail=None,
    size=None,
    memory_quota=None,
    env=None,
    json=False,
    picture=None,
    max_requests=None,
    max_duration=None,
):
    """Rehearse a deploy locally: real dynos, a local router, findings with fixes."""
    try:
        from zdd.rehearse.flow import rehearse as run
    except ImportError as exc:  # the router's HTTP stack is the [rehearse] extra
        raise Exit(
            f"zdd rehearse: {exc.name or exc} is missing; pip install 'zdd-heroku[rehearse]'",
            code=EXIT_USAGE,
        ) from None
    from zdd.rehearse.options import build_options
    from zdd.rehearse.text import render
    from zdd.verify.runner import StopSignals

    try:
        options = build_options(
            dir=dir, next=next, dynos=dynos, preboot=preboot, deploys=deploys, scale=scale,
            boot_timeout=boot_timeout, switch_delay=switch_delay, grace=grace,
            keepalive=keepalive, request_timeout=request_timeout, affinity=affinity, rate=rate,
            path=path, long_path=long_path, long_share=long_share, post_share=post_share,
            timeout=timeout, warmup=warmup, tail=tail, size=size, memory_quota=memory_quota,
            env=env or (), max_requests=max_requests, max_duration=max_duration,
        )  # fmt: skip
        if picture and not str(picture).lower().endswith((".png", ".svg")):
            raise UsageError(f"--picture must end in .png or .svg, got {picture!r}")
    except UsageError as exc:
        raise Exit(f"zdd rehearse: {exc}", code=EXIT_USAGE) from None

    def progress(line: str) -> None:
        if not json:
            print(f"zdd rehearse: {line}", file=sys.stderr, flush=True)

    with StopSignals() as signals:
        report = run(options, stop_reason=lambda: signals.reason, progress=progress)
    from zdd.rehearse.picture import draw

    finish_run(
        "rehearse",
        report,
        as_json=json,
        render=render,
        picture=picture or None,
        draw=lambda path: draw(report, path),
    )


rehearse.__doc__ = HELP_TEXT
