"""Fault injection: make the next N matching requests slow, rate limited, failing or dropped.

Tests and benchmarks schedule faults from code (`platform.faults.add(...)`) or over HTTP
(`POST /__sandbox/faults`, same fields). The HTTP layer asks `take(method, path)` once per API
request and acts on the fault it gets; this module only decides *which* fault applies.
"""

from __future__ import annotations

import fnmatch
import threading
from dataclasses import asdict, dataclass, field

KINDS = ("status", "latency", "drop", "drop_after", "slow_body", "rate_limit")
"""drop: the connection closes before the request is handled; drop_after: the request takes
effect, then the connection closes before the answer (a lost answer)."""


class FaultError(ValueError):
    """A fault description that cannot be scheduled (bad kind, count, status...)."""


@dataclass
class Fault:
    """One scheduled fault.

    route: `"METHOD /path/glob"` (`*` matches any run of characters, `PATCH /apps/*/formation`);
    `"*"` or None matches every API request. count: how many requests it applies to (None = all,
    until cleared). status: for kind=status (default 503). seconds: delay for latency, or the total
    time a slow body takes to trickle out (in `chunks` pieces).
    """

    kind: str
    route: str | None = None
    count: int | None = 1
    status: int = 503
    seconds: float = 0.0
    chunks: int = 4
    id: int = field(default=0)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise FaultError(f"Unknown fault kind {self.kind!r}; use one of {', '.join(KINDS)}.")
        if self.count is not None and (not isinstance(self.count, int) or self.count < 1):
            raise FaultError(f"Fault count must be a positive integer or null, not {self.count!r}.")
        if self.kind == "status" and not 400 <= int(self.status) <= 599:
            raise FaultError(f"Fault status must be 4xx or 5xx, not {self.status!r}.")
        if self.seconds < 0 or self.chunks < 1:
            raise FaultError("Fault seconds must be >= 0 and chunks >= 1.")
        if self.kind == "latency" and self.seconds == 0:
            raise FaultError("A latency fault needs seconds > 0.")

    def matches(self, method: str, path: str) -> bool:
        if self.route in (None, "*", ""):
            return True
        want_method, _, want_path = self.route.partition(" ")
        if not want_path:  # a bare path glob matches every method
            want_method, want_path = "*", want_method
        if want_method != "*" and want_method.upper() != method.upper():
            return False
        return fnmatch.fnmatchcase(path, want_path)

    def to_dict(self) -> dict:
        return asdict(self)


class FaultSet:
    """Thread-safe schedule: the test thread adds, the server thread takes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._next_id = 1

    def add(self, kind: str, route: str | None = None, count: int | None = 1, **opts) -> Fault:
        """Schedule a fault; returns it (its `id` can be used with `remove`)."""
        fault = Fault(kind=kind, route=route, count=count, **opts)
        with self._lock:
            fault.id = self._next_id
            self._next_id += 1
            self._faults.append(fault)
        return fault

    def add_dict(self, spec: dict) -> Fault:
        """Schedule from a JSON body; unknown keys are refused so typos don't pass silently."""
        allowed = {"kind", "route", "count", "status", "seconds", "chunks"}
        extra = set(spec) - allowed
        if extra:
            raise FaultError(f"Unknown fault field(s): {', '.join(sorted(extra))}.")
        if "kind" not in spec:
            raise FaultError("A fault needs a 'kind'.")
        return self.add(**spec)

    def take(self, method: str, path: str) -> list[Fault]:
        """The faults that apply to this request (one per kind, oldest first), using them up."""
        taken: list[Fault] = []
        with self._lock:
            kinds: set[str] = set()
            for fault in list(self._faults):
                if fault.kind in kinds or not fault.matches(method, path):
                    continue
                kinds.add(fault.kind)
                taken.append(fault)
                if fault.count is not None:
                    fault.count -= 1
                    if fault.count == 0:
                        self._faults.remove(fault)
        return taken

    def remove(self, fault_id: int) -> None:
        with self._lock:
            self._faults = [f for f in self._faults if f.id != fault_id]

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def pending(self) -> list[dict]:
        with self._lock:
            return [f.to_dict() for f in self._faults]
