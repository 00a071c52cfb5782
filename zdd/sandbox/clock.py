"""The sandbox clock: every lifecycle rule (release phase, dyno boot, preboot window, token expiry,
the rate-limit bucket) reads sandbox time from one of these, never `time.time()` directly.

`SandboxClock(factor=F)` runs F times faster than real time, so a 3-minute preboot window takes
0.18 s at F=1000 in a test and real minutes at F=1 in a demo; `ManualClock` only moves when a test
steps it. Both are plain callables returning epoch seconds, so `Platform(clock=time.time)` still
works.
"""

from __future__ import annotations

import threading
import time


class SandboxClock:
    """Sandbox time: real time since construction times `factor`, plus every `advance()`.

    Changing `factor` re-anchors at the current sandbox time, so time never jumps backwards.
    """

    def __init__(self, factor: float = 1.0, start: float | None = None) -> None:
        if factor < 0:
            raise ValueError("the clock factor must be >= 0")
        self._lock = threading.Lock()
        self._anchor_real = time.monotonic()
        self._anchor = time.time() if start is None else float(start)
        self._factor = float(factor)

    def __call__(self) -> float:
        with self._lock:
            return self._anchor + (time.monotonic() - self._anchor_real) * self._factor

    @property
    def factor(self) -> float:
        return self._factor

    @factor.setter
    def factor(self, value: float) -> None:
        if value < 0:
            raise ValueError("the clock factor must be >= 0")
        now = self()
        with self._lock:
            self._anchor, self._anchor_real, self._factor = now, time.monotonic(), float(value)

    def advance(self, seconds: float) -> None:
        """Step sandbox time forward (a preboot window can be skipped without waiting)."""
        if seconds < 0:
            raise ValueError("the sandbox clock never goes backwards")
        with self._lock:
            self._anchor += seconds

    def sleep(self, seconds: float) -> None:
        """Wait `seconds` of sandbox time: real seconds / factor; a stopped clock is advanced."""
        if seconds <= 0:
            return
        if self._factor == 0:
            self.advance(seconds)
            return
        end = self() + seconds
        while (left := end - self()) > 0:
            time.sleep(min(left / self._factor, 0.05))

    def to_dict(self) -> dict:
        return {"now": round(self(), 3), "factor": self._factor}


class ManualClock(SandboxClock):
    """A stopped clock for tests: `clock.advance(30)` ends a 30 s preboot window, no sleep.

    `clock.now` may also be assigned directly (older tests do).
    """

    def __init__(self, start: float | None = None) -> None:
        super().__init__(factor=0.0, start=start)

    def __call__(self) -> float:
        return self._anchor

    @property
    def now(self) -> float:
        return self._anchor

    @now.setter
    def now(self, value: float) -> None:
        self._anchor = float(value)

    @property
    def factor(self) -> float:
        return 0.0

    @factor.setter
    def factor(self, value: float) -> None:
        raise ValueError("a ManualClock only moves with advance(); use SandboxClock(factor=...)")


def clock_factor(clock) -> float | None:
    """The factor of a sandbox clock, 1.0 for a plain real-time callable, None if unknown."""
    if isinstance(clock, SandboxClock):
        return clock.factor
    if clock is time.time:
        return 1.0
    return None
