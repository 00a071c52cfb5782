"""Parsing and bounding `zdd deploy`'s flags; every limit of a guarded deploy lives here.

The probe itself is verify's (zdd/verify/options.py caps rate, timeout and duration); this adds
what the guard needs: the release marker (required: under preboot the old release answers for
minutes after `git push` returns, so only the marker tells which release served), the failure
threshold, how long the new release is judged after the switch-over, and how long zdd waits for a
switch-over (the preboot window is boot timeout + 2 minutes on Heroku, Dev Center "Preboot":
https://devcenter.heroku.com/articles/preboot).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from zdd.verify.options import (
    PREBOOT_SWITCH_S,
    SIGTERM_GRACE_S,
    UsageError,
    VerifyOptions,
    build_options,
    parse_duration,
)

DEFAULT_JUDGE_S = 60.0  # the new release must serve this long after the switch-over
MAX_JUDGE_S = 1800.0
DEFAULT_BOOT_TIMEOUT_S = 90.0  # JVM apps (60 s for others): the preboot window's first part
MIN_API_INTERVAL_S = 0.2  # loopback sandbox runs on a fast clock; Heroku's rate limit is far
DEFAULT_API_INTERVAL_S = 3.0  # two GETs per look: ~40/min, well under the ~75/min refill
MAX_FAILURES = 10000
NO_RELEASE_GRACE_S = 30.0  # after the command ends, how long a release may take to appear


@dataclass(frozen=True)
class DeployOptions:
    app: str
    probe: VerifyOptions  # url, rate, timeout, marker, max_duration (during is ours, not probe's)
    during: str
    rollback: bool = False
    max_failures: int = 0
    judge_s: float = DEFAULT_JUDGE_S
    switch_timeout_s: float = DEFAULT_BOOT_TIMEOUT_S + PREBOOT_SWITCH_S + SIGTERM_GRACE_S
    api_interval_s: float = DEFAULT_API_INTERVAL_S
    no_release_grace_s: float = NO_RELEASE_GRACE_S
    enable_metadata: bool = False

    @property
    def url(self) -> str:
        return self.probe.url


def probe_url(url: str | None, health: str | None) -> str:
    """--url (the app's address; default: its web_url, filled in by the command) + --health."""
    if not url:
        raise UsageError("--url is required when the app has no web_url")
    path = health or ""
    if path and not path.startswith("/"):
        raise UsageError(f"--health: a path starting with /, e.g. /health; got {health!r}")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"--url: expected an http(s) URL with a host, got {url!r}")
    return url.rstrip("/") + path if path else url


def build_deploy_options(
    *,
    app: str,
    during: str | None,
    url: str,
    marker_header: str | None = None,
    marker_json: str | None = None,
    rollback: bool = False,
    max_failures: int | str | None = None,
    judge: str | None = None,
    switch_timeout: str | None = None,
    api_interval: str | None = None,
    rate: str | None = None,
    timeout: str | None = None,
    max_duration: str | None = None,
    enable_metadata: bool = False,
    loopback_api: bool = False,
) -> DeployOptions:
    """Check the raw flag values; UsageError (one line naming the flag) on bad input."""
    if not during or not str(during).strip():
        raise UsageError(
            "--during is required: the deploy command, e.g. --during 'git push heroku main'"
        )
    if not (marker_header or marker_json):
        raise UsageError(
            "a release marker is required: --marker-header H or --marker-json K (the app must "
            "say which release answered; see `zdd deploy --help`)"
        )
    probe = build_options(
        url=url,
        rate=rate,
        during=during,
        timeout=timeout,
        max_duration=max_duration,
        marker_header=marker_header,
        marker_json=marker_json,
    )
    failures = 0 if max_failures is None or max_failures == "" else int(max_failures)
    if not 0 <= failures <= MAX_FAILURES:
        raise UsageError(f"--max-failures: from 0 to {MAX_FAILURES}, got {max_failures}")
    judge_s = parse_duration(judge, "judge") if judge else DEFAULT_JUDGE_S
    if judge_s > MAX_JUDGE_S:
        raise UsageError(f"--judge: at most {MAX_JUDGE_S / 60:g}m, got {judge}")
    switch_s = (
        parse_duration(switch_timeout, "switch-timeout")
        if switch_timeout
        else DEFAULT_BOOT_TIMEOUT_S + PREBOOT_SWITCH_S + SIGTERM_GRACE_S
    )
    interval = parse_duration(api_interval, "api-interval") if api_interval else None
    floor = MIN_API_INTERVAL_S if loopback_api else 2.0
    if interval is not None and interval < floor:
        raise UsageError(f"--api-interval: at least {floor:g}s, to stay far from the rate limit")
    interval = interval or DEFAULT_API_INTERVAL_S
    if judge_s + switch_s * 2 > probe.max_duration_s:
        raise UsageError(
            f"--max-duration ({probe.max_duration_s:g}s) leaves no room for --switch-timeout "
            "twice (deploy and rollback) plus --judge; raise it"
        )
    return DeployOptions(
        app=app,
        probe=probe,
        during=str(during),
        rollback=bool(rollback),
        max_failures=failures,
        judge_s=judge_s,
        switch_timeout_s=switch_s,
        api_interval_s=interval,
        no_release_grace_s=max(NO_RELEASE_GRACE_S, 3 * interval)
        if not loopback_api
        else max(3.0, 3 * interval),
        enable_metadata=bool(enable_metadata),
    )
