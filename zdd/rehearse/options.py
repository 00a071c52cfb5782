"""The rehearsal's options: parsed, checked and capped (every limit in one place).

Durations default to Heroku's (boot timeout 60 s, 90 s for JVM apps; SIGTERM grace 30 s; router
keepalive 90 s; request timeout 30 s), except the preboot switch delay: Heroku waits the boot
timeout + 2 min, a rehearsal waits `--switch-delay` (10 s) after the new dynos are up, which tests
the same overlap without the wait. `--scale F` multiplies every Heroku duration (0.1: a 30 s grace
becomes 3 s), so CI can rehearse on a fast schedule while each ratio stays Heroku's.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

from zdd.runtime.procfile import ProcfileError, web_command
from zdd.runtime.timing import Timing
from zdd.verify.options import MAX_DURATION_S, MAX_RATE, MAX_REQUESTS, UsageError, parse_duration

DEFAULT_DYNOS = 2
MAX_DYNOS = 10
MAX_DEPLOYS = 5
DEFAULT_RATE = 10.0
DEFAULT_SWITCH_DELAY_S = 10.0
DEFAULT_SIZE = "Standard-1X"
DEFAULT_LONG_SHARE = 0.1
DEFAULT_POST_SHARE = 0.1
DEFAULT_WARMUP_S = 3.0  # traffic on v1 before the deploy
DEFAULT_TAIL_S = 3.0  # traffic after the last deploy ends
DEFAULT_MAX_REQUESTS = 5000
DEFAULT_MAX_DURATION_S = 1800.0
ENV_PASSTHROUGH = ("PATH", "HOME", "LANG", "LC_ALL", "JAVA_HOME", "TMPDIR", "USER")
_SIZES = Path(__file__).resolve().parent.parent / "data" / "dyno_sizes.json"


def dyno_memory_mb(size: str) -> int:
    """The memory quota of a Heroku dyno size (zdd/data/dyno_sizes.json); UsageError if unknown."""
    table = json.loads(_SIZES.read_text())["sizes"]
    for row in table:
        if row["name"].lower() == size.strip().lower() and row.get("memory_mb"):
            return int(row["memory_mb"])
    names = ", ".join(r["name"] for r in table if r.get("memory_mb") and r.get("monthly_usd"))
    raise UsageError(f"--size: unknown dyno size {size!r}; one of {names}")


def is_jvm_app(app_dir: Path, command: str) -> bool:
    """Heroku's Java/Gradle buildpacks give 90 s to bind; guess them as those buildpacks would."""
    markers = ("pom.xml", "build.gradle", "build.gradle.kts", "system.properties")
    words = command.split()
    if words[:1] == ["exec"]:
        words = words[1:]
    return any((app_dir / m).exists() for m in markers) or words[:1] == ["java"]


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines (as `heroku local` reads .env); blanks and # comments skipped."""
    env: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        env[key.strip()] = value.strip().strip("'\"")
    return env


@dataclass(frozen=True)
class RehearseOptions:
    app_dir: Path
    next_dir: Path | None
    dynos: int
    preboot: bool
    deploys: int
    timing: Timing
    jvm: bool
    env: dict[str, str] = field(repr=False)
    affinity: bool = True
    rate: float = DEFAULT_RATE
    path: str = "/"
    long_path: str | None = None
    long_share: float = 0.1
    post_share: float = 0.1
    probe_timeout_s: float = 40.0
    warmup_s: float = DEFAULT_WARMUP_S
    tail_s: float = DEFAULT_TAIL_S
    tail_proves_keepalive: bool = True  # no --tail: probe on until router.keepalive can pass
    size: str = DEFAULT_SIZE
    memory_quota_mb: int = 512
    max_requests: int = DEFAULT_MAX_REQUESTS
    max_duration_s: float = DEFAULT_MAX_DURATION_S

    flag_env: dict[str, str] = field(default_factory=dict, repr=False)  # --env, wins over .env

    def release_dir(self, number: int) -> Path:
        """v1 runs --dir; later releases run --next when given."""
        return self.next_dir if number > 1 and self.next_dir else self.app_dir

    def release_env(self, number: int) -> dict[str, str]:
        """The release's environment: the passed-through basics, its dir's .env, then --env."""
        dotenv = self.release_dir(number) / ".env"
        from_file = read_env_file(dotenv) if dotenv.is_file() else {}
        return {**self.env, **from_file, **self.flag_env}


def _dir(value: str, flag: str) -> Path:
    path = Path(value).expanduser()
    if not path.is_dir():
        raise UsageError(f"--{flag}: {value!r} is not a directory (the app with its Procfile)")
    try:
        web_command(path)
    except ProcfileError as exc:
        raise UsageError(f"--{flag}: {exc}") from None
    return path.resolve()


def _int(value, flag: str, lo: int, hi: int) -> int:
    try:
        n = int(str(value))
    except ValueError:
        raise UsageError(f"--{flag}: expected a whole number, got {value!r}") from None
    if not lo <= n <= hi:
        raise UsageError(f"--{flag}: between {lo} and {hi}, got {value}")
    return n


def _share(value, flag: str) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise UsageError(f"--{flag}: expected a share between 0 and 0.5, got {value!r}") from None
    if not (math.isfinite(x) and 0 <= x <= 0.5):
        raise UsageError(f"--{flag}: a share between 0 and 0.5, got {value}")
    return x


def _path(value: str, flag: str) -> str:
    if not value.startswith("/"):
        raise UsageError(f"--{flag}: a path on the app starting with '/', got {value!r}")
    return value


def _dur(value, flag: str, default: float) -> float:
    return default if value in (None, "") else parse_duration(value, flag)


def build_options(
    *,
    dir: str | None = None,
    next: str | None = None,
    dynos=None,
    preboot: bool = True,
    deploys=None,
    scale=None,
    boot_timeout=None,
    switch_delay=None,
    grace=None,
    keepalive=None,
    request_timeout=None,
    affinity: bool = True,
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
    env=(),
    max_requests=None,
    max_duration=None,
    base_env: dict[str, str] | None = None,
) -> RehearseOptions:
    """Check the raw flag values of `zdd rehearse`; UsageError (one line) on bad input."""
    app_dir = _dir(dir or ".", "dir")
    next_dir = _dir(next, "next") if next else None
    n_dynos = DEFAULT_DYNOS if dynos in (None, "") else _int(dynos, "dynos", 1, MAX_DYNOS)
    n_deploys = 1 if deploys in (None, "") else _int(deploys, "deploys", 1, MAX_DEPLOYS)
    factor = 1.0
    if scale not in (None, ""):
        try:
            factor = float(scale)
        except ValueError:
            raise UsageError(f"--scale: expected a number like 0.1, got {scale!r}") from None
        if not (math.isfinite(factor) and 0.001 <= factor <= 1):
            raise UsageError(f"--scale: between 0.001 and 1, got {scale}")
    jvm = is_jvm_app(app_dir, web_command(app_dir))
    base = Timing.heroku(jvm=jvm).scaled(factor)
    boot = _dur(boot_timeout, "boot-timeout", base.boot_timeout_s)
    timing = Timing(
        boot_timeout_s=boot,
        switch_delay_s=_dur(switch_delay, "switch-delay", DEFAULT_SWITCH_DELAY_S * factor),
        sigterm_grace_s=_dur(grace, "grace", base.sigterm_grace_s),
        router_keepalive_s=_dur(keepalive, "keepalive", base.router_keepalive_s),
        request_timeout_s=_dur(request_timeout, "request-timeout", base.request_timeout_s),
        queue_hold_s=base.queue_hold_s,
    )
    rate_v = DEFAULT_RATE
    if rate not in (None, ""):
        try:
            rate_v = float(rate)
        except ValueError:
            raise UsageError(f"--rate: expected a number, got {rate!r}") from None
        if not (math.isfinite(rate_v) and 0 < rate_v <= MAX_RATE):
            raise UsageError(f"--rate: more than 0 and at most {MAX_RATE:g}/s, got {rate}")
    probe_timeout = _dur(timeout, "timeout", timing.request_timeout_s + 10.0)
    if probe_timeout > 60.0:
        raise UsageError(f"--timeout: at most 60s, got {timeout}")
    size_name = size or DEFAULT_SIZE
    quota = dyno_memory_mb(size_name)
    if memory_quota not in (None, ""):
        quota = _int(memory_quota, "memory-quota", 16, 1024 * 1024)
    max_req = (
        DEFAULT_MAX_REQUESTS
        if max_requests in (None, "")
        else _int(max_requests, "max-requests", 1, MAX_REQUESTS)
    )
    max_dur = _dur(max_duration, "max-duration", DEFAULT_MAX_DURATION_S)
    if max_dur > MAX_DURATION_S:
        raise UsageError(f"--max-duration: at most {MAX_DURATION_S / 3600:g}h, got {max_duration}")
    source = os.environ if base_env is None else base_env
    app_env = {k: source[k] for k in ENV_PASSTHROUGH if k in source}
    flag_env: dict[str, str] = {}
    for item in env or ():
        if "=" not in str(item) or str(item).startswith("="):
            raise UsageError(f"--env: expected KEY=VALUE, got {item!r}")
        key, value = str(item).split("=", 1)
        flag_env[key] = value
    return RehearseOptions(
        app_dir=app_dir,
        next_dir=next_dir,
        dynos=n_dynos,
        preboot=bool(preboot),
        deploys=n_deploys,
        timing=timing,
        jvm=jvm,
        env=app_env,
        flag_env=flag_env,
        affinity=bool(affinity),
        rate=rate_v,
        path=_path(path or "/", "path"),
        long_path=_path(long_path, "long-path") if long_path else None,
        long_share=DEFAULT_LONG_SHARE
        if long_share in (None, "")
        else _share(long_share, "long-share"),
        post_share=DEFAULT_POST_SHARE
        if post_share in (None, "")
        else _share(post_share, "post-share"),
        probe_timeout_s=probe_timeout,
        warmup_s=_dur(warmup, "warmup", DEFAULT_WARMUP_S * max(factor, 0.3)),
        tail_s=_dur(tail, "tail", DEFAULT_TAIL_S * max(factor, 0.3)),
        tail_proves_keepalive=tail in (None, ""),
        size=size_name,
        memory_quota_mb=quota,
        max_requests=max_req,
        max_duration_s=max_dur,
    )
