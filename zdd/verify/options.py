"""Parsing and bounding the probe's options. Every limit lives here, so the caps are easy to audit.

The tail after `--during`: Heroku moves traffic to the new web dynos when the preboot window ends,
which is the app's boot timeout + 2 minutes after the release; the old dynos then get SIGTERM and
have 30 s to finish. `git push heroku main` returns when the release exists, so the probe keeps
going for boot timeout + 2 min + 30 s after the command (4 min with the JVM's 90 s boot timeout).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from zdd.errors import UsageError
from zdd.verify.samples import Marker

DEFAULT_RATE = 5.0  # requests per second
MAX_RATE = 50.0  # hard cap: a probe, not a load test
DEFAULT_DURATION_S = 360.0  # without --during: long enough to cover one push plus a JVM preboot
DEFAULT_BOOT_TIMEOUT_S = 90.0  # Java/Gradle buildpack apps; other apps get 60 s
PREBOOT_SWITCH_S = 120.0  # Heroku: preboot window = boot timeout + 2 minutes
SIGTERM_GRACE_S = 30.0  # old dynos get 30 s between SIGTERM and SIGKILL
DEFAULT_MAX_REQUESTS = 5000
MAX_REQUESTS = 20000  # hard cap on the total count, whatever --max-requests says
DEFAULT_MAX_DURATION_S = 1800.0  # the loop never runs longer than this (with --during too)
MAX_DURATION_S = 7200.0
DEFAULT_TIMEOUT_S = 10.0
MAX_TIMEOUT_S = 60.0  # one request never holds the run (or its final drain) longer than this
MAX_IN_FLIGHT = 100

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


# A bad option value raises zdd's one UsageError; the message says which flag and what is
# accepted (imported here under the name verify's and rehearse's callers use).


def parse_duration(text: str, flag: str = "duration") -> float:
    """'6m', '90s', '1m30s', '250ms', '1.5h' or plain seconds ('45') -> seconds."""
    raw = str(text).strip().lower().replace(" ", "")
    if re.fullmatch(r"\d+(\.\d+)?", raw):
        seconds = float(raw)
    else:
        parts = _DURATION_PART.findall(raw)
        if not raw or "".join(n + u for n, u in parts) != raw:
            raise UsageError(
                f"--{flag}: cannot read {text!r} as a duration; "
                "use e.g. 90s, 6m, 1m30s, 250ms or a number of seconds"
            )
        seconds = sum(float(n) * _UNITS[u] for n, u in parts)
    if not math.isfinite(seconds) or seconds <= 0:
        raise UsageError(f"--{flag}: must be more than zero, got {text!r}")
    return seconds


def parse_positive(text: str | float, flag: str) -> float:
    try:
        value = float(text)
    except (TypeError, ValueError):
        raise UsageError(f"--{flag}: expected a number, got {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise UsageError(f"--{flag}: must be more than zero, got {text!r}")
    return value


def check_url(url: str | None) -> str:
    if not url:
        raise UsageError(
            "--url is required: the page to probe, e.g. --url https://my-app.example.com/health"
        )
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"--url: expected an http(s) URL with a host, got {url!r}")
    try:
        port = parts.port
    except ValueError:  # urllib: "Port out of range 0-65535" or not a number
        port = -1
    if port is not None and not 1 <= port <= 65535:
        raise UsageError(f"--url: the port must be from 1 to 65535, got {url!r}")
    return url


@dataclass(frozen=True)
class VerifyOptions:
    """Everything one run needs, already checked and capped."""

    url: str
    rate: float = DEFAULT_RATE
    duration_s: float | None = DEFAULT_DURATION_S  # None when --during sets the length
    during: str | None = None
    tail_s: float = DEFAULT_BOOT_TIMEOUT_S + PREBOOT_SWITCH_S + SIGTERM_GRACE_S
    max_requests: int = DEFAULT_MAX_REQUESTS
    max_duration_s: float = DEFAULT_MAX_DURATION_S
    timeout_s: float = DEFAULT_TIMEOUT_S
    marker: Marker | None = None

    @property
    def max_in_flight(self) -> int:
        """Enough concurrent requests that a slow answer does not hold back the next ones."""
        return max(1, min(MAX_IN_FLIGHT, math.ceil(self.rate * self.timeout_s) + 1))


def build_options(
    *,
    url: str | None,
    rate: str | float | None = None,
    duration: str | None = None,
    during: str | None = None,
    tail: str | None = None,
    boot_timeout: str | None = None,
    max_requests: str | int | None = None,
    max_duration: str | None = None,
    timeout: str | None = None,
    marker_header: str | None = None,
    marker_json: str | None = None,
) -> VerifyOptions:
    """Check the raw flag values of `zdd verify` and apply the caps; UsageError on bad input."""
    url = check_url(url)
    rate_v = parse_positive(rate, "rate") if rate not in (None, "") else DEFAULT_RATE
    if rate_v > MAX_RATE:
        raise UsageError(f"--rate: at most {MAX_RATE:g} requests per second, got {rate}")
    if during is not None and not str(during).strip():
        raise UsageError("--during: give the command to run, e.g. --during 'git push heroku main'")
    if during and duration:
        raise UsageError(
            "--duration and --during exclude each other: with --during the probe runs as long as "
            "the command plus --tail"
        )
    if tail and boot_timeout:
        raise UsageError(
            "--tail and --boot-timeout exclude each other (the tail is derived from it)"
        )
    if (tail or boot_timeout) and not during:
        raise UsageError("--tail and --boot-timeout only apply with --during")
    if marker_header and marker_json:
        raise UsageError("--marker-header and --marker-json exclude each other; pick one")
    if tail:
        tail_s = parse_duration(tail, "tail")
    else:
        boot = (
            parse_duration(boot_timeout, "boot-timeout") if boot_timeout else DEFAULT_BOOT_TIMEOUT_S
        )
        tail_s = boot + PREBOOT_SWITCH_S + SIGTERM_GRACE_S
    max_dur = (
        parse_duration(max_duration, "max-duration") if max_duration else DEFAULT_MAX_DURATION_S
    )
    if max_dur > MAX_DURATION_S:
        raise UsageError(f"--max-duration: at most {MAX_DURATION_S / 3600:g}h, got {max_duration}")
    if during:
        duration_s = None
    else:
        duration_s = parse_duration(duration, "duration") if duration else DEFAULT_DURATION_S
        if duration_s > max_dur:
            raise UsageError(
                f"--duration {duration} is longer than --max-duration ({max_dur:g}s); raise it too"
            )
    if max_requests in (None, ""):
        count = DEFAULT_MAX_REQUESTS
    else:
        try:
            count = int(str(max_requests))
        except ValueError:
            raise UsageError(
                f"--max-requests: expected a whole number, got {max_requests!r}"
            ) from None
        if not 1 <= count <= MAX_REQUESTS:
            raise UsageError(f"--max-requests: between 1 and {MAX_REQUESTS}, got {max_requests}")
    timeout_s = parse_duration(timeout, "timeout") if timeout else DEFAULT_TIMEOUT_S
    if timeout_s > MAX_TIMEOUT_S:
        raise UsageError(f"--timeout: at most {MAX_TIMEOUT_S:g}s, got {timeout}")
    marker = None
    if marker_header or marker_json:
        marker = Marker(header=marker_header or None, json_path=marker_json or None)
    return VerifyOptions(
        url=url,
        rate=rate_v,
        duration_s=duration_s,
        during=during or None,
        tail_s=tail_s,
        max_requests=count,
        max_duration_s=max_dur,
        timeout_s=timeout_s,
        marker=marker,
    )
