"""Heroku's lifecycle figures in one place, and a scaled copy for fast rehearsals.

Sources: R10 boot timeout 60 s (90 s on the Java buildpack) and H12/H20 router limits,
https://devcenter.heroku.com/articles/error-codes ; 30 s from SIGTERM to SIGKILL,
https://devcenter.heroku.com/articles/dyno-shutdown-behavior ; preboot moves traffic after the
boot timeout + 2 minutes, https://devcenter.heroku.com/articles/preboot ; Router 2.0 keeps idle
connections to dynos open (keepalives), https://devcenter.heroku.com/articles/http-routing .
"""

from __future__ import annotations

from dataclasses import dataclass, replace

BOOT_TIMEOUT_S = 60.0
JVM_BOOT_TIMEOUT_S = 90.0
PREBOOT_EXTRA_S = 120.0  # preboot window = boot timeout + 2 min
SIGTERM_GRACE_S = 30.0
ROUTER_KEEPALIVE_S = 90.0
REQUEST_TIMEOUT_S = 30.0  # H12
QUEUE_HOLD_S = 75.0  # H20: the router holds requests this long while dynos start


@dataclass(frozen=True)
class Timing:
    """Every duration the runtime and router obey, in seconds of real time."""

    boot_timeout_s: float = BOOT_TIMEOUT_S
    switch_delay_s: float = BOOT_TIMEOUT_S + PREBOOT_EXTRA_S  # from new dynos starting to switch
    sigterm_grace_s: float = SIGTERM_GRACE_S
    router_keepalive_s: float = ROUTER_KEEPALIVE_S
    request_timeout_s: float = REQUEST_TIMEOUT_S
    queue_hold_s: float = QUEUE_HOLD_S

    @classmethod
    def heroku(cls, *, jvm: bool = False) -> Timing:
        boot = JVM_BOOT_TIMEOUT_S if jvm else BOOT_TIMEOUT_S
        return cls(boot_timeout_s=boot, switch_delay_s=boot + PREBOOT_EXTRA_S)

    def scaled(self, factor: float) -> Timing:
        """Every duration times `factor` (0.05: a 30 s grace becomes 1.5 s)."""
        return Timing(**{k: v * factor for k, v in self.__dict__.items()})

    def with_(self, **changes: float) -> Timing:
        return replace(self, **changes)

    def to_dict(self) -> dict[str, float]:
        return {k: round(v, 3) for k, v in self.__dict__.items()}
